import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { likePattern, searchText } from '../../platform/search-text.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { insertJsonRows } from '../../platform/db/bulk.js';
import { isPostgres } from '../../platform/db/database.js';
import { preparedQuery, preparedShapes } from '../../platform/db/prepared.js';
import type { CursorPosition } from '../../platform/http/pagination.js';
import type { CommentsTable, ContactsTable, ContractsTable, ProductsTable, VendorsTable } from './vendors.tables.js';
import type { VendorFilter, VendorSort } from './vendors.schemas.js';
import { REVIEWED_STATUSES } from './vendors.mappers.js';

const SORT_COLUMNS = {
  name: 'name_key',
  riskScore: 'risk_score',
  nextReviewAt: 'next_review_at',
  updatedAt: 'updated_at',
} as const satisfies Record<string, keyof VendorsTable>;

export function sortSpec(sort: VendorSort | undefined) {
  const key = (sort ?? 'name').replace(/^-/, '') as keyof typeof SORT_COLUMNS;
  return { column: SORT_COLUMNS[key], descending: (sort ?? '').startsWith('-') };
}

export type VendorRow = VendorsTable & { team_key: string | null; team_name: string | null; subcontractor_count: number | string };

function selectVendors(db: Executor) {
  return db
    .selectFrom('vendors')
    .leftJoin('teams', 'teams.id', 'vendors.team_id')
    .selectAll('vendors')
    .select(['teams.key as team_key', 'teams.name as team_name'])
    .select((eb) =>
      eb
        .selectFrom('vendor_subcontractors')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('vendor_subcontractors.vendor_id', '=', 'vendors.id')
        .as('subcontractor_count'),
    );
}

/** Vendors by tier and status, with how many of each are overdue, auto-updating or need triage. The built-in internal estate is not a third party: it is left out of every portfolio figure. */
function portfolioQuery(db: Executor, now: string) {
  const flag = (eb: ExpressionBuilder<DB, 'vendors'>, condition: Expression<SqlBool>) => eb.fn.sum<number | string>(eb.case().when(condition).then(1).else(0).end());
  return db
    .selectFrom('vendors')
    .where('internal', '=', 0)
    .select((eb) => [
      'tier',
      'status',
      eb.fn.countAll<number | string>().as('n'),
      flag(eb, eb.and([eb('next_review_at', '<=', now), eb('status', 'in', REVIEWED_STATUSES)])).as('overdue'),
      flag(eb, eb.and([eb('ships_software', '=', 1), eb('auto_update', '=', 1)])).as('auto_updating'),
      flag(eb, eb.and([eb('risk_missing', '<>', '[]'), eb('status', '<>', 'terminated')])).as('needs_triage'),
    ])
    .groupBy(['tier', 'status']);
}
const portfolio = preparedQuery(portfolioQuery);
const reviewsDueSoon = preparedQuery((db, soon: string) =>
  db
    .selectFrom('vendors')
    .select(['id', 'name', 'tier', 'next_review_at'])
    .where('internal', '=', 0)
    .where('next_review_at', '<=', soon)
    .where('status', 'in', REVIEWED_STATUSES)
    .orderBy('next_review_at')
    .limit(10),
);
const contractsEndingBetween = preparedQuery((db, from: string, to: string) =>
  db
    .selectFrom('contracts')
    .innerJoin('vendors', 'vendors.id', 'contracts.vendor_id')
    .select(['contracts.id', 'contracts.title', 'contracts.end_date', 'contracts.notice_period_days', 'vendors.id as vendor_id', 'vendors.name as vendor_name'])
    .where('vendors.internal', '=', 0)
    .where('vendors.status', '<>', 'terminated')
    .where('contracts.end_date', '>=', from)
    .where('contracts.end_date', '<=', to)
    .orderBy('contracts.end_date'),
);

const vendorById = preparedQuery((db, id: string) => selectVendors(db).where('vendors.id', '=', id));
const commentsOf = preparedQuery((db, entityType: string, entityId: string) =>
  db.selectFrom('comments').selectAll().where('entity_type', '=', entityType).where('entity_id', '=', entityId).orderBy('id'),
);
const vendorExists = preparedQuery((db, id: string) => db.selectFrom('vendors').select('id').where('id', '=', id));
/**
 * The first page of the inventory, whole or searched, in each order: where every visit starts.
 * Building and compiling the list query cost 0.1-0.3 ms a request, about what running it costs.
 */
