import type { Kysely } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { newId } from '../../platform/ids.js';
import { readSetting } from '../../platform/settings.js';
import { findingRating, severitySourceOf } from '../advisories/advisories.groups.js';
import type { FindingsHistoryTable, FindingsTable } from '../findings/findings.tables.js';
import {
  DEFAULT_FINDINGS_POLICY,
  dueAt,
  effectiveSeverity,
  prioritise,
  type FindingsPolicy,
  type Priority,
  type Severity,
} from '../findings/findings.policy.js';
import { pickStatement, purlIdentity, rootIdentifiers, type StatementWithGroups, type VexTarget } from '../findings/findings.vex.js';
import type { ComponentRow } from '../sboms/sboms.ingest.js';
import {
  componentKeys,
  evaluateComponent,
  keyOf,
  nearestFix,
  parseQualifiers,
  sourcePackageOf,
  splitKey,
  type MatchComponent,
  type PackageEntry,
} from './matching.keys.js';
import { breathe } from './bulk.js';
import { KEV_ECOSYSTEM, KEV_NAME_MATCH, kevNamesProduct, nameKey, type KevNameEntry, type NamedProduct } from './matching.kev.js';
import { CpeRepository } from '../cpes/cpes.repository.js';
import { dictionaryNameKey, type ComponentCpe } from '../cpes/cpes.infer.js';
import { CPE_ECOSYSTEM, evaluateCpes, mergeVerdicts, occurrenceCpes, releaseRow, type KindedVerdict, type OccurrenceCpe } from './matching.cpe.js';
import { MatchingRepository, type ExistingFindingRow, type FindingTuple, type GroupRiskRow, type PortfolioComponentRow } from './matching.repository.js';

export const FINDINGS_POLICY_KEY = 'findings-policy';

/** The SBOM a match run writes findings for (its rows written, not yet published). */
export interface StoredSbom {
  sbomId: string;
  productId: string;
  vendorId: string;
  release: string;
  /** The SBOM that was current for this release before: its analysts' decisions carry over. */
  supersedes: string | null;
  /** How many feed writes had committed when matching began (matching_state.seq): cached advisory index entries of that count are reused. */
  feedWrites?: number;
}

/** What matching reads of a component row: the columns an upload writes and the stored rows share. */
export type MatchableRow = Pick<ComponentRow, 'idx' | 'name' | 'version' | 'purl' | 'purl_qualifiers' | 'ecosystem' | 'package_name' | 'direct' | 'depth'>;

/** What one matching pass did: lookups made, rows examined and findings written. */
export interface MatchStats {
  keys: number;
  componentsExamined: number;
  entriesExamined: number;
  created: number;
  updated: number;
  closed: number;
  reopened: number;
}

/** Keys and groups a batch of advisory writes touched: the advisory side's whole input. */
export interface AdvisoryChanges {
  groups: Set<string>;
  keys: Set<string>;
  /** Groups every member of which is now withdrawn: their closed findings say so. */
  withdrawnGroups: Set<string>;
}

/** Package keys the advisory index cache holds at most before it starts over. */
const INDEX_CACHE_KEYS = 200_000;
/** Advisory groups the group risk cache holds at most before it starts over. */
const GROUP_CACHE_GROUPS = 100_000;
/** Occurrences evaluated, or findings built, between two turns of the event loop outside a transaction. */
const CPU_SLICE = 2_000;
/** Stored components read back per slice when a whole SBOM is matched again. */
const MATCH_SLICE = 2_000;
const NO_ENTRIES: PackageEntry[] = [];

const emptyStats = (): MatchStats => ({ keys: 0, componentsExamined: 0, entriesExamined: 0, created: 0, updated: 0, closed: 0, reopened: 0 });

/** A component occurrence in the portfolio, ready to become a finding. */
interface Occurrence extends MatchComponent {
  productId: string;
  vendorId: string;
  release: string;
  direct: number;
  depth: number;
  /** Its CPEs (declared, root, product, inferred); null when it has none. */
  cpes: OccurrenceCpe[] | null;
}

interface Draft {
  occurrence: Occurrence;
  groupId: string;
  verdict: KindedVerdict;
}

type PreviousFinding = Awaited<ReturnType<MatchingRepository['previousFindings']>>[number];

/** What making findings reads once per match (see findingContext); groups and due dates fill in as they are met. */
interface FindingContext {
  now: string;
  roots: Map<string, { root_ref: string | null; root_purl: string | null; root_name: string | null }>;
  carried: Map<string, PreviousFinding>;
  policy: FindingsPolicy;
  /** Whether any VEX statement is stored at all (most installs before their first VEX import: none). */
  statements: boolean;
  groups: Map<string, GroupRiskRow>;
  /** Severity, its source and priority by group and rated record, for findings without an analyst's severity override. */
  ranks: Map<string, Rating & { priority: Priority; rank: number }>;
  dueDates: Map<string, string>;
}

/** The analysis part of a finding. */
type Decision = Pick<FindingsTable, 'state' | 'justification' | 'responses' | 'detail' | 'state_source' | 'state_source_name' | 'state_updated_at' | 'state_updated_by' | 'severity_override' | 'vex_statement_id'>;

/** An analyst's decision on a finding, as it carries over to the same occurrence in a newer SBOM. */
function decisionOf(f: Decision): Decision {
  return {
    state: f.state,
    justification: f.justification,
    responses: f.responses,
    detail: f.detail,
    state_source: f.state_source,
    state_source_name: f.state_source_name,
    state_updated_at: f.state_updated_at,
    state_updated_by: f.state_updated_by,
    severity_override: f.severity_override,
    vex_statement_id: f.vex_statement_id,
  };
}

