import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildReport, deriveScenario, nextRunAfter } from './drills.service.js';

test('the default scenario takes what the trigger names: most severe severity, source, tier, data categories', () => {
  assert.deepEqual(deriveScenario("incident.severity in ['high', 'critical'] and vendor.tier == 'T2' and incident.source == \"vendor\" and 'personal' in incident.impact.dataCategories"), {
    severity: 'critical',
    source: 'vendor',
    tier: 'T2',
    dataCategories: ['personal'],
  });
  assert.deepEqual(deriveScenario("contains(incident.impact.dataCategories, 'health') and len(incident.indicatorTypes) > 0"), {
    severity: 'critical',
    source: 'manual',
    tier: 'T1',
    dataCategories: ['health'],
  });
  assert.deepEqual(deriveScenario(null), { severity: 'critical', source: 'manual', tier: 'T1', dataCategories: [] });
  // A literal that only looks like a tier, outside any tier comparison, is not taken as one.
  assert.equal(deriveScenario("incident.title == 'T3'").tier, 'T1');
});

test('deriving a scenario from a hostile expression is bounded', () => {
  const started = process.hrtime.bigint();
  deriveScenario(`'${"\\'".repeat(50_000)}`);
  deriveScenario(`${"contains(incident.impact.dataCategories, '".repeat(5_000)}`);
  assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 500);
});

test('schedules move to the next slot after now, never firing a backlog', () => {
  const now = new Date('2026-03-10T12:00:00.000Z');
  assert.equal(nextRunAfter('2026-03-10T11:00:00.000Z', 7, now), '2026-03-17T11:00:00.000Z');
  assert.equal(nextRunAfter('2026-01-01T00:00:00.000Z', 30, now), '2026-04-01T00:00:00.000Z');
});

test('the report sets each step planned against actual and names who answered when', () => {
  const at = (m: number) => new Date(Date.parse('2026-03-29T10:00:00.000Z') + m * 60_000).toISOString();
  const report = buildReport({
    startedAt: at(0),
    finishedAt: null,
    now: new Date(at(90)),
    definition: [
      { id: 'isolate', type: 'task', title: 'Isolate hosts', team: 'it', dueSeconds: 3600 },
      { id: 'legal', type: 'task', title: 'Assess notification duty', team: 'legal', dueSeconds: 3600 },
      { id: 'block', type: 'block', title: null, team: null, dueSeconds: null },
      { id: 'later', type: 'notify', title: null, team: null, dueSeconds: null },
    ],
    run: {
      id: 'run-1',
      status: 'waiting',
      playbookVersion: 3,
      startedAt: at(0),
      finishedAt: null,
      steps: [
        { stepId: 'isolate', status: 'done', startedAt: at(0), finishedAt: at(0), output: null, error: null },
        { stepId: 'legal', status: 'done', startedAt: at(0), finishedAt: at(0), output: null, error: null },
        { stepId: 'block', status: 'failed', startedAt: at(1), finishedAt: at(1), output: null, error: 'first attempt' },
        { stepId: 'block', status: 'done', startedAt: at(2), finishedAt: at(3), output: null, error: null },
      ],
    },
    tasks: [
      { id: 't1', team: 'it', title: 'Isolate hosts', owner: null, status: 'done', dueAt: at(60), createdAt: at(0), completedBy: 'Ida', completedAt: at(30), stepId: 'isolate', runId: 'run-1', form: null },
      { id: 't2', team: 'legal', title: 'Assess', owner: 'Lee', status: 'open', dueAt: at(60), createdAt: at(0), completedBy: null, completedAt: null, stepId: 'legal', runId: 'run-1', form: null },
      { id: 't3', team: 'it', title: 'Another run', owner: null, status: 'open', dueAt: null, createdAt: at(0), completedBy: null, completedAt: null, stepId: 'x', runId: 'run-2', form: null },
    ],
    captured: [{ kind: 'block', at: at(3), stepId: 'block', target: 'evil.example', summary: 'staged', detail: {} }],
  });
  const byId = new Map(report.steps.map((s) => [s.stepId, s]));
  assert.deepEqual([byId.get('isolate')!.actualSeconds, byId.get('isolate')!.overrun], [1800, false]);
  assert.deepEqual([byId.get('legal')!.actualSeconds, byId.get('legal')!.overrun, byId.get('legal')!.overrunSeconds], [5400, true, 1800]);
  assert.deepEqual([byId.get('block')!.status, byId.get('block')!.actualSeconds], ['done', 60]);
  assert.deepEqual([byId.get('later')!.status, byId.get('later')!.actualSeconds], ['pending', null]);
  assert.deepEqual(report.responses.map((r) => [r.taskId, r.completedBy, r.secondsToRespond, r.overdue]), [['t1', 'Ida', 1800, false], ['t2', null, null, true]]);
  assert.equal(report.durationSeconds, 5400);
  assert.deepEqual({ ...report.summary }, { steps: 4, stepsDone: 3, stepsWaiting: 0, stepsFailed: 0, overruns: 1, tasks: 2, tasksDone: 1, notifications: 0, webhooks: 0, blocks: 1, questionnaires: 0 });
});
