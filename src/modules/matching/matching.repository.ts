import { sql, type Expression } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import { rankRatings, type RatedMember } from '../advisories/advisories.groups.js';
import type { FindingsHistoryTable, FindingsTable, VexStatementsTable } from '../findings/findings.tables.js';
import { breathe, chunks, insertRows } from './bulk.js';
import { DISTRO_ECOSYSTEMS, keyOf, type PackageEntry } from './matching.keys.js';

export type GroupRiskRow = {
  id: string;
  display_id: string;
  severity: string | null;
  kev: number;
  malicious: number;
  epss: number | null;
  withdrawn: number;
  /** The members with a rating, best first (rankRatings): where findings' ratings come from. */
  ratings: RatedMember[];
};

/** A component of a current SBOM, with where it sits in the portfolio. */
export type PortfolioComponentRow = {
  sbom_id: string;
  idx: number;
  name: string;
  version: string | null;
  purl: string | null;
  purl_qualifiers: string | null;
  ecosystem: string;
  package_name: string;
  source_package: string | null;
  direct: number;
  depth: number;
  release: string;
  product_id: string;
  vendor_id: string;
};

export type ExistingFindingRow = Pick<
  FindingsTable,
  'id' | 'group_id' | 'sbom_id' | 'component_idx' | 'status' | 'closed_reason' | 'verdict' | 'matched' | 'fixed_versions' | 'fixed_in' | 'state' | 'state_source' | 'match_kind' | 'match_confidence'
>;

/** A component of a current SBOM found through one of its CPEs (idx 0: the product release). */
export type PortfolioCpeRow = PortfolioComponentRow & { cpe_key: string; cpe: string; source: string; confidence: number | null };

/** A finding with what VEX statements are matched against. */
export type VexTargetRow = Pick<
  FindingsTable,
  'id' | 'group_id' | 'sbom_id' | 'product_id' | 'vendor_id' | 'ecosystem' | 'package_name' | 'component_purl' | 'component_version' | 'state' | 'state_source' | 'vex_statement_id' | 'justification' | 'responses' | 'detail' | 'state_source_name'
> & { root_ref: string | null; root_purl: string | null; root_name: string | null };

const INTEGER_COLUMNS = new Set(['component_idx', 'direct', 'depth', 'priority_rank']);

export const FINDING_COLUMNS = [
  'id', 'group_id', 'sbom_id', 'component_idx', 'product_id', 'vendor_id', 'release', 'ecosystem', 'package_name',
  'component_name', 'component_version', 'component_purl', 'direct', 'depth', 'verdict', 'matched', 'fixed_versions', 'fixed_in',
  'status', 'closed_reason', 'closed_at', 'severity', 'severity_override', 'severity_source', 'priority', 'priority_rank', 'due_at', 'state',
  'justification', 'responses', 'detail', 'state_source', 'state_source_name', 'state_updated_at', 'state_updated_by',
  'vex_statement_id', 'first_seen_at', 'updated_at', 'match_kind', 'match_confidence',
] as const satisfies ReadonlyArray<keyof FindingsTable>;

const HISTORY_COLUMNS = [
  'id', 'finding_id', 'at', 'actor_type', 'actor_name', 'source', 'action', 'from_state', 'to_state', 'justification', 'responses', 'detail', 'details',
] as const satisfies ReadonlyArray<keyof FindingsHistoryTable>;

type ColumnValues<T, C extends ReadonlyArray<keyof T>> = { -readonly [K in keyof C]: C[K] extends keyof T ? T[C[K]] : never };

/** A finding as the values of FINDING_COLUMNS, in that order: how the matcher builds the rows it writes. */
export type FindingTuple = ColumnValues<FindingsTable, typeof FINDING_COLUMNS>;

const REAL_COLUMNS = new Set(['match_confidence']);
const typed = (columns: readonly string[]) => columns.map((c) => [c, INTEGER_COLUMNS.has(c) ? 'int' : REAL_COLUMNS.has(c) ? 'real' : 'text'] as const);
const FINDING_TYPES = typed(FINDING_COLUMNS);
const HISTORY_TYPES = typed(HISTORY_COLUMNS);

/** Key of the transaction-scoped PostgreSQL advisory lock that orders matching against feed writes. */
const MATCHING_LOCK = 7_301_004;

