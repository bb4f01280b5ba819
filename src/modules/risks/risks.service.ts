import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import { toCsv } from '../../platform/csv.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { AppError, forbidden, invalidField, notFound, validationError } from '../../platform/errors.js';
import { decodeCursor, toPage, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { SettingsDocument } from '../../platform/settings.js';
import { searchText } from '../../platform/search-text.js';
import { auditView, presentEvidence, presentRisk } from './risks.mappers.js';
import { RiskRepository, type ResolvedFilter, type RiskRow } from './risks.repository.js';
import { DEFAULT_RISK_SCALES, LEVELS, levelOf, levelRange, RISK_SCALES_KEY, score, validateRiskScales, type Level, type RiskScales } from './risks.scales.js';
import type {
  AcceptanceDecision,
  AcceptanceRequest,
  AutomaticSource,
  CreateRiskInput,
  EvidenceType,
  ListRisksQueryType,
  Risk,
  RiskDetail,
  RiskFilter,
  UpdateRiskInput,
} from './risks.schemas.js';
import type { RisksTable } from './risks.tables.js';

/** Most risks one CSV export carries. */
const SCALES = new SettingsDocument(RISK_SCALES_KEY, DEFAULT_RISK_SCALES, { action: 'settings.risk-scales.update' });
export const EXPORT_MAX = 100_000;

/**
 * What raising an automatic risk again does, by the state of the risk its (source, sourceKey)
 * already has. Documented in the API and the README; tests hold each case.
 */
export const RISK_RECURRENCE_RULE = [
  'No risk with this (source, sourceKey) yet: one is created, open.',
  'Open or pending acceptance: vendors, products and evidence are added (never removed); title, description, likelihood and impact follow the source until a person edits the rating or the text (then theirs is kept).',
  'Accepted: stays accepted while the raised score is not above the score that was accepted; a higher score reopens it (the acceptance no longer covers it).',
  'Closed as not-a-risk (a person judged it a false positive): stays closed; the recurrence is counted and its evidence added, so the judgement is visible and reversible.',
  'Closed for any other reason (mitigated, resolved, transferred, avoided): reopened, with the reopen counted and its reason recorded: the exposure is back.',
].join(' ');

export type RaiseOutcome = 'created' | 'updated' | 'reopened' | 'kept-accepted' | 'kept-closed';

export interface AutomaticRiskInput {
  source: AutomaticSource;
  /** Stable identity of what raised it within the source (e.g. a sighting id, or "indicator:product"). */
  sourceKey: string;
  title: string;
  description: string;
  likelihood: number;
  impact: number;
  vendorIds: string[];
  productIds?: string[];
  evidence: Array<{ type: EvidenceType; id: string; label?: string }>;
}

interface Principal {
  key: string;
  name: string;
}

const DAY_MS = 86_400_000;

export class RiskService {
  constructor(private readonly db: Kysely<DB>) {}

  private repo(executor: Executor = this.db) {
    return new RiskRepository(executor);
  }

  async scales(executor: Executor = this.db): Promise<RiskScales> {
    return SCALES.read(executor);
  }

  async setScales(scales: RiskScales, ctx: RequestContext): Promise<RiskScales> {
    const problems = validateRiskScales(scales);
    if (problems.length) throw validationError(problems[0], problems.map((p) => ({ field: `/${p.split(':')[0]}`, reason: p.split(': ').slice(1).join(': ') })));
    await this.db.transaction().execute((trx) => SCALES.replace(trx, scales, ctx));
    return scales;
  }

  // Reading.

  private async resolve(filter: RiskFilter): Promise<ResolvedFilter> {
    const resolved: ResolvedFilter = { ...filter, today: today() };
    if (filter.level) resolved.scoreRange = levelRange(filter.level, await this.scales());
    return resolved;
  }

  private async present(rows: RiskRow[], executor: Executor = this.db): Promise<Risk[]> {
    const [links, scales] = await Promise.all([this.repo(executor).links(rows.map((r) => r.id)), this.scales(executor)]);
    return rows.map((r) => presentRisk(r, links, scales));
  }

  async list(query: ListRisksQueryType): Promise<PageOf<Risk>> {
    const limit = query.limit ?? 50;
    const sort = query.sort ?? 'score';
    const cursor = decodeCursor(query.cursor, sort === 'score' ? 'integer' : 'string');
    const rows = await this.repo().list(await this.resolve(query), sort, cursor, limit);
    const page = toPage(rows, limit, (r) => (sort === 'score' ? Number(r.current_score) : sort === 'newest' ? r.created_at : (r.due_date ?? '9999-12-31')), (r) => r);
    return { items: await this.present(page.items), nextCursor: page.nextCursor };
  }

  async get(id: string, executor: Executor = this.db): Promise<RiskDetail> {
    const row = await this.repo(executor).byId(id);
    if (!row) throw notFound('risk', id);
    const [risk] = await this.present([row], executor);
    return { ...risk, evidence: (await this.repo(executor).evidence(id)).map(presentEvidence) };
  }

  // Manual risks and people's decisions.

  async create(input: CreateRiskInput, ctx: RequestContext): Promise<RiskDetail> {
    checkResidual(input.residualLikelihood ?? null, input.residualImpact ?? null);
    const id = newId();
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const productIds = await this.checkedIds(repo, 'products', input.productIds ?? [], '/productIds');
      const vendorIds = union(await this.checkedIds(repo, 'vendors', input.vendorIds ?? [], '/vendorIds'), await repo.vendorsOfProducts(productIds));
      const teamId = input.team ? await this.teamId(repo, input.team) : null;
      const now = new Date().toISOString();
      const row = newRow({
        id,
        title: input.title,
        description: input.description ?? '',
        source: 'manual',
        sourceKey: null,
        likelihood: input.likelihood,
        impact: input.impact,
        createdBy: ctx.actor.name,
        now,
      });
      Object.assign(row, {
        assessed: 1,
        owner: input.owner ?? null,
        team_id: teamId,
        treatment: input.treatment ?? null,
        treatment_plan: input.treatmentPlan ?? null,
        due_date: input.dueDate ?? null,
      });
      setResidual(row, input.residualLikelihood ?? null, input.residualImpact ?? null);
      await repo.insert(row);
      await repo.addVendors(id, vendorIds);
      await repo.addProducts(id, productIds);
      await repo.addEvidence((input.evidence ?? []).map((e) => ({ risk_id: id, type: e.type, ref: e.id, label: e.label ?? null, added_by: ctx.actor.name, added_at: now })));
      await recordAudit(trx, ctx, { action: 'risk.create', entityType: 'risk', entityId: id, after: { ...auditView(row), vendorIds, productIds, evidence: input.evidence ?? [] } });
    });
    return this.get(id);
  }

  async update(id: string, input: UpdateRiskInput, ctx: RequestContext): Promise<RiskDetail> {
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const before = await repo.byId(id);
      if (!before) throw notFound('risk', id);
      const next: RisksTable = { ...stripJoined(before) };
      const now = new Date().toISOString();
      if (input.title !== undefined) next.title = input.title;
      if (input.description !== undefined) next.description = input.description;
      if (input.likelihood !== undefined) next.likelihood = input.likelihood;
      if (input.impact !== undefined) next.impact = input.impact;
      if (input.title !== undefined || input.description !== undefined || input.likelihood !== undefined || input.impact !== undefined) next.assessed = 1;
      if (input.residualLikelihood !== undefined || input.residualImpact !== undefined) {
        const l = input.residualLikelihood !== undefined ? input.residualLikelihood : before.residual_likelihood;
        const i = input.residualImpact !== undefined ? input.residualImpact : before.residual_impact;
        checkResidual(l, i);
        setResidual(next, l, i);
      }
      next.inherent_score = score(next.likelihood, next.impact);
      next.current_score = next.residual_score ?? next.inherent_score;
      if (input.owner !== undefined) next.owner = input.owner;
      if (input.team !== undefined) next.team_id = input.team === null ? null : await this.teamId(repo, input.team);
      if (input.treatmentPlan !== undefined) next.treatment_plan = input.treatmentPlan;
      if (input.dueDate !== undefined) next.due_date = input.dueDate;
      if (input.treatment !== undefined) {
        next.treatment = input.treatment;
        // Moving away from acceptance ends it (or withdraws the request): the risk is treated otherwise now.
        if (input.treatment !== 'accept' && (before.status === 'accepted' || before.status === 'pending-acceptance')) {
          Object.assign(next, clearedAcceptance(), { status: 'open' });
        }
      }
      if (input.closeReason !== undefined && input.status !== 'closed' && before.status !== 'closed') {
        throw invalidField('/closeReason', 'only applies when closing a risk (status closed)');
      }
      if (input.status === 'closed' && before.status !== 'closed') {
        if (!input.closeReason) throw invalidField('/closeReason', `say why the risk is closed: ${['mitigated', 'resolved', 'transferred', 'avoided', 'not-a-risk'].join(', ')}`);
        Object.assign(next, { status: 'closed', close_reason: input.closeReason, closed_at: now });
      } else if (input.status === 'closed' && input.closeReason) {
        next.close_reason = input.closeReason;
      } else if (input.status === 'open' && before.status === 'closed') {
        Object.assign(next, { status: 'open', close_reason: null, closed_at: null, reopen_count: Number(before.reopen_count) + 1, reopened_at: now, reopen_reason: `reopened by ${ctx.actor.name}` });
      } else if (input.status === 'open' && before.status !== 'open') {
        throw invalidField('/status', `the risk is ${before.status}: end an acceptance by changing the treatment, or decide a pending one`);
      }
      next.search_text = searchText([next.title, next.description]);
      next.updated_at = now;
      await repo.update(id, next);

      const links: Record<string, unknown> = {};
      if (input.productIds !== undefined) {
        const productIds = await this.checkedIds(repo, 'products', input.productIds, '/productIds');
        await repo.replaceProducts(id, productIds);
        links.productIds = productIds;
      }
      if (input.vendorIds !== undefined) {
        const vendorIds = await this.checkedIds(repo, 'vendors', input.vendorIds, '/vendorIds');
        await repo.replaceVendors(id, union(vendorIds, await repo.vendorsOfProducts(await repo.productIdsOf(id))));
        links.vendorIds = vendorIds;
      } else if (input.productIds !== undefined) {
        await repo.addVendors(id, await repo.vendorsOfProducts(input.productIds));
      }
      if (input.removeEvidence?.length) {
        await repo.removeEvidence(id, input.removeEvidence);
        links.removeEvidence = input.removeEvidence;
      }
      if (input.addEvidence?.length) {
        await repo.addEvidence(input.addEvidence.map((e) => ({ risk_id: id, type: e.type, ref: e.id, label: e.label ?? null, added_by: ctx.actor.name, added_at: now })));
        links.addEvidence = input.addEvidence;
      }
      await recordAudit(trx, ctx, { action: 'risk.update', entityType: 'risk', entityId: id, before: auditView(before), after: { ...auditView(next), ...links } });
    });
    return this.get(id);
  }

  /** Asks for acceptance: a second person with risks:approve decides (decideAcceptance). */
  async requestAcceptance(id: string, input: AcceptanceRequest, ctx: RequestContext): Promise<RiskDetail> {
    const principal = await this.principal(ctx);
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const before = await repo.byId(id);
      if (!before) throw notFound('risk', id);
      if (before.status === 'closed') throw new AppError('conflict', 'the risk is closed: reopen it before asking to accept it');
      const scales = await this.scales(trx);
      const expires = Date.parse(input.expiresAt);
      if (!(expires > Date.now())) throw invalidField('/expiresAt', 'must be in the future');
      if (expires > Date.now() + scales.maxAcceptanceDays * DAY_MS) throw invalidField('/expiresAt', `must be within ${scales.maxAcceptanceDays} days (the risk-scales setting maxAcceptanceDays)`);
      const now = new Date().toISOString();
      const next: RisksTable = {
        ...stripJoined(before),
        ...clearedAcceptance(),
        status: 'pending-acceptance',
        treatment: 'accept',
        acceptance_justification: input.justification,
        acceptance_expires_at: new Date(expires).toISOString(),
        acceptance_requested_by: principal.key,
        acceptance_requested_by_name: principal.name,
        acceptance_requested_at: now,
        updated_at: now,
      };
      await repo.update(id, next);
      await recordAudit(trx, ctx, { action: 'risk.acceptance.request', entityType: 'risk', entityId: id, before: auditView(before), after: { ...auditView(next), justification: input.justification } });
    });
    return this.get(id);
  }

  async decideAcceptance(id: string, input: AcceptanceDecision, ctx: RequestContext): Promise<RiskDetail> {
    const principal = await this.principal(ctx);
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const before = await repo.byId(id);
      if (!before) throw notFound('risk', id);
      if (before.status !== 'pending-acceptance') throw new AppError('conflict', `the risk is ${before.status}: only a pending acceptance can be decided`);
      if (before.acceptance_requested_by === principal.key) {
        throw forbidden('an acceptance needs a second person: the one who asked for it cannot approve or reject it');
      }
      if (before.acceptance_expires_at !== null && Date.parse(before.acceptance_expires_at) <= Date.now()) {
        throw new AppError('conflict', 'the requested acceptance has already expired: ask again with a new expiry date');
      }
      const now = new Date().toISOString();
      const next: RisksTable =
        input.decision === 'approve'
          ? { ...stripJoined(before), status: 'accepted', accepted_by: principal.key, accepted_by_name: principal.name, accepted_at: now, updated_at: now }
          : { ...stripJoined(before), ...clearedAcceptance(), status: 'open', treatment: null, updated_at: now };
      await repo.update(id, next);
      await recordAudit(trx, ctx, {
        action: input.decision === 'approve' ? 'risk.acceptance.approve' : 'risk.acceptance.reject',
        entityType: 'risk',
        entityId: id,
        before: auditView(before),
        after: { ...auditView(next), note: input.note ?? null },
      });
    });
    return this.get(id);
  }

  /** The scheduled job: accepted risks (and pending requests) whose expiry has passed are open again. */
  async expireAcceptances(ctx: RequestContext): Promise<{ reopened: number }> {
    let reopened = 0;
    for (;;) {
      const batch = await this.db.transaction().execute(async (trx) => {
        const repo = this.repo(trx);
        const now = new Date().toISOString();
        const due = await repo.expiredAcceptances(now);
        for (const before of due) {
          const next: RisksTable = {
            ...before,
            ...clearedAcceptance(),
            status: 'open',
            treatment: null,
            reopen_count: Number(before.reopen_count) + (before.status === 'accepted' ? 1 : 0),
            reopened_at: before.status === 'accepted' ? now : before.reopened_at,
            reopen_reason: before.status === 'accepted' ? `acceptance expired ${before.acceptance_expires_at}` : before.reopen_reason,
            updated_at: now,
          };
          await repo.update(before.id, next);
          await recordAudit(trx, ctx, { action: 'risk.acceptance.expire', entityType: 'risk', entityId: before.id, before: auditView(before), after: auditView(next) });
        }
        return due.length;
      });
      reopened += batch;
      if (batch < 1000) return { reopened };
    }
  }

  // Automatic risks: the API other modules call.

  /**
   * Raises (or re-raises) the automatic risk of (source, sourceKey): idempotent, never a duplicate.
   * What a re-raise does follows RISK_RECURRENCE_RULE. Pass `executor` to raise inside the
   * caller's own transaction (the risk then commits or rolls back with the caller's write).
   */
  async raiseAutomatic(input: AutomaticRiskInput, ctx: RequestContext, executor?: Executor): Promise<{ risk: RiskDetail; outcome: RaiseOutcome }> {
    checkAutomatic(input);
    const run = async (trx: Executor) => {
      const outcome = await this.raiseIn(trx, input, ctx);
      const row = (await this.repo(trx).bySource(input.source, input.sourceKey))!;
      return { risk: await this.get(row.id, trx), outcome };
    };
    return executor?.isTransaction ? run(executor) : this.db.transaction().execute(run);
  }

  /** raiseAutomatic for callers that do not show the risk (hooks): the same write, without reading the risk back (7 queries fewer). */
  async raise(input: AutomaticRiskInput, ctx: RequestContext, executor?: Executor): Promise<RaiseOutcome> {
    checkAutomatic(input);
    return executor?.isTransaction ? this.raiseIn(executor, input, ctx) : this.db.transaction().execute((trx) => this.raiseIn(trx, input, ctx));
  }

  private async raiseIn(trx: Executor, input: AutomaticRiskInput, ctx: RequestContext): Promise<RaiseOutcome> {
    const repo = this.repo(trx);
    const productIds = await this.checkedIds(repo, 'products', input.productIds ?? [], 'productIds');
    const vendorIds = union(await this.checkedIds(repo, 'vendors', input.vendorIds, 'vendorIds'), await repo.vendorsOfProducts(productIds));
    const now = new Date().toISOString();
    const fresh = newRow({ id: newId(), title: input.title, description: input.description, source: input.source, sourceKey: input.sourceKey, likelihood: input.likelihood, impact: input.impact, createdBy: ctx.actor.name, now });
    fresh.raise_count = 1;
    fresh.last_raised_at = now;
    const created = await repo.insertIfAbsent(fresh);
    const before = created ? fresh : (await repo.bySource(input.source, input.sourceKey))!;
    const riskId = before.id;
    await repo.addVendors(riskId, vendorIds);
    await repo.addProducts(riskId, productIds);
    const evidenceAdded = await repo.addEvidence(input.evidence.map((e) => ({ risk_id: riskId, type: e.type, ref: e.id, label: e.label ?? null, added_by: ctx.actor.name, added_at: now })));
    if (created) {
      await recordAudit(trx, ctx, { action: 'risk.raise', entityType: 'risk', entityId: riskId, after: { ...auditView(fresh), source: input.source, sourceKey: input.sourceKey, vendorIds, productIds, evidence: input.evidence } });
      return 'created';
    }

    const raised = score(input.likelihood, input.impact);
    const next: RisksTable = { ...before, raise_count: Number(before.raise_count) + 1, last_raised_at: now };
    let outcome: RaiseOutcome = 'updated';
    const followSource = Number(before.assessed) === 0;
    if (followSource) Object.assign(next, { title: input.title, description: input.description, likelihood: input.likelihood, impact: input.impact, inherent_score: raised });
    next.current_score = next.residual_score ?? next.inherent_score;
    if (before.status === 'accepted') {
      if (raised > Number(before.current_score)) {
        Object.assign(next, clearedAcceptance(), reopenFields(before, now, `${input.source} raised a higher score (${raised}) than was accepted (${before.current_score})`), { treatment: null });
        if (followSource) next.current_score = next.residual_score ?? next.inherent_score;
        outcome = 'reopened';
      } else outcome = 'kept-accepted';
    } else if (before.status === 'closed') {
      if (before.close_reason === 'not-a-risk') outcome = 'kept-closed';
      else {
        Object.assign(next, reopenFields(before, now, `${input.source} ${input.sourceKey} recurred after the risk was closed as ${before.close_reason}`));
        outcome = 'reopened';
      }
    }
    next.search_text = searchText([next.title, next.description]);
    const changed = outcome !== 'updated' || evidenceAdded > 0 || ['title', 'description', 'likelihood', 'impact'].some((k) => next[k as keyof RisksTable] !== before[k as keyof RisksTable]);
    if (changed) next.updated_at = now;
    await repo.update(riskId, next);
    if (changed) {
      await recordAudit(trx, ctx, {
        action: outcome === 'reopened' ? 'risk.reopen' : 'risk.raise',
        entityType: 'risk',
        entityId: riskId,
        before: auditView(before),
        after: { ...auditView(next), outcome, evidenceAdded, vendorIds, productIds },
      });
    }
    return outcome;
  }

  /**
   * The automatic source of (source, sourceKey) went away (e.g. the findings were fixed): an open,
   * pending or accepted risk is closed as resolved, or as not-a-risk when the source was judged
   * irrelevant (then a recurrence keeps it closed). Unknown or already closed: nothing happens.
   */
  async resolveAutomatic(
    input: { source: AutomaticSource; sourceKey: string; reason: string; closeAs?: 'resolved' | 'not-a-risk' },
    ctx: RequestContext,
    executor?: Executor,
  ): Promise<'resolved' | 'already-closed' | 'absent'> {
    const run = async (trx: Executor) => {
      const repo = this.repo(trx);
      const before = await repo.bySource(input.source, input.sourceKey);
      if (!before) return 'absent' as const;
      if (before.status === 'closed') return 'already-closed' as const;
      const now = new Date().toISOString();
      const next: RisksTable = { ...before, status: 'closed', close_reason: input.closeAs ?? 'resolved', closed_at: now, updated_at: now };
      await repo.update(before.id, next);
      await recordAudit(trx, ctx, { action: 'risk.resolve', entityType: 'risk', entityId: before.id, before: auditView(before), after: { ...auditView(next), reason: input.reason } });
      return 'resolved' as const;
    };
    return executor?.isTransaction ? run(executor) : this.db.transaction().execute(run);
  }

  // Roll-ups, heat map, trend, export.

  async summary(query: { vendorId?: string; basis?: 'current' | 'inherent' }) {
    const basis = query.basis ?? 'current';
    if (query.vendorId && !(await this.repo().existingIds('vendors', [query.vendorId])).size) throw notFound('vendor', query.vendorId);
    const scales = await this.scales();
    const [counts, overdue, vendorRows] = await Promise.all([
      this.repo().ratingCounts(basis, query.vendorId),
      this.repo().overdueCount(today(), query.vendorId),
      query.vendorId ? Promise.resolve([]) : this.repo().vendorScoreCounts(basis),
    ]);
    const heat = emptyHeat();
    const byLevel = emptyLevels();
    const byStatus = { open: 0, pendingAcceptance: 0, accepted: 0 };
    let total = 0;
    for (const c of counts) {
      const n = Number(c.n);
      const l = Number(c.l);
      const i = Number(c.i);
      heat[l - 1][i - 1] += n;
      byLevel[levelOf(score(l, i), scales)] += n;
      if (c.status === 'open') byStatus.open += n;
      else if (c.status === 'pending-acceptance') byStatus.pendingAcceptance += n;
      else byStatus.accepted += n;
      total += n;
    }
    const vendors = new Map<string, { id: string; name: string; tier: string; total: number; byLevel: Record<Level, number>; maxScore: number }>();
    for (const r of vendorRows) {
      let v = vendors.get(r.id);
      if (!v) vendors.set(r.id, (v = { id: r.id, name: r.name, tier: r.tier, total: 0, byLevel: emptyLevels(), maxScore: 0 }));
      const n = Number(r.n);
      v.total += n;
      v.byLevel[levelOf(Number(r.score), scales)] += n;
      v.maxScore = Math.max(v.maxScore, Number(r.score));
    }
    const ranked = [...vendors.values()].sort(
      (a, b) => b.byLevel.critical - a.byLevel.critical || b.byLevel.high - a.byLevel.high || b.maxScore - a.maxScore || b.total - a.total || a.name.localeCompare(b.name),
    );
    return { basis, total, byStatus, byLevel, overdue, heat, vendors: ranked.slice(0, 50) };
  }

  /** The daily snapshot job (also safe to run again the same day: the day's row is replaced). */
  async snapshot(): Promise<{ day: string }> {
    const s = await this.summary({ basis: 'current' });
    const day = today();
    await this.repo().writeSnapshot({
      day,
      taken_at: new Date().toISOString(),
      open: s.byStatus.open + s.byStatus.pendingAcceptance,
      accepted: s.byStatus.accepted,
      by_level: JSON.stringify(s.byLevel),
      heat: JSON.stringify(s.heat),
    });
    return { day };
  }

  /** Daily snapshots of the last `days` days; today is answered live (the snapshot may not be taken yet). */
  async trend(days: number) {
    const end = today();
    const from = new Date(Date.parse(`${end}T00:00:00Z`) - (days - 1) * DAY_MS).toISOString().slice(0, 10);
    const rows = (await this.repo().snapshots(from)).filter((r) => r.day < end);
    const live = await this.summary({ basis: 'current' });
    return {
      days: [
        ...rows.map((r) => ({ day: r.day, open: Number(r.open), accepted: Number(r.accepted), byLevel: JSON.parse(r.by_level) as Record<Level, number>, live: false })),
        { day: end, open: live.byStatus.open + live.byStatus.pendingAcceptance, accepted: live.byStatus.accepted, byLevel: live.byLevel, live: true },
      ],
    };
  }

  async exportCsv(filter: RiskFilter): Promise<string> {
    const rows = await this.repo().all(await this.resolve(filter), EXPORT_MAX);
    if (rows.length > EXPORT_MAX) throw invalidField('status', `more than ${EXPORT_MAX} risks match: narrow the filter`);
    const risks = await this.present(rows);
    const columns = [
      'id', 'title', 'status', 'source', 'source_key', 'level', 'score', 'inherent_likelihood', 'inherent_impact', 'inherent_score',
      'residual_likelihood', 'residual_impact', 'residual_score', 'owner', 'team', 'treatment', 'due_date', 'overdue',
      'acceptance_expires_at', 'accepted_by', 'vendors', 'products', 'evidence_count', 'created_at', 'updated_at',
    ];
    return toCsv(
      columns,
      risks.map((r) => [
        r.id, r.title, r.status, r.source, r.sourceKey, r.level, r.score, r.inherent.likelihood, r.inherent.impact, r.inherent.score,
        r.residual?.likelihood ?? null, r.residual?.impact ?? null, r.residual?.score ?? null, r.owner, r.team?.key ?? null, r.treatment, r.dueDate, r.overdue,
        r.acceptance?.expiresAt ?? null, r.acceptance?.approvedBy ?? null, r.vendors.map((v) => v.name).join('; '), r.products.map((p) => p.name).join('; '), r.evidenceCount, r.createdAt, r.updatedAt,
      ]),
    );
  }

  // Helpers.

  /** Who acts, as one person: a user's token acts for its user, so one user cannot approve their own request through a token. */
  private async principal(ctx: RequestContext): Promise<Principal> {
    const { actor } = ctx;
    if (actor.type === 'user' && actor.id) return { key: `user:${actor.id}`, name: actor.name };
    if (actor.type === 'token' && actor.id) {
      const userId = await this.repo().principalOfToken(actor.id);
      return { key: userId ? `user:${userId}` : `token:${actor.id}`, name: actor.name };
    }
    return { key: `${actor.type}:${actor.name}`, name: actor.name };
  }

  private async checkedIds(repo: RiskRepository, table: 'vendors' | 'products', ids: string[], field: string): Promise<string[]> {
    const unique = [...new Set(ids)];
    const known = await repo.existingIds(table, unique);
    const missing = unique.filter((id) => !known.has(id));
    if (missing.length) throw invalidField(field, `unknown ${table === 'vendors' ? 'vendor' : 'product'} ${missing.slice(0, 5).join(', ')}`);
    return unique;
  }

  private async teamId(repo: RiskRepository, team: string): Promise<string> {
    const row = await repo.teamByKey(team);
    if (!row) throw invalidField('/team', `unknown team "${team}" (teams: it, security, legal, privacy, compliance)`);
    return row.id;
  }
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}