/** What a new finding starts with when nothing carries over and no VEX statement speaks for it. */
const SYSTEM_DECISION: Decision = {
  state: 'in_triage',
  justification: null,
  responses: '[]',
  detail: null,
  state_source: 'system',
  state_source_name: null,
  state_updated_at: null,
  state_updated_by: null,
  severity_override: null,
  vex_statement_id: null,
};

/** One SBOM being matched as its components are written (see Matcher.startSbom). */
export interface SbomMatchRun {
  /** Matches a slice of the SBOM's written components (with their CPEs, see modules/cpes) and writes their findings. */
  add(rows: MatchableRow[], cpes?: ComponentCpe[]): Promise<void>;
  /** Called once every slice was added: what the run did. */
  finish(): Promise<MatchStats>;
}

/**
 * Matching in both directions, incrementally: a new SBOM looks up only its own components' keys
 * in the advisory index; a new, changed or withdrawn advisory looks up only its packages' keys in
 * the component index. Findings are created, updated, closed and reopened idempotently (one row
 * per group × component occurrence), inside the caller's transaction.
 */
export class Matcher {
  /**
   * Advisory index entries by package key (an empty list: no advisory names the package), as read
   * once `feedWrites` feed writes had committed. Feed writes are the only writers of that index and
   * each counts itself in the same transaction, so the entries hold until the count moves (a match
   * that sees another count starts the cache over). Uploads share most of their packages.
   */
  private indexCache = { feedWrites: -1, entries: new Map<string, PackageEntry[]>() };

  /**
   * Advisory groups with their rated members (what a finding's severity and priority follow from),
   * as read once `feedWrites` feed writes had committed: groups are written only by feed writes, so
   * like the index entries they hold until the count moves. A heavy upload otherwise reads 10,000
   * groups and their members again, two queries per slice.
   */
  private groupCache = { feedWrites: -1, groups: new Map<string, GroupRiskRow>() };

  constructor(private readonly db: Kysely<DB>) {}

  private repo(executor: Executor) {
    return new MatchingRepository(executor);
  }

  async policy(executor: Executor = this.db): Promise<FindingsPolicy> {
    const stored = await readSetting<Partial<FindingsPolicy>>(executor, FINDINGS_POLICY_KEY);
    return stored ? { ...DEFAULT_FINDINGS_POLICY, ...stored, slaDays: { ...DEFAULT_FINDINGS_POLICY.slaDays, ...stored.slaDays }, severityPoints: { ...DEFAULT_FINDINGS_POLICY.severityPoints, ...stored.severityPoints } } : DEFAULT_FINDINGS_POLICY;
  }

  /**
   * The SBOM side, slice by slice: the SBOM service hands each slice of components over once it is
   * written (unpublished), and the slice's findings are written before the next slice is read, so
   * neither side holds a whole large SBOM's rows or findings at once. Outside a transaction each
   * write is its own bounded statement (the SBOM is still invisible, so no one sees them half
   * done); see lockMatching for how publishing stays in step with feed writes.
   */
  startSbom(db: Executor, sbom: StoredSbom, ctx: RequestContext): SbomMatchRun {
    const stats = emptyStats();
    // Read once per SBOM, when its first finding is made: policy, carried-over decisions, its root.
    let context: Promise<FindingContext> | null = null;
    const contextOf = () => (context ??= this.findingContext(db, [sbom.sbomId], sbom.supersedes, sbom.feedWrites));
    return {
      finish: async () => {
        stats.created += await this.matchKevNamesOfSbom(db, sbom, contextOf, ctx);
        return stats;
      },
      add: async (rows, cpes) => {
        const drafts = await this.evaluateSlice(db, sbom, rows, cpes ?? [], stats);
        if (!drafts.length) return;
        stats.created += await this.createFindings(db, drafts, await contextOf(), ctx);
      },
    };
  }

  /** Matches a written SBOM whole, reading its components back (a publish that has to match again). */
  async matchSbom(db: Executor, sbom: StoredSbom, ctx: RequestContext): Promise<MatchStats> {
    const run = this.startSbom(db, sbom, ctx);
    for await (const [rows, cpes] of this.storedSlices(db, sbom)) await run.add(rows, cpes);
    return run.finish();
  }

  /** A stored SBOM's components read back in slices with their CPEs, the release row (idx 0) first when it has CPEs. */
  private async *storedSlices(db: Executor, sbom: Pick<StoredSbom, 'sbomId' | 'release'>): AsyncGenerator<[MatchableRow[], ComponentCpe[]]> {
    const repo = this.repo(db);
    const cpes = new CpeRepository(db);
    const releaseCpes = await cpes.componentCpes(sbom.sbomId, 0, 0);
    if (releaseCpes.length) {
      const release = await repo.releaseOf(sbom.sbomId);
      if (release) yield [[releaseRow(release.root_name ?? release.product_name, sbom.release)], releaseCpes];
    }
    for (let after = 0; ; ) {
      const rows = await repo.sbomComponents(sbom.sbomId, after, MATCH_SLICE);
      if (!rows.length) break;
      const last = Number(rows[rows.length - 1].idx);
      yield [rows, await cpes.componentCpes(sbom.sbomId, after + 1, last)];
      after = last;
    }
  }