/** Every query the matcher runs: lookups on the two indexes and the findings writes. */
export class MatchingRepository {
  constructor(private readonly db: Executor) {}

  /**
   * Names per lookup: PostgreSQL takes them as one array parameter (`= any($1)`, one round trip for
   * thousands of keys); SQLite, in process, as an IN list within its parameter limit.
   */
  private nameBatch(): number {
    return isPostgres(this.db) ? 10_000 : 2_000;
  }

  private anyOf(column: Expression<string>, names: string[]) {
    return isPostgres(this.db) ? sql<boolean>`${column} = any(${names}::text[])` : sql<boolean>`${column} in (${sql.join(names)})`;
  }

  /**
   * Orders SBOM publishes against feed writes on PostgreSQL. A feed write (advisories, KEV/EPSS,
   * VEX) holds the lock exclusively until its transaction ends and counts itself in
   * matching_state. An SBOM is matched while its rows are still invisible, outside any transaction;
   * its publish transaction holds the lock shared and compares the count with the one read before
   * matching. Equal: no feed write committed in between (one still running would hold the lock).
   * Different: the SBOM is matched again. A feed write after the publish sees the SBOM as current.
   * SQLite writers are serialised already (BEGIN IMMEDIATE); the count works the same there.
   */
  async lockMatching(mode: 'shared' | 'exclusive'): Promise<void> {
    if (isPostgres(this.db)) {
      await (mode === 'shared' ? sql`select pg_advisory_xact_lock_shared(${MATCHING_LOCK})` : sql`select pg_advisory_xact_lock(${MATCHING_LOCK})`).execute(this.db);
    }
    // A feed write counts itself (committing with its changes): an SBOM matched outside any
    // transaction compares this count at publish and matches again if a feed write came between.
    if (mode === 'exclusive') await this.db.updateTable('matching_state').set((eb) => ({ seq: eb('seq', '+', 1) })).where('id', '=', 1).execute();
  }

  /** How many feed writes have committed (as this executor sees it). */
  async matchingSeq(): Promise<number> {
    const row = await this.db.selectFrom('matching_state').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
    return Number(row.seq);
  }

  /** The matching index for a set of keys: one indexed query per ecosystem and batch of names. */
  async packagesForKeys(keys: Map<string, Set<string>>): Promise<Map<string, PackageEntry[]>> {
    const out = new Map<string, PackageEntry[]>();
    const parsed = new Map<string, unknown>();
    for (const [ecosystem, names] of keys) {
      for (const batch of chunks([...names], this.nameBatch())) {
        const rows = await this.db
          .selectFrom('advisory_packages as p')
          .select(['p.advisory_id', 'p.external_id', 'p.group_id', 'p.ecosystem', 'p.ecosystem_release', 'p.package_name', 'p.versions', 'p.ranges', 'p.fixed'])
          .where('p.ecosystem', '=', ecosystem)
          .where((eb) => this.anyOf(eb.ref('p.package_name'), batch))
          .execute();
        for (const row of rows) push(out, keyOf(row.ecosystem, row.package_name), toEntry(row, parsed));
        await breathe(this.db);
      }
    }
    return out;
  }

  /** Every live entry of some advisory groups (the advisory side evaluates whole groups). */
  async packagesOfGroups(groupIds: string[]): Promise<PackageEntry[]> {
    const out: PackageEntry[] = [];
    const parsed = new Map<string, unknown>();
    for (const batch of chunks(groupIds)) {
      const rows = await this.db
        .selectFrom('advisory_packages as p')
        .select(['p.advisory_id', 'p.external_id', 'p.group_id', 'p.ecosystem', 'p.ecosystem_release', 'p.package_name', 'p.versions', 'p.ranges', 'p.fixed'])
        .where('p.group_id', 'in', batch)
        .execute();
      for (const row of rows) out.push(toEntry(row, parsed));
    }
    return out;
  }

