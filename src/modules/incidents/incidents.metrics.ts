import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/schema.js';
import { invalidField } from '../../platform/errors.js';
import { SEVERITIES } from './incidents.clocks.js';
import type { MetricGroup, Metrics, MetricsQueryType } from './incidents.clocks.schemas.js';
import { TEAMS } from './incidents.schemas.js';

/**
 * MTTA and MTTR over time. An incident counts in the bucket of its detection. MTTA runs from its
 * creation (when it entered our process: a vendor may report days after detecting) to its
 * acknowledgement; MTTR from its detection to its recovery, else its closure (a false positive is
 * never resolved). Grouped by severity, by team (the teams with tasks or participants in it) or by
 * vendor; an incident with two vendors counts for each. Per team, tasks done in each bucket and
 * their mean time from creation to done. Drill incidents never count.
 */

export type Interval = 'week' | 'month';
const MINUTE = 60_000;
const MAX_BUCKETS = 260;

/** The start of the week (Monday 00:00 UTC) or month containing `t`. */
export function bucketStart(t: number, interval: Interval): number {
  const d = new Date(t);
  if (interval === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return day - ((d.getUTCDay() + 6) % 7) * 86_400_000;
}

export function nextBucket(start: number, interval: Interval): number {
  if (interval === 'week') return start + 7 * 86_400_000;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function buckets(from: number, to: number, interval: Interval): number[] {
  const out: number[] = [];
  for (let s = bucketStart(from, interval); s < to; s = nextBucket(s, interval)) out.push(s);
  return out;
}

export interface IncidentTimes {
  createdAt: string;
  detectedAt: string;
  acknowledgedAt: string | null;
  recoveredAt: string | null;
  closedAt: string | null;
  status: string;
  groups: Array<{ key: string; label: string }>;
}

interface Acc {
  incidents: number;
  acknowledged: number;
  ackSum: number;
  resolved: number;
  resSum: number;
}
const emptyAcc = (): Acc => ({ incidents: 0, acknowledged: 0, ackSum: 0, resolved: 0, resSum: 0 });
const mean = (sum: number, n: number) => (n ? Math.round((sum / n) * 10) / 10 : null);
const stats = (a: Acc) => ({ incidents: a.incidents, acknowledged: a.acknowledged, mttaMinutes: mean(a.ackSum, a.acknowledged), resolved: a.resolved, mttrMinutes: mean(a.resSum, a.resolved) });

function add(a: Acc, i: IncidentTimes): void {
  a.incidents++;
  if (i.acknowledgedAt) {
    a.acknowledged++;
    a.ackSum += Math.max(0, Date.parse(i.acknowledgedAt) - Date.parse(i.createdAt)) / MINUTE;
  }
  const resolvedAt = i.status === 'false-positive' ? null : (i.recoveredAt ?? i.closedAt);
  if (resolvedAt) {
    a.resolved++;
    a.resSum += Math.max(0, Date.parse(resolvedAt) - Date.parse(i.detectedAt)) / MINUTE;
  }
}

export interface TaskTimes {
  team: string;
  createdAt: string;
  completedAt: string;
  dueAt: string | null;
}

/** The aggregation itself, pure: incidents and done tasks already filtered to the period. */
export function aggregate(incidents: IncidentTimes[], tasks: TaskTimes[], range: { from: number; to: number; interval: Interval; by: MetricGroup }, groupOrder: string[] = []): Metrics {
  const starts = buckets(range.from, range.to, range.interval);
  const index = (t: string) => starts.indexOf(bucketStart(Date.parse(t), range.interval));
  const overall = { total: emptyAcc(), points: starts.map(emptyAcc) };
  const groups = new Map<string, { label: string; total: Acc; points: Acc[] }>();
  for (const key of groupOrder) groups.set(key, { label: key, total: emptyAcc(), points: starts.map(emptyAcc) });
  for (const i of incidents) {
    const b = index(i.detectedAt);
    if (b < 0) continue;
    add(overall.total, i);
    add(overall.points[b], i);
    for (const g of i.groups) {
      let group = groups.get(g.key);
      if (!group) groups.set(g.key, (group = { label: g.label, total: emptyAcc(), points: starts.map(emptyAcc) }));
      group.label = g.label;
      add(group.total, i);
      add(group.points[b], i);
    }
  }
  const teamAcc = new Map<string, { total: { done: number; late: number; sum: number }; points: Array<{ done: number; late: number; sum: number }> }>();
  for (const t of tasks) {
    const b = index(t.completedAt);
    if (b < 0) continue;
    let team = teamAcc.get(t.team);
    if (!team) teamAcc.set(t.team, (team = { total: { done: 0, late: 0, sum: 0 }, points: starts.map(() => ({ done: 0, late: 0, sum: 0 })) }));
    const minutes = Math.max(0, Date.parse(t.completedAt) - Date.parse(t.createdAt)) / MINUTE;
    const late = t.dueAt !== null && Date.parse(t.completedAt) > Date.parse(t.dueAt) ? 1 : 0;
    for (const acc of [team.total, team.points[b]]) {
      acc.done++;
      acc.late += late;
      acc.sum += minutes;
    }
  }
  const iso = (t: number) => new Date(t).toISOString();
  const teamOrder = (k: string) => (TEAMS as readonly string[]).indexOf(k);
  return {
    from: iso(range.from),
    to: iso(range.to),
    interval: range.interval,
    by: range.by,
    buckets: starts.map((s) => ({ start: iso(s), end: iso(nextBucket(s, range.interval)) })),
    overall: { ...stats(overall.total), points: overall.points.map((p, k) => ({ start: iso(starts[k]), ...stats(p) })) },
    groups: [...groups.entries()].map(([key, g]) => ({ key, label: g.label, ...stats(g.total), points: g.points.map((p, k) => ({ start: iso(starts[k]), ...stats(p) })) })),
    tasks: [...teamAcc.entries()]
      .sort(([a], [b]) => teamOrder(a) - teamOrder(b))
      .map(([team, a]) => ({
        team,
        done: a.total.done,
        late: a.total.late,
        meanMinutesToDone: mean(a.total.sum, a.total.done),
        points: a.points.map((p, k) => ({ start: iso(starts[k]), done: p.done, late: p.late, meanMinutesToDone: mean(p.sum, p.done) })),
      })),
  };
}

export class IncidentMetrics {
  constructor(private readonly db: Kysely<DB>) {}

  async compute(query: MetricsQueryType, now = new Date()): Promise<Metrics> {
    const interval = query.interval ?? 'week';
    const by = query.by ?? 'severity';
    const to = query.to ? Date.parse(query.to) : now.getTime();
    // The current bucket and the eleven before it by default.
    let from = query.from ? Date.parse(query.from) : to;
    if (!query.from) for (let k = 0; k < 12; k++) from = bucketStart(from - 1, interval);
    from = bucketStart(from, interval);
    if (from >= to) throw invalidField('from', 'is not before to');
    if (buckets(from, to, interval).length > MAX_BUCKETS) throw invalidField('from', `spans more than ${MAX_BUCKETS} ${interval}s`);
    const fromIso = new Date(from).toISOString();
    const toIso = new Date(to).toISOString();

    const rows = await this.db
      .selectFrom('incidents')
      .select(['id', 'severity', 'status', 'created_at', 'detected_at', 'acknowledged_at', 'recovered_at', 'closed_at'])
      .where('drill_id', 'is', null)
      .where('detected_at', '>=', fromIso)
      .where('detected_at', '<', toIso)
      .execute();
    const ids = rows.map((r) => r.id);
    const groupsOf = new Map<string, Array<{ key: string; label: string }>>(ids.map((id) => [id, []]));
    let order: string[] = [];
    if (by === 'severity') {
      for (const r of rows) groupsOf.get(r.id)!.push({ key: r.severity, label: r.severity });
      order = SEVERITIES.filter((s) => rows.some((r) => r.severity === s));
    } else {
      for (let k = 0; k < ids.length; k += 500) {
        const chunk = ids.slice(k, k + 500);
        if (by === 'vendor') {
          const vendors = await this.db
            .selectFrom('incident_vendors as iv')
            .innerJoin('vendors as v', 'v.id', 'iv.vendor_id')
            .select(['iv.incident_id', 'v.id', 'v.name'])
            .where('iv.incident_id', 'in', chunk)
            .execute();
          for (const v of vendors) groupsOf.get(v.incident_id)!.push({ key: v.id, label: v.name });
        } else {
          const tasks = await this.db.selectFrom('incident_tasks').select(['incident_id', 'team as key']).where('incident_id', 'in', chunk).distinct().execute();
          const people = await this.db.selectFrom('incident_participants').select(['incident_id', 'role as key']).where('incident_id', 'in', chunk).where('role', 'in', [...TEAMS]).distinct().execute();
          for (const t of [...tasks, ...people]) {
            const list = groupsOf.get(t.incident_id)!;
            if (!list.some((g) => g.key === t.key)) list.push({ key: t.key, label: t.key });
          }
        }
      }
      if (by === 'team') order = TEAMS.filter((t) => [...groupsOf.values()].some((l) => l.some((g) => g.key === t)));
    }
    const tasks = await this.db
      .selectFrom('incident_tasks as t')
      .innerJoin('incidents as i', 'i.id', 't.incident_id')
      .select(['t.team', 't.created_at', 't.completed_at', 't.due_at'])
      .where('i.drill_id', 'is', null)
      .where('t.status', '=', 'done')
      .where('t.completed_at', '>=', fromIso)
      .where('t.completed_at', '<', toIso)
      .execute();

    const metrics = aggregate(
      rows.map((r) => ({ createdAt: r.created_at, detectedAt: r.detected_at, acknowledgedAt: r.acknowledged_at, recoveredAt: r.recovered_at, closedAt: r.closed_at, status: r.status, groups: groupsOf.get(r.id)! })),
      tasks.filter((t) => t.completed_at !== null).map((t) => ({ team: t.team, createdAt: t.created_at, completedAt: t.completed_at!, dueAt: t.due_at })),
      { from, to, interval, by },
      order,
    );
    if (by === 'vendor') metrics.groups.sort((a, b) => b.incidents - a.incidents || a.label.localeCompare(b.label));
    return metrics;
  }
}
