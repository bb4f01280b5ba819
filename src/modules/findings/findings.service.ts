import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { conflict, forbidden, invalidField, notFound, validationError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { decodeCursor, encodeCursor, type PageOf } from '../../platform/http/pagination.js';
import type { JobQueue } from '../../platform/jobs/queue.js';
import { writeSetting } from '../../platform/settings.js';
import { presentAdvisory } from '../advisories/advisories.mappers.js';
import { AdvisoryRepository } from '../advisories/advisories.repository.js';
import { chunks } from '../matching/bulk.js';
import { keyOf, type PackageEntry } from '../matching/matching.keys.js';
import { MatchingRepository } from '../matching/matching.repository.js';
import { FINDINGS_POLICY_KEY, historyRow, rateFinding, type Matcher } from '../matching/matching.service.js';
import { parsePurl, PurlError } from '../purl/index.js';
import { resolveProductId } from '../sboms/sboms.estate.js';
import { identityOfPurl } from '../sboms/sboms.identity.js';
import { SbomRepository } from '../sboms/sboms.repository.js';
import { osvAffects } from '../versioning/index.js';
import { cycloneDx, csafVex, findingsCsv, openVex, type ExportContext } from './findings.export.js';
import { presentFinding, presentHistory } from './findings.mappers.js';
import {
  dueAt,
  effectiveSeverity,
  prioritise,
  PRIORITIES,
  RISK_FORMULA,
  SEVERITIES,
  STATES,
  riskScore,
  SUPPRESSED_STATES,
  validateFindingsPolicy,
  vexStatusOf,
  type FindingsPolicy,
  type Severity,
} from './findings.policy.js';
import { FindingsRepository, SORT_KEY_TYPES, sortValue, type FindingFilter, type FindingGroupRow, type FindingRow, type FindingSort } from './findings.repository.js';
import {
  type BulkTriageInput,
  type ExportQueryType,
  type Exposure,
  type ExposureQueryType,
  type Finding,
  type FindingGroup,
  type FindingSortKey,
  type GroupSortColumn,
  type GroupsQueryType,
  type ListFindingsQueryType,
  type SortColumn,
  type TotalsQueryType,
  type TriageInput,
  type View,
  type ViewInput,
  type ViewPatch,
} from './findings.schemas.js';
import type { FindingsTable, FindingsViewsTable } from './findings.tables.js';

/** Most findings one export or bulk triage handles. */
export const EXPORT_MAX = 100_000;
export const BULK_MAX = 10_000;

export class FindingsService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly matcher: Matcher,
    private readonly jobs: JobQueue,
    private readonly toolVersion: string,
  ) {}

  /**
   * Open exposure per day over the last `days` days: a finding counts on a day when it was first
   * seen by that day's end and not closed before it. Reconstructed from detection and closure
   * times, so it needs no snapshot table and is right for any past window.
   */
  async trend(days: number) {
    const end = new Date();
    end.setUTCHours(23, 59, 59, 999);
    const dayEnds = Array.from({ length: days }, (_, i) => new Date(end.getTime() - (days - 1 - i) * 86_400_000).toISOString());
    const rows = await this.repo().trendRows(new Date(Date.parse(dayEnds[0]) - 86_400_000 + 1).toISOString());
    return {
      days: dayEnds.map((dayEnd) => {
        const open = rows.filter((r) => r.first_seen_at <= dayEnd && (r.closed_at === null || r.closed_at > dayEnd));
        return {
          date: dayEnd.slice(0, 10),
          open: open.length,
          kev: open.filter((r) => Number(r.kev) === 1).length,
          malicious: open.filter((r) => Number(r.malicious) === 1).length,
        };
      }),
    };
  }

  private repo(executor: Executor = this.db) {
    return new FindingsRepository(executor);
  }

  /** Turns query parameters into a repository filter: resolves the advisory, the purl and the estate alias. */
  private async filterOf(query: Omit<ListFindingsQueryType, 'limit' | 'cursor' | 'sort'>): Promise<FindingFilter | null> {
    const filter: FindingFilter = {
      q: query.q,
      productId: query.productId === undefined ? undefined : resolveProductId(query.productId),
      vendorId: query.vendorId,
      release: query.release,
      severity: query.severity,
      kev: query.kev,
      malicious: query.malicious,
      state: query.state,
      epssMin: query.epssMin,
      tier: query.tier,
      status: query.status,
      verdict: query.verdict,
      priority: query.priority,
    };
    if (query.advisory !== undefined) {
      const group = await new AdvisoryRepository(this.db).resolveGroup(query.advisory);
      if (!group) return null;
      filter.groupId = group.id;
    }
    if (query.purl !== undefined) {
      const identity = purlOf(query.purl, 'purl');
      filter.ecosystem = identity.ecosystem;
      filter.packageName = identity.packageName;
      if (identity.version !== null) filter.componentVersion = identity.version;
    }
    return filter;
  }

  async list(query: ListFindingsQueryType): Promise<PageOf<Finding>> {
    const limit = query.limit ?? 50;
    const sort = sortOf(query.sort);
    const cursor = decodeCursor(query.cursor, sort === 'newest' ? 'string' : SORT_KEY_TYPES[sort.column]);
    const filter = await this.filterOf(query);
    if (!filter) return { items: [], nextCursor: null };
    const rows = await this.repo().list(filter, sort, cursor, limit);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    const now = Date.now();
    return {
      items: page.map((r) => presentFinding(r, now)),
      nextCursor: more && last ? encodeCursor({ key: sort === 'newest' ? last.id : sortValue(sort.column, last), id: last.id }) : null,
    };
  }

  /** How many findings a filter selects: overall, distinct advisories/products/vendors, per severity and per state. */
  async totals(query: TotalsQueryType) {
    const empty = { findings: 0, advisories: 0, products: 0, vendors: 0, severity: zeroes(SEVERITIES), state: zeroes(STATES) };
    const filter = await this.filterOf(query);
    if (!filter) return empty;
    const { overall, split } = await this.repo().totals(filter);
    const out = { findings: Number(overall.findings), advisories: Number(overall.advisories), products: Number(overall.products), vendors: Number(overall.vendors), severity: empty.severity, state: empty.state };
    for (const row of split) {
      const n = Number(row.n);
      if (Object.hasOwn(out.severity, row.severity)) out.severity[row.severity as Severity] += n;
      if (Object.hasOwn(out.state, row.state)) out.state[row.state as (typeof STATES)[number]] += n;
    }
    return out;
  }

  /** A filter's findings grouped by advisory, one row per group with how many findings, products and vendors. */
  async groups(query: GroupsQueryType): Promise<PageOf<FindingGroup>> {
    const limit = query.limit ?? 50;
    const text = query.sort ?? 'priority';
    const sort = { column: text.replace(/^-/, '') as GroupSortColumn, descending: text.startsWith('-') };
    const cursor = decodeCursor(query.cursor, sort.column === 'advisory' ? 'string' : 'integer');
    const filter = await this.filterOf(query);
    if (!filter) return { items: [], nextCursor: null };
    const rows = await this.repo().groups(filter, sort, cursor, limit);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map(presentGroup),
      nextCursor: more && last ? encodeCursor({ key: sort.column === 'advisory' ? String(last.sort_key) : Number(last.sort_key), id: last.group_id }) : null,
    };
  }

  async get(id: string) {
    const row = await this.repo().byId(id);
    if (!row) throw notFound('finding', id);
    const [history, paths, root] = await Promise.all([
      this.repo().history(id),
      this.pathsOf([row]),
      this.db.selectFrom('sboms').select(['root_name', 'root_version', 'root_purl']).where('id', '=', row.sbom_id).executeTakeFirst(),
    ]);
    return { ...presentFinding(row), history: history.map(presentHistory), path: pathFrom(row, root, paths) };
  }

  /** The chain of components from each finding's component up to its SBOM's root, per occurrence. */
  private async pathsOf(rows: Array<Pick<FindingRow, 'sbom_id' | 'component_idx'>>) {
    const hops = await new SbomRepository(this.db).paths(dedupe(rows.map((r) => ({ sbomId: r.sbom_id, idx: Number(r.component_idx) }))));
    const paths = new Map<string, Array<{ hop: number; name: string; version: string | null; purl: string | null }>>();
    for (const hop of hops) {
      const key = `${hop.origin_sbom}#${Number(hop.origin_idx)}`;
      const list = paths.get(key) ?? [];
      list.push({ hop: Number(hop.hop), name: hop.name, version: hop.version, purl: hop.purl });
      paths.set(key, list);
    }
    return paths;
  }

  // Saved views.

  async views(ctx: RequestContext): Promise<{ items: View[] }> {
    const key = ownerKey(ctx);
    return { items: (await this.repo().views(key)).map((v) => presentView(v, key)) };
  }

  async createView(input: ViewInput, ctx: RequestContext): Promise<View> {
    const key = ownerKey(ctx);
    const name = input.name.trim();
    if (!name) throw invalidField('/name', 'must not be blank');
    return this.db.transaction().execute(async (trx) => {
      if (await this.repo(trx).viewByName(key, name)) throw conflict(`you already have a view named ${name}`, [{ field: '/name', reason: 'is taken by another of your views' }]);
      const now = new Date().toISOString();
      const row: FindingsViewsTable = { id: newId(), owner_key: key, owner_name: ctx.actor.name, name, shared: input.shared ? 1 : 0, query: JSON.stringify(input.query), created_at: now, updated_at: now };
      await this.repo(trx).insertView(row);
      await recordAudit(trx, ctx, { action: 'finding.view.create', entityType: 'findings-view', entityId: row.id, after: { name, shared: !!input.shared, query: input.query } });
      return presentView(row, key);
    });
  }

  async updateView(id: string, patch: ViewPatch, ctx: RequestContext): Promise<View> {
    const key = ownerKey(ctx);
    return this.db.transaction().execute(async (trx) => {
      const row = await this.ownView(trx, id, key);
      const name = patch.name?.trim() ?? row.name;
      if (!name) throw invalidField('/name', 'must not be blank');
      if (name !== row.name && (await this.repo(trx).viewByName(key, name))) throw conflict(`you already have a view named ${name}`, [{ field: '/name', reason: 'is taken by another of your views' }]);
      const changes = { name, shared: patch.shared === undefined ? row.shared : patch.shared ? 1 : 0, query: patch.query === undefined ? row.query : JSON.stringify(patch.query), updated_at: new Date().toISOString() };
      await this.repo(trx).updateView(id, changes);
      await recordAudit(trx, ctx, { action: 'finding.view.update', entityType: 'findings-view', entityId: id, before: { name: row.name, shared: Number(row.shared) === 1 }, after: { name, shared: Number(changes.shared) === 1 } });
      return presentView({ ...row, ...changes }, key);
    });
  }

  async deleteView(id: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await this.ownView(trx, id, ownerKey(ctx));
      await this.repo(trx).deleteView(id);
      await recordAudit(trx, ctx, { action: 'finding.view.delete', entityType: 'findings-view', entityId: id, before: { name: row.name } });
    });
  }

  /** A view the caller may change: their own (a shared view of someone else's is theirs to change). */
  private async ownView(trx: Executor, id: string, key: string) {
    const row = await this.repo(trx).view(id);
    if (!row || (row.owner_key !== key && Number(row.shared) !== 1)) throw notFound('view', id);
    if (row.owner_key !== key) throw forbidden(`the view ${row.name} was saved by ${row.owner_name}; only they can change it`);
    return row;
  }

  async triage(id: string, input: TriageInput, ctx: RequestContext): Promise<Finding> {
    await this.db.transaction().execute(async (trx) => {
      const [finding] = await this.repo(trx).byIds([id]);
      if (!finding) throw notFound('finding', id);
      const changed = await this.applyTriage(trx, [finding], input, ctx);
      if (changed.length) {
        await recordAudit(trx, ctx, { action: 'finding.triage', entityType: 'finding', entityId: id, before: decisionOf(finding), after: decisionOf(changed[0]) });
      }
    });
    return presentFinding((await this.repo().byId(id))!);
  }

  async bulkTriage(input: BulkTriageInput, ctx: RequestContext) {
    const { ids, advisory, productId, vendorId, dryRun = false, ...decision } = input;
    if (!Object.keys(decision).length) throw validationError('give at least one of state, justification, responses, detail, severity', [{ field: '/state', reason: 'is required' }]);
    if (!ids && advisory === undefined) throw invalidField('/ids', 'give the findings\' ids, or an advisory');
    if (ids && advisory !== undefined) throw invalidField('/advisory', 'give either ids or an advisory, not both');
    return this.db.transaction().execute(async (trx) => {
      let targetIds = ids ?? [];
      if (advisory !== undefined) {
        const group = await new AdvisoryRepository(trx).resolveGroup(advisory);
        if (!group) throw invalidField('/advisory', 'is not a known advisory');
        targetIds = await this.repo(trx).idsOfGroup(group.id, { productId, vendorId }, BULK_MAX + 1);
        if (targetIds.length > BULK_MAX) throw invalidField('/advisory', `matches more than ${BULK_MAX} findings; narrow it with productId or vendorId`);
      }
      const findings = await this.repo(trx).byIds(targetIds);
      if (ids && findings.length !== ids.length) {
        const known = new Set(findings.map((f) => f.id));
        const missing = ids.filter((i) => !known.has(i));
        throw validationError(`${missing.length} of the ids are not findings`, missing.slice(0, 20).map((m) => ({ field: `/ids/${ids.indexOf(m)}`, reason: 'is not a finding' })));
      }
      const batchId = newId();
      const changed = await this.applyTriage(trx, findings, decision, ctx, { dryRun, batchId });
      const result = { updated: changed.length, unchanged: findings.length - changed.length, ids: changed.map((f) => f.id), dryRun };
      if (dryRun) return { ...result, batchId: null };
      // What each finding was and became, so the batch can be undone exactly (and refused when a finding changed since).
      const before = new Map(findings.map((f) => [f.id, f]));
      await recordAudit(trx, ctx, {
        action: 'finding.bulk-triage',
        entityType: 'findings',
        entityId: batchId,
        before: { findings: Object.fromEntries(changed.map((f) => [f.id, snapshotOf(before.get(f.id)!)])) },
        after: { decision, advisory: advisory ?? null, productId: productId ?? null, vendorId: vendorId ?? null, updated: changed.map((f) => f.id), findings: Object.fromEntries(changed.map((f) => [f.id, snapshotOf(f)])) },
      });
      return { ...result, batchId: changed.length ? batchId : null };
    });
  }

  /** The latest bulk-triage batches from the audit trail, with whether (and by whom) each was undone. */
  async batches(limit = 20) {
    const events = await this.repo().batchEvents(limit);
    const undone = new Map((await this.repo().undoEvents(events.map((e) => e.entity_id!))).map((u) => [u.entity_id, u]));
    return {
      items: events.map((e) => {
        const after = JSON.parse(e.after ?? '{}') as { decision?: Record<string, unknown>; advisory?: string | null; updated?: string[] };
        const u = undone.get(e.entity_id);
        return { batchId: e.entity_id!, at: e.at, actor: e.actor_name, decision: after.decision ?? {}, advisory: after.advisory ?? null, findings: after.updated?.length ?? 0, undone: u ? { at: u.at, actor: u.actor_name } : null };
      }),
    };
  }

  /**
   * Reverts one bulk-triage batch: every finding it changed gets back the decision it had before
   * (state, justification, responses, detail, severity override, and who had set it), recorded in
   * each finding's history and in the audit trail. Refused as a whole when any of those findings
   * has changed since, or when the batch was undone already.
   */
  async undoBatch(batchId: string, ctx: RequestContext) {
    return this.db.transaction().execute(async (trx) => {
      await new MatchingRepository(trx).lockMatching('exclusive');
      const repo = this.repo(trx);
      const event = await repo.batchEvent(batchId, 'finding.bulk-triage');
      if (!event) throw notFound('bulk-triage batch', batchId);
      const undone = await repo.batchEvent(batchId, 'finding.bulk-triage.undo');
      if (undone) throw conflict(`this batch was undone already, by ${undone.actor_name} at ${undone.at}`);
      const before = (JSON.parse(event.before ?? '{}') as { findings?: Record<string, Snapshot> }).findings ?? {};
      const after = (JSON.parse(event.after ?? '{}') as { findings?: Record<string, Snapshot> }).findings ?? {};
      const ids = Object.keys(before);
      const current = await repo.byIds(ids);
      const changedSince = ids.filter((id) => {
        const f = current.find((c) => c.id === id);
        return !f || !after[id] || canonicalDecision(snapshotOf(f)) !== canonicalDecision(after[id]);
      });
      if (changedSince.length) {
        throw conflict(
          `${changedSince.length} of the ${ids.length} findings of this batch changed since (or are gone); nothing was undone`,
          changedSince.slice(0, 20).map((id) => ({ field: `/findings/${id}`, reason: 'changed since the batch' })),
        );
      }
      const restored = await this.restore(trx, current, before, ctx, batchId);
      await recordAudit(trx, ctx, { action: 'finding.bulk-triage.undo', entityType: 'findings', entityId: batchId, before: { findings: after }, after: { restored: restored.length, findings: before } });
      return { batchId, restored: restored.length, ids: restored };
    });
  }

  /** Puts findings back to earlier decisions, with severity, priority and due date recomputed from them. */
  private async restore(trx: Executor, findings: FindingsTable[], snapshots: Record<string, Snapshot>, ctx: RequestContext, batchId: string): Promise<string[]> {
    const policy = await this.matcher.policy(trx);
    const groups = await new MatchingRepository(trx).groupRisks([...new Set(findings.map((f) => f.group_id))]);
    const now = new Date().toISOString();
    const history = [];
    for (const f of findings) {
      const s = snapshots[f.id];
      const group = groups.get(f.group_id);
      const severity = effectiveSeverity(s.severityOverride, group?.severity ?? null);
      const { priority, rank } = prioritise(
        { severity: group?.severity ?? null, kev: Number(group?.kev) === 1, malicious: Number(group?.malicious) === 1, epss: group?.epss == null ? null : Number(group.epss) },
        severity,
        policy,
      );
      const responses = JSON.stringify(s.responses);
      await this.repo(trx).update(f.id, {
        state: s.state,
        justification: s.justification,
        responses,
        detail: s.detail,
        severity_override: s.severityOverride,
        severity,
        priority,
        priority_rank: rank,
        due_at: dueAt(f.first_seen_at, priority, policy),
        state_source: s.source,
        state_source_name: s.sourceName,
        state_updated_at: s.updatedAt,
        state_updated_by: s.updatedBy,
        updated_at: now,
      });
      history.push(historyRow(f.id, now, ctx, 'analyst', 'undo', f.state, s.state, { batch: batchId }, { justification: s.justification, responses, detail: s.detail }));
    }
    await new MatchingRepository(trx).insertHistory(history);
    return findings.map((f) => f.id);
  }

  /** Applies one analyst decision to findings: state, justification, responses, detail, severity override. */
  private async applyTriage(trx: Executor, findings: FindingsTable[], input: TriageInput, ctx: RequestContext, options: { dryRun?: boolean; batchId?: string } = {}): Promise<FindingsTable[]> {
    const policy = await this.matcher.policy(trx);
    const groups = await new MatchingRepository(trx).groupRisks([...new Set(findings.map((f) => f.group_id))]);
    const now = new Date().toISOString();
    const changed: FindingsTable[] = [];
    const history = [];
    for (const f of findings) {
      const state = input.state ?? f.state;
      const justification = input.justification !== undefined ? input.justification : state === f.state ? f.justification : null;
      // A new state starts a new decision: the previous one's justification and detail do not carry into it.
      const detail = input.detail !== undefined ? input.detail : state === f.state ? f.detail : null;
      if (justification && state !== 'not_affected') throw invalidField('/justification', 'only applies when the state is not_affected');
      if (state === 'not_affected' && !justification && !detail) throw invalidField('/justification', 'not_affected needs a justification or a detail saying why');
      const responses = input.responses !== undefined ? JSON.stringify(input.responses) : f.responses;
      const override = input.severity !== undefined ? input.severity : f.severity_override;
      const group = groups.get(f.group_id);
      const { severity, source } = rateFinding(group, JSON.parse(f.matched) as Array<{ advisory: string }>, override);
      const { priority, rank } = prioritise(
        { severity: group?.severity ?? null, kev: Number(group?.kev) === 1, malicious: Number(group?.malicious) === 1, epss: group?.epss == null ? null : Number(group.epss) },
        severity,
        policy,
      );
      const next: FindingsTable = {
        ...f,
        state,
        justification,
        detail,
        responses,
        severity_override: override,
        severity,
        severity_source: source,
        priority,
        priority_rank: rank,
        due_at: dueAt(f.first_seen_at, priority, policy),
      };
      const decisionChanged = next.state !== f.state || next.justification !== f.justification || next.detail !== f.detail || next.responses !== f.responses;
      if (!decisionChanged && next.severity_override === f.severity_override) continue;
      if (options.dryRun) {
        changed.push(next);
        continue;
      }
      Object.assign(next, {
        state_source: 'analyst',
        state_source_name: ctx.actor.name,
        state_updated_at: now,
        state_updated_by: ctx.actor.name,
        updated_at: now,
      });
      await this.repo(trx).update(f.id, {
        state: next.state,
        justification: next.justification,
        detail: next.detail,
        responses: next.responses,
        severity_override: next.severity_override,
        severity: next.severity,
        severity_source: next.severity_source,
        priority: next.priority,
        priority_rank: next.priority_rank,
        due_at: next.due_at,
        state_source: next.state_source,
        state_source_name: next.state_source_name,
        state_updated_at: now,
        state_updated_by: next.state_updated_by,
        updated_at: now,
      });
      history.push(
        historyRow(
          f.id, now, ctx, 'analyst', 'triage', f.state, next.state,
          next.severity_override !== f.severity_override || options.batchId ? { ...(next.severity_override !== f.severity_override ? { severityOverride: next.severity_override } : {}), ...(options.batchId ? { batch: options.batchId } : {}) } : null,
          next,
        ),
      );
      changed.push(next);
    }
    if (history.length) await new MatchingRepository(trx).insertHistory(history);
    return changed;
  }

  // Risk.

  async risk(scope: { productId?: string; vendorId?: string }) {
    if (scope.productId) {
      scope.productId = resolveProductId(scope.productId);
      if (!(await this.repo().productOwner(scope.productId))) throw notFound('product', scope.productId);
    }
    if (scope.vendorId && !(await this.repo().vendor(scope.vendorId))) throw notFound('vendor', scope.vendorId);
    const [rows, counts, policy] = await Promise.all([this.repo().riskRows(scope, SUPPRESSED_STATES), this.repo().countsBy(scope), this.matcher.policy()]);
    const order = ['critical', 'high', 'medium', 'unknown', 'low', 'none'];
    const groups = new Map<string, { advisoryId: string; severity: Severity; kev: boolean; malicious: boolean; epss: number | null }>();
    for (const r of rows) {
      const severity = effectiveSeverity(r.severity, null);
      const seen = groups.get(r.group_id);
      if (seen && order.indexOf(seen.severity) <= order.indexOf(severity)) continue;
      groups.set(r.group_id, { advisoryId: r.display_id, severity, kev: Number(r.kev) === 1, malicious: Number(r.malicious) === 1, epss: r.epss === null ? null : Number(r.epss) });
    }
    const { score, terms } = riskScore([...groups.values()], policy);
    let open = 0;
    let suppressed = 0;
    let indeterminate = 0;
    for (const c of counts) {
      const n = Number(c.n);
      open += n;
      if (SUPPRESSED_STATES.includes(c.state)) suppressed += n;
      else if (c.verdict === 'indeterminate') indeterminate += n;
    }
    return { score, formula: RISK_FORMULA, terms, findings: { open, counted: rows.length, suppressed, indeterminate } };
  }

  // Policy.

  policy(): Promise<FindingsPolicy> {
    return this.matcher.policy();
  }

  async setPolicy(policy: FindingsPolicy, ctx: RequestContext): Promise<FindingsPolicy> {
    const problems = validateFindingsPolicy(policy);
    if (problems.length) throw validationError(problems[0], problems.map((p) => ({ field: `/${p.split(':')[0].replace(/\./g, '/')}`, reason: p.split(': ').slice(1).join(': ') })));
    await this.db.transaction().execute(async (trx) => {
      const before = await this.matcher.policy(trx);
      await writeSetting(trx, FINDINGS_POLICY_KEY, policy);
      await recordAudit(trx, ctx, { action: 'settings.findings-policy.update', entityType: 'settings', entityId: FINDINGS_POLICY_KEY, before, after: policy });
      await this.jobs.enqueue('findings.reprioritise', {}, {}, trx);
    });
    return policy;
  }

  /** The background job after a policy change: every open finding's priority and due date recomputed. */
  async reprioritiseAll(): Promise<number> {
    const groups = (await this.db.selectFrom('findings').select('group_id').distinct().where('status', '=', 'open').execute()).map((r) => r.group_id);
    let changed = 0;
    for (const batch of chunks(groups, 200)) changed += await this.db.transaction().execute((trx) => this.matcher.refreshPriorities(trx, batch));
    return changed;
  }

  // Exports.

  async export(query: ExportQueryType): Promise<{ body: string; contentType: string; filename: string }> {
    const format = query.format ?? 'csv';
    const filter = await this.filterOf(query);
    let ctx: ExportContext = { product: null, vendor: null, release: null, root: null, generatedAt: new Date().toISOString(), toolVersion: this.toolVersion };
    if (format !== 'csv') {
      if (!filter?.productId && query.productId === undefined) throw invalidField('productId', `a ${format} document describes one product release: give productId (and release)`);
      const productId = filter?.productId ?? resolveProductId(query.productId!);
      const owner = await this.repo().productOwner(productId);
      if (!owner) throw notFound('product', productId);
      const sbom = query.release !== undefined ? await this.repo().currentSbom(productId, query.release) : await this.repo().latestRelease(productId);
      if (!sbom && query.release !== undefined) throw invalidField('release', 'has no current SBOM for this product');
      if (filter) filter.release = sbom?.release;
      ctx = {
        ...ctx,
        product: { id: owner.id, name: owner.name },
        vendor: { id: owner.vendor_id, name: owner.vendor_name },
        release: sbom?.release ?? null,
        root: sbom ? { name: sbom.root_name, version: sbom.root_version, purl: sbom.root_purl } : null,
      };
    }
    const sort = sortOf(query.sort);
    const rows: FindingRow[] = filter && (format === 'csv' || ctx.release !== null) ? await this.repo().all(filter, EXPORT_MAX, sort) : [];
    const findings = rows.map((r) => presentFinding(r));
    const base = (ctx.product ? `${ctx.product.name}-${ctx.release ?? 'findings'}` : 'findings').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
    switch (format) {
      case 'csv':
        return { body: findingsCsv(findings), contentType: 'text/csv; charset=utf-8', filename: `${base}.csv` };
      case 'cyclonedx-vex':
      case 'cyclonedx-vdr':
        return { body: JSON.stringify(cycloneDx(findings, ctx, format === 'cyclonedx-vex' ? 'vex' : 'vdr'), null, 2), contentType: 'application/vnd.cyclonedx+json', filename: `${base}.${format === 'cyclonedx-vex' ? 'vex' : 'vdr'}.cdx.json` };
      case 'openvex':
        return { body: JSON.stringify(openVex(findings, ctx), null, 2), contentType: 'application/json', filename: `${base}.openvex.json` };
      case 'csaf':
        return { body: JSON.stringify(csafVex(findings, ctx), null, 2), contentType: 'application/json', filename: `${base}.csaf.json` };
    }
  }

  // Exposure.

  /**
   * Who is exposed to an advisory or a package: vendors → products → releases → components, each
   * with its path from the product root and the fix. Read from the findings (the match index) and
   * the advisory index, never by scanning components.
   */
  async exposure(query: ExposureQueryType): Promise<Exposure> {
    const given = [query.advisory, query.cve, query.purl].filter((v) => v !== undefined);
    if (given.length !== 1) throw invalidField('advisory', 'give exactly one of advisory, cve or purl');
    const limit = query.limit ?? 1000;
    const advisoryRepo = new AdvisoryRepository(this.db);
    let rows: FindingRow[];
    let advisories: Exposure['advisories'] = [];
    if (query.purl === undefined) {
      const id = (query.advisory ?? query.cve)!;
      const group = await advisoryRepo.resolveGroup(id);
      if (!group) throw notFound('advisory', id);
      const presented = presentAdvisory(group);
      const fixed = [...new Set((await advisoryRepo.packagesOfGroup(group.id)).flatMap((p) => JSON.parse(p.fixed) as string[]))];
      advisories = [{ ...pick(presented), affectsVersion: null, fixed }];
      rows = await this.repo().exposure({ groupId: group.id }, limit);
    } else {
      const identity = purlOf(query.purl, 'purl');
      const index = await new MatchingRepository(this.db).packagesForKeys(new Map([[identity.ecosystem, new Set([identity.packageName])]]));
      const entries = index.get(keyOf(identity.ecosystem, identity.packageName)) ?? [];
      const verdicts = new Map<string, { verdict: string | null; fixed: Set<string> }>();
      for (const entry of entries) {
        const verdict = identity.version === null ? null : osvAffects(entryEcosystem(entry), identity.version, { versions: entry.versions, ranges: entry.ranges });
        if (verdict === 'not_affected') continue;
        const seen = verdicts.get(entry.groupId) ?? { verdict: null, fixed: new Set<string>() };
        if (verdict === 'affected' || (verdict === 'indeterminate' && seen.verdict !== 'affected')) seen.verdict = verdict;
        for (const f of entry.fixed) seen.fixed.add(f);
        verdicts.set(entry.groupId, seen);
      }
      const groups = await advisoryRepo.groups([...verdicts.keys()]);
      advisories = groups.map((g) => ({ ...pick(presentAdvisory(g)), affectsVersion: verdicts.get(g.id)!.verdict, fixed: [...verdicts.get(g.id)!.fixed] }));
      rows = await this.repo().exposure({ ecosystem: identity.ecosystem, packageName: identity.packageName, version: identity.version ?? undefined }, limit);
    }
    const truncated = rows.length > limit;
    if (truncated) rows = rows.slice(0, limit);
    const paths = await this.pathsOf(rows);
    const roots = await this.db
      .selectFrom('sboms')
      .select(['id', 'root_name', 'root_version', 'root_purl'])
      .where('id', 'in', rows.length ? [...new Set(rows.map((r) => r.sbom_id))] : [''])
      .execute();
    const rootOf = new Map(roots.map((r) => [r.id, r]));

    const vendors = new Map<string, Exposure['vendors'][number]>();
    for (const r of rows) {
      let vendor = vendors.get(r.vendor_id);
      if (!vendor) vendors.set(r.vendor_id, (vendor = { id: r.vendor_id, name: r.vendor_name, tier: r.vendor_tier, products: [] }));
      let product = vendor.products.find((p) => p.id === r.product_id);
      if (!product) vendor.products.push((product = { id: r.product_id, name: r.product_name, releases: [] }));
      let release = product.releases.find((x) => x.release === r.release);
      if (!release) product.releases.push((release = { release: r.release, sbomId: r.sbom_id, components: [] }));
      const finding = presentFinding(r);
      release.components.push({
        findingId: r.id,
        advisoryId: r.display_id,
        purl: r.component_purl,
        name: r.component_name,
        version: r.component_version,
        direct: Number(r.direct) === 1,
        depth: Number(r.depth),
        path: pathFrom(r, rootOf.get(r.sbom_id), paths),
        fixedIn: r.fixed_in,
        fixedVersions: finding.fixedVersions,
        state: r.state,
        verdict: r.verdict,
        severity: r.severity,
        priority: r.priority,
      });
    }
    // The headline counts what is exposed: a product whose every finding is (VEX) not affected is not.
    const products = productStates(rows);
    const exposed = rows.filter((r) => products.get(r.product_id)!.state !== 'not_affected' && vexStatusOf(r.state) !== 'not_affected');
    const notAffected = [...products.values()].filter((p) => p.state === 'not_affected');
    return {
      query: { advisory: query.advisory ?? query.cve ?? null, purl: query.purl ?? null },
      advisories,
      summary: {
        vendors: new Set(exposed.map((r) => r.vendor_id)).size,
        products: products.size - notAffected.length,
        releases: new Set(exposed.map((r) => `${r.product_id}\u0000${r.release}`)).size,
        components: new Set(exposed.map((r) => `${r.sbom_id}#${r.component_idx}`)).size,
        findings: exposed.length,
        truncated,
        notAffected: { products: notAffected.length, findings: rows.length - exposed.length },
      },
      products: [...products.values()].sort((a, b) => STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state)),
      vendors: [...vendors.values()],
    };
  }
}