  /**
   * Components of current SBOMs under some keys: one indexed query per ecosystem and batch of
   * names, plus the source-package index for distro ecosystems.
   */
  async componentsForKeys(keys: Map<string, Set<string>>): Promise<PortfolioComponentRow[]> {
    const out: PortfolioComponentRow[] = [];
    for (const [ecosystem, names] of keys) {
      for (const batch of chunks([...names], this.nameBatch())) {
        out.push(...((await this.components().where('c.ecosystem', '=', ecosystem).where((eb) => this.anyOf(eb.ref('c.package_name'), batch)).execute()) as PortfolioComponentRow[]));
        if (DISTRO_ECOSYSTEMS.has(ecosystem)) {
          out.push(...((await this.components().where('c.ecosystem', '=', ecosystem).where((eb) => this.anyOf(eb.ref('c.source_package') as Expression<string>, batch)).execute()) as PortfolioComponentRow[]));
        }
      }
    }
    return out;
  }

  /**
   * Components of current SBOMs with a CPE under some vendor:product keys: one lookup of the
   * cpe_key index per batch of keys, then their component rows by primary key. The release row
   * (idx 0) has no component row: it is named after the document's root, or the product.
   */
  async componentsForCpeKeys(cpeKeys: string[]): Promise<PortfolioCpeRow[]> {
    const out: PortfolioCpeRow[] = [];
    for (const batch of chunks(cpeKeys, this.nameBatch())) {
      const rows = await this.db
        .selectFrom('sbom_component_cpes as x')
        .innerJoin('sboms as s', 's.id', 'x.sbom_id')
        .innerJoin('products as p', 'p.id', 's.product_id')
        .leftJoin('sbom_components as c', (j) => j.onRef('c.sbom_id', '=', 'x.sbom_id').onRef('c.idx', '=', 'x.idx'))
        .select([
          'x.sbom_id', 'x.idx', 'x.cpe_key', 'x.cpe', 'x.source', 'x.confidence', 'c.name', 'c.version', 'c.purl', 'c.purl_qualifiers', 'c.ecosystem', 'c.package_name',
          'c.source_package', 'c.direct', 'c.depth', 's.release', 's.product_id', 'p.vendor_id', 's.root_name', 'p.name as product_name',
        ])
        .where((eb) => this.anyOf(eb.ref('x.cpe_key'), batch))
        .where('s.is_current', '=', 1)
        .execute();
      for (const r of rows) {
        const release = Number(r.idx) === 0;
        out.push({
          ...r,
          name: release ? (r.root_name ?? r.product_name) : (r.name ?? ''),
          version: release ? r.release : r.version,
          purl: release ? null : r.purl,
          purl_qualifiers: release ? null : r.purl_qualifiers,
          ecosystem: r.ecosystem ?? 'cpe',
          package_name: r.package_name ?? '',
          source_package: release ? null : (r.source_package ?? null),
          direct: release ? 0 : Number(r.direct),
          depth: release ? 0 : Number(r.depth),
        });
      }
      await breathe(this.db);
    }
    return out;
  }

  /** What names an SBOM's release row: its root's name and its product's. */
  releaseOf(sbomId: string) {
    return this.db.selectFrom('sboms as s').innerJoin('products as p', 'p.id', 's.product_id').select(['s.root_name', 'p.name as product_name']).where('s.id', '=', sbomId).executeTakeFirst();
  }

  private components() {
    return this.db
      .selectFrom('sbom_components as c')
      .innerJoin('sboms as s', 's.id', 'c.sbom_id')
      .innerJoin('products as p', 'p.id', 's.product_id')
      .select([
        'c.sbom_id', 'c.idx', 'c.name', 'c.version', 'c.purl', 'c.purl_qualifiers', 'c.ecosystem', 'c.package_name', 'c.source_package', 'c.direct', 'c.depth',
        's.release', 's.product_id', 'p.vendor_id',
      ])
      .where('s.is_current', '=', 1);
  }

  /** One SBOM's components in idx order after `afterIdx`, with what matching reads of them. */
  sbomComponents(sbomId: string, afterIdx: number, limit: number) {
    return this.db
      .selectFrom('sbom_components')
      .select(['idx', 'name', 'version', 'purl', 'purl_qualifiers', 'ecosystem', 'package_name', 'direct', 'depth'])
      .where('sbom_id', '=', sbomId)
      .where('idx', '>', afterIdx)
      .orderBy('idx')
      .limit(limit)
      .execute();
  }

  async setSourcePackages(sbomId: string, bySource: Map<string, number[]>): Promise<void> {
    for (const [source, idxs] of bySource) {
      for (const batch of chunks(idxs)) {
        await this.db.updateTable('sbom_components').set({ source_package: source }).where('sbom_id', '=', sbomId).where('idx', 'in', batch).execute();
        await breathe(this.db);
      }
    }
  }

