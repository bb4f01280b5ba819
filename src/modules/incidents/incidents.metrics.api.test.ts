import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { newId } from '../../platform/ids.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import type { Metrics } from './incidents.clocks.schemas.js';
import { bucketStart, buckets } from './incidents.metrics.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return text ? (JSON.parse(text) as T) : (undefined as T);
}

describe('metric buckets', () => {
  test('weeks start on Monday 00:00 UTC, months on the 1st; the range is covered without a gap', () => {
    assert.equal(new Date(bucketStart(Date.parse('2026-12-06T22:00:00Z'), 'week')).toISOString(), '2026-11-30T00:00:00.000Z');
    assert.equal(new Date(bucketStart(Date.parse('2026-11-30T00:00:00Z'), 'week')).toISOString(), '2026-11-30T00:00:00.000Z');
    assert.equal(new Date(bucketStart(Date.parse('2026-12-06T22:00:00Z'), 'month')).toISOString(), '2026-12-01T00:00:00.000Z');
    const months = buckets(Date.parse('2026-01-15T00:00:00Z'), Date.parse('2026-04-01T00:00:00Z'), 'month').map((t) => new Date(t).toISOString().slice(0, 7));
    assert.deepEqual(months, ['2026-01', '2026-02', '2026-03']);
  });
});

const ctx = systemContext('metrics test');
const H = 3_600_000;

describeEachEngine('incident metrics', ({ engine }) => {
  let server: TestServer;
  const base = Date.parse('2026-11-02T09:00:00.000Z'); // a Monday
  const iso = (t: number) => new Date(t).toISOString();

  before(async () => {
    server = await startTestServer(engine);
    const { incidents } = server.tw.services;
    const db = server.tw.database.db;
    const acme = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Acme' } }), 201)).id;
    const globex = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Globex' } }), 201)).id;
    // [severity, vendors, detected (h from base), created, acknowledged, recovered, closed, status]
    const rows: Array<[string, string[], number, number, number | null, number | null, number | null, string]> = [
      ['critical', [acme], 0, 1, 1.5, 10, null, 'recovered'], // MTTA 30 min, MTTR 10 h
      ['critical', [acme, globex], 2, 2, 3, null, 26, 'closed'], // MTTA 60 min, MTTR 24 h (closed, never recovered)
      ['low', [globex], 24 * 8, 24 * 8, null, null, null, 'new'], // next week, nothing yet
      ['high', [], 4, 4, 4.25, null, 5, 'false-positive'], // MTTA 15 min, never resolved
    ];
    for (const [severity, vendorIds, detected, created, acknowledged, recovered, closed, status] of rows) {
      const incident = await incidents.create({ title: `${severity} incident`, severity: severity as 'critical', vendorIds, detectedAt: iso(base + detected * H) }, ctx);
      await db
        .updateTable('incidents')
        .set({
          status,
          created_at: iso(base + created * H),
          acknowledged_at: acknowledged === null ? null : iso(base + acknowledged * H),
          recovered_at: recovered === null ? null : iso(base + recovered * H),
          closed_at: closed === null ? null : iso(base + closed * H),
        })
        .where('id', '=', incident.id)
        .execute();
      if (severity === 'critical') {
        const task = await incidents.createTask(incident.id, { team: 'it', title: 'Isolate hosts', dueAt: iso(base + detected * H + 2 * H) }, ctx);
        await incidents.completeTask(incident.id, task.id, undefined, ctx);
        await db.updateTable('incident_tasks').set({ created_at: iso(base + detected * H), completed_at: iso(base + detected * H + (detected === 0 ? 1 : 3) * H) }).where('id', '=', task.id).execute();
      }
    }
    // A drill never counts.
    const drill = await incidents.create({ title: 'drill', severity: 'critical', detectedAt: iso(base + H) }, ctx, { drillId: newId() });
    await db.updateTable('incidents').set({ status: 'acknowledged', acknowledged_at: iso(base + 100 * H) }).where('id', '=', drill.id).execute();
  });
  after(async () => {
    await server?.close();
  });

  const get = (query: string, role: 'viewer' | 'admin' = 'viewer') => server.api(`/api/v1/incidents/metrics?${query}`, { role });
  const from = '2026-11-02T00:00:00.000Z';
  const to = '2026-11-16T00:00:00.000Z';

  test('MTTA from creation and MTTR from detection per week and severity; false positives never resolve; drills excluded', async () => {
    const m = await json<Metrics>(await get(`from=${from}&to=${to}&interval=week&by=severity`));
    assert.deepEqual(m.buckets.map((b) => b.start), ['2026-11-02T00:00:00.000Z', '2026-11-09T00:00:00.000Z']);
    assert.deepEqual(
      { incidents: m.overall.incidents, acknowledged: m.overall.acknowledged, mtta: m.overall.mttaMinutes, resolved: m.overall.resolved, mttr: m.overall.mttrMinutes },
      { incidents: 4, acknowledged: 3, mtta: 35, resolved: 2, mttr: 17 * 60 },
    );
    assert.deepEqual(m.groups.map((g) => [g.key, g.incidents, g.mttaMinutes, g.mttrMinutes]), [['critical', 2, 45, 17 * 60], ['high', 1, 15, null], ['low', 1, null, null]]);
    const critical = m.groups[0];
    assert.deepEqual(critical.points.map((p) => p.incidents), [2, 0]);
    assert.deepEqual(m.overall.points.map((p) => p.incidents), [3, 1]);
    // Per team: two IT tasks done, one after its due time.
    assert.deepEqual(m.tasks.map((t) => [t.team, t.done, t.late, t.meanMinutesToDone]), [['it', 2, 1, 120]]);
  });

  test('by vendor (an incident counts for each of its vendors), by team, per month', async () => {
    const byVendor = await json<Metrics>(await get(`from=${from}&to=${to}&by=vendor`));
    assert.deepEqual(byVendor.groups.map((g) => [g.label, g.incidents, g.mttaMinutes]), [['Acme', 2, 45], ['Globex', 2, 60]]);
    const byTeam = await json<Metrics>(await get(`from=${from}&to=${to}&by=team`));
    assert.deepEqual(byTeam.groups.map((g) => [g.key, g.incidents, g.mttrMinutes]), [['it', 2, 17 * 60]]);
    const monthly = await json<Metrics>(await get(`from=${from}&to=2026-12-01T00:00:00.000Z&interval=month`));
    assert.deepEqual(monthly.buckets.map((b) => b.start), ['2026-11-01T00:00:00.000Z']);
    assert.equal(monthly.overall.points[0].incidents, 4);
    // Defaults: twelve weeks back to now.
    const defaults = await json<Metrics>(await get(''));
    assert.equal(defaults.buckets.length, 12);
    assert.equal(defaults.by, 'severity');
  });

  test('bad ranges are refused with the parameter named', async () => {
    const inverted = await json<{ errors: Array<{ field: string }> }>(await get(`from=${to}&to=${from}`), 400);
    assert.equal(inverted.errors[0].field, 'from');
    const huge = await json<{ errors: Array<{ field: string }> }>(await get('from=1990-01-01T00:00:00.000Z&interval=week'), 400);
    assert.equal(huge.errors[0].field, 'from');
    await json(await get('by=planet'), 400);
    await json(await get('from=yesterday'), 400);
    await json(await server.api('/api/v1/incidents/metrics', { role: null }), 401);
  });
});
