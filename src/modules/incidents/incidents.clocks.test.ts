import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addMonth, DEFAULT_REGULATION, DEFAULT_SLA, formatMinutes, planClocks, type ClockFacts, type ClockPolicy, type ClockState } from './incidents.clocks.js';

const T0 = '2026-03-29T10:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

const facts = (over: Partial<ClockFacts> = {}): ClockFacts => ({
  source: 'manual',
  severity: 'critical',
  status: 'new',
  detectedAt: T0,
  createdAt: T0,
  acknowledgedAt: null,
  containedAt: null,
  eradicatedAt: null,
  recoveredAt: null,
  closedAt: null,
  dataCategories: [],
  vendorIds: ['v-3cx'],
  ...over,
});

const everything: ClockPolicy = {
  sla: DEFAULT_SLA,
  regulation: {
    gdpr: DEFAULT_REGULATION.gdpr,
    nis2: { enabled: true, significantSeverities: ['critical', 'high'] },
    dora: { enabled: true, majorSeverities: ['critical'], ictProviderVendorIds: ['v-3cx'] },
  },
};

/** Applies a plan to the stored clocks, as the service does. */
const apply = (stored: ClockState[], plan: ClockState[]) => {
  const byKind = new Map(stored.map((c) => [c.kind, c]));
  for (const c of plan) byKind.set(c.kind, c);
  return [...byKind.values()];
};
const byKind = (clocks: ClockState[]) => Object.fromEntries(clocks.map((c) => [c.kind, c]));