  async groupRisks(groupIds: string[]): Promise<Map<string, GroupRiskRow>> {
    const out = new Map<string, GroupRiskRow>();
    for (const batch of chunks(groupIds)) {
      const rows = await this.db
        .selectFrom('advisory_groups')
        .select(['id', 'display_id', 'severity', 'kev', 'malicious', 'epss', 'withdrawn'])
        .where('id', 'in', batch)
        .execute();
      const rated = new Map<string, RatedMember[]>();
      for (const m of await this.db
        .selectFrom('advisories')
        .select(['group_id', 'external_id', 'source', 'cvss_score', 'cvss_vector', 'cvss_version', 'severity_rating', 'cvss_type'])
        .where('group_id', 'in', batch)
        .where('severity_rating', 'is not', null)
        .execute()) {
        const list = rated.get(m.group_id);
        if (list) list.push(m);
        else rated.set(m.group_id, [m]);
      }
      for (const row of rows) out.set(row.id, { ...row, ratings: rankRatings(rated.get(row.id) ?? []) });
    }
    return out;
  }

  /** A group's findings for some SBOMs (the components the advisory side re-evaluates). */
  async findingsOf(groupIds: string[], sbomIds: string[]): Promise<ExistingFindingRow[]> {
    const out: ExistingFindingRow[] = [];
    for (const groups of chunks(groupIds, 200)) {
      for (const sboms of chunks(sbomIds, 200)) {
        out.push(
          ...(await this.db
            .selectFrom('findings')
            .select(['id', 'group_id', 'sbom_id', 'component_idx', 'status', 'closed_reason', 'verdict', 'matched', 'fixed_versions', 'fixed_in', 'state', 'state_source', 'match_kind', 'match_confidence'])
            .where('group_id', 'in', groups)
            .where('sbom_id', 'in', sboms)
            .execute()),
        );
      }
    }
    return out;
  }

  // KEV name matching (matching.kev.ts).

  /** Products with their vendor's name and aliases: of some vendors, or one product. */
  async namedProducts(scope: { productId: string } | { all: true }): Promise<Array<{ id: string; name: string; vendor_name: string; aliases: string }>> {
    return this.db
      .selectFrom('products as p')
      .innerJoin('vendors as v', 'v.id', 'p.vendor_id')
      .select(['p.id', 'p.name', 'v.name as vendor_name', 'v.aliases'])
      .$if('productId' in scope, (q) => q.where('p.id', '=', (scope as { productId: string }).productId))
      .execute();
  }

  kevNames() {
    return this.db.selectFrom('kev_entries').select(['cve_id', 'vendor_project', 'product']).execute();
  }