const firstPage = preparedShapes((db, sort: VendorSort | undefined, rows: number) => new VendorRepository(db).ordered({ sort }, null, undefined).limit(rows));
const searchedFirstPage = preparedShapes((db, sort: VendorSort | undefined, pattern: string, rows: number) => new VendorRepository(db).ordered({ sort }, null, pattern).limit(rows));
/** What a prepared first page takes; any other filter goes through the query built afresh. */
const FIRST_PAGE_FIELDS = new Set<string>(['q', 'sort', 'limit', 'cursor'] satisfies Array<keyof VendorFilter>);

export class VendorRepository {
  constructor(private readonly db: Executor) {}

  private selectVendors() {
    return selectVendors(this.db);
  }

  /** Read by the vendor page and twice by every update: prepared once. */
  findById(id: string): Promise<VendorRow | undefined> {
    return vendorById.executeTakeFirst(this.db, id) as Promise<VendorRow | undefined>;
  }

  /** Whether the vendor exists: what the reads and writes of its children check, without reading and presenting the whole vendor. */
  async exists(id: string): Promise<boolean> {
    return (await vendorExists.executeTakeFirst(this.db, id)) !== undefined;
  }

  async parentOf(id: string): Promise<string | null> {
    return (await this.db.selectFrom('vendors').select('parent_vendor_id').where('id', '=', id).executeTakeFirst())?.parent_vendor_id ?? null;
  }

  /**
   * Everything a create checks and needs, in one round trip: a vendor holding the name, the stored
   * risk model, the team (by key or id) and whether the owner and parent exist.
   */
  createContext(input: { nameKey: string; riskModelKey: string; team: string | null; ownerUserId: string | null; parentVendorId: string | null }) {
    const { team, ownerUserId, parentVendorId } = input;
    const clash = this.db.selectFrom('vendors').where('name_key', '=', input.nameKey);
    const teamRow = this.db.selectFrom('teams').where((eb) => eb.or([eb('key', '=', team ?? ''), eb('id', '=', team ?? '')]));
    return this.db
      .selectNoFrom((eb) => [
        clash.select('id').as('clash_id'),
        clash.select('name').as('clash_name'),
        eb.selectFrom('settings').select('value').where('key', '=', input.riskModelKey).as('risk_model'),
        (team ? teamRow.select('id') : eb.val(null)).as('team_id'),
        (team ? teamRow.select('key') : eb.val(null)).as('team_key'),
        (team ? teamRow.select('name') : eb.val(null)).as('team_name'),
        (ownerUserId ? eb.selectFrom('users').select('id').where('id', '=', ownerUserId) : eb.val(null)).as('owner_user_id'),
        (parentVendorId ? eb.selectFrom('vendors').select('id').where('id', '=', parentVendorId) : eb.val(null)).as('parent_vendor_id'),
      ])
      .executeTakeFirstOrThrow() as Promise<{
      clash_id: string | null;
      clash_name: string | null;
      risk_model: string | null;
      team_id: string | null;
      team_key: string | null;
      team_name: string | null;
      owner_user_id: string | null;
      parent_vendor_id: string | null;
    }>;
  }

  findByNameKey(nameKey: string) {
    return this.db.selectFrom('vendors').select(['id', 'name']).where('name_key', '=', nameKey).executeTakeFirst();
  }

  findByNameKeys(nameKeys: string[]) {
    if (!nameKeys.length) return Promise.resolve([]);
    return this.db.selectFrom('vendors').selectAll().where('name_key', 'in', nameKeys).execute();
  }

  async list(filter: VendorFilter, cursor: CursorPosition | null, limit: number): Promise<VendorRow[]> {
    if (!cursor && Object.entries(filter).every(([name, value]) => value === undefined || FIRST_PAGE_FIELDS.has(name))) {
      const rows = filter.q ? await searchedFirstPage.execute(this.db, filter.sort, likePattern(filter.q), limit + 1) : await firstPage.execute(this.db, filter.sort, limit + 1);
      return rows as VendorRow[];
    }
    return (await this.listQuery(filter, cursor, limit).execute()) as VendorRow[];
  }

  /** The page query itself (its SQLite plan is tested: a page must walk an index in the page order). */
  listQuery(filter: VendorFilter, cursor: CursorPosition | null, limit: number) {
    return this.ordered(filter, cursor, filter.q ? likePattern(filter.q) : undefined).limit(limit + 1);
  }

