import { sql, type RawBuilder } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import { preparedShapes } from '../../platform/db/prepared.js';
import type { Executor } from '../../platform/db/schema.js';
import type { CursorPosition } from '../../platform/http/pagination.js';
import { likePattern as foldedPattern } from '../../platform/search-text.js';
import { chunks } from '../matching/bulk.js';
import { likePattern } from '../sboms/sboms.repository.js';
import { SEVERITIES } from './findings.policy.js';
import type { GroupSortColumn, SortColumn } from './findings.schemas.js';
import type { FindingsTable, FindingsViewsTable } from './findings.tables.js';

export interface FindingFilter {
  productId?: string;
  vendorId?: string;
  release?: string;
  severity?: string[];
  kev?: boolean;
  malicious?: boolean;
  state?: string[];
  epssMin?: number;
  tier?: string[];
  status?: 'open' | 'closed' | 'all';
  verdict?: 'affected' | 'indeterminate';
  groupId?: string;
  ecosystem?: string;
  packageName?: string;
  componentVersion?: string;
  priority?: string[];
  ids?: string[];
  q?: string;
}

/** A sort column and its direction; 'newest' is the detection order (ids are time-ordered). */
export type FindingSort = 'newest' | { column: SortColumn; descending: boolean };

/** Whether a sort column's key is a number or text (the cursor carries it). */
export const SORT_KEY_TYPES: Record<SortColumn, 'integer' | 'number' | 'string'> = {
  priority: 'integer',
  advisory: 'string',
  severity: 'integer',
  component: 'string',
  vendor: 'string',
  product: 'string',
  release: 'string',
  state: 'string',
  fixedIn: 'string',
  due: 'string',
  firstSeen: 'string',
  epss: 'number',
  cvss: 'number',
};

/** Severity in its display order (critical first, unknown last) as an integer, for sorting. */
const severityRank = (column: string) =>
  sql<number>`case ${sql.ref(column)} ${sql.join(SEVERITIES.map((s, i) => sql`when ${sql.lit(s)} then ${sql.lit(i)}`), sql` `)} else ${sql.lit(SEVERITIES.length)} end`;

/**
 * The sort key of each column as an expression that is never NULL (the engines place NULLs at
 * opposite ends) and whose text compares by code point on both engines (PostgreSQL's own collation
 * may follow a locale; SQLite compares bytes), so a sort and its pages are the same on either.
 */
function sortKey(column: SortColumn, postgres: boolean): RawBuilder<string | number> {
  const text = (expr: RawBuilder<unknown>) => (postgres ? sql<string>`(${expr}) collate "C"` : sql<string>`${expr}`);
  switch (column) {
    case 'priority':
      return sql<number>`f.priority_rank`;
    case 'severity':
      return severityRank('f.severity');
    case 'epss':
      return sql<number>`coalesce(g.epss, -1)`;
    case 'cvss':
      return sql<number>`coalesce(g.cvss_score, -1)`;
    case 'advisory':
      return text(sql`g.display_id`);
    case 'component':
      return text(sql`f.package_name`);
    case 'vendor':
      return text(sql`v.name_key`);
    case 'product':
      return text(sql`p.name`);
    case 'release':
      return text(sql`f.release`);
    case 'fixedIn':
      return text(sql`coalesce(f.fixed_in, '')`);
    // ASCII words and ISO timestamps order the same under any collation, and so can use an index.
    case 'state':
      return sql<string>`f.state`;
    case 'due':
      return sql<string>`f.due_at`;
    case 'firstSeen':
      return sql<string>`f.first_seen_at`;
  }
}

/** The value of a row's sort key as the cursor carries it (the same value sortKey computes in SQL). */
export function sortValue(column: SortColumn, row: FindingRow & { sort_key?: unknown }): string | number {
  const value = row.sort_key;
  return SORT_KEY_TYPES[column] === 'string' ? String(value) : Number(value);
}

/** One advisory group of a filtered findings list, with its counts. */
export interface FindingGroupRow {
  group_id: string;
  display_id: string;
  identifiers: string;
  summary: string | null;
  kev: number;
  malicious: number;
  epss: number | null;
  findings: number | string;
  products: number | string;
  vendors: number | string;
  best_rank: number | string;
  best_severity: number | string;
  sort_key: number | string;
}

