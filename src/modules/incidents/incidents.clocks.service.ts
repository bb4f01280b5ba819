import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { conflict, notFound, validationError } from '../../platform/errors.js';
import { SettingsDocument } from '../../platform/settings.js';
import {
  CLOCK_KINDS,
  CLOCK_LABEL,
  DEFAULT_REGULATION,
  DEFAULT_SLA,
  isRegulatory,
  planClocks,
  type ClockFacts,
  type ClockKind,
  type ClockPolicy,
  type ClockState,
  type RegulationSettings,
  type Severity,
  type SlaSettings,
} from './incidents.clocks.js';
import type { Clock, RunningClock } from './incidents.clocks.schemas.js';
import type { IncidentClocksTable } from './incidents.clocks.tables.js';
import type { IncidentEvent, NewEvent, Team } from './incidents.schemas.js';

export const INCIDENT_SLA_KEY = 'incident-sla';
export const INCIDENT_REGULATION_KEY = 'incident-regulation';
const SLA = new SettingsDocument(INCIDENT_SLA_KEY, DEFAULT_SLA, { action: 'settings.incident-sla.update' });
const REGULATION = new SettingsDocument(INCIDENT_REGULATION_KEY, DEFAULT_REGULATION, { action: 'settings.incident-regulation.update' });
export const CLOCK_BREACH_JOB = 'incidents.clocks-breach';
/** Breaches are found within a minute (the finest schedule). */
export const CLOCK_BREACH_SCHEDULE = { name: 'incident-clocks', cron: '* * * * *', jobKind: CLOCK_BREACH_JOB };

/** Adds an event to an incident's timeline, in the caller's transaction (IncidentService.addEvent). */
export type TimelineWriter = (trx: Executor, incidentId: string, event: NewEvent, ctx: RequestContext) => Promise<void>;
/** Sends a breach to whoever must hear it, in the caller's transaction (NotificationService.enqueue). */
export type Escalator = (
  trx: Executor,
  msg: { event: string; subject: string; text?: string; data: Record<string, unknown>; audience?: Team; incidentId?: string; drillId?: string | null },
  ctx: RequestContext,
) => Promise<{ outboxIds: string[]; unrouted: boolean }>;

/** Who is told of a breach when no channel subscribes to the event itself. */
const AUDIENCE: Record<string, Team> = { gdpr: 'privacy', nis2: 'compliance', dora: 'compliance', sla: 'security' };

const BREACH_BATCH = 200;