describe('clock policy', () => {
  test('a critical incident gets the three SLA clocks from its creation, due 15 min / 4 h / 24 h', () => {
    const plan = byKind(planClocks(facts(), [], { sla: DEFAULT_SLA, regulation: DEFAULT_REGULATION }, T0, true));
    assert.deepEqual(Object.keys(plan).sort(), ['sla-acknowledge', 'sla-contain', 'sla-resolve']);
    assert.equal(plan['sla-acknowledge'].dueAt, at(15));
    assert.equal(plan['sla-contain'].dueAt, at(240));
    assert.equal(plan['sla-resolve'].dueAt, at(1440));
    assert.match(plan['sla-acknowledge'].basis, /critical severity: acknowledge within 15 min/);
    assert.ok(Object.values(plan).every((c) => c.stoppedAt === null && c.startedAt === T0));
  });

  test('the workflow stops SLA clocks at the first status that meets them, even when a step is skipped', () => {
    let clocks = planClocks(facts(), [], everything, T0, true);
    // Straight from new to contained: acknowledging is met by containment.
    const contained = facts({ status: 'contained', containedAt: at(30) });
    clocks = apply(clocks, planClocks(contained, clocks, everything, at(30), false));
    const c = byKind(clocks);
    assert.deepEqual([c['sla-acknowledge'].stoppedAt, c['sla-acknowledge'].stopReason], [at(30), 'met']);
    assert.deepEqual([c['sla-contain'].stoppedAt, c['sla-contain'].stopReason], [at(30), 'met']);
    assert.equal(c['sla-resolve'].stoppedAt, null);
    // Nothing changes when nothing changed.
    assert.deepEqual(planClocks(contained, clocks, everything, at(31), false), []);
  });

  test('a severity change moves running SLA due times and clears a breach that is no longer one', () => {
    let clocks = planClocks(facts(), [], everything, T0, true);
    clocks = clocks.map((c) => (c.kind === 'sla-acknowledge' ? { ...c, breachedAt: at(16), escalatedAt: at(16) } : c));
    const plan = byKind(planClocks(facts({ severity: 'high' }), clocks, everything, at(20), false));
    assert.equal(plan['sla-acknowledge'].dueAt, at(60));
    assert.equal(plan['sla-acknowledge'].breachedAt, null, 'due in 60 min: not breached at minute 16 any more');
    // Back to critical: still breached (due 15 min, recorded at 16).
    const again = byKind(planClocks(facts({ severity: 'critical' }), clocks, everything, at(20), false));
    assert.equal(again['sla-acknowledge'], undefined, 'unchanged: nothing to write');
  });

  test('no SLA clock for a step whose target is null', () => {
    const sla = { ...DEFAULT_SLA, low: { acknowledgeMinutes: 60, containMinutes: null, resolveMinutes: null } };
    const plan = planClocks(facts({ severity: 'low' }), [], { sla, regulation: DEFAULT_REGULATION }, T0, true);
    assert.deepEqual(plan.map((c) => c.kind), ['sla-acknowledge']);
  });

  test('personal data starts the GDPR clock: from detection for our own incidents, from arrival for a vendor report, from the change later on', () => {
    const detected = at(-120);
    const own = byKind(planClocks(facts({ detectedAt: detected, dataCategories: ['personal'] }), [], everything, T0, true));
    assert.equal(own['gdpr-72h'].startedAt, detected);
    assert.equal(own['gdpr-72h'].dueAt, at(-120 + 72 * 60));
    const vendor = byKind(planClocks(facts({ source: 'vendor', detectedAt: detected, dataCategories: ['special-category'] }), [], everything, T0, true));
    assert.equal(vendor['gdpr-72h'].startedAt, T0);
    assert.match(vendor['gdpr-72h'].basis, /special-category/);

    let clocks = planClocks(facts({ dataCategories: ['internal'] }), [], everything, T0, true);
    assert.equal(byKind(clocks)['gdpr-72h'], undefined, 'internal data is not personal data');
    clocks = apply(clocks, planClocks(facts({ dataCategories: ['internal', 'payment'] }), clocks, everything, at(300), false));
    assert.equal(byKind(clocks)['gdpr-72h'].startedAt, at(300));
  });

  test('a withdrawn fact withdraws the clock; when it comes back the clock restarts from then', () => {
    let clocks = planClocks(facts({ dataCategories: ['personal'] }), [], everything, T0, true);
    clocks = apply(clocks, planClocks(facts({ dataCategories: [] }), clocks, everything, at(10), false));
    assert.deepEqual([byKind(clocks)['gdpr-72h'].stoppedAt, byKind(clocks)['gdpr-72h'].stopReason], [at(10), 'withdrawn']);
    clocks = apply(clocks, planClocks(facts({ dataCategories: ['personal'] }), clocks, everything, at(50), false));
    const gdpr = byKind(clocks)['gdpr-72h'];
    assert.deepEqual([gdpr.startedAt, gdpr.stoppedAt, gdpr.stopReason, gdpr.dueAt], [at(50), null, null, at(50 + 72 * 60)]);
  });

  test('NIS2: a significant incident gets early warning 24 h, notification 72 h and a final report a month after the notification is filed', () => {
    let clocks = planClocks(facts({ severity: 'high' }), [], everything, T0, true);
    const c = byKind(clocks);
    assert.equal(c['nis2-early-warning'].dueAt, at(24 * 60));
    assert.equal(c['nis2-notification'].dueAt, at(72 * 60));
    assert.equal(c['nis2-final-report'].dueAt, '2026-04-29T10:00:00.000Z');
    assert.equal(c['dora-initial'], undefined, 'DORA counts critical only here');
    // The notification is filed two days in: the final report is due a month after that.
    clocks = clocks.map((k) => (k.kind === 'nis2-notification' ? { ...k, stoppedAt: at(48 * 60), stopReason: 'completed' as const, reference: 'CSIRT-1' } : k));
    const plan = byKind(planClocks(facts({ severity: 'high' }), clocks, everything, at(48 * 60), false));
    // 31 March + one month: 30 April (clamped).
    assert.equal(plan['nis2-final-report'].dueAt, '2026-04-30T10:00:00.000Z');
    assert.equal(plan['nis2-notification'], undefined, 'a filed report is not touched');
    // Disabled NIS2: no clocks.
    assert.equal(byKind(planClocks(facts({ severity: 'high' }), [], { sla: DEFAULT_SLA, regulation: DEFAULT_REGULATION }, T0, true))['nis2-early-warning'], undefined);
    // Medium is not significant.
    assert.equal(byKind(planClocks(facts({ severity: 'medium' }), [], everything, T0, true))['nis2-early-warning'], undefined);
  });

  test('DORA only for in-scope ICT providers at a major severity, chained from the reports filed', () => {
    const c = byKind(planClocks(facts(), [], everything, T0, true));
    assert.equal(c['dora-initial'].dueAt, at(240));
    assert.equal(c['dora-intermediate'].dueAt, at(72 * 60));
    assert.equal(c['dora-final'].dueAt, '2026-04-29T10:00:00.000Z');
    assert.equal(byKind(planClocks(facts({ vendorIds: ['someone-else'] }), [], everything, T0, true))['dora-initial'], undefined);
    const filed = Object.values(c).map((k) => (k.kind === 'dora-initial' ? { ...k, stoppedAt: at(120), stopReason: 'completed' as const } : k));
    assert.equal(byKind(planClocks(facts(), filed, everything, at(120), false))['dora-intermediate'].dueAt, at(120 + 72 * 60));
  });

  test('closing meets SLA clocks but leaves regulatory duties running; a false positive withdraws everything', () => {
    let clocks = planClocks(facts({ dataCategories: ['personal'] }), [], everything, T0, true);
    const closed = facts({ dataCategories: ['personal'], status: 'closed', acknowledgedAt: at(5), closedAt: at(60) });
    clocks = apply(clocks, planClocks(closed, clocks, everything, at(60), false));
    const c = byKind(clocks);
    assert.ok(['sla-acknowledge', 'sla-contain', 'sla-resolve'].every((k) => c[k].stopReason === 'met'));
    assert.equal(c['sla-acknowledge'].stoppedAt, at(5));
    assert.equal(c['gdpr-72h'].stoppedAt, null);
    assert.equal(c['nis2-notification'].stoppedAt, null);

    let fp = planClocks(facts({ dataCategories: ['personal'] }), [], everything, T0, true);
    fp = apply(fp, planClocks(facts({ dataCategories: ['personal'], status: 'false-positive', closedAt: at(7) }), fp, everything, at(7), false));
    assert.ok(fp.every((k) => k.stoppedAt === at(7) && k.stopReason === 'false-positive'), JSON.stringify(fp.map((k) => [k.kind, k.stopReason])));
    assert.deepEqual(planClocks(facts({ dataCategories: ['personal'], status: 'false-positive', closedAt: at(7) }), fp, everything, at(9), false), [], 'stable');
  });

  test('calendar months clamp to the month length; durations read as people write them', () => {
    assert.equal(addMonth('2026-01-31T23:00:00.000Z'), '2026-02-28T23:00:00.000Z');
    assert.equal(addMonth('2028-01-31T00:00:00.000Z'), '2028-02-29T00:00:00.000Z');
    assert.equal(addMonth('2026-12-15T08:30:00.000Z'), '2027-01-15T08:30:00.000Z');
    assert.deepEqual([15, 60, 90, 240, 1440, 4320, 1800].map(formatMinutes), ['15 min', '1 h', '1 h 30 min', '4 h', '1 d', '3 d', '1 d 6 h']);
  });
});
