import { sql } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';
import type { CursorPosition } from '../../platform/http/pagination.js';
import { chunks } from '../matching/bulk.js';
import type { FindingsTable } from './findings.tables.js';

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
}

export type FindingSort = 'priority' | 'newest';

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

  private base() {
    return this.db
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
      .where('s.is_current', '=', 1);
  }

  private filtered(filter: FindingFilter) {
    let q = this.base();
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
    return q;
  }

  list(filter: FindingFilter, sort: FindingSort, cursor: CursorPosition | null, limit: number): Promise<FindingRow[]> {
    return this.listQuery(filter, sort, cursor, limit).execute() as Promise<FindingRow[]>;
  }

  /** The page query itself (its SQLite plan is tested: a page must walk an index in order, not sort every open finding). */
  listQuery(filter: FindingFilter, sort: FindingSort, cursor: CursorPosition | null, limit: number) {
    let q = this.filtered(filter);
    if (sort === 'newest') {
      if (cursor) q = q.where('f.id', '<', cursor.id);
      q = q.orderBy('f.id', 'desc');
    } else {
      if (cursor) {
        const rank = Number(cursor.key);
        q = q.where((eb) => eb.or([eb('f.priority_rank', '>', rank), eb.and([eb('f.priority_rank', '=', rank), eb('f.id', '>', cursor.id)])]));
      }
      q = q.orderBy('f.priority_rank').orderBy('f.id');
    }
    return q.limit(limit + 1);
  }

  /** Every finding of a filter (exports), in priority order, up to `max`. */
  all(filter: FindingFilter, max: number): Promise<FindingRow[]> {
    return this.filtered(filter).orderBy('f.priority_rank').orderBy('f.id').limit(max).execute() as Promise<FindingRow[]>;
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