  /** Verdicts of a slice of one SBOM's components, from the advisory index. */
  private async evaluateSlice(db: Executor, sbom: StoredSbom, rows: MatchableRow[], cpes: ComponentCpe[], stats: MatchStats): Promise<Draft[]> {
    const repo = this.repo(db);
    const occurrences: Occurrence[] = new Array(rows.length);
    const bySource = new Map<string, number[]>();
    const keys = new Map<string, Set<string>>();
    const cpesByIdx = new Map<string, ComponentCpe[]>();
    for (const cpe of cpes) {
      push(cpesByIdx, String(cpe.idx), cpe);
      addKey(keys, CPE_ECOSYSTEM, cpe.cpeKey);
    }
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const own = cpesByIdx.get(String(row.idx));
      const qualifiers = parseQualifiers(row.purl_qualifiers);
      const sourcePackage = sourcePackageOf(row.ecosystem, row.package_name, qualifiers);
      if (sourcePackage) push(bySource, sourcePackage, Number(row.idx));
      occurrences[i] = {
        sbomId: sbom.sbomId,
        idx: Number(row.idx),
        name: row.name,
        version: row.version,
        purl: row.purl,
        qualifiers,
        ecosystem: row.ecosystem,
        packageName: row.package_name,
        sourcePackage,
        productId: sbom.productId,
        vendorId: sbom.vendorId,
        release: sbom.release,
        direct: Number(row.direct),
        depth: Number(row.depth),
        cpes: own ? occurrenceCpes(own) : null,
      };
      // The release row (idx 0) is matched by its CPEs only.
      if (row.ecosystem !== CPE_ECOSYSTEM) addKey(keys, row.ecosystem, row.package_name);
      if (sourcePackage) addKey(keys, row.ecosystem, sourcePackage);
    }
    if (bySource.size) await repo.setSourcePackages(sbom.sbomId, bySource);
    stats.keys += countKeys(keys);