function pick(a: ReturnType<typeof presentAdvisory>) {
  return { id: a.id, advisoryId: a.advisoryId, aliases: a.aliases, summary: a.summary, severity: a.severity, kev: a.kev, epss: a.epss, malicious: a.malicious, withdrawn: a.withdrawn };
}

function entryEcosystem(entry: PackageEntry): string {
  return entry.release ? `${entry.ecosystem}:${entry.release}` : entry.ecosystem;
}

function dedupe(targets: Array<{ sbomId: string; idx: number }>) {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${t.sbomId}#${t.idx}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function purlOf(text: string, field: string) {
  let purl;
  try {
    purl = parsePurl(text.trim());
  } catch (error) {
    if (error instanceof PurlError) throw invalidField(field, `is not a package URL: ${error.message}`);
    throw error;
  }
  const identity = identityOfPurl(purl);
  return { ecosystem: identity.ecosystem, packageName: identity.packageName, version: purl.version };
}

function decisionOf(f: FindingsTable) {
  return { state: f.state, justification: f.justification, responses: JSON.parse(f.responses) as string[], detail: f.detail, severityOverride: f.severity_override };
}

/** "priority" or "-due" → the repository's sort; newest stays the detection order. */
function sortOf(text: FindingSortKey | undefined): FindingSort {
  const sort = text ?? 'priority';
  if (sort === 'newest') return 'newest';
  return { column: sort.replace(/^-/, '') as SortColumn, descending: sort.startsWith('-') };
}

