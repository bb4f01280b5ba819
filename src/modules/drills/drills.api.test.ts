import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { systemContext } from '../../platform/context.js';
import { createWorker, startTestServer, type TestServer } from '../../../test/support/server.js';

const PLAYBOOK = `name: Drill test
on: [incident.created]
when: incident.severity in ['high', 'medium'] and vendor.tier == 'T1' and 'personal' in incident.impact.dataCategories
steps:
  - id: isolate
    type: task
    team: it
    title: Isolate {{vendor.name}} hosts
    due: 1h
  - id: go-ahead
    type: approval
    team: security
    title: Approve containment
    due: 2h
    branches:
      - when: answer.approved == true
        next: raise
      - next: end
  - id: raise
    type: set
    severity: critical
`;

async function json<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 800));
  return (text ? JSON.parse(text) : null) as T;
}

describeEachEngine('drills API', ({ engine }) => {
  let server: TestServer;
  let vendor: { id: string; name: string; tier: string };
  let playbookId: string;
  const drain = () => createWorker(server.tw).drain();

  before(async () => {
    server = await startTestServer(engine);
    vendor = await json(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Softphone Ltd', domains: ['softphone.example'], criticality: 4, shipsSoftware: true, autoUpdate: true, accessLevel: 'privileged', dataCategories: ['personal'] } }), 201);
    assert.equal(vendor.tier, 'T1');
    playbookId = (await json(await server.api('/api/v1/playbooks', { method: 'POST', role: 'analyst', json: { yaml: PLAYBOOK } }), 201)).id;
  });
  after(async () => {
    await server?.close();
  });

  test('a drill runs the playbook on a synthetic incident; people answer its tasks; the report says who answered when and is frozen at finish', async () => {
    const started = await json(await server.api('/api/v1/drills', { method: 'POST', role: 'responder', json: { playbookId } }), 201);
    // The scenario the trigger accepts: the most severe severity it names, its tier's vendor, its data category.
    assert.equal(started.status, 'running');
    assert.deepEqual([started.scenario.severity, started.scenario.vendorId, started.scenario.impact.dataCategories], ['high', vendor.id, ['personal']]);
    assert.equal(started.vendorName, 'Softphone Ltd');
    assert.equal(started.playbookVersion, 1);
    assert.ok(started.incidentId && started.runId);

    // Real lists leave the drill's incident out; the playbook did not also start by its own trigger.
    const real = await json(await server.api('/api/v1/incidents'), 200);
    assert.ok(!real.items.some((i: { id: string }) => i.id === started.incidentId));
    const runs = await server.tw.services.playbooks.runsOf({ incidentId: started.incidentId });
    assert.deepEqual(runs.map((r) => [r.id, r.drillId]), [[started.runId, started.id]]);

    await drain();
    let drill = await json(await server.api(`/api/v1/drills/${started.id}`, { role: 'viewer' }), 200);
    const step = (id: string) => drill.report.steps.find((s: { stepId: string }) => s.stepId === id);
    assert.deepEqual([step('isolate').status, step('go-ahead').status, step('raise').status], ['done', 'waiting', 'pending']);
    assert.deepEqual([step('isolate').plannedSeconds, step('go-ahead').plannedSeconds, step('raise').plannedSeconds], [3600, 7200, null]);
    assert.deepEqual(drill.report.responses.map((r: { team: string; status: string }) => [r.team, r.status]), [['it', 'open'], ['security', 'open']]);

    // Participants answer through the incident, as in a real one.
    const [isolate, approval] = drill.report.responses;
    await json(await server.api(`/api/v1/incidents/${started.incidentId}/tasks/${isolate.taskId}/complete`, { method: 'POST', role: 'responder', json: {} }), 200);
    await json(await server.api(`/api/v1/incidents/${started.incidentId}/tasks/${approval.taskId}/complete`, { method: 'POST', role: 'analyst', json: { answer: { approved: true } } }), 200);
    await drain();
    drill = await json(await server.api(`/api/v1/drills/${started.id}`), 200);
    assert.deepEqual([step('go-ahead').status, step('raise').status, drill.report.run.status], ['done', 'done', 'done']);
    assert.deepEqual(drill.report.responses.map((r: { completedBy: string; secondsToRespond: number | null }) => [r.completedBy, r.secondsToRespond !== null]), [['token:test-responder', true], ['token:test-analyst', true]]);
    assert.equal((await server.tw.services.incidents.get(started.incidentId)).severity, 'critical');
    assert.deepEqual([drill.report.summary.steps, drill.report.summary.stepsDone, drill.report.summary.tasksDone, drill.report.summary.overruns], [3, 3, 2, 0]);

    const finished = await json(await server.api(`/api/v1/drills/${started.id}/finish`, { method: 'POST', role: 'responder' }), 200);
    assert.equal(finished.status, 'finished');
    assert.equal(finished.finishedBy, 'token:test-responder');
    const again = await json(await server.api(`/api/v1/drills/${started.id}`), 200);
    assert.equal(again.report.generatedAt, finished.report.generatedAt, 'a finished report is frozen');
    const twice = await json(await server.api(`/api/v1/drills/${started.id}/finish`, { method: 'POST' }), 409);
    assert.match(twice.detail, /finished/);

    const list = await json(await server.api(`/api/v1/drills?vendorId=${vendor.id}`, { role: 'auditor' }), 200);
    assert.deepEqual(list.items.map((d: { id: string; status: string }) => [d.id, d.status]), [[started.id, 'finished']]);
    const audit = await json(await server.api(`/api/v1/audit?entityType=drill&entityId=${started.id}`, { role: 'auditor' }), 200);
    assert.deepEqual(audit.items.map((e: { action: string }) => e.action).sort(), ['drill.finish', 'drill.start']);
  });

  test('finishing a drill whose run still waits ends the run: a task answered later moves nothing; step titles are rendered', async () => {
    const started = await json(await server.api('/api/v1/drills', { method: 'POST', role: 'responder', json: { playbookId } }), 201);
    await drain();
    const live = await json(await server.api(`/api/v1/drills/${started.id}`), 200);
    assert.equal(live.report.steps[0].title, 'Isolate Softphone Ltd hosts');
    const approval = live.report.responses.find((r: { stepId: string }) => r.stepId === 'go-ahead');

    const finished = await json(await server.api(`/api/v1/drills/${started.id}/finish`, { method: 'POST', role: 'responder' }), 200);
    const step = (id: string) => finished.report.steps.find((s: { stepId: string }) => s.stepId === id);
    assert.equal(finished.report.run.status, 'cancelled');
    assert.deepEqual([step('isolate').status, step('go-ahead').status, step('raise').status], ['done', 'skipped', 'pending']);
    const [run] = await server.tw.services.playbooks.runsOf({ drillId: started.id });
    assert.match(run!.error ?? '', /the drill was finished by token:test-responder/);

    await json(await server.api(`/api/v1/incidents/${started.incidentId}/tasks/${approval.taskId}/complete`, { method: 'POST', role: 'analyst', json: { answer: { approved: true } } }), 200);
    await drain();
    const [after] = await server.tw.services.playbooks.runsOf({ drillId: started.id });
    assert.equal(after!.status, 'cancelled');
    assert.equal(after!.steps.find((s) => s.stepId === 'raise')?.status ?? 'not reached', 'not reached');
    assert.equal((await server.tw.services.incidents.get(started.incidentId)).severity, 'high', 'the set step never ran');
  });

  test('the CLI path: drive answers what the scenario answers, the rest with --answer-tasks, and finishes a run that ended', async () => {
    const ctx = systemContext('drill test');
    const started = await server.tw.services.drills.start({ playbookId, scenario: { severity: 'medium', answers: { 'go-ahead': { approved: false, comment: 'not yet' } } } }, ctx);
    const waiting = await server.tw.services.drills.drive(started.id, { drain }, ctx);
    // The scenario answers the approval (no: the run ends there); the plain task is not held for and stays open without --answer-tasks.
    assert.equal(waiting.report.steps.find((s) => s.stepId === 'raise')!.status, 'pending');
    assert.equal(waiting.status, 'finished');
    assert.deepEqual(waiting.report.responses.map((r) => [r.team, r.status]), [['it', 'open'], ['security', 'done']]);
    assert.equal(waiting.scenario.severity, 'medium');

    const all = await server.tw.services.drills.start({ playbookId }, ctx);
    const done = await server.tw.services.drills.drive(all.id, { drain, answerTasks: true }, ctx);
    assert.equal(done.status, 'finished');
    assert.deepEqual(done.report.responses.map((r) => r.status), ['done', 'done']);
    assert.equal(done.report.steps.find((s) => s.stepId === 'raise')!.status, 'done');
  });

  test('bad starts: unknown playbook or vendor, missing permission, no vendor of the tier', async () => {
    const unknown = await json(await server.api('/api/v1/drills', { method: 'POST', json: { playbookId: '01900000-0000-7000-8000-000000000000' } }), 400);
    assert.equal(unknown.errors[0].field, '/playbookId');
    const noVendor = await json(await server.api('/api/v1/drills', { method: 'POST', json: { playbookId, scenario: { vendorId: '01900000-0000-7000-8000-000000000000' } } }), 400);
    assert.equal(noVendor.errors[0].field, '/scenario/vendorId');
    await json(await server.api('/api/v1/drills', { method: 'POST', role: 'viewer', json: { playbookId } }), 403);
    const extra = await json(await server.api('/api/v1/drills', { method: 'POST', json: { playbookId, scenario: { severity: 'apocalyptic' } } }), 400);
    assert.equal(extra.errors[0].field, '/scenario/severity');
    const t3 = (await json(await server.api('/api/v1/playbooks', { method: 'POST', json: { yaml: PLAYBOOK.replace("'T1'", "'T3'").replace('Drill test', 'Tier three') } }), 201)).id;
    const none = await json(await server.api('/api/v1/drills', { method: 'POST', json: { playbookId: t3 } }), 422);
    assert.match(none.detail, /no vendor of tier T3/);
    await json(await server.api('/api/v1/drills/01900000-0000-7000-8000-000000000000'), 404);
  });

  test('schedules per tier start due drills once, rotate through the tier, and say why one could not start', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const schedule = await json(await server.api('/api/v1/drill-schedules', { method: 'POST', role: 'analyst', json: { tier: 'T1', playbookId, everyDays: 30, nextRunAt: past } }), 201);
    assert.equal(schedule.playbookName, 'Drill test');
    await json(await server.api('/api/v1/drill-schedules', { method: 'POST', json: { tier: 'T1', playbookId, everyDays: 7 } }), 409);
    await json(await server.api('/api/v1/drill-schedules', { method: 'POST', role: 'responder', json: { tier: 'T2', playbookId, everyDays: 7 } }), 403);
    const t4 = await json(await server.api('/api/v1/drill-schedules', { method: 'POST', json: { tier: 'T4', playbookId, everyDays: 1, nextRunAt: past } }), 201);

    const ctx = systemContext('drill scheduler');
    const [first, second] = await Promise.all([server.tw.services.drills.runDue(ctx), server.tw.services.drills.runDue(ctx)]);
    assert.equal(first.started.length + second.started.length, 1, `a due schedule starts one drill however many schedulers run: ${JSON.stringify([first, second])}`);
    const drillId = [...first.started, ...second.started][0];
    const drill = await json(await server.api(`/api/v1/drills/${drillId}`), 200);
    assert.deepEqual([drill.scheduleId, drill.vendorId, drill.startedBy], [schedule.id, vendor.id, 'drill scheduler']);
    const items = (await json(await server.api('/api/v1/drill-schedules'), 200)).items as Array<{ id: string; nextRunAt: string; lastDrillId: string | null; lastError: string | null }>;
    const moved = items.find((s) => s.id === schedule.id)!;
    assert.equal(moved.lastDrillId, drillId);
    assert.ok(Date.parse(moved.nextRunAt) > Date.now() + 29 * 86_400_000);
    assert.match(items.find((s) => s.id === t4.id)!.lastError ?? '', /no vendor of tier T4/);
    assert.deepEqual((await server.tw.services.drills.runDue(ctx)).started, []);

    const paused = await json(await server.api(`/api/v1/drill-schedules/${schedule.id}`, { method: 'PATCH', role: 'analyst', json: { enabled: false, everyDays: 90 } }), 200);
    assert.deepEqual([paused.enabled, paused.everyDays], [false, 90]);
    await json(await server.api(`/api/v1/drill-schedules/${schedule.id}`, { method: 'PATCH', json: {} }), 400);
    await json(await server.api(`/api/v1/drill-schedules/${t4.id}`, { method: 'DELETE', role: 'analyst' }), 204);
    await json(await server.api(`/api/v1/drill-schedules/${t4.id}`, { method: 'DELETE' }), 404);
  });
});