    const index = await this.advisoryIndex(repo, keys, sbom.feedWrites);
    const drafts: Draft[] = [];
    for (let i = 0; i < occurrences.length; i++) {
      if (i % CPU_SLICE === CPU_SLICE - 1) await breathe(db);
      const occurrence = occurrences[i];
      const entries = entriesFor(index, occurrence);
      if (!entries.length && !occurrence.cpes) continue;
      stats.componentsExamined++;
      stats.entriesExamined += entries.length;
      for (const [groupId, verdict] of verdictsOf(occurrence, entries, index)) drafts.push({ occurrence, groupId, verdict });
    }
    return drafts;
  }

  /** The advisory index under some package keys, from the cache where it holds them (see indexCache). */
  private async advisoryIndex(repo: MatchingRepository, keys: Map<string, Set<string>>, feedWrites: number | undefined): Promise<Map<string, PackageEntry[]>> {
    if (feedWrites === undefined) return repo.packagesForKeys(keys);
    if (this.indexCache.feedWrites !== feedWrites || this.indexCache.entries.size > INDEX_CACHE_KEYS) this.indexCache = { feedWrites, entries: new Map() };
    // This match's map: a concurrent match that starts the cache over does not change it underneath.
    const { entries } = this.indexCache;
    const missing = new Map<string, Set<string>>();
    for (const [ecosystem, names] of keys) for (const name of names) if (!entries.has(keyOf(ecosystem, name))) addKey(missing, ecosystem, name);
    if (!missing.size) return entries;
    const found = await repo.packagesForKeys(missing);
    for (const [ecosystem, names] of missing) {
      for (const name of names) {
        const key = keyOf(ecosystem, name);
        entries.set(key, found.get(key) ?? NO_ENTRIES);
      }
    }
    return entries;
  }

  /**
   * The advisory side: re-evaluates the components under the touched keys against the touched
   * groups only, and reconciles those groups' findings for those components.
   */
  async matchAdvisoryChanges(trx: Executor, changes: AdvisoryChanges, ctx: RequestContext): Promise<MatchStats> {
    const stats = emptyStats();
    if (!changes.keys.size || !changes.groups.size) return stats;
    const repo = this.repo(trx);
    const keys = new Map<string, Set<string>>();
    for (const key of changes.keys) {
      const { ecosystem, packageName } = splitKey(key);
      addKey(keys, ecosystem, packageName);
    }
    stats.keys = changes.keys.size;
    // CPE entries: their vendor:product names join the dictionary components are inferred from,
    // and the components are found through their CPE rows (sbom_component_cpes), by key.
    const cpeKeys = [...(keys.get(CPE_ECOSYSTEM) ?? [])];
    keys.delete(CPE_ECOSYSTEM);
    if (cpeKeys.length) await new CpeRepository(trx).addToDictionary(cpeKeys.map(dictionaryEntry));
    const rows = await repo.componentsForKeys(keys);
    const cpeRows = cpeKeys.length ? await repo.componentsForCpeKeys(cpeKeys) : [];
    if (!rows.length && !cpeRows.length) return stats;

    const occurrences = new Map<string, Occurrence>();
    for (const row of rows) occurrences.set(`${row.sbom_id}#${row.idx}`, toOccurrence(row));
    for (const row of cpeRows) {
      const occurrenceKey = `${row.sbom_id}#${row.idx}`;
      let occurrence = occurrences.get(occurrenceKey);
      if (!occurrence) occurrences.set(occurrenceKey, (occurrence = toOccurrence(row)));
      (occurrence.cpes ??= []).push(...occurrenceCpes([{ idx: Number(row.idx), cpeKey: row.cpe_key, cpe: row.cpe, source: row.source as ComponentCpe['source'], confidence: row.confidence === null ? null : Number(row.confidence) }]));
    }
    const sbomIds = new Set<string>();
    for (const o of occurrences.values()) sbomIds.add(o.sbomId);
    const index = new Map<string, PackageEntry[]>();
    for (const entry of await repo.packagesOfGroups([...changes.groups])) push(index, keyOf(entry.ecosystem, entry.packageName), entry);
    const existing = new Map<string, Map<string, ExistingFindingRow>>();
    for (const row of await repo.findingsOf([...changes.groups], [...sbomIds])) {
      const occurrenceKey = `${row.sbom_id}#${row.component_idx}`;
      let byGroup = existing.get(occurrenceKey);
      if (!byGroup) existing.set(occurrenceKey, (byGroup = new Map()));
      byGroup.set(row.group_id, row);
    }

    const drafts: Draft[] = [];
    const now = new Date().toISOString();
    const history: FindingsHistoryTable[] = [];
    const closeBy = new Map<string, string[]>();
    for (const [occurrenceKey, occurrence] of occurrences) {
      const entries = entriesFor(index, occurrence);
      stats.componentsExamined++;
      stats.entriesExamined += entries.length;
      const verdicts = verdictsOf(occurrence, entries, index);
      const found_ = existing.get(occurrenceKey);
      const candidates = found_ ? new Set([...verdicts.keys(), ...found_.keys()]) : verdicts.keys();
      for (const groupId of candidates) {
        if (!changes.groups.has(groupId)) continue;
        const desired = verdicts.get(groupId);
        const found = found_?.get(groupId);
        if (!desired) {
          if (found && found.status === 'open') {
            const reason = changes.withdrawnGroups.has(groupId) ? 'advisory_withdrawn' : 'no_longer_affected';
            push(closeBy, reason, found.id);
            history.push(historyRow(found.id, now, ctx, 'system', 'closed', found.state, found.state, { reason }));
          }
          continue;
        }
        if (!found) {
          drafts.push({ occurrence, groupId, verdict: desired });
          continue;
        }
        await updateFound(repo, found, occurrence, desired, now, ctx, history, stats);
      }
    }
    for (const [reason, ids] of closeBy) {
      await repo.closeFindings(ids, reason, now);
      stats.closed += ids.length;
    }
    await repo.insertHistory(history);
    if (drafts.length) {
      const context = await this.findingContext(trx, [...new Set(drafts.map((d) => d.occurrence.sbomId))], null);
      stats.created = await this.createFindings(trx, drafts, context, ctx);
    }
    return stats;
  }

  /**
   * An SBOM that becomes current again (the newer SBOM of its release was deleted) missed every feed
   * write made while it was not current, since feed writes match current SBOMs only: its components
   * are evaluated against the whole advisory index again and its findings reconciled as a feed write
   * would (created, updated, closed, reopened; ids, first-seen dates and decisions kept). A new
   * finding, or one no one decided on, takes the decision of `sbom.supersedes` (the SBOM being
   * deleted, its findings still there) as an upload takes its predecessor's. Findings matched other
   * than by purl are left to their own matching.
   */
  async rematchSbom(trx: Executor, sbom: StoredSbom, ctx: RequestContext): Promise<MatchStats> {
    const stats = emptyStats();
    const repo = this.repo(trx);
    const desired = new Map<string, Draft>();
    for await (const [rows, cpes] of this.storedSlices(trx, sbom)) {
      for (const d of await this.evaluateSlice(trx, { ...sbom, feedWrites: undefined }, rows, cpes, stats)) desired.set(`${d.occurrence.idx}|${d.groupId}`, d);
    }
    const existing = await repo.findingsOfSbom(sbom.sbomId);
    const groups = await repo.groupRisks([...new Set(existing.map((f) => f.group_id))]);
    const context = await this.findingContext(trx, [sbom.sbomId], sbom.supersedes);
    const now = new Date().toISOString();
    const history: FindingsHistoryTable[] = [];
    const closeBy = new Map<string, string[]>();
    for (const found of existing) {
      const key = `${found.component_idx}|${found.group_id}`;
      const draft = desired.get(key);
      desired.delete(key);
      if (found.match_kind === KEV_NAME_MATCH) continue;
      if (draft) {
        await updateFound(repo, found, draft.occurrence, draft.verdict, now, ctx, history, stats);
        await this.carryDecision(repo, found, draft, context, now, ctx, history);
      } else if (found.status === 'open') {
        const reason = Number(groups.get(found.group_id)?.withdrawn) === 1 ? 'advisory_withdrawn' : 'no_longer_affected';
        push(closeBy, reason, found.id);
        history.push(historyRow(found.id, now, ctx, 'system', 'closed', found.state, found.state, { reason }));
      }
    }
    for (const [reason, ids] of closeBy) {
      await repo.closeFindings(ids, reason, now);
      stats.closed += ids.length;
    }
    await repo.insertHistory(history);
    if (desired.size) stats.created = await this.createFindings(trx, [...desired.values()], context, ctx);
    stats.created += await this.matchKevNamesOfSbom(trx, sbom, () => Promise.resolve(context), ctx);
    await this.refreshPriorities(trx, [...new Set(existing.map((f) => f.group_id))], sbom.sbomId);
    return stats;
  }

  /** Fills a finding no one decided on with the decision carried over from the SBOM its SBOM takes over from (see createFindings). */
  private async carryDecision(repo: MatchingRepository, found: ExistingFindingRow, draft: Draft, context: FindingContext, now: string, ctx: RequestContext, history: FindingsHistoryTable[]): Promise<void> {
    if (found.state_source !== 'system' || !context.carried.size) return;
    const packageName = findingPackage(draft.occurrence, draft.verdict);
    const before = context.carried.get(`${found.group_id}|${draft.verdict.ecosystem ?? draft.occurrence.ecosystem}|${packageName}`);
    if (!before || before.state_source === 'system' || before.component_version !== draft.occurrence.version) return;
    await repo.updateFinding(found.id, { ...decisionOf(before), updated_at: now });
    history.push(historyRow(found.id, now, ctx, before.state_source, 'carried-over', found.state, before.state, { from: 'the SBOM deleted after it' }, before));
  }

  /** The products each KEV entry names (kevNamesProduct), by CVE; entries naming none are left out. */
  async productsNamedByKev(trx: Executor, entries: KevNameEntry[]): Promise<Map<string, { entry: KevNameEntry; productIds: string[] }>> {
    const out = new Map<string, { entry: KevNameEntry; productIds: string[] }>();
    if (!entries.length) return out;
    const products = (await this.repo(trx).namedProducts({ all: true })).map(namedProduct);
    for (const entry of entries) {
      const productIds = products.filter((p) => kevNamesProduct(entry, p)).map((p) => p.id);
      if (productIds.length) out.set(entry.cve_id, { entry, productIds });
    }
    return out;
  }

  /**
   * Name-match findings for KEV entries: on the root (idx 0) of every current SBOM of the products
   * an entry names, unless a record of its group has package data (then matching by package
   * speaks for it) or the root has a finding of the group already.
   */
  async matchKevNames(trx: Executor, matches: Array<{ groupId: string; entry: KevNameEntry; productIds: string[] }>, ctx: RequestContext): Promise<MatchStats> {
    const stats = emptyStats();
    const repo = this.repo(trx);
    const withPackages = await repo.groupsWithPackages([...new Set(matches.map((m) => m.groupId))]);
    const live = matches.filter((m) => !withPackages.has(m.groupId));
    if (!live.length) return stats;
    const sboms = await repo.currentSbomsOf([...new Set(live.flatMap((m) => m.productIds))]);
    if (!sboms.length) return stats;
    const existing = await repo.rootFindings(live.map((m) => m.groupId), sboms.map((s) => s.id));
    const drafts: Draft[] = [];
    for (const m of live) {
      for (const s of sboms) {
        if (!m.productIds.includes(s.product_id) || existing.has(`${m.groupId}|${s.id}`)) continue;
        drafts.push(kevDraft(m.groupId, m.entry, { sbomId: s.id, productId: s.product_id, vendorId: s.vendor_id, release: s.release }, s));
      }
    }
    stats.componentsExamined = sboms.length;
    if (!drafts.length) return stats;
    stats.created = await this.createFindings(trx, drafts, await this.findingContext(trx, [...new Set(drafts.map((d) => d.occurrence.sbomId))], null), ctx);
    return stats;
  }

  /** The KEV name matches of one SBOM of a product (an upload, an SBOM current again): entries whose CVE has a group without package data. */
  private async matchKevNamesOfSbom(db: Executor, sbom: StoredSbom, context: () => Promise<FindingContext>, ctx: RequestContext): Promise<number> {
    const repo = this.repo(db);
    const [product] = (await repo.namedProducts({ productId: sbom.productId })).map(namedProduct);
    if (!product) return 0;
    const entries = (await repo.kevNames()).filter((e) => kevNamesProduct(e, product));
    if (!entries.length) return 0;
    const groupOf = await repo.groupsOfIds(entries.map((e) => e.cve_id.trim().toUpperCase()));
    const withPackages = await repo.groupsWithPackages([...new Set(groupOf.values())]);
    const existing = await repo.rootFindings([...new Set(groupOf.values())], [sbom.sbomId]);
    const root = (await repo.sbomRoots([sbom.sbomId])).get(sbom.sbomId);
    const drafts: Draft[] = [];
    const seen = new Set<string>();
    for (const entry of entries) {
      const groupId = groupOf.get(entry.cve_id.trim().toUpperCase());
      if (!groupId || withPackages.has(groupId) || existing.has(`${groupId}|${sbom.sbomId}`) || seen.has(groupId)) continue;
      seen.add(groupId);
      drafts.push(kevDraft(groupId, entry, sbom, { root_name: root?.root_name ?? null, root_purl: root?.root_purl ?? null }));
    }
    if (!drafts.length) return 0;
    const created = await this.createFindings(db, drafts, await context(), ctx);
    return created;
  }

  /**
   * Recomputes severity, priority and due date of the open findings of groups whose severity, KEV,
   * EPSS or malicious flag changed (or of every finding, after a policy change).
   */
  async refreshPriorities(trx: Executor, groupIds: string[], sbomId?: string): Promise<number> {
    if (!groupIds.length) return 0;
    const repo = this.repo(trx);
    const findings = await repo.openFindingsOfGroups(groupIds, sbomId);
    if (!findings.length) return 0;
    const [groups, policy] = await Promise.all([repo.groupRisks([...new Set(findings.map((f) => f.group_id))]), this.policy(trx)]);
    const now = new Date().toISOString();
    let changed = 0;
    for (const f of findings) {
      const group = groups.get(f.group_id);
      if (!group) continue;
      const { severity, source } = rateFinding(group, JSON.parse(f.matched) as Array<{ advisory: string }>, f.severity_override);
      const { priority, rank } = prioritise(riskOf(group), severity, policy);
      const due = dueAt(f.first_seen_at, priority, policy);
      if (severity === f.severity && source === (f.severity_source ?? null) && priority === f.priority && rank === Number(f.priority_rank) && due === f.due_at) continue;
      await repo.updateFinding(f.id, { severity, severity_source: source, priority, priority_rank: rank, due_at: due, updated_at: now });
      changed++;
    }
    return changed;
  }

  /** What making findings reads once for a batch of SBOMs (a match run, an advisory change) rather than per slice. */
  private async findingContext(db: Executor, sbomIds: string[], supersedes: string | null, feedWrites?: number): Promise<FindingContext> {
    const repo = this.repo(db);
    const [roots, previous, policy, statements] = await Promise.all([repo.sbomRoots(sbomIds), supersedes ? repo.previousFindings(supersedes) : [], this.policy(db), repo.anyStatements()]);
    const carried = new Map<string, PreviousFinding>();
    for (const p of previous) carried.set(`${p.group_id}|${p.ecosystem}|${p.package_name}`, p);
    return { now: new Date().toISOString(), roots, carried, policy, statements, groups: this.groupsAsOf(feedWrites), ranks: new Map(), dueDates: new Map() };
  }

  /** The groups a match fills in as it meets them: shared through groupCache when it knows the feed writes it matches against. */
  private groupsAsOf(feedWrites: number | undefined): Map<string, GroupRiskRow> {
    if (feedWrites === undefined) return new Map();
    if (this.groupCache.feedWrites !== feedWrites || this.groupCache.groups.size > GROUP_CACHE_GROUPS) this.groupCache = { feedWrites, groups: new Map() };
    return this.groupCache.groups;
  }

  /** Turns verdicts into finding rows and writes them: priority from the group, decisions carried over or set by VEX. */
  private async createFindings(trx: Executor, drafts: Draft[], context: FindingContext, ctx: RequestContext): Promise<number> {
    const repo = this.repo(trx);
    const { now, roots, carried, policy, groups } = context;
    const missing = new Set<string>();
    for (const d of drafts) if (!groups.has(d.groupId)) missing.add(d.groupId);
    if (missing.size) for (const [id, group] of await repo.groupRisks([...missing])) groups.set(id, group);
    const targetOf = (d: Draft): VexTarget => {
      const root = roots.get(d.occurrence.sbomId);
      return {
        groupId: d.groupId,
        productId: d.occurrence.productId,
        vendorId: d.occurrence.vendorId,
        ecosystem: d.verdict.ecosystem ?? d.occurrence.ecosystem,
        packageName: findingPackage(d.occurrence, d.verdict),
        componentPurl: d.occurrence.purl,
        componentVersion: d.occurrence.version,
        root: { ref: root?.root_ref ?? null, purl: root?.root_purl ?? null, name: root?.root_name ?? null },
      };
    };
    const statements = context.statements ? await this.statementsFor(repo, drafts.map(targetOf)) : [];
    // Severity, priority and rank follow from the group and the rated record (and an analyst's
    // override): the same for every finding of a group that the same record rates.
    const rankOf = (groupId: string, matched: KindedVerdict['matched'], override: string | null) => {
      const group = groups.get(groupId);
      const record = group ? findingRating(group.ratings, matched) : undefined;
      const key = record ? `${groupId}\u0000${record.external_id}` : groupId;
      const cached = override === null ? context.ranks.get(key) : undefined;
      if (cached) return cached;
      const rating = rateFinding(group, matched, override);
      const ranked = { ...rating, ...prioritise(group ? riskOf(group) : { severity: null, kev: false, malicious: false, epss: null }, rating.severity, policy) };
      if (override === null) context.ranks.set(key, ranked);
      return ranked;
    };

    // Due dates repeat (one first-seen time, a handful of priorities): computed once each.
    const due = (firstSeen: string, priority: Priority) => {
      const key = firstSeen === now ? priority : `${firstSeen}|${priority}`;
      let at = context.dueDates.get(key);
      if (at === undefined) context.dueDates.set(key, (at = dueAt(firstSeen, priority, policy)));
      return at;
    };
    const rows: FindingTuple[] = [];
    const history: FindingsHistoryTable[] = [];
    for (let i = 0; i < drafts.length; i++) {
      if (i % CPU_SLICE === CPU_SLICE - 1) await breathe(trx);
      const draft = drafts[i];
      const { occurrence: o, groupId, verdict } = draft;
      const packageName = findingPackage(o, verdict);
      const ecosystem = verdict.ecosystem ?? o.ecosystem;
      const before = carried.size ? carried.get(`${groupId}|${ecosystem}|${packageName}`) : undefined;
      const id = newId();
      let decision = SYSTEM_DECISION;
      if (before && before.state_source !== 'system' && before.component_version === o.version) {
        decision = decisionOf(before);
        history.push(historyRow(id, now, ctx, before.state_source, 'carried-over', null, before.state, { from: 'the SBOM this one supersedes' }, before));
      }
      if (decision.state_source !== 'analyst' && statements.length) {
        const statement = pickStatement(statements, targetOf(draft));
        if (statement && statement.id !== decision.vex_statement_id) {
          decision = {
            state: statement.state,
            justification: statement.justification,
            responses: statement.responses,
            detail: statement.detail,
            state_source: 'vendor',
            state_source_name: statement.source,
            state_updated_at: now,
            state_updated_by: statement.source,
            severity_override: decision.severity_override,
            vex_statement_id: statement.id,
          };
          history.push(historyRow(id, now, ctx, 'vendor', 'vex', 'in_triage', statement.state, { statement: statement.id, source: statement.source }, decision));
        }
      }
      const { severity, source, priority, rank } = rankOf(groupId, verdict.matched, decision.severity_override);
      const firstSeen = before?.first_seen_at ?? now;
      rows.push([
        id, groupId, o.sbomId, o.idx, o.productId, o.vendorId, o.release, ecosystem, packageName,
        o.name, o.version, o.purl, o.direct, o.depth, verdict.verdict, JSON.stringify(verdict.matched), JSON.stringify(verdict.fixed), nearestFix(findingComponent(o, verdict), verdict.fixed),
        'open', null, null, severity, decision.severity_override, source, priority, rank, due(firstSeen, priority), decision.state,
        decision.justification, decision.responses, decision.detail, decision.state_source, decision.state_source_name, decision.state_updated_at, decision.state_updated_by,
        decision.vex_statement_id, firstSeen, now, verdict.kind, verdict.confidence,
      ]);
    }
    await repo.insertFindings(rows);
    await repo.insertHistory(history);
    return rows.length;
  }

  /** Stored VEX statements that may speak for some findings: by component key and by SBOM root, with their groups. */
  private async statementsFor(repo: MatchingRepository, targets: VexTarget[]): Promise<StatementWithGroups[]> {
    if (!targets.length || !(await repo.anyStatements())) return [];
    const keys = new Map<string, Set<string>>();
    const products = new Set<string>();
    for (const t of targets) {
      addKey(keys, t.ecosystem, t.packageName);
      const component = purlIdentity(t.componentPurl);
      if (component) addKey(keys, component.ecosystem, component.packageName);
      const root = purlIdentity(t.root.purl);
      if (root) addKey(keys, root.ecosystem, root.packageName);
      for (const id of rootIdentifiers(t)) products.add(id);
    }
    const found = new Map<string, StatementWithGroups>();
    for (const s of [...(await repo.statementsForKeys(keys)), ...(await repo.statementsForProducts([...products]))]) found.set(s.id, { ...s, groups: new Set() });
    if (!found.size) return [];
    for (const [id, groups] of await repo.statementGroups([...found.keys()])) found.get(id)!.groups = groups;
    return [...found.values()].filter((s) => s.groups.size);
  }

  /**
   * Re-decides the VEX state of the findings of some groups (after statements were imported): the
   * latest applicable statement sets the state unless an analyst has decided it. Answers how many
   * findings changed.
   */
  async reapplyVex(trx: Executor, groupIds: string[], scope: { vendorId?: string | null; productId?: string | null }, ctx: RequestContext): Promise<number> {
    if (!groupIds.length) return 0;
    const repo = this.repo(trx);
    const rows = await repo.vexTargets(groupIds, scope);
    const targets = rows.map((r): VexTarget & { row: (typeof rows)[number] } => ({
      row: r,
      groupId: r.group_id,
      productId: r.product_id,
      vendorId: r.vendor_id,
      ecosystem: r.ecosystem,
      packageName: r.package_name,
      componentPurl: r.component_purl,
      componentVersion: r.component_version,
      root: { ref: r.root_ref, purl: r.root_purl, name: r.root_name },
    }));
    const statements = await this.statementsFor(repo, targets);
    if (!statements.length) return 0;
    const now = new Date().toISOString();
    const history: FindingsHistoryTable[] = [];
    let changed = 0;
    for (const target of targets) {
      const { row } = target;
      if (row.state_source === 'analyst') continue;
      const statement = pickStatement(statements, target);
      if (!statement) continue;
      const state = statement.state;
      if (
        row.vex_statement_id === statement.id &&
        row.state === state &&
        row.justification === statement.justification &&
        row.responses === statement.responses &&
        row.detail === statement.detail
      ) {
        continue;
      }
      await repo.updateFinding(row.id, {
        state,
        justification: statement.justification,
        responses: statement.responses,
        detail: statement.detail,
        state_source: 'vendor',
        state_source_name: statement.source,
        state_updated_at: now,
        state_updated_by: statement.source,
        vex_statement_id: statement.id,
        updated_at: now,
      });
      history.push(historyRow(row.id, now, ctx, 'vendor', 'vex', row.state, state, { statement: statement.id, source: statement.source }, statement));
      changed++;
    }
    await repo.insertHistory(history);
    return changed;
  }
}

