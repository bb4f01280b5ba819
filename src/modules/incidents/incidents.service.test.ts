import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { systemContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import type { IncidentEvent } from './incidents.schemas.js';

const ctx = systemContext('incident test');

/** The service API other modules call (clocks, playbooks, portal, drills), in their transactions. */
describeEachEngine('incident service', ({ engine }) => {
  let server: TestServer;
  let vendorId = '';
  const events: IncidentEvent[] = [];

  before(async () => {
    server = await startTestServer(engine);
    const res = await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Acme Telecom', criticality: 4, shipsSoftware: true, autoUpdate: true } });
    vendorId = ((await res.json()) as { id: string }).id;
    server.tw.services.incidents.onEvent(async (trx, event) => {
      // Listeners run inside the writer's transaction: the incident is visible through trx.
      const row = await trx.selectFrom('incidents').select('status').where('id', '=', event.incidentId).executeTakeFirst();
      assert.ok(row, 'the listener sees the incident in the writing transaction');
      events.push(event);
    });
  });
  after(() => server.close());

  test('create, the workflow with its timestamps, tasks with forms, and the events listeners get', async () => {
    const incidents = server.tw.services.incidents;
    const db = server.tw.database.db;
    events.length = 0;
    const created = await incidents.create({ title: 'Softphone installer trojanised', severity: 'critical', vendorIds: [vendorId], impact: { dataCategories: ['personal'] } }, ctx);
    assert.equal(created.status, 'new');
    assert.equal(created.source, 'manual');
    assert.deepEqual(created.vendorIds, [vendorId]);
    assert.deepEqual(created.impact, { dataCategories: ['personal'], systems: [], records: null, serviceIds: [] });
    assert.deepEqual(events.map((e) => e.type), ['incident.created']);

    await db.transaction().execute((trx) => incidents.setStatus(trx, created.id, 'contained', ctx, 'hosts isolated'));
    let detail = await incidents.get(created.id);
    assert.equal(detail.status, 'contained');
    // Skipping acknowledged: it is reached with contained.
    assert.ok(detail.acknowledgedAt && detail.acknowledgedAt === detail.containedAt);
    await assert.rejects(db.transaction().execute((trx) => incidents.setStatus(trx, created.id, 'acknowledged', ctx)), (e: AppError) => e.status === 409);

    const { id: taskId } = await db.transaction().execute((trx) =>
      incidents.addTask(trx, created.id, { team: 'legal', title: 'Approve the notification', dueAt: new Date(Date.now() + 3_600_000).toISOString(), form: { fields: [{ id: 'decision', label: 'Decision', type: 'choice', options: ['approve', 'reject'] }] }, runId: '0190aaaa-0000-7000-8000-000000000001', stepId: 'approve' }, ctx),
    );
    // The same run and step again: the same task (a retried playbook step adds nothing).
    const again = await db.transaction().execute((trx) => incidents.addTask(trx, created.id, { team: 'legal', title: 'Approve the notification', dueAt: null, runId: '0190aaaa-0000-7000-8000-000000000001', stepId: 'approve' }, ctx));
    assert.equal(again.id, taskId);
    await assert.rejects(incidents.completeTask(created.id, taskId, { decision: 'maybe' }, ctx), (e: AppError) => e.status === 422 && e.errors[0].field === '/answer/decision');
    await assert.rejects(incidents.completeTask(created.id, taskId, {}, ctx), (e: AppError) => e.status === 422 && /required/.test(e.errors[0].reason));
    const done = await incidents.completeTask(created.id, taskId, { decision: 'approve' }, ctx);
    assert.equal(done.status, 'done');
    assert.deepEqual(done.answer, { decision: 'approve' });
    await assert.rejects(incidents.completeTask(created.id, taskId, { decision: 'approve' }, ctx), (e: AppError) => e.status === 409);

    await db.transaction().execute((trx) => incidents.update(trx, created.id, { severity: 'high', impact: { records: 1200 } }, ctx));
    // No change: nothing recorded, nothing emitted.
    await db.transaction().execute((trx) => incidents.update(trx, created.id, { severity: 'high' }, ctx));
    await db.transaction().execute((trx) => incidents.addEvent(trx, created.id, { kind: 'playbook', text: 'Step notify ran', data: { stepId: 'notify' } }, ctx));
    detail = await incidents.get(created.id);
    assert.equal(detail.severity, 'high');
    assert.equal(detail.impact.records, 1200);
    assert.deepEqual(detail.impact.dataCategories, ['personal']);
    assert.deepEqual(
      events.map((e) => [e.type, e.changes ?? null, e.taskId ?? null]),
      [['incident.created', null, null], ['incident.status', ['status'], null], ['task.completed', null, taskId], ['incident.updated', ['severity', 'impact'], null]],
    );
    // The shipped playbooks and the clocks (their own modules, listening) add their events too: only this test's are compared.
    const own = detail.events.filter((e) => !e.kind.startsWith('clock.') && (e.kind !== 'playbook' || e.text === 'Step notify ran'));
    assert.deepEqual(own.map((e) => e.kind), ['created', 'status', 'task', 'task-completed', 'updated', 'playbook']);

    await db.transaction().execute((trx) => incidents.setStatus(trx, created.id, 'closed', ctx));
    await assert.rejects(db.transaction().execute((trx) => incidents.setStatus(trx, created.id, 'recovered', ctx)), (e: AppError) => e.status === 409);
    await db.transaction().execute((trx) => incidents.setStatus(trx, created.id, 'acknowledged', ctx, 'the vendor found a second implant'));
    detail = await incidents.get(created.id);
    assert.equal(detail.status, 'acknowledged');
    assert.equal(detail.closedAt, null);
    assert.equal(detail.events.at(-1)!.kind, 'reopened');
    const audit = await db.selectFrom('audit_events').select('action').where('entity_id', '=', created.id).orderBy('seq').execute();
    // As a set: a shipped playbook's start is audited as an incident.event right after the create.
    assert.deepEqual([...new Set(audit.map((a) => a.action))].sort(), ['incident.create', 'incident.event', 'incident.reopen', 'incident.status', 'incident.task.complete', 'incident.task.create', 'incident.update']);
  });

  test('a drill incident carries its drill id and stays out of the real list', async () => {
    const incidents = server.tw.services.incidents;
    const drillId = '0190bbbb-0000-7000-8000-000000000002';
    const events0 = events.length;
    const row = await server.tw.database.db.transaction().execute((trx) => incidents.createIn(trx, { title: 'Drill: vendor ransomware', severity: 'high', vendorIds: [vendorId] }, ctx, { drillId }));
    assert.equal(row.drill_id, drillId);
    assert.deepEqual(events.slice(events0).map((e) => [e.type, e.drillId]), [['incident.created', drillId]]);
    const real = await incidents.list({});
    assert.ok(!real.items.some((i) => i.id === row.id));
    const drill = await incidents.list({ drillId });
    assert.deepEqual(drill.items.map((i) => i.id), [row.id]);
  });

  test('a listener that throws rolls the write back', async () => {
    const incidents = server.tw.services.incidents;
    const before = (await incidents.list({ q: 'rollback' })).items.length;
    await assert.rejects(
      server.tw.database.db.transaction().execute(async (trx) => {
        await incidents.createIn(trx, { title: 'rollback probe', severity: 'low' }, ctx);
        throw new Error('caller failed');
      }),
      /caller failed/,
    );
    assert.equal((await incidents.list({ q: 'rollback' })).items.length, before);
  });

  test('the same report sent twice at once opens one incident: the second is its duplicate', async () => {
    const incidents = server.tw.services.incidents;
    const portal = { actor: { type: 'portal' as const, id: null, name: 'portal:Acme', role: 'portal' as const, vendorId }, requestId: null };
    const report = { title: 'Ransomware in our hosting', description: 'Encrypted hypervisors', detectedAt: new Date().toISOString(), indicators: [{ type: 'ipv4' as const, value: '203.0.113.9' }], contact: { name: 'Acme SOC' } };
    const results = await Promise.all([incidents.vendorReport(report, vendorId, portal), incidents.vendorReport(report, vendorId, portal)]);
    const ids = new Set(results.map((r) => r.incident.id));
    assert.equal(ids.size, 1);
    assert.deepEqual(results.map((r) => r.duplicateOf).filter(Boolean), [[...ids][0]]);
  });
});