function emptyHeat(): number[][] {
  return Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]);
}

function emptyLevels(): Record<Level, number> {
  return Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>;
}

function checkResidual(l: number | null, i: number | null) {
  if ((l === null) !== (i === null)) throw invalidField(l === null ? '/residualLikelihood' : '/residualImpact', 'residual likelihood and impact are set (or cleared) together');
}

function setResidual(row: RisksTable, l: number | null, i: number | null) {
  row.residual_likelihood = l;
  row.residual_impact = i;
  row.residual_score = l !== null && i !== null ? score(l, i) : null;
  row.current_score = row.residual_score ?? row.inherent_score;
}

function checkAutomatic(input: AutomaticRiskInput) {
  const rating = (v: number) => Number.isInteger(v) && v >= 1 && v <= 5;
  if (!rating(input.likelihood)) throw invalidField('likelihood', 'must be a whole number from 1 to 5');
  if (!rating(input.impact)) throw invalidField('impact', 'must be a whole number from 1 to 5');
  if (!input.sourceKey || input.sourceKey.length > 500) throw invalidField('sourceKey', 'must be 1 to 500 characters');
  if (!input.title.trim() || input.title.length > 300) throw invalidField('title', 'must be 1 to 300 characters');
}

function newRow(v: { id: string; title: string; description: string; source: string; sourceKey: string | null; likelihood: number; impact: number; createdBy: string; now: string }): RisksTable {
  const inherent = score(v.likelihood, v.impact);
  return {
    id: v.id,
    title: v.title,
    description: v.description,
    source: v.source,
    source_key: v.sourceKey,
    likelihood: v.likelihood,
    impact: v.impact,
    inherent_score: inherent,
    residual_likelihood: null,
    residual_impact: null,
    residual_score: null,
    current_score: inherent,
    assessed: 0,
    owner: null,
    team_id: null,
    treatment: null,
    treatment_plan: null,
    due_date: null,
    status: 'open',
    ...clearedAcceptance(),
    close_reason: null,
    closed_at: null,
    reopen_count: 0,
    reopened_at: null,
    reopen_reason: null,
    raise_count: 0,
    last_raised_at: null,
    search_text: searchText([v.title, v.description]),
    created_by: v.createdBy,
    created_at: v.now,
    updated_at: v.now,
  };
}

function clearedAcceptance() {
  return {
    acceptance_justification: null,
    acceptance_expires_at: null,
    acceptance_requested_by: null,
    acceptance_requested_by_name: null,
    acceptance_requested_at: null,
    accepted_by: null,
    accepted_by_name: null,
    accepted_at: null,
  };
}

function reopenFields(before: RisksTable, now: string, reason: string) {
  return { status: 'open', close_reason: null, closed_at: null, reopen_count: Number(before.reopen_count) + 1, reopened_at: now, reopen_reason: reason };
}

function stripJoined(row: RiskRow): RisksTable {
  const { team_key: _k, team_name: _n, evidence_count: _e, ...rest } = row;
  return rest;
}