/** Brings a stored finding in line with the verdict now: verdict, matched entries, fixes; reopened if it was closed. */
async function updateFound(
  repo: MatchingRepository,
  found: ExistingFindingRow,
  occurrence: Occurrence,
  desired: KindedVerdict,
  now: string,
  ctx: RequestContext,
  history: FindingsHistoryTable[],
  stats: MatchStats,
): Promise<void> {
  const fixedVersions = JSON.stringify(desired.fixed);
  const matched = JSON.stringify(desired.matched);
  const fixedIn = nearestFix(findingComponent(occurrence, desired), desired.fixed);
  const reopen = found.status !== 'open';
  const confidence = found.match_confidence === null ? null : Number(found.match_confidence);
  if (
    !reopen && found.verdict === desired.verdict && found.fixed_versions === fixedVersions && found.matched === matched && found.fixed_in === fixedIn &&
    found.match_kind === desired.kind && confidence === desired.confidence
  ) {
    return;
  }
  await repo.updateFinding(found.id, {
    verdict: desired.verdict,
    fixed_versions: fixedVersions,
    matched,
    fixed_in: fixedIn,
    match_kind: desired.kind,
    match_confidence: desired.confidence,
    updated_at: now,
    ...(reopen ? { status: 'open', closed_reason: null, closed_at: null } : {}),
  });
  if (reopen) {
    stats.reopened++;
    history.push(historyRow(found.id, now, ctx, 'system', 'reopened', found.state, found.state, { previousReason: found.closed_reason }));
  } else stats.updated++;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function addKey(keys: Map<string, Set<string>>, ecosystem: string, packageName: string): void {
  let names = keys.get(ecosystem);
  if (!names) keys.set(ecosystem, (names = new Set()));
  names.add(packageName);
}

function countKeys(keys: Map<string, Set<string>>): number {
  let n = 0;
  for (const names of keys.values()) n += names.size;
  return n;
}

function entriesFor(index: Map<string, PackageEntry[]>, c: MatchComponent): PackageEntry[] {
  const keys = componentKeys(c);
  if (keys.length === 1) return index.get(keys[0]) ?? [];
  return keys.flatMap((k) => index.get(k) ?? []);
}

/** Purl verdicts from the component's own keys and CPE verdicts from its CPEs, one per group. */
function verdictsOf(o: Occurrence, entries: PackageEntry[], index: Map<string, PackageEntry[]>): Map<string, KindedVerdict> {
  const purl = evaluateComponent(o, entries);
  return mergeVerdicts(purl, o.cpes ? evaluateCpes(o.cpes, index) : new Map());
}

/** The package a finding is filed under: the CPE's vendor:product for CPE matches, else the matched (source) package. */
function findingPackage(o: Occurrence, v: KindedVerdict): string {
  return v.packageName ?? v.matched[0]?.name ?? o.packageName;
}

/** The component as fix versions are ordered for it: CPE matches order them as CPE versions. */
function findingComponent(o: Occurrence, v: KindedVerdict) {
  return v.ecosystem ? { ecosystem: v.ecosystem, version: o.version, qualifiers: null, packageName: v.packageName ?? o.packageName } : o;
}

/** The dictionary entry of an NVD vendor:product key. */
function dictionaryEntry(key: string) {
  const cut = key.indexOf(':');
  const product = key.slice(cut + 1);
  return { nameKey: dictionaryNameKey(product), cpeKey: key, vendor: key.slice(0, cut), product, source: 'nvd' };
}

function toOccurrence(row: PortfolioComponentRow): Occurrence {
  const qualifiers = parseQualifiers(row.purl_qualifiers);
  return {
    sbomId: row.sbom_id,
    idx: Number(row.idx),
    name: row.name,
    version: row.version,
    purl: row.purl,
    qualifiers,
    ecosystem: row.ecosystem,
    packageName: row.package_name,
    sourcePackage: row.source_package ?? null,
    productId: row.product_id,
    vendorId: row.vendor_id,
    release: row.release,
    direct: Number(row.direct),
    depth: Number(row.depth),
    cpes: null,
  };
}

interface Rating {
  severity: Severity;
  /** JSON SeveritySource of the record the rating is from; null when no record has one. */
  source: string | null;
}

/** A finding's rating: its own matched record's, else its group's (findingRating); an analyst's override wins. */
export function rateFinding(group: GroupRiskRow | undefined, matched: ReadonlyArray<{ advisory: string }>, override: string | null): Rating {
  const record = group ? findingRating(group.ratings, matched) : undefined;
  return { severity: effectiveSeverity(override, record?.severity_rating ?? null), source: record ? JSON.stringify(severitySourceOf(record)) : null };
}

function namedProduct(row: { id: string; name: string; vendor_name: string; aliases: string }): NamedProduct {
  return { id: row.id, name: row.name, vendorKeys: [row.vendor_name, ...(JSON.parse(row.aliases) as string[])].map(nameKey) };
}

/** A KEV name match as a draft: the SBOM's root (idx 0) standing for the product release. */
function kevDraft(groupId: string, entry: KevNameEntry, sbom: Pick<StoredSbom, 'sbomId' | 'productId' | 'vendorId' | 'release'>, root: { root_name: string | null; root_purl: string | null }): Draft {
  const named = `${entry.vendor_project} ${entry.product}`;
  return {
    groupId,
    occurrence: {
      sbomId: sbom.sbomId,
      idx: 0,
      name: root.root_name ?? entry.product,
      version: sbom.release,
      purl: root.root_purl,
      qualifiers: null,
      ecosystem: KEV_ECOSYSTEM,
      packageName: nameKey(entry.product),
      sourcePackage: null,
      productId: sbom.productId,
      vendorId: sbom.vendorId,
      release: sbom.release,
      direct: 0,
      depth: 0,
      cpes: null,
    },
    verdict: { verdict: 'affected', matched: [{ advisory: entry.cve_id, ecosystem: KEV_ECOSYSTEM, name: named, verdict: 'affected' }], fixed: [], kind: KEV_NAME_MATCH, confidence: null, ecosystem: null, packageName: null },
  };
}

function riskOf(group: GroupRiskRow) {
  return { severity: group.severity, kev: Number(group.kev) === 1, malicious: Number(group.malicious) === 1, epss: group.epss === null ? null : Number(group.epss) };
}

export function historyRow(
  findingId: string,
  at: string,
  ctx: RequestContext,
  source: string,
  action: string,
  fromState: string | null,
  toState: string | null,
  details: Record<string, unknown> | null,
  decision?: { justification: string | null; responses: string; detail: string | null },
): FindingsHistoryTable {
  return {
    id: newId(),
    finding_id: findingId,
    at,
    actor_type: ctx.actor.type,
    actor_name: ctx.actor.name,
    source,
    action,
    from_state: fromState,
    to_state: toState,
    justification: decision?.justification ?? null,
    responses: decision?.responses ?? null,
    detail: decision?.detail ?? null,
    details: details ? JSON.stringify(details) : null,
  };
}