function zeroes<T extends readonly string[]>(keys: T): Record<T[number], number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<T[number], number>;
}

function presentGroup(r: FindingGroupRow): FindingGroup {
  const identifiers = JSON.parse(r.identifiers) as string[];
  return {
    advisoryGroupId: r.group_id,
    advisoryId: r.display_id,
    aliases: identifiers.filter((id) => id.toUpperCase() !== r.display_id.toUpperCase()),
    summary: r.summary,
    severity: SEVERITIES[Number(r.best_severity)] ?? 'unknown',
    priority: PRIORITIES[Number(r.best_rank)] ?? 'none',
    kev: Number(r.kev) === 1,
    malicious: Number(r.malicious) === 1,
    epss: r.epss === null ? null : Number(r.epss),
    findings: Number(r.findings),
    products: Number(r.products),
    vendors: Number(r.vendors),
  };
}

type Root = { root_name: string | null; root_version: string | null; root_purl: string | null } | undefined;

/** From the SBOM's root (or the product release when the SBOM names none) down to the finding's component. */
function pathFrom(r: Pick<FindingRow, 'sbom_id' | 'component_idx' | 'product_name' | 'release'>, root: Root, paths: Map<string, Array<{ hop: number; name: string; version: string | null; purl: string | null }>>) {
  const chain = [...(paths.get(`${r.sbom_id}#${Number(r.component_idx)}`) ?? [])].sort((a, b) => b.hop - a.hop);
  return [
    root?.root_name != null ? { name: root.root_name, version: root.root_version, purl: root.root_purl } : { name: r.product_name, version: r.release, purl: null },
    ...chain.map(({ name, version, purl }) => ({ name, version, purl })),
  ];
}