/** A finding with its advisory group, product and vendor, as lists and exports read it. */
export type FindingRow = FindingsTable & {
  display_id: string;
  identifiers: string;
  summary: string | null;
  group_severity: string | null;
  cvss_score: number | null;
  cvss_vector: string | null;
  cvss_version: string | null;
  kev: number;
  kev_due_date: string | null;
  kev_date_added: string | null;
  epss: number | null;
  epss_percentile: number | null;
  malicious: number;
  published: string | null;
  modified: string | null;
  product_name: string;
  vendor_name: string;
  vendor_tier: string;
};

/** The two orders an index gives (see listQuery). */
type IndexOrder = 'newest' | 'priority';
const PRIORITY_FIRST: FindingSort = { column: 'priority', descending: false };

/**
 * The first page of open (or closed) findings, unfiltered, in an index order: the findings page as
 * it opens. Building and compiling the list query cost 0.2-0.3 ms a request, more than running it.
 */
const firstPage = preparedShapes((db, order: IndexOrder, status: 'open' | 'closed', rows: number) =>
  new FindingsRepository(db).ordered({ status }, order === 'newest' ? 'newest' : PRIORITY_FIRST, null).limit(rows),
);

export class FindingsRepository {
  constructor(private readonly db: Executor) {}

  /** Detection and closure times of current-SBOM findings that were open at some point since `since` (suppressed ones left out). */
  trendRows(since: string) {
    return this.db
      .selectFrom('findings as f')
      .innerJoin('sboms as s', 's.id', 'f.sbom_id')
      .innerJoin('advisory_groups as g', 'g.id', 'f.group_id')
      .select(['f.first_seen_at', 'f.closed_at', 'g.kev', 'g.malicious'])
      .where('s.is_current', '=', 1)
      .where('f.state', 'not in', ['not_affected', 'false_positive'])
      .where((eb) => eb.or([eb('f.closed_at', 'is', null), eb('f.closed_at', '>=', since)]))
      .execute();
  }

  private joined() {
    return this.db
      .selectFrom('findings as f')
      .innerJoin('sboms as s', 's.id', 'f.sbom_id')
      .innerJoin('advisory_groups as g', 'g.id', 'f.group_id')
      .innerJoin('products as p', 'p.id', 'f.product_id')
      .innerJoin('vendors as v', 'v.id', 'f.vendor_id')
      .where('s.is_current', '=', 1);
  }

  private filtered(filter: FindingFilter) {
    return this.narrowed(filter)
      .selectAll('f')
      .select([
        'g.display_id', 'g.identifiers', 'g.summary', 'g.severity as group_severity', 'g.cvss_score', 'g.cvss_vector', 'g.cvss_version', 'g.kev',
        'g.kev_due_date', 'g.kev_date_added', 'g.epss', 'g.epss_percentile', 'g.malicious', 'g.published', 'g.modified',
        'p.name as product_name', 'v.name as vendor_name', 'v.tier as vendor_tier',
      ]);
  }

