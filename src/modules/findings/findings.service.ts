import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { invalidField, notFound, validationError } from '../../platform/errors.js';
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
  RISK_FORMULA,
  riskScore,
  SUPPRESSED_STATES,
  validateFindingsPolicy,
  type FindingsPolicy,
  type Severity,
} from './findings.policy.js';
import { FindingsRepository, type FindingFilter, type FindingRow } from './findings.repository.js';
import type { BulkTriageInput, ExportQueryType, Exposure, ExposureQueryType, Finding, ListFindingsQueryType, TriageInput } from './findings.schemas.js';
import type { FindingsTable } from './findings.tables.js';

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
    const sort = query.sort ?? 'priority';
    const cursor = decodeCursor(query.cursor, sort === 'priority' ? 'integer' : 'string');
    const filter = await this.filterOf(query);
    if (!filter) return { items: [], nextCursor: null };
    const rows = await this.repo().list(filter, sort, cursor, limit);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    const now = Date.now();
    return {
      items: page.map((r) => presentFinding(r, now)),
      nextCursor: more && last ? encodeCursor({ key: sort === 'priority' ? Number(last.priority_rank) : last.id, id: last.id }) : null,
    };
  }

  async get(id: string) {
    const row = await this.repo().byId(id);
    if (!row) throw notFound('finding', id);
    const history = await this.repo().history(id);
    return { ...presentFinding(row), history: history.map(presentHistory) };
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
    const { ids, advisory, productId, vendorId, ...decision } = input;
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
      const changed = await this.applyTriage(trx, findings, decision, ctx);
      await recordAudit(trx, ctx, {
        action: 'finding.bulk-triage',
        entityType: 'findings',
        entityId: null,
        after: { decision, advisory: advisory ?? null, productId: productId ?? null, vendorId: vendorId ?? null, updated: changed.map((f) => f.id) },
      });
      return { updated: changed.length, unchanged: findings.length - changed.length, ids: changed.map((f) => f.id) };
    });
  }

  /** Applies one analyst decision to findings: state, justification, responses, detail, severity override. */
  private async applyTriage(trx: Executor, findings: FindingsTable[], input: TriageInput, ctx: RequestContext): Promise<FindingsTable[]> {
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
        historyRow(f.id, now, ctx, 'analyst', 'triage', f.state, next.state, next.severity_override !== f.severity_override ? { severityOverride: next.severity_override } : null, next),
      );
      changed.push(next);
    }
    await new MatchingRepository(trx).insertHistory(history);
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
    const rows: FindingRow[] = filter && (format === 'csv' || ctx.release !== null) ? await this.repo().all(filter, EXPORT_MAX) : [];
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
    const hops = await new SbomRepository(this.db).paths(dedupe(rows.map((r) => ({ sbomId: r.sbom_id, idx: Number(r.component_idx) }))));
    const paths = new Map<string, Array<{ hop: number; name: string; version: string | null; purl: string | null }>>();
    for (const hop of hops) {
      const key = `${hop.origin_sbom}#${Number(hop.origin_idx)}`;
      const list = paths.get(key) ?? [];
      list.push({ hop: Number(hop.hop), name: hop.name, version: hop.version, purl: hop.purl });
      paths.set(key, list);
    }
    const roots = await this.db
      .selectFrom('sboms')
      .select(['id', 'root_name', 'root_version', 'root_purl'])
      .where('id', 'in', rows.length ? [...new Set(rows.map((r) => r.sbom_id))] : [''])
      .execute();
    const rootOf = new Map(roots.map((r) => [r.id, r]));

    const vendors = new Map<string, Exposure['vendors'][number]>();
    const components = new Set<string>();
    const releases = new Set<string>();
    for (const r of rows) {
      let vendor = vendors.get(r.vendor_id);
      if (!vendor) vendors.set(r.vendor_id, (vendor = { id: r.vendor_id, name: r.vendor_name, tier: r.vendor_tier, products: [] }));
      let product = vendor.products.find((p) => p.id === r.product_id);
      if (!product) vendor.products.push((product = { id: r.product_id, name: r.product_name, releases: [] }));
      let release = product.releases.find((x) => x.release === r.release);
      if (!release) product.releases.push((release = { release: r.release, sbomId: r.sbom_id, components: [] }));
      releases.add(`${r.product_id}\u0000${r.release}`);
      components.add(`${r.sbom_id}#${r.component_idx}`);
      const root = rootOf.get(r.sbom_id);
      const chain = (paths.get(`${r.sbom_id}#${Number(r.component_idx)}`) ?? []).sort((a, b) => b.hop - a.hop);
      const finding = presentFinding(r);
      release.components.push({
        findingId: r.id,
        advisoryId: r.display_id,
        purl: r.component_purl,
        name: r.component_name,
        version: r.component_version,
        direct: Number(r.direct) === 1,
        depth: Number(r.depth),
        path: [
          root?.root_name != null ? { name: root.root_name, version: root.root_version, purl: root.root_purl } : { name: r.product_name, version: r.release, purl: null },
          ...chain.map(({ name, version, purl }) => ({ name, version, purl })),
        ],
        fixedIn: r.fixed_in,
        fixedVersions: finding.fixedVersions,
        state: r.state,
        verdict: r.verdict,
        severity: r.severity,
        priority: r.priority,
      });
    }
    const products = new Set(rows.map((r) => r.product_id));
    return {
      query: { advisory: query.advisory ?? query.cve ?? null, purl: query.purl ?? null },
      advisories,
      summary: { vendors: vendors.size, products: products.size, releases: releases.size, components: components.size, findings: rows.length, truncated },
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