  /** The list in its order, without a limit; `pattern` is the search (filter.q) as a LIKE pattern. */
  ordered(filter: VendorFilter, cursor: CursorPosition | null, pattern: string | undefined) {
    const { column, descending } = sortSpec(filter.sort);
    let query = this.selectVendors().where('vendors.internal', '=', 0);
    if (pattern !== undefined) {
      // Both sides are folded in JavaScript (foldForSearch), so neither engine's own case rules take part.
      query = query.where('vendors.search_text', 'like', sql<string>`${pattern} escape '\\'`);
    }
    if (filter.tier?.length) query = query.where('vendors.tier', 'in', filter.tier);
    if (filter.status?.length) query = query.where('vendors.status', 'in', filter.status);
    if (filter.team) query = query.where((eb) => eb.or([eb('teams.key', '=', filter.team!), eb('teams.id', '=', filter.team!)]));
    if (filter.dataCategory) query = query.where('vendors.data_categories', 'like', `%"${filter.dataCategory}"%`);
    if (filter.reviewOverdue !== undefined) {
      const now = new Date().toISOString();
      query = filter.reviewOverdue
        ? query.where('vendors.status', 'in', REVIEWED_STATUSES).where('vendors.next_review_at', '<=', now)
        : query.where((eb) => eb.or([eb('vendors.status', 'not in', REVIEWED_STATUSES), eb('vendors.next_review_at', '>', now)]));
    }
    if (filter.shipsSoftware !== undefined) query = query.where('vendors.ships_software', '=', filter.shipsSoftware ? 1 : 0);
    if (filter.needsTriage !== undefined) {
      query = filter.needsTriage
        ? query.where('vendors.risk_missing', '<>', '[]').where('vendors.status', '<>', 'terminated')
        : query.where((eb) => eb.or([eb('vendors.risk_missing', '=', '[]'), eb('vendors.status', '=', 'terminated')]));
    }
    if (cursor) {
      const op = descending ? '<' : '>';
      const key = cursor.key as string | number;
      query = query.where((eb: ExpressionBuilder<DB & { vendors: VendorsTable }, 'vendors'>) =>
        eb.or([eb(`vendors.${column}`, op, key), eb.and([eb(`vendors.${column}`, '=', key), eb('vendors.id', op, cursor.id)])]),
      ) as typeof query;
    }
    const direction = descending ? 'desc' : 'asc';
    return query.orderBy(`vendors.${column}`, direction).orderBy('vendors.id', direction);
  }

  idsByNameKeys(nameKeys: string[]) {
    if (!nameKeys.length) return Promise.resolve([]);
    return this.db.selectFrom('vendors').select(['id', 'name_key']).where('name_key', 'in', nameKeys).execute();
  }

  async findRowsByIds(ids: string[]): Promise<VendorRow[]> {
    if (!ids.length) return [];
    return (await this.selectVendors().where('vendors.id', 'in', ids).execute()) as VendorRow[];
  }

  allTeams() {
    return this.db.selectFrom('teams').select(['id', 'key', 'name']).execute();
  }

  /** Every parent link and subcontractor link, read in pages (short queries however large the inventory). */
  async linkGraph(page = 5000): Promise<{ parents: Map<string, string | null>; edges: Map<string, Set<string>> }> {
    const parents = new Map<string, string | null>();
    for (let after = ''; ; ) {
      const rows = await this.db.selectFrom('vendors').select(['id', 'parent_vendor_id']).where('parent_vendor_id', 'is not', null).where('id', '>', after).orderBy('id').limit(page).execute();
      for (const r of rows) parents.set(r.id, r.parent_vendor_id);
      if (rows.length < page) break;
      after = rows[rows.length - 1].id;
    }
    const edges = new Map<string, Set<string>>();
    for (let after = { vendor: '', sub: '' }; ; ) {
      const rows = await this.db
        .selectFrom('vendor_subcontractors')
        .select(['vendor_id', 'subcontractor_id'])
        .where((eb) => eb.or([eb('vendor_id', '>', after.vendor), eb.and([eb('vendor_id', '=', after.vendor), eb('subcontractor_id', '>', after.sub)])]))
        .orderBy('vendor_id')
        .orderBy('subcontractor_id')
        .limit(page)
        .execute();
      for (const r of rows) edges.set(r.vendor_id, (edges.get(r.vendor_id) ?? new Set()).add(r.subcontractor_id));
      if (rows.length < page) break;
      after = { vendor: rows[rows.length - 1].vendor_id, sub: rows[rows.length - 1].subcontractor_id };
    }
    return { parents, edges };
  }