  /** The current findings a filter selects, joined to their group, product and vendor, nothing selected yet. */
  private narrowed(filter: FindingFilter) {
    let q = this.joined();
    if (filter.productId) q = q.where('f.product_id', '=', filter.productId);
    if (filter.vendorId) q = q.where('f.vendor_id', '=', filter.vendorId);
    if (filter.release !== undefined) q = q.where('f.release', '=', filter.release);
    if (filter.severity?.length) q = q.where('f.severity', 'in', filter.severity);
    if (filter.kev !== undefined) q = q.where('g.kev', '=', filter.kev ? 1 : 0);
    if (filter.malicious !== undefined) q = q.where('g.malicious', '=', filter.malicious ? 1 : 0);
    if (filter.state?.length) q = q.where('f.state', 'in', filter.state);
    if (filter.epssMin !== undefined) q = q.where('g.epss', '>=', filter.epssMin);
    if (filter.tier?.length) q = q.where('v.tier', 'in', filter.tier);
    if (filter.status !== 'all') q = q.where('f.status', '=', filter.status ?? 'open');
    if (filter.verdict) q = q.where('f.verdict', '=', filter.verdict);
    if (filter.groupId) q = q.where('f.group_id', '=', filter.groupId);
    if (filter.ecosystem) q = q.where('f.ecosystem', '=', filter.ecosystem);
    if (filter.packageName) q = q.where('f.package_name', '=', filter.packageName);
    if (filter.componentVersion !== undefined) q = q.where('f.component_version', '=', filter.componentVersion);
    if (filter.priority?.length) q = q.where('f.priority', 'in', filter.priority);
    if (filter.ids) q = q.where('f.id', 'in', filter.ids.length ? filter.ids : ['']);
    if (filter.q?.trim()) {
      const pattern = likePattern(filter.q.trim());
      const like = (column: string) => sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
      // Vendor and product names are matched on their folded search text (folded in JavaScript, so both engines agree).
      const folded = foldedPattern(filter.q.trim());
      const named = (column: string) => sql<boolean>`${sql.ref(column)} like ${folded} escape '\\'`;
      q = q.where((eb) => eb.or([like('g.identifiers'), like('f.package_name'), like('f.component_name'), like('f.component_purl'), named('p.search_text'), named('v.search_text')]));
    }
    return q;
  }