const STATE_ORDER = ['affected', 'under_investigation', 'fixed', 'not_affected'] as const;

/** Each product's exposure state from its findings' VEX states (the most exposed one wins), with counts. */
function productStates(rows: FindingRow[]): Map<string, Exposure['products'][number]> {
  const out = new Map<string, Exposure['products'][number]>();
  for (const r of rows) {
    let p = out.get(r.product_id);
    if (!p) {
      p = { id: r.product_id, name: r.product_name, vendor: { id: r.vendor_id, name: r.vendor_name, tier: r.vendor_tier }, state: 'not_affected', releases: [], findings: { affected: 0, underInvestigation: 0, fixed: 0, notAffected: 0 } };
      out.set(r.product_id, p);
    }
    if (!p.releases.includes(r.release)) p.releases.push(r.release);
    const status = vexStatusOf(r.state);
    const key = status === 'under_investigation' ? 'underInvestigation' : status === 'not_affected' ? 'notAffected' : status;
    p.findings[key]++;
    if (STATE_ORDER.indexOf(status) < STATE_ORDER.indexOf(p.state)) p.state = status;
  }
  return out;
}

/** A finding's decision and who made it: what a bulk-triage batch records per finding to undo it. */
interface Snapshot {
  state: string;
  justification: string | null;
  responses: string[];
  detail: string | null;
  severityOverride: string | null;
  source: string;
  sourceName: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

function snapshotOf(f: FindingsTable): Snapshot {
  return {
    state: f.state,
    justification: f.justification,
    responses: JSON.parse(f.responses) as string[],
    detail: f.detail,
    severityOverride: f.severity_override,
    source: f.state_source,
    sourceName: f.state_source_name,
    updatedAt: f.state_updated_at,
    updatedBy: f.state_updated_by,
  };
}

const canonicalDecision = (s: Snapshot) => JSON.stringify([s.state, s.justification, s.responses, s.detail, s.severityOverride, s.source, s.sourceName, s.updatedAt]);

/** Views belong to the user (or, for API-only callers, the token) that saved them. */
function ownerKey(ctx: RequestContext): string {
  return `${ctx.actor.type}:${ctx.actor.id ?? ctx.actor.name}`;
}

function presentView(v: FindingsViewsTable, key: string): View {
  return {
    id: v.id,
    name: v.name,
    shared: Number(v.shared) === 1,
    query: JSON.parse(v.query) as View['query'],
    owner: v.owner_name,
    mine: v.owner_key === key,
    createdAt: v.created_at,
    updatedAt: v.updated_at,
  };
}