export class ClockService {
  private escalator: Escalator | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly timeline: TimelineWriter,
  ) {}

  /** Breaches go out through this once notifications are wired (thirdwatch.ts). */
  useEscalation(escalator: Escalator): void {
    this.escalator = escalator;
  }

  /** IncidentService.onEvent listener: recomputes the incident's clocks in the writer's transaction. */
  readonly onIncidentEvent = async (trx: Executor, event: IncidentEvent, ctx: RequestContext): Promise<void> => {
    await this.recompute(trx, event.incidentId, ctx, event.type === 'incident.created');
  };

  async recompute(trx: Executor, incidentId: string, ctx: RequestContext, justCreated = false): Promise<void> {
    const facts = await this.facts(trx, incidentId);
    if (!facts) return;
    const existing = await this.rows(trx, incidentId);
    const now = new Date().toISOString();
    const plan = planClocks(facts, existing.map(stateFromRow), await this.policy(trx), now, justCreated);
    const byKind = new Map(existing.map((r) => [r.kind, r]));
    for (const next of plan) {
      const before = byKind.get(next.kind);
      const values = rowFromState(incidentId, next, before?.completed_by ?? null, now);
      if (before) {
        await trx.updateTable('incident_clocks').set(values).where('incident_id', '=', incidentId).where('kind', '=', next.kind).execute();
      } else {
        await trx.insertInto('incident_clocks').values(values).execute();
      }
      // Regulatory duties appearing or going away are facts worth a line on the timeline.
      if (isRegulatory(next.kind)) {
        if (next.stoppedAt === null && (!before || before.stopped_at !== null)) {
          await this.timeline(trx, incidentId, { kind: 'clock.started', text: `${CLOCK_LABEL[next.kind]} clock started, due ${next.dueAt}: ${next.basis}`, data: { kind: next.kind, dueAt: next.dueAt } }, ctx);
        } else if (next.stoppedAt !== null && before && before.stopped_at === null && next.stopReason === 'withdrawn') {
          await this.timeline(trx, incidentId, { kind: 'clock.withdrawn', text: `${CLOCK_LABEL[next.kind]} clock withdrawn: it no longer applies`, data: { kind: next.kind } }, ctx);
        }
      }
    }
  }

  async list(incidentId: string, now = new Date()): Promise<Clock[]> {
    await this.requireIncident(this.db, incidentId);
    const rows = await this.rows(this.db, incidentId);
    return rows.sort((a, b) => CLOCK_KINDS.indexOf(a.kind as ClockKind) - CLOCK_KINDS.indexOf(b.kind as ClockKind)).map((r) => toClock(r, now));
  }

  /** Running clocks of open incidents, soonest due first: the board's countdowns. */
  async running(query: { drillId?: string }, now = new Date()): Promise<RunningClock[]> {
    let q = this.db
      .selectFrom('incident_clocks as c')
      .innerJoin('incidents as i', 'i.id', 'c.incident_id')
      .selectAll('c')
      .select(['i.title', 'i.severity', 'i.status'])
      .where('c.stopped_at', 'is', null)
      .orderBy('c.due_at')
      .orderBy('c.incident_id')
      .limit(2000);
    q = query.drillId ? q.where('i.drill_id', '=', query.drillId) : q.where('i.drill_id', 'is', null);
    const rows = await q.execute();
    return rows.map((r) => ({ ...toClock(r, now), incidentTitle: r.title, severity: r.severity, status: r.status }));
  }

  /** Files a regulatory report: stops the clock with the authority's reference; chained clocks move. */
  async complete(incidentId: string, kind: ClockKind, input: { reference: string; note?: string }, ctx: RequestContext): Promise<Clock> {
    const reference = input.reference.trim();
    if (!reference) throw validationError('reference: is blank', [{ field: '/reference', reason: 'is blank' }]);
    if (!isRegulatory(kind)) throw conflict(`${kind} stops by itself when the incident reaches the step; only regulatory clocks are completed`, [{ field: 'kind', reason: 'is an SLA clock' }]);
    await this.db.transaction().execute(async (trx) => {
      await this.requireIncident(trx, incidentId);
      const row = await trx.selectFrom('incident_clocks').selectAll().where('incident_id', '=', incidentId).where('kind', '=', kind).executeTakeFirst();
      if (!row) throw notFound('clock', `${incidentId}/${kind}`);
      const notRunning = () => conflict(`the ${kind} clock is not running (${row.stop_reason})`, [{ field: 'kind', reason: `is ${row.stop_reason}` }]);
      if (row.stopped_at !== null) throw notRunning();
      const now = new Date().toISOString();
      const note = input.note?.trim() || null;
      // Compare-and-set: of two people filing at once, one wins and the other is told.
      const stopped = await trx
        .updateTable('incident_clocks')
        .set({ stopped_at: now, stop_reason: 'completed', reference, note, completed_by: ctx.actor.name, updated_at: now })
        .where('incident_id', '=', incidentId)
        .where('kind', '=', kind)
        .where('stopped_at', 'is', null)
        .executeTakeFirst();
      if (Number(stopped.numUpdatedRows) !== 1) throw notRunning();
      const late = Date.parse(now) > Date.parse(row.due_at);
      await this.timeline(trx, incidentId, { kind: 'clock.completed', text: `${CLOCK_LABEL[kind]} filed${late ? ' (late)' : ''}, reference ${reference}${note ? `: ${note}` : ''}`, data: { kind, reference, dueAt: row.due_at, late } }, ctx);
      await recordAudit(trx, ctx, { action: 'incident-clock.complete', entityType: 'incident', entityId: incidentId, before: { kind, dueAt: row.due_at }, after: { kind, reference, note, stoppedAt: now } });
      await this.recompute(trx, incidentId, ctx);
    });
    return (await this.list(incidentId)).find((c) => c.kind === kind)!;
  }

  /**
   * The breach job: marks each running clock past its due time once (compare-and-set, so replicas
   * never double it), writes it on the timeline and escalates it, all in one transaction per clock.
   */
  async checkBreaches(ctx: RequestContext, now = new Date()): Promise<{ breached: number; escalated: number }> {
    let breached = 0;
    let escalated = 0;
    const at = now.toISOString();
    for (;;) {
      const due = await this.db
        .selectFrom('incident_clocks as c')
        .innerJoin('incidents as i', 'i.id', 'c.incident_id')
        .select(['c.incident_id', 'c.kind', 'c.due_at', 'c.basis', 'i.title', 'i.severity', 'i.status', 'i.drill_id'])
        .where('c.stopped_at', 'is', null)
        .where('c.breached_at', 'is', null)
        .where('c.due_at', '<=', at)
        .orderBy('c.due_at')
        .limit(BREACH_BATCH)
        .execute();
      for (const clock of due) {
        const done = await this.db.transaction().execute(async (trx) => {
          const marked = await trx
            .updateTable('incident_clocks')
            .set({ breached_at: at, updated_at: at })
            .where('incident_id', '=', clock.incident_id)
            .where('kind', '=', clock.kind)
            .where('breached_at', 'is', null)
            .where('stopped_at', 'is', null)
            .executeTakeFirst();
          if (Number(marked.numUpdatedRows) !== 1) return null;
          const label = CLOCK_LABEL[clock.kind as ClockKind] ?? clock.kind;
          const text = `${label} overdue since ${clock.due_at}: ${clock.basis}`;
          await this.timeline(trx, clock.incident_id, { kind: 'clock.breached', text, data: { kind: clock.kind, dueAt: clock.due_at } }, ctx);
          let routed = false;
          if (this.escalator) {
            const result = await this.escalator(
              trx,
              {
                event: 'clock.breached',
                subject: `Overdue: ${label} — ${clock.title}`,
                text,
                data: {
                  incident: { id: clock.incident_id, title: clock.title, severity: clock.severity, status: clock.status },
                  clock: { kind: clock.kind, label, dueAt: clock.due_at, basis: clock.basis, breachedAt: at },
                },
                audience: AUDIENCE[clock.kind.split('-')[0]],
                incidentId: clock.incident_id,
                drillId: clock.drill_id,
              },
              ctx,
            );
            routed = !result.unrouted;
            await trx.updateTable('incident_clocks').set({ escalated_at: at }).where('incident_id', '=', clock.incident_id).where('kind', '=', clock.kind).execute();
          }
          await recordAudit(trx, ctx, { action: 'incident-clock.breach', entityType: 'incident', entityId: clock.incident_id, after: { kind: clock.kind, dueAt: clock.due_at, breachedAt: at, escalated: routed } });
          return routed;
        });
        if (done === null) continue;
        breached++;
        if (done) escalated++;
      }
      if (due.length < BREACH_BATCH) break;
    }
    return { breached, escalated };
  }

  // Settings.

  async sla(executor: Executor = this.db): Promise<SlaSettings> {
    return SLA.read(executor);
  }

  async regulation(executor: Executor = this.db): Promise<RegulationSettings> {
    return REGULATION.read(executor);
  }

  /** New targets apply to open incidents at once: their running SLA clocks move. */
  async setSla(sla: SlaSettings, ctx: RequestContext): Promise<SlaSettings> {
    await this.db.transaction().execute(async (trx) => {
      await SLA.replace(trx, sla, ctx);
      await this.recomputeOpen(trx, ctx);
    });
    return sla;
  }

  async setRegulation(regulation: RegulationSettings, ctx: RequestContext): Promise<RegulationSettings> {
    const vendorIds = regulation.dora.ictProviderVendorIds;
    if (vendorIds.length) {
      const known = new Set((await this.db.selectFrom('vendors').select('id').where('id', 'in', vendorIds).execute()).map((v) => v.id));
      const unknown = vendorIds.map((id, i) => [id, i] as const).filter(([id]) => !known.has(id));
      if (unknown.length) throw validationError(`unknown vendor: ${unknown.map(([id]) => id).join(', ')}`, unknown.map(([, i]) => ({ field: `/dora/ictProviderVendorIds/${i}`, reason: 'is not a vendor' })));
    }
    await this.db.transaction().execute(async (trx) => {
      await REGULATION.replace(trx, regulation, ctx);
      await this.recomputeOpen(trx, ctx);
    });
    return regulation;
  }

  private async recomputeOpen(trx: Executor, ctx: RequestContext): Promise<void> {
    const open = await trx.selectFrom('incidents').select('id').where('status', 'not in', ['closed', 'false-positive']).execute();
    for (const { id } of open) await this.recompute(trx, id, ctx);
  }

  private async policy(executor: Executor): Promise<ClockPolicy> {
    const [sla, regulation] = await Promise.all([this.sla(executor), this.regulation(executor)]);
    return { sla, regulation };
  }

  private async facts(executor: Executor, incidentId: string): Promise<ClockFacts | null> {
    const row = await executor.selectFrom('incidents').selectAll().where('id', '=', incidentId).executeTakeFirst();
    if (!row) return null;
    const vendors = await executor.selectFrom('incident_vendors').select('vendor_id').where('incident_id', '=', incidentId).execute();
    const impact = JSON.parse(row.impact) as { dataCategories?: string[] };
    return {
      source: row.source as ClockFacts['source'],
      severity: row.severity as Severity,
      status: row.status,
      detectedAt: row.detected_at,
      createdAt: row.created_at,
      acknowledgedAt: row.acknowledged_at,
      containedAt: row.contained_at,
      eradicatedAt: row.eradicated_at,
      recoveredAt: row.recovered_at,
      closedAt: row.closed_at,
      dataCategories: impact.dataCategories ?? [],
      vendorIds: vendors.map((v) => v.vendor_id),
    };
  }

  private rows(executor: Executor, incidentId: string): Promise<IncidentClocksTable[]> {
    return executor.selectFrom('incident_clocks').selectAll().where('incident_id', '=', incidentId).execute();
  }

  private async requireIncident(executor: Executor, incidentId: string): Promise<void> {
    const row = await executor.selectFrom('incidents').select('id').where('id', '=', incidentId).executeTakeFirst();
    if (!row) throw notFound('incident', incidentId);
  }
}