  async list(filter: FindingFilter, sort: FindingSort, cursor: CursorPosition | null, limit: number): Promise<FindingRow[]> {
    if (sort === 'newest' || (sort.column === 'priority' && !sort.descending)) {
      const status = filter.status ?? 'open';
      const unfiltered = Object.entries(filter).every(([name, value]) => value === undefined || name === 'status');
      if (!cursor && unfiltered && status !== 'all') return (await firstPage.execute(this.db, sort === 'newest' ? 'newest' : 'priority', status, limit + 1)) as FindingRow[];
      return (await this.listQuery(filter, sort, cursor, limit).execute()) as FindingRow[];
    }
    // No index gives these orders, so every selected finding is sorted: sort only ids and keys,
    // then read the page's rows (sorting whole rows was 2-4 times slower over 100,000 findings).
    const page = await this.pageKeys(filter, sort, cursor, limit);
    if (!page.length) return [];
    const rows = (await this.filtered({ status: 'all', ids: page.map((p) => p.id) }).execute()) as FindingRow[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return page.flatMap((p) => {
      const row = byId.get(p.id);
      return row ? [{ ...row, sort_key: p.sort_key }] : [];
    });
  }

  /** The ids and sort keys of one page in a column's order, ties by id. */
  private pageKeys(filter: FindingFilter, sort: { column: SortColumn; descending: boolean }, cursor: CursorPosition | null, limit: number) {
    const key = sortKey(sort.column, isPostgres(this.db));
    const direction = sort.descending ? sql`desc` : sql`asc`;
    let q = this.narrowed(filter).select(['f.id', key.as('sort_key')]);
    if (cursor) {
      const after = sort.descending ? sql`<` : sql`>`;
      q = q.where(sql<boolean>`(${key} ${after} ${cursor.key} or (${key} = ${cursor.key} and f.id ${after} ${cursor.id}))`);
    }
    return q.orderBy(sql`${key} ${direction}`).orderBy(sql`f.id ${direction}`).limit(limit + 1).execute();
  }

  /** The page query itself (its SQLite plan is tested: a page must walk an index in order, not sort every open finding). */
  listQuery(filter: FindingFilter, sort: FindingSort, cursor: CursorPosition | null, limit: number) {
    return this.ordered(filter, sort, cursor).limit(limit + 1);
  }

  /** The list in its order, without a limit. */
  ordered(filter: FindingFilter, sort: FindingSort, cursor: CursorPosition | null) {
    let q = this.filtered(filter);
    if (sort === 'newest') {
      if (cursor) q = q.where('f.id', '<', cursor.id);
      return q.orderBy('f.id', 'desc');
    }
    if (sort.column === 'priority' && !sort.descending) {
      // Written on the column itself, so SQLite walks the (…, priority_rank, id) indexes.
      if (cursor) {
        const rank = Number(cursor.key);
        q = q.where((eb) => eb.or([eb('f.priority_rank', '>', rank), eb.and([eb('f.priority_rank', '=', rank), eb('f.id', '>', cursor.id)])]));
      }
      return q.select(sql<number>`f.priority_rank`.as('sort_key')).orderBy('f.priority_rank').orderBy('f.id');
    }
    const key = sortKey(sort.column, isPostgres(this.db));
    const direction = sort.descending ? sql`desc` : sql`asc`;
    if (cursor) {
      const after = sort.descending ? sql`<` : sql`>`;
      q = q.where(sql<boolean>`(${key} ${after} ${cursor.key} or (${key} = ${cursor.key} and f.id ${after} ${cursor.id}))`);
    }
    return q.select(key.as('sort_key')).orderBy(sql`${key} ${direction}`).orderBy(sql`f.id ${direction}`);
  }

  /** Every finding of a filter (exports), in the list's order, up to `max`. */
  all(filter: FindingFilter, max: number, sort: FindingSort = { column: 'priority', descending: false }): Promise<FindingRow[]> {
    return this.listQuery(filter, sort, null, max - 1).execute() as Promise<FindingRow[]>;
  }

  /** Counts of a filter's findings: overall, distinct advisories, products and vendors, and per severity and state. */
  async totals(filter: FindingFilter) {
    const [overall, split] = await Promise.all([
      this.narrowed(filter)
        .select((eb) => [
          eb.fn.countAll<number>().as('findings'),
          eb.fn.count<number>('f.group_id').distinct().as('advisories'),
          eb.fn.count<number>('f.product_id').distinct().as('products'),
          eb.fn.count<number>('f.vendor_id').distinct().as('vendors'),
        ])
        .executeTakeFirstOrThrow(),
      this.narrowed(filter).select((eb) => ['f.severity', 'f.state', eb.fn.countAll<number>().as('n')]).groupBy(['f.severity', 'f.state']).execute(),
    ]);
    return { overall, split };
  }

  /**
   * A filter's findings grouped by advisory: one row per group with its counts, most urgent first
   * (or by `sort`), paged by the sort key and the group id.
   */
  groups(filter: FindingFilter, sort: { column: GroupSortColumn; descending: boolean }, cursor: CursorPosition | null, limit: number): Promise<FindingGroupRow[]> {
    const postgres = isPostgres(this.db);
    const keys: Record<GroupSortColumn, RawBuilder<string | number>> = {
      priority: sql<number>`min(f.priority_rank)`,
      severity: sql<number>`min(${severityRank('f.severity')})`,
      findings: sql<number>`count(*)`,
      products: sql<number>`count(distinct f.product_id)`,
      vendors: sql<number>`count(distinct f.vendor_id)`,
      advisory: postgres ? sql<string>`g.display_id collate "C"` : sql<string>`g.display_id`,
    };
    const key = keys[sort.column];
    const direction = sort.descending ? sql`desc` : sql`asc`;
    let q = this.narrowed(filter)
      .select([
        'f.group_id', 'g.display_id', 'g.identifiers', 'g.summary', 'g.kev', 'g.malicious', 'g.epss',
        sql<number>`count(*)`.as('findings'),
        sql<number>`count(distinct f.product_id)`.as('products'),
        sql<number>`count(distinct f.vendor_id)`.as('vendors'),
        sql<number>`min(f.priority_rank)`.as('best_rank'),
        sql<number>`min(${severityRank('f.severity')})`.as('best_severity'),
        key.as('sort_key'),
      ])
      .groupBy(['f.group_id', 'g.display_id', 'g.identifiers', 'g.summary', 'g.kev', 'g.malicious', 'g.epss']);
    if (cursor) {
      const after = sort.descending ? sql`<` : sql`>`;
      q = q.having(sql<boolean>`(${key} ${after} ${cursor.key} or (${key} = ${cursor.key} and f.group_id ${after} ${cursor.id}))`);
    }
    return q.orderBy(sql`${key} ${direction}`).orderBy(sql`f.group_id ${direction}`).limit(limit + 1).execute() as Promise<FindingGroupRow[]>;
  }

  // Saved views.

  views(ownerKey: string) {
    return this.db
      .selectFrom('findings_views')
      .selectAll()
      .where((eb) => eb.or([eb('owner_key', '=', ownerKey), eb('shared', '=', 1)]))
      .orderBy('name')
      .orderBy('id')
      .execute();
  }

  view(id: string) {
    return this.db.selectFrom('findings_views').selectAll().where('id', '=', id).executeTakeFirst();
  }

  viewByName(ownerKey: string, name: string) {
    return this.db.selectFrom('findings_views').select('id').where('owner_key', '=', ownerKey).where('name', '=', name).executeTakeFirst();
  }

  async insertView(row: FindingsViewsTable): Promise<void> {
    await this.db.insertInto('findings_views').values(row).execute();
  }

  async updateView(id: string, changes: Partial<FindingsViewsTable>): Promise<void> {
    await this.db.updateTable('findings_views').set(changes).where('id', '=', id).execute();
  }

  async deleteView(id: string): Promise<void> {
    await this.db.deleteFrom('findings_views').where('id', '=', id).execute();
  }

  // Bulk-triage batches (kept in the audit trail).

  /** The audit events of bulk-triage batches and their undoing, newest first. */
  batchEvents(limit: number) {
    return this.db
      .selectFrom('audit_events')
      .select(['id', 'at', 'actor_name', 'action', 'entity_id', 'after'])
      .where('entity_type', '=', 'findings')
      .where('action', '=', 'finding.bulk-triage')
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
  }

  batchEvent(batchId: string, action: 'finding.bulk-triage' | 'finding.bulk-triage.undo') {
    return this.db
      .selectFrom('audit_events')
      .select(['id', 'at', 'actor_name', 'before', 'after', 'entity_id'])
      .where('entity_type', '=', 'findings')
      .where('entity_id', '=', batchId)
      .where('action', '=', action)
      .executeTakeFirst();
  }

  undoEvents(batchIds: string[]) {
    return this.db
      .selectFrom('audit_events')
      .select(['at', 'actor_name', 'entity_id'])
      .where('entity_type', '=', 'findings')
      .where('entity_id', 'in', batchIds.length ? batchIds : [''])
      .where('action', '=', 'finding.bulk-triage.undo')
      .execute();
  }

  async byId(id: string): Promise<FindingRow | undefined> {
    // Findings of superseded SBOMs stay readable by id (history), so no current-SBOM filter here;
    // those of an SBOM still being written (unpublished) are not.
    return (await this.db
      .selectFrom('findings as f')
      .innerJoin('sboms as s', 's.id', 'f.sbom_id')
      .innerJoin('advisory_groups as g', 'g.id', 'f.group_id')
      .innerJoin('products as p', 'p.id', 'f.product_id')
      .innerJoin('vendors as v', 'v.id', 'f.vendor_id')
      .selectAll('f')
      .select([
        'g.display_id', 'g.identifiers', 'g.summary', 'g.severity as group_severity', 'g.cvss_score', 'g.cvss_vector', 'g.cvss_version', 'g.kev',
        'g.kev_due_date', 'g.kev_date_added', 'g.epss', 'g.epss_percentile', 'g.malicious', 'g.published', 'g.modified',
        'p.name as product_name', 'v.name as vendor_name', 'v.tier as vendor_tier',
      ])
      .where('f.id', '=', id)
      .where('s.published', '=', 1)
      .executeTakeFirst()) as FindingRow | undefined;
  }

  async byIds(ids: string[]): Promise<FindingsTable[]> {
    const out: FindingsTable[] = [];
    for (const batch of chunks(ids)) {
      out.push(
        ...(await this.db
          .selectFrom('findings as f')
          .innerJoin('sboms as s', 's.id', 'f.sbom_id')
          .selectAll('f')
          .where('f.id', 'in', batch)
          .where('s.published', '=', 1)
          .execute()),
      );
    }
    return out;
  }

  history(findingId: string) {
    return this.db.selectFrom('findings_history').selectAll().where('finding_id', '=', findingId).orderBy('id').execute();
  }

  async update(id: string, changes: Partial<FindingsTable>): Promise<void> {
    await this.db.updateTable('findings').set(changes).where('id', '=', id).execute();
  }

  /** Ids of current, open findings of a group, optionally within a product or vendor (bulk triage by advisory). */
  async idsOfGroup(groupId: string, scope: { productId?: string; vendorId?: string }, max: number): Promise<string[]> {
    let q = this.db
      .selectFrom('findings as f')
      .innerJoin('sboms as s', 's.id', 'f.sbom_id')
      .select('f.id')
      .where('f.group_id', '=', groupId)
      .where('s.is_current', '=', 1)
      .where('f.status', '=', 'open');
    if (scope.productId) q = q.where('f.product_id', '=', scope.productId);
    if (scope.vendorId) q = q.where('f.vendor_id', '=', scope.vendorId);
    return (await q.orderBy('f.id').limit(max).execute()).map((r) => r.id);
  }

  /** What the risk score counts: open, affected, unsuppressed findings of current SBOMs, per group. */
  riskRows(scope: { productId?: string; vendorId?: string }, suppressed: readonly string[]) {
    let q = this.db
      .selectFrom('findings as f')
      .innerJoin('sboms as s', 's.id', 'f.sbom_id')
      .innerJoin('advisory_groups as g', 'g.id', 'f.group_id')
      .select(['f.group_id', 'f.severity', 'g.display_id', 'g.kev', 'g.malicious', 'g.epss'])
      .where('s.is_current', '=', 1)
      .where('f.status', '=', 'open')
      .where('f.verdict', '=', 'affected')
      .where('f.state', 'not in', [...suppressed]);
    if (scope.productId) q = q.where('f.product_id', '=', scope.productId);
    if (scope.vendorId) q = q.where('f.vendor_id', '=', scope.vendorId);
    return q.execute();
  }

  async countsBy(scope: { productId?: string; vendorId?: string }) {
    let q = this.db
      .selectFrom('findings as f')
      .innerJoin('sboms as s', 's.id', 'f.sbom_id')
      .select(['f.state', 'f.verdict', sql<number>`count(*)`.as('n')])
      .where('s.is_current', '=', 1)
      .where('f.status', '=', 'open')
      .groupBy(['f.state', 'f.verdict']);
    if (scope.productId) q = q.where('f.product_id', '=', scope.productId);
    if (scope.vendorId) q = q.where('f.vendor_id', '=', scope.vendorId);
    return q.execute();
  }

  /** The newest current release of a product (the default release of VEX exports). */
  latestRelease(productId: string) {
    return this.db
      .selectFrom('sboms')
      .select(['release', 'id', 'root_name', 'root_version', 'root_purl', 'serial_number'])
      .where('product_id', '=', productId)
      .where('is_current', '=', 1)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  currentSbom(productId: string, release: string) {
    return this.db
      .selectFrom('sboms')
      .select(['release', 'id', 'root_name', 'root_version', 'root_purl', 'serial_number'])
      .where('product_id', '=', productId)
      .where('release', '=', release)
      .where('is_current', '=', 1)
      .executeTakeFirst();
  }

  productOwner(productId: string) {
    return this.db
      .selectFrom('products as p')
      .innerJoin('vendors as v', 'v.id', 'p.vendor_id')
      .select(['p.id', 'p.name', 'p.vendor_id', 'v.name as vendor_name'])
      .where('p.id', '=', productId)
      .executeTakeFirst();
  }

  vendor(vendorId: string) {
    return this.db.selectFrom('vendors').select(['id', 'name', 'tier']).where('id', '=', vendorId).executeTakeFirst();
  }

  /** Findings that expose a group or a package, with paths resolved by the caller. */
  exposure(criteria: { groupId?: string; ecosystem?: string; packageName?: string; version?: string }, limit: number): Promise<FindingRow[]> {
    return this.filtered({
      status: 'open',
      groupId: criteria.groupId,
      ecosystem: criteria.ecosystem,
      packageName: criteria.packageName,
      componentVersion: criteria.version,
    })
      .orderBy('f.vendor_id')
      .orderBy('f.product_id')
      .orderBy('f.release')
      .orderBy('f.component_idx')
      .limit(limit + 1)
      .execute() as Promise<FindingRow[]>;
  }
}