  /** The groups among these that some record gives package data (an index entry) for. */
  async groupsWithPackages(groupIds: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const batch of chunks(groupIds)) {
      for (const row of await this.db.selectFrom('advisory_packages').select('group_id').distinct().where('group_id', 'in', batch).execute()) out.add(row.group_id);
    }
    return out;
  }

  /** The groups of some identifiers (upper-cased). */
  async groupsOfIds(identifiers: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const batch of chunks(identifiers)) {
      for (const row of await this.db.selectFrom('advisory_ids').select(['identifier', 'group_id']).where('identifier', 'in', batch).execute()) out.set(row.identifier, row.group_id);
    }
    return out;
  }

  /** The current SBOMs of some products, with their roots. */
  async currentSbomsOf(productIds: string[]) {
    const out: Array<{ id: string; product_id: string; vendor_id: string; release: string; root_name: string | null; root_version: string | null; root_purl: string | null }> = [];
    for (const batch of chunks(productIds)) {
      out.push(
        ...(await this.db
          .selectFrom('sboms as s')
          .innerJoin('products as p', 'p.id', 's.product_id')
          .select(['s.id', 's.product_id', 'p.vendor_id', 's.release', 's.root_name', 's.root_version', 's.root_purl'])
          .where('s.product_id', 'in', batch)
          .where('s.is_current', '=', 1)
          .where('s.published', '=', 1)
          .execute()),
      );
    }
    return out;
  }

  /** Which (group, SBOM) pairs already have a finding on the SBOM's root (idx 0). */
  async rootFindings(groupIds: string[], sbomIds: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const groups of chunks(groupIds, 200)) {
      for (const sboms of chunks(sbomIds, 200)) {
        for (const row of await this.db.selectFrom('findings').select(['group_id', 'sbom_id']).where('group_id', 'in', groups).where('sbom_id', 'in', sboms).where('component_idx', '=', 0).execute()) {
          out.add(`${row.group_id}|${row.sbom_id}`);
        }
      }
    }
    return out;
  }

  /** Every finding of one SBOM, open or closed, with how it was matched (an SBOM matched again whole). */
  findingsOfSbom(sbomId: string): Promise<ExistingFindingRow[]> {
    return this.db
      .selectFrom('findings')
      .select(['id', 'group_id', 'sbom_id', 'component_idx', 'status', 'closed_reason', 'verdict', 'matched', 'fixed_versions', 'fixed_in', 'state', 'state_source', 'match_kind', 'match_confidence'])
      .where('sbom_id', '=', sbomId)
      .execute();
  }

  /** The findings of the SBOM a new upload supersedes, whose decisions and first-seen dates carry over. */
  previousFindings(sbomId: string) {
    return this.db
      .selectFrom('findings')
      .select(['group_id', 'ecosystem', 'package_name', 'component_version', 'first_seen_at', 'state', 'justification', 'responses', 'detail', 'state_source', 'state_source_name', 'state_updated_at', 'state_updated_by', 'severity_override', 'vex_statement_id'])
      .where('sbom_id', '=', sbomId)
      .execute();
  }

  sbomRoot(sbomId: string) {
    return this.db.selectFrom('sboms').select(['id', 'root_ref', 'root_purl', 'root_name']).where('id', '=', sbomId).executeTakeFirst();
  }

  async sbomRoots(sbomIds: string[]) {
    const out = new Map<string, { root_ref: string | null; root_purl: string | null; root_name: string | null }>();
    for (const batch of chunks(sbomIds)) {
      for (const row of await this.db.selectFrom('sboms').select(['id', 'root_ref', 'root_purl', 'root_name']).where('id', 'in', batch).execute()) out.set(row.id, row);
    }
    return out;
  }

  /**
   * New findings. Their text is all taken from rows already stored (components, advisories, VEX
   * statements, earlier findings) or is JSON made from it, so it passed the text guard once.
   */
  insertFindings(rows: FindingTuple[]): Promise<void> {
    return insertRows(this.db, 'findings', FINDING_TYPES, rows, '', { storedText: true });
  }

  insertHistory(rows: FindingsHistoryTable[]): Promise<void> {
    return insertRows(this.db, 'findings_history', HISTORY_TYPES, rows.map((r) => HISTORY_COLUMNS.map((c) => r[c])));
  }

  async updateFinding(id: string, changes: Partial<FindingsTable>): Promise<void> {
    await this.db.updateTable('findings').set(changes).where('id', '=', id).execute();
  }

  async closeFindings(ids: string[], reason: string, at: string): Promise<void> {
    for (const batch of chunks(ids)) {
      await this.db.updateTable('findings').set({ status: 'closed', closed_reason: reason, closed_at: at, updated_at: at }).where('id', 'in', batch).execute();
    }
  }

  /** Open findings of groups whose severity, KEV, EPSS or malicious flag changed (of one SBOM's, given one). */
  async openFindingsOfGroups(groupIds: string[], sbomId?: string) {
    const out: Array<Pick<FindingsTable, 'id' | 'group_id' | 'matched' | 'severity' | 'severity_override' | 'severity_source' | 'priority' | 'priority_rank' | 'due_at' | 'first_seen_at'>> = [];
    for (const batch of chunks(groupIds)) {
      out.push(
        ...(await this.db
          .selectFrom('findings')
          .select(['id', 'group_id', 'matched', 'severity', 'severity_override', 'severity_source', 'priority', 'priority_rank', 'due_at', 'first_seen_at'])
          .where('group_id', 'in', batch)
          .where('status', '=', 'open')
          .$if(sbomId !== undefined, (q) => q.where('sbom_id', '=', sbomId!))
          .execute()),
      );
    }
    return out;
  }

  // VEX statements: looked up by product key and by root identifier, resolved to groups by id.

  async anyStatements(): Promise<boolean> {
    return (await this.db.selectFrom('vex_statements').select('id').limit(1).executeTakeFirst()) !== undefined;
  }

  async statementsForKeys(keys: Map<string, Set<string>>): Promise<VexStatementsTable[]> {
    const out: VexStatementsTable[] = [];
    for (const [ecosystem, names] of keys) {
      for (const batch of chunks([...names], this.nameBatch())) {
        out.push(...(await this.db.selectFrom('vex_statements').selectAll().where('product_ecosystem', '=', ecosystem).where((eb) => this.anyOf(eb.ref('product_package_name') as Expression<string>, batch)).execute()));
      }
    }
    return out;
  }

  async statementsForProducts(products: string[]): Promise<VexStatementsTable[]> {
    const out: VexStatementsTable[] = [];
    for (const batch of chunks(products)) out.push(...(await this.db.selectFrom('vex_statements').selectAll().where('product', 'in', batch).execute()));
    return out;
  }

  /** The advisory groups each statement speaks about (through its vulnerability id and aliases). */
  async statementGroups(statementIds: string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    for (const batch of chunks(statementIds)) {
      const rows = await this.db
        .selectFrom('vex_statement_ids as v')
        .innerJoin('advisory_ids as i', 'i.identifier', 'v.identifier')
        .select(['v.statement_id', 'i.group_id'])
        .where('v.statement_id', 'in', batch)
        .execute();
      for (const row of rows) {
        let set = out.get(row.statement_id);
        if (!set) out.set(row.statement_id, (set = new Set()));
        set.add(row.group_id);
      }
    }
    return out;
  }

  /** Open findings of current SBOMs in some groups, with their SBOM's root, for applying VEX. */
  async vexTargets(groupIds: string[], scope: { vendorId?: string | null; productId?: string | null } = {}): Promise<VexTargetRow[]> {
    const out: VexTargetRow[] = [];
    for (const batch of chunks(groupIds)) {
      let query = this.db
        .selectFrom('findings as f')
        .innerJoin('sboms as s', 's.id', 'f.sbom_id')
        .select([
          'f.id', 'f.group_id', 'f.sbom_id', 'f.product_id', 'f.vendor_id', 'f.ecosystem', 'f.package_name', 'f.component_purl', 'f.component_version',
          'f.state', 'f.state_source', 'f.vex_statement_id', 'f.justification', 'f.responses', 'f.detail', 'f.state_source_name', 's.root_ref', 's.root_purl', 's.root_name',
        ])
        .where('f.group_id', 'in', batch)
        .where('s.is_current', '=', 1);
      if (scope.vendorId) query = query.where('f.vendor_id', '=', scope.vendorId);
      if (scope.productId) query = query.where('f.product_id', '=', scope.productId);
      out.push(...(await query.execute()));
    }
    return out;
  }

  /** Groups of some identifiers (upper-cased ids and aliases). */
  async groupsOfIdentifiers(identifiers: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const batch of chunks(identifiers)) {
      for (const row of await this.db.selectFrom('advisory_ids').select(['identifier', 'group_id']).where('identifier', 'in', batch).execute()) out.set(row.identifier, row.group_id);
    }
    return out;
  }

  async countFindings(): Promise<number> {
    const row = await this.db.selectFrom('findings').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * `parsed`: JSON already parsed in this read, by its text. Many entries repeat their versions,
 * ranges or fixed lists (an advisory's packages share a range, most list no versions): they share
 * one parsed value, which matching only reads, and so one prepared range (see osv-range.ts).
 */
function toEntry(row: { advisory_id: string; external_id: string; group_id: string; ecosystem: string; ecosystem_release: string | null; package_name: string; versions: string; ranges: string; fixed: string }, parsed: Map<string, unknown>): PackageEntry {
  return {
    advisoryId: row.advisory_id,
    externalId: row.external_id,
    groupId: row.group_id,
    ecosystem: row.ecosystem,
    release: row.ecosystem_release,
    packageName: row.package_name,
    versions: parseShared<string[]>(row.versions, parsed),
    ranges: parseShared<PackageEntry['ranges']>(row.ranges, parsed),
    fixed: parseShared<string[]>(row.fixed, parsed),
  };
}

function parseShared<T>(text: string, parsed: Map<string, unknown>): T {
  let value = parsed.get(text);
  if (value === undefined) parsed.set(text, (value = JSON.parse(text)));
  return value as T;
}
