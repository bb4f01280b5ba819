import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { newId } from '../../platform/ids.js';
import { createWorker, startTestServer, type TestServer } from '../../../test/support/server.js';
import type { Clock, RunningClock } from './incidents.clocks.schemas.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return text ? (JSON.parse(text) as T) : (undefined as T);
}

const MINUTE = 60_000;
const ctx = systemContext('clock test');

describeEachEngine('incident clocks', ({ engine }) => {
  let server: TestServer;
  let vendorId: string;
  /** A real webhook receiver on 127.0.0.1: what the escalation of a breach posts. */
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });

  before(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    server = await startTestServer(engine, { THIRDWATCH_ALLOW_PRIVATE_WEBHOOKS: 'true' });
    vendorId = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: '3CX' } }), 201)).id;
  });
  after(async () => {
    await server?.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  const clocksOf = async (id: string, role: 'admin' | 'viewer' = 'admin') => Object.fromEntries((await json<{ items: Clock[] }>(await server.api(`/api/v1/incidents/${id}/clocks`, { role }))).items.map((c) => [c.kind, c]));
  const create = (input: Partial<Parameters<TestServer['tw']['services']['incidents']['create']>[0]> = {}, drillId?: string) =>
    server.tw.services.incidents.create({ title: 'Trojanised softphone installer', severity: 'critical', vendorIds: [vendorId], ...input }, ctx, { drillId });

  test('a new incident gets its SLA clocks, and GDPR when personal data is affected; the workflow and severity move them', async () => {
    const incident = await create({ impact: { dataCategories: ['personal', 'internal'] } });
    let clocks = await clocksOf(incident.id, 'viewer');
    assert.deepEqual(Object.keys(clocks).sort(), ['gdpr-72h', 'sla-acknowledge', 'sla-contain', 'sla-resolve']);
    const created = Date.parse(incident.createdAt);
    assert.equal(Date.parse(clocks['sla-acknowledge'].dueAt) - created, 15 * MINUTE);
    assert.equal(Date.parse(clocks['sla-resolve'].dueAt) - created, 24 * 60 * MINUTE);
    assert.equal(clocks['gdpr-72h'].regulatory, true);
    assert.equal(clocks['gdpr-72h'].state, 'running');
    assert.match(clocks['gdpr-72h'].basis, /personal data affected \(personal\)/);
    const detail = await server.tw.services.incidents.get(incident.id);
    assert.ok(detail.events.some((e) => e.kind === 'clock.started' && /GDPR/.test(e.text)), 'the GDPR clock is on the timeline');

    await server.tw.services.incidents.changeStatus(incident.id, 'acknowledged', ctx);
    clocks = await clocksOf(incident.id);
    assert.equal(clocks['sla-acknowledge'].state, 'met');
    assert.equal(clocks['sla-contain'].state, 'running');

    // Lowering the severity moves the running SLA clocks (medium: contain within 2 days).
    await server.tw.services.incidents.edit(incident.id, { severity: 'medium' }, ctx);
    clocks = await clocksOf(incident.id);
    assert.equal(Date.parse(clocks['sla-contain'].dueAt) - created, 2 * 24 * 60 * MINUTE);
    // Personal data no longer affected: the GDPR clock is withdrawn, and said so.
    await server.tw.services.incidents.edit(incident.id, { impact: { dataCategories: ['internal'] } }, ctx);
    clocks = await clocksOf(incident.id);
    assert.equal(clocks['gdpr-72h'].state, 'withdrawn');
    // A false positive stops everything still running.
    await server.tw.services.incidents.changeStatus(incident.id, 'false-positive', ctx);
    clocks = await clocksOf(incident.id);
    assert.deepEqual([clocks['sla-contain'].state, clocks['sla-resolve'].state], ['false-positive', 'false-positive']);
    assert.equal(clocks['sla-acknowledge'].state, 'met', 'a met clock stays met');
  });

  test('a regulatory clock is completed with the authority\'s reference, once, audited; SLA clocks and bad input are refused', async () => {
    const incident = await create({ impact: { dataCategories: ['special-category'] } });
    const path = `/api/v1/incidents/${incident.id}/clocks`;
    await json(await server.api(`${path}/gdpr-72h/complete`, { method: 'POST', role: 'viewer', json: { reference: 'DPA-1' } }), 403);
    const blank = await json<{ errors: Array<{ field: string }> }>(await server.api(`${path}/gdpr-72h/complete`, { method: 'POST', json: { reference: '   ' } }), 400);
    assert.equal(blank.errors[0].field, '/reference');
    await json(await server.api(`${path}/gdpr-72h/complete`, { method: 'POST', json: {} }), 400);
    await json(await server.api(`${path}/not-a-clock/complete`, { method: 'POST', json: { reference: 'x' } }), 400);
    await json(await server.api(`${path}/sla-resolve/complete`, { method: 'POST', json: { reference: 'x' } }), 409);
    await json(await server.api(`${path}/nis2-notification/complete`, { method: 'POST', json: { reference: 'x' } }), 404);
    await json(await server.api(`/api/v1/incidents/${newId()}/clocks/gdpr-72h/complete`, { method: 'POST', json: { reference: 'x' } }), 404);
    await json(await server.api(`/api/v1/incidents/${newId()}/clocks`), 404);

    const done = await json<Clock>(await server.api(`${path}/gdpr-72h/complete`, { method: 'POST', role: 'responder', json: { reference: 'DPA-2026-0042', note: 'Filed through the DPA portal' } }));
    assert.deepEqual([done.state, done.reference, done.note, done.completedBy], ['completed', 'DPA-2026-0042', 'Filed through the DPA portal', 'token:test-responder']);
    await json(await server.api(`${path}/gdpr-72h/complete`, { method: 'POST', json: { reference: 'again' } }), 409);
    // Removing the personal data afterwards does not undo a filed report.
    await server.tw.services.incidents.edit(incident.id, { impact: { dataCategories: [] } }, ctx);
    assert.equal((await clocksOf(incident.id))['gdpr-72h'].state, 'completed');

    const audit = await json<{ items: Array<{ action: string; after: { reference?: string } }> }>(await server.api(`/api/v1/audit?entityId=${incident.id}`));
    const entry = audit.items.find((e) => e.action === 'incident-clock.complete');
    assert.equal(entry?.after.reference, 'DPA-2026-0042');
    const detail = await server.tw.services.incidents.get(incident.id);
    assert.ok(detail.events.some((e) => e.kind === 'clock.completed' && e.text.includes('DPA-2026-0042')));
  });

  test('the breach job marks each overdue clock once, on the timeline, escalated (a drill\'s only captured); the board lists running clocks soonest first', async () => {
    const port = (receiver.address() as AddressInfo).port;
    await json(await server.api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'On-call', type: 'webhook', config: { url: `http://127.0.0.1:${port}/breach`, secret: 'a-long-enough-shared-secret-0123456789' }, events: ['clock.breached'] } }), 201);
    const real = await create({ title: 'Breach me' });
    const drillId = newId();
    const drill = await create({ title: 'Drill breach' }, drillId);
    const running = await json<{ items: RunningClock[] }>(await server.api('/api/v1/incidents/clocks', { role: 'viewer' }));
    assert.ok(running.items.some((c) => c.incidentId === real.id && c.incidentTitle === 'Breach me'));
    assert.ok(!running.items.some((c) => c.incidentId === drill.id), 'drill clocks stay off the real board');
    assert.deepEqual(running.items.map((c) => c.dueAt), [...running.items.map((c) => c.dueAt)].sort());
    const drillClocks = await json<{ items: RunningClock[] }>(await server.api(`/api/v1/incidents/clocks?drillId=${drillId}`));
    assert.deepEqual([...new Set(drillClocks.items.map((c) => c.incidentId))], [drill.id]);

    // Twenty minutes on: both critical incidents are past their 15-minute acknowledgement.
    const later = new Date(Date.now() + 20 * MINUTE);
    const first = await server.tw.services.clocks.checkBreaches(ctx, later);
    assert.ok(first.breached >= 2 && first.escalated === first.breached, JSON.stringify(first));
    assert.deepEqual(await server.tw.services.clocks.checkBreaches(ctx, later), { breached: 0, escalated: 0 }, 'once only');
    for (const incident of [real, drill]) {
      const clocks = await clocksOf(incident.id);
      assert.ok(clocks['sla-acknowledge'].breachedAt, `${incident.title} breached`);
      assert.ok(clocks['sla-acknowledge'].escalatedAt, `${incident.title} escalated`);
      assert.equal(clocks['sla-contain'].breachedAt, null, 'contain is due in 4 h');
      const detail = await server.tw.services.incidents.get(incident.id);
      const events = detail.events.filter((e) => e.kind === 'clock.breached');
      assert.equal(events.length, 1);
      assert.match(events[0].text, /Acknowledge \(SLA\) overdue/);
    }
    // The outbox delivers the real breach to the receiver; the drill's stays captured, never sent.
    await server.tw.database.db.updateTable('jobs').set({ run_at: new Date(Date.now() - 1000).toISOString() }).where('kind', '=', 'notifications.deliver').where('status', '=', 'queued').execute();
    await createWorker(server.tw).drain();
    const posts = received.filter((r) => r.headers['x-thirdwatch-event'] === 'clock.breached').map((r) => JSON.parse(r.body) as Record<string, unknown>);
    const text = JSON.stringify(posts);
    assert.ok(text.includes(real.id) && text.includes('sla-acknowledge'), text.slice(0, 500));
    assert.ok(!text.includes(drill.id), 'a drill\'s breach is not sent');
    const captured = await server.tw.services.notifications.captured(drillId);
    assert.ok(captured.some((o) => o.event === 'clock.breached'), JSON.stringify(captured).slice(0, 300));
    // Acknowledged late: the clock reads late.
    await server.tw.services.incidents.changeStatus(real.id, 'acknowledged', ctx);
    const ack = (await clocksOf(real.id))['sla-acknowledge'];
    assert.equal(ack.state, 'met', 'acknowledged within the real 15 minutes');
    assert.ok(ack.breachedAt, 'the breach the job saw stays recorded');
  });

  test('settings: defaults, validation, admin only; changes apply to open incidents (NIS2 significance, DORA providers)', async () => {
    const sla = await json<Record<string, { acknowledgeMinutes: number | null }>>(await server.api('/api/v1/settings/incident-sla', { role: 'viewer' }));
    assert.equal(sla.critical.acknowledgeMinutes, 15);
    const regulation = await json<{ gdpr: { enabled: boolean }; nis2: { enabled: boolean }; dora: { enabled: boolean; ictProviderVendorIds: string[] } }>(await server.api('/api/v1/settings/incident-regulation'));
    assert.deepEqual([regulation.gdpr.enabled, regulation.nis2.enabled, regulation.dora.enabled], [true, false, false]);

    await json(await server.api('/api/v1/settings/incident-sla', { method: 'PUT', role: 'analyst', json: sla }), 403);
    const bad = await json<{ errors: Array<{ field: string }> }>(await server.api('/api/v1/settings/incident-sla', { method: 'PUT', json: { ...sla, high: { acknowledgeMinutes: 0, containMinutes: 1, resolveMinutes: 2 } } }), 400);
    assert.ok(bad.errors.some((e) => e.field.includes('high')), JSON.stringify(bad.errors));
    const unknown = await json<{ errors: Array<{ field: string }> }>(
      await server.api('/api/v1/settings/incident-regulation', { method: 'PUT', json: { ...regulation, dora: { enabled: true, majorSeverities: ['critical'], ictProviderVendorIds: [vendorId, newId()] } } }),
      400,
    );
    assert.equal(unknown.errors[0].field, '/dora/ictProviderVendorIds/1');

    const high = await create({ title: 'High severity outage', severity: 'high' });
    assert.equal((await clocksOf(high.id))['nis2-early-warning'], undefined);
    await json(
      await server.api('/api/v1/settings/incident-regulation', {
        method: 'PUT',
        json: { ...regulation, nis2: { enabled: true, significantSeverities: ['critical', 'high'] }, dora: { enabled: true, majorSeverities: ['critical', 'high'], ictProviderVendorIds: [vendorId] } },
      }),
    );
    let clocks = await clocksOf(high.id);
    assert.deepEqual(
      Object.keys(clocks).filter((k) => /^(nis2|dora)/.test(k)).sort(),
      ['dora-final', 'dora-initial', 'dora-intermediate', 'nis2-early-warning', 'nis2-final-report', 'nis2-notification'],
    );
    const started = Date.parse(clocks['nis2-early-warning'].startedAt);
    assert.equal(Date.parse(clocks['nis2-early-warning'].dueAt) - started, 24 * 60 * MINUTE);
    assert.equal(Date.parse(clocks['dora-initial'].dueAt) - Date.parse(clocks['dora-initial'].startedAt), 4 * 60 * MINUTE);
    // The initial DORA report filed: the intermediate one is due 72 h after it.
    const filed = await json<Clock>(await server.api(`/api/v1/incidents/${high.id}/clocks/dora-initial/complete`, { method: 'POST', json: { reference: 'DORA-7' } }));
    clocks = await clocksOf(high.id);
    assert.equal(Date.parse(clocks['dora-intermediate'].dueAt) - Date.parse(filed.stoppedAt!), 72 * 60 * MINUTE);

    // Shorter SLA targets move the running clocks of open incidents at once.
    await json(await server.api('/api/v1/settings/incident-sla', { method: 'PUT', json: { ...sla, high: { acknowledgeMinutes: 30, containMinutes: null, resolveMinutes: 600 } } }));
    clocks = await clocksOf(high.id);
    assert.equal(Date.parse(clocks['sla-acknowledge'].dueAt) - Date.parse(high.createdAt), 30 * MINUTE);
    assert.equal(clocks['sla-contain'].state, 'withdrawn', 'no contain target any more');
    const audit = await json<{ items: Array<{ action: string }> }>(await server.api('/api/v1/audit?entityType=settings'));
    assert.ok(audit.items.some((e) => e.action === 'settings.incident-sla.update'));
    assert.ok(audit.items.some((e) => e.action === 'settings.incident-regulation.update'));
  });
});