  /** Inserts vendors, or overwrites those whose id exists (everything but id, created_at and internal). */
  upsertMany(rows: VendorsTable[]) {
    const update = Object.keys(rows[0] ?? {}).filter((c) => !['id', 'created_at', 'internal'].includes(c));
    return insertJsonRows(this.db, 'vendors', rows as unknown as Array<Record<string, unknown>>, { conflict: { columns: ['id'], update } });
  }

  /** Sets parents by id, many per statement (an import's parents created by the same file). */
  async setParents(parents: Array<{ id: string; parent: string }>) {
    if (!parents.length) return;
    const json = JSON.stringify(parents);
    const source = isPostgres(this.db)
      ? sql`select p->>'id' as id, p->>'parent' as parent from jsonb_array_elements(${json}::jsonb) as p`
      : sql`select value ->> 'id' as id, value ->> 'parent' as parent from json_each(${json})`;
    await sql`update vendors set parent_vendor_id = s.parent from (${source}) as s where vendors.id = s.id`.execute(this.db);
  }

  /** Adds subcontractor links; one that exists keeps its service. */
  addSubcontractors(links: Array<{ vendor_id: string; subcontractor_id: string }>, now: string) {
    if (!links.length) return Promise.resolve();
    return insertJsonRows(this.db, 'vendor_subcontractors', links.map((l) => ({ ...l, service: null, created_at: now })), { conflict: { columns: ['vendor_id', 'subcontractor_id'], update: 'nothing' } });
  }

  insert(row: VendorsTable) {
    return this.db.insertInto('vendors').values(row);
  }

  update(id: string, changes: Partial<VendorsTable>) {
    return this.db.updateTable('vendors').set(changes).where('id', '=', id).execute();
  }

  delete(id: string) {
    return this.db.deleteFrom('vendors').where('id', '=', id).execute();
  }

  allForScoring() {
    return this.db.selectFrom('vendors').selectAll().where('internal', '=', 0).orderBy('id').execute();
  }