/** A stored clock row as the clock planner and the API read it (every column of a clock's state). */
const stateFromRow = (r: IncidentClocksTable): ClockState => ({
  kind: r.kind as ClockKind,
  basis: r.basis,
  startedAt: r.started_at,
  dueAt: r.due_at,
  stoppedAt: r.stopped_at,
  stopReason: r.stop_reason,
  breachedAt: r.breached_at,
  escalatedAt: r.escalated_at,
  reference: r.reference,
  note: r.note,
});

const rowFromState = (incidentId: string, s: ClockState, completedBy: string | null, now: string): IncidentClocksTable => ({
  incident_id: incidentId,
  kind: s.kind,
  basis: s.basis,
  started_at: s.startedAt,
  due_at: s.dueAt,
  stopped_at: s.stoppedAt,
  stop_reason: s.stopReason,
  breached_at: s.breachedAt,
  escalated_at: s.escalatedAt,
  reference: s.reference,
  note: s.note,
  completed_by: completedBy,
  updated_at: now,
});

function stateOf(r: IncidentClocksTable, now: Date): Clock['state'] {
  const late = r.stopped_at !== null && Date.parse(r.stopped_at) > Date.parse(r.due_at);
  switch (r.stop_reason) {
    case null:
      return Date.parse(r.due_at) <= now.getTime() ? 'overdue' : 'running';
    case 'met':
      return late ? 'late' : 'met';
    case 'completed':
      return late ? 'late' : 'completed';
    default:
      return r.stop_reason;
  }
}

function toClock(r: IncidentClocksTable, now: Date): Clock {
  return {
    ...stateFromRow(r),
    incidentId: r.incident_id,
    label: CLOCK_LABEL[r.kind as ClockKind] ?? r.kind,
    regulatory: isRegulatory(r.kind),
    completedBy: r.completed_by,
    state: stateOf(r, now),
  };
}