  countSubcontractors(vendorId: string) {
    return this.db
      .selectFrom('vendor_subcontractors')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('vendor_id', '=', vendorId)
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  subcontractorEdges(vendorIds: string[]) {
    if (!vendorIds.length) return Promise.resolve([]);
    return this.db
      .selectFrom('vendor_subcontractors')
      .innerJoin('vendors', 'vendors.id', 'vendor_subcontractors.subcontractor_id')
      .select(['vendor_subcontractors.vendor_id', 'vendor_subcontractors.subcontractor_id', 'vendor_subcontractors.service', 'vendors.name', 'vendors.tier'])
      .where('vendor_subcontractors.vendor_id', 'in', vendorIds)
      .orderBy('vendors.name_key')
      .execute();
  }

  addSubcontractor(vendorId: string, subcontractorId: string, service: string | null, now: string) {
    return this.db
      .insertInto('vendor_subcontractors')
      .values({ vendor_id: vendorId, subcontractor_id: subcontractorId, service, created_at: now })
      .onConflict((oc) => oc.columns(['vendor_id', 'subcontractor_id']).doUpdateSet({ service }))
      .execute();
  }

  removeSubcontractor(vendorId: string, subcontractorId: string) {
    return this.db.deleteFrom('vendor_subcontractors').where('vendor_id', '=', vendorId).where('subcontractor_id', '=', subcontractorId).executeTakeFirst();
  }

  contractorsOf(subcontractorId: string) {
    return this.db
      .selectFrom('vendor_subcontractors')
      .innerJoin('vendors', 'vendors.id', 'vendor_subcontractors.vendor_id')
      .select(['vendors.id', 'vendors.name', 'vendors.tier', 'vendor_subcontractors.service'])
      .where('vendor_subcontractors.subcontractor_id', '=', subcontractorId)
      .orderBy('vendors.name_key')
      .execute();
  }

  listProducts(vendorId: string) {
    return this.db.selectFrom('products').selectAll().where('vendor_id', '=', vendorId).orderBy('name').execute();
  }
  /** Every product with its vendor's name, for listings that span the inventory (the CLI's `product list`). */
  listAllProducts() {
    return this.db
      .selectFrom('products')
      .innerJoin('vendors', 'vendors.id', 'products.vendor_id')
      .selectAll('products')
      .select('vendors.name as vendor_name')
      .orderBy('vendors.name_key')
      .orderBy('products.name')
      .execute();
  }
  findProduct(id: string) {
    return this.db.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst();
  }
  insertProduct(row: ProductsTable) {
    return this.db.insertInto('products').values(row).execute();
  }
  /** A new name gets its search text here, the one place products are renamed. */
  updateProduct(id: string, changes: Partial<Omit<ProductsTable, 'search_text'>>) {
    const search = changes.name === undefined ? {} : { search_text: searchText([changes.name]) };
    return this.db.updateTable('products').set({ ...changes, ...search }).where('id', '=', id).execute();
  }
  deleteProduct(id: string) {
    return this.db.deleteFrom('products').where('id', '=', id).execute();
  }

  listContacts(vendorId: string) {
    return this.db.selectFrom('contacts').selectAll().where('vendor_id', '=', vendorId).orderBy('is_primary', 'desc').orderBy('name').execute();
  }
  findContact(id: string) {
    return this.db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
  }
  insertContact(row: ContactsTable) {
    return this.db.insertInto('contacts').values(row).execute();
  }
  updateContact(id: string, changes: Partial<ContactsTable>) {
    return this.db.updateTable('contacts').set(changes).where('id', '=', id).execute();
  }
  deleteContact(id: string) {
    return this.db.deleteFrom('contacts').where('id', '=', id).execute();
  }

  listContracts(vendorId: string) {
    return this.db.selectFrom('contracts').selectAll().where('vendor_id', '=', vendorId).orderBy('start_date', 'desc').orderBy('id').execute();
  }
  findContract(id: string) {
    return this.db.selectFrom('contracts').selectAll().where('id', '=', id).executeTakeFirst();
  }
  insertContract(row: ContractsTable) {
    return this.db.insertInto('contracts').values(row).execute();
  }
  updateContract(id: string, changes: Partial<ContractsTable>) {
    return this.db.updateTable('contracts').set(changes).where('id', '=', id).execute();
  }
  deleteContract(id: string) {
    return this.db.deleteFrom('contracts').where('id', '=', id).execute();
  }

  listComments(entityType: string, entityId: string) {
    return commentsOf.execute(this.db, entityType, entityId);
  }
  insertComment(row: CommentsTable) {
    return this.db.insertInto('comments').values(row).execute();
  }

  childIds(vendorId: string) {
    return this.db
      .selectFrom('products')
      .select('id')
      .where('vendor_id', '=', vendorId)
      .unionAll(this.db.selectFrom('contacts').select('id').where('vendor_id', '=', vendorId))
      .unionAll(this.db.selectFrom('contracts').select('id').where('vendor_id', '=', vendorId))
      .execute();
  }

  /** Flags reviews that came due and clears flags of vendors reviewed since; returns the newly overdue. */
  async markOverdue(now: string) {
    const due = await this.db
      .selectFrom('vendors')
      .select(['id', 'name', 'next_review_at'])
      .where('next_review_at', '<=', now)
      .where('review_overdue', '=', 0)
      .where('internal', '=', 0)
      .where('status', 'in', REVIEWED_STATUSES)
      .execute();
    if (due.length) {
      await this.db.updateTable('vendors').set({ review_overdue: 1 }).where('id', 'in', due.map((d) => d.id)).execute();
    }
    await this.db.updateTable('vendors').set({ review_overdue: 0 }).where('next_review_at', '>', now).where('review_overdue', '=', 1).execute();
    return due;
  }

  /** Every portfolio count of the dashboard in one pass over an index that covers it (see migration 0013_vendors_portfolio_index). */
  portfolioQuery(now: string) {
    return portfolioQuery(this.db, now);
  }

  /** The dashboard's figures: prepared queries, as the dashboard is read on every visit of the home page. */
  async dashboardCounts(now: string, soon: string) {
    const groups = await portfolio.execute(this.db, now);
    const byTier = new Map<string, number>();
    const byStatus = new Map<string, number>();
    let overdue = 0;
    let autoUpdating = 0;
    let needsTriage = 0;
    for (const g of groups) {
      byTier.set(g.tier, (byTier.get(g.tier) ?? 0) + Number(g.n));
      byStatus.set(g.status, (byStatus.get(g.status) ?? 0) + Number(g.n));
      overdue += Number(g.overdue ?? 0);
      autoUpdating += Number(g.auto_updating ?? 0);
      needsTriage += Number(g.needs_triage ?? 0);
    }
    const dueSoon = await reviewsDueSoon.execute(this.db, soon);
    // Contracts ending within a year: the service keeps those whose end or notice deadline is near.
    const contractsEnding = await contractsEndingBetween.execute(this.db, now.slice(0, 10), new Date(Date.parse(now) + 366 * 86_400_000).toISOString().slice(0, 10));
    return { byTier, byStatus, overdue, dueSoon, autoUpdating, needsTriage, contractsEnding };
  }
}
