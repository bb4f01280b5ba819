import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import type { DB, Executor } from '../../platform/db/schema.js';
import type { CursorPosition } from '../../platform/http/pagination.js';
import { likePattern } from '../../platform/search-text.js';
import type { RiskFilter } from './risks.schemas.js';
import type { RiskEvidenceTable, RisksTable } from './risks.tables.js';

export type RiskRow = RisksTable & { team_key: string | null; team_name: string | null; evidence_count: number | string };

export interface Links {
  vendors: Map<string, Array<{ id: string; name: string; tier: string }>>;
  products: Map<string, Array<{ id: string; name: string; vendorId: string }>>;
}

/** Score ranges per level and "today", resolved by the service from the scales. */
export interface ResolvedFilter extends RiskFilter {
  scoreRange?: [number, number];
  today: string;
}

export type RiskSort = 'score' | 'newest' | 'due';

const ACTIVE = ['open', 'pending-acceptance', 'accepted'];

export class RiskRepository {
  constructor(private readonly db: Executor) {}

  private base() {
    return this.db
      .selectFrom('risks')
      .leftJoin('teams', 'teams.id', 'risks.team_id')
      .selectAll('risks')
      .select(['teams.key as team_key', 'teams.name as team_name'])
      .select((eb) => eb.selectFrom('risk_evidence').select((e) => e.fn.countAll().as('n')).whereRef('risk_evidence.risk_id', '=', 'risks.id').as('evidence_count'));
  }

  async byId(id: string): Promise<RiskRow | undefined> {
    return (await this.base().where('risks.id', '=', id).executeTakeFirst()) as RiskRow | undefined;
  }

  async bySource(source: string, key: string): Promise<RisksTable | undefined> {
    return this.db.selectFrom('risks').selectAll().where('source', '=', source).where('source_key', '=', key).executeTakeFirst();
  }

  /** Inserts unless (source, source_key) exists; true when this call created the row. */
  async insertIfAbsent(row: RisksTable): Promise<boolean> {
    const result = await this.db.insertInto('risks').values(row).onConflict((oc) => oc.columns(['source', 'source_key']).doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async insert(row: RisksTable): Promise<void> {
    await this.db.insertInto('risks').values(row).execute();
  }

  async update(id: string, changes: Partial<RisksTable>): Promise<void> {
    await this.db.updateTable('risks').set(changes).where('id', '=', id).execute();
  }

  async countRaise(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('risks')
      .set((eb) => ({ raise_count: eb('raise_count', '+', 1), last_raised_at: at }))
      .where('id', '=', id)
      .execute();
  }

  private filtered(filter: ResolvedFilter) {
    let query = this.base();
    const inherent = filter.basis === 'inherent';
    const likelihood = inherent ? sql<number>`risks.likelihood` : sql<number>`coalesce(risks.residual_likelihood, risks.likelihood)`;
    const impact = inherent ? sql<number>`risks.impact` : sql<number>`coalesce(risks.residual_impact, risks.impact)`;
    const status = filter.status ?? 'active';
    if (status === 'active') query = query.where('risks.status', 'in', ACTIVE);
    else if (status !== 'all') query = query.where('risks.status', '=', status);
    if (filter.source) query = query.where('risks.source', '=', filter.source);
    if (filter.treatment) query = filter.treatment === 'none' ? query.where('risks.treatment', 'is', null) : query.where('risks.treatment', '=', filter.treatment);
    if (filter.team) query = query.where('teams.key', '=', filter.team);
    if (filter.owner) query = query.where('risks.owner', '=', filter.owner);
    if (filter.likelihood !== undefined) query = query.where(likelihood, '=', filter.likelihood);
    if (filter.impact !== undefined) query = query.where(impact, '=', filter.impact);
    if (filter.scoreRange) {
      const column = inherent ? 'risks.inherent_score' : 'risks.current_score';
      query = query.where(column, '>=', filter.scoreRange[0]).where(column, '<=', filter.scoreRange[1]);
    }
    if (filter.overdue !== undefined) {
      const overdue = (eb: ExpressionBuilder<DB & { teams: DB['teams'] }, 'risks'>) =>
        eb.and([eb('risks.due_date', 'is not', null), eb('risks.due_date', '<', filter.today), eb('risks.status', 'in', ['open', 'pending-acceptance'])]);
      query = filter.overdue ? query.where((eb) => overdue(eb as never)) : query.where((eb) => eb.not(overdue(eb as never)));
    }
    if (filter.vendorId) {
      const vendorId = filter.vendorId;
      query = query.where((eb) => eb.exists(eb.selectFrom('risk_vendors').select('risk_id').whereRef('risk_vendors.risk_id', '=', 'risks.id').where('risk_vendors.vendor_id', '=', vendorId)));
    }
    if (filter.productId) {
      const productId = filter.productId;
      query = query.where((eb) => eb.exists(eb.selectFrom('risk_products').select('risk_id').whereRef('risk_products.risk_id', '=', 'risks.id').where('risk_products.product_id', '=', productId)));
    }
    if (filter.q) query = query.where('risks.search_text', 'like', sql<string>`${likePattern(filter.q)} escape '\\'`);
    return query;
  }

  async list(filter: ResolvedFilter, sort: RiskSort, cursor: CursorPosition | null, limit: number): Promise<RiskRow[]> {
    let query = this.filtered(filter);
    query = ordered(query, sort, cursor);
    return (await query.limit(limit + 1).execute()) as RiskRow[];
  }

  async all(filter: ResolvedFilter, max: number): Promise<RiskRow[]> {
    return (await ordered(this.filtered(filter), 'score', null).limit(max + 1).execute()) as RiskRow[];
  }

  async links(ids: string[]): Promise<Links> {
    const vendors = new Map<string, Array<{ id: string; name: string; tier: string }>>();
    const products = new Map<string, Array<{ id: string; name: string; vendorId: string }>>();
    if (!ids.length) return { vendors, products };
    const [vs, ps] = await Promise.all([
      this.db.selectFrom('risk_vendors').innerJoin('vendors', 'vendors.id', 'risk_vendors.vendor_id').select(['risk_vendors.risk_id', 'vendors.id', 'vendors.name', 'vendors.tier']).where('risk_vendors.risk_id', 'in', ids).orderBy('vendors.name').execute(),
      this.db.selectFrom('risk_products').innerJoin('products', 'products.id', 'risk_products.product_id').select(['risk_products.risk_id', 'products.id', 'products.name', 'products.vendor_id']).where('risk_products.risk_id', 'in', ids).orderBy('products.name').execute(),
    ]);
    for (const v of vs) push(vendors, v.risk_id, { id: v.id, name: v.name, tier: v.tier });
    for (const p of ps) push(products, p.risk_id, { id: p.id, name: p.name, vendorId: p.vendor_id });
    return { vendors, products };
  }

  async vendorIdsOf(riskId: string): Promise<string[]> {
    return (await this.db.selectFrom('risk_vendors').select('vendor_id').where('risk_id', '=', riskId).execute()).map((r) => r.vendor_id);
  }

  async productIdsOf(riskId: string): Promise<string[]> {
    return (await this.db.selectFrom('risk_products').select('product_id').where('risk_id', '=', riskId).execute()).map((r) => r.product_id);
  }

  async addVendors(riskId: string, vendorIds: string[]): Promise<void> {
    if (!vendorIds.length) return;
    await this.db.insertInto('risk_vendors').values(vendorIds.map((vendor_id) => ({ risk_id: riskId, vendor_id }))).onConflict((oc) => oc.columns(['risk_id', 'vendor_id']).doNothing()).execute();
  }

  async addProducts(riskId: string, productIds: string[]): Promise<void> {
    if (!productIds.length) return;
    await this.db.insertInto('risk_products').values(productIds.map((product_id) => ({ risk_id: riskId, product_id }))).onConflict((oc) => oc.columns(['risk_id', 'product_id']).doNothing()).execute();
  }

  async replaceVendors(riskId: string, vendorIds: string[]): Promise<void> {
    await this.db.deleteFrom('risk_vendors').where('risk_id', '=', riskId).execute();
    await this.addVendors(riskId, vendorIds);
  }

  async replaceProducts(riskId: string, productIds: string[]): Promise<void> {
    await this.db.deleteFrom('risk_products').where('risk_id', '=', riskId).execute();
    await this.addProducts(riskId, productIds);
  }

  async evidence(riskId: string): Promise<RiskEvidenceTable[]> {
    return this.db.selectFrom('risk_evidence').selectAll().where('risk_id', '=', riskId).orderBy('added_at').orderBy('type').orderBy('ref').execute();
  }

  /** Adds links not there yet; returns how many were new. */
  async addEvidence(rows: RiskEvidenceTable[]): Promise<number> {
    if (!rows.length) return 0;
    let added = 0;
    for (let i = 0; i < rows.length; i += 200) {
      const result = await this.db
        .insertInto('risk_evidence')
        .values(rows.slice(i, i + 200))
        .onConflict((oc) => oc.columns(['risk_id', 'type', 'ref']).doNothing())
        .executeTakeFirst();
      added += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    return added;
  }

  async removeEvidence(riskId: string, links: Array<{ type: string; id: string }>): Promise<void> {
    for (const link of links) await this.db.deleteFrom('risk_evidence').where('risk_id', '=', riskId).where('type', '=', link.type).where('ref', '=', link.id).execute();
  }

  async existingIds(table: 'vendors' | 'products', ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    return new Set((await this.db.selectFrom(table).select('id').where('id', 'in', ids).execute()).map((r) => r.id));
  }

  async vendorsOfProducts(productIds: string[]): Promise<string[]> {
    if (!productIds.length) return [];
    return [...new Set((await this.db.selectFrom('products').select('vendor_id').where('id', 'in', productIds).execute()).map((r) => r.vendor_id))];
  }

  async teamByKey(team: string) {
    return this.db.selectFrom('teams').select(['id', 'key', 'name']).where((eb) => eb.or([eb('key', '=', team), eb('id', '=', team)])).executeTakeFirst();
  }

  /** Active risks grouped by rating and status (and vendor, when by vendor): what the heat map and roll-ups count. */
  async ratingCounts(basis: 'current' | 'inherent', vendorId?: string) {
    const l = basis === 'inherent' ? sql<number>`r.likelihood` : sql<number>`coalesce(r.residual_likelihood, r.likelihood)`;
    const i = basis === 'inherent' ? sql<number>`r.impact` : sql<number>`coalesce(r.residual_impact, r.impact)`;
    let query = this.db
      .selectFrom('risks as r')
      .select([l.as('l'), i.as('i'), 'r.status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('r.status', 'in', ACTIVE)
      .groupBy([l, i, 'r.status']);
    if (vendorId) {
      query = query.where((eb) => eb.exists(eb.selectFrom('risk_vendors').select('risk_id').whereRef('risk_vendors.risk_id', '=', 'r.id').where('risk_vendors.vendor_id', '=', vendorId)));
    }
    return query.execute();
  }

  async overdueCount(today: string, vendorId?: string): Promise<number> {
    let query = this.db
      .selectFrom('risks as r')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('r.status', 'in', ['open', 'pending-acceptance'])
      .where('r.due_date', 'is not', null)
      .where('r.due_date', '<', today);
    if (vendorId) {
      query = query.where((eb) => eb.exists(eb.selectFrom('risk_vendors').select('risk_id').whereRef('risk_vendors.risk_id', '=', 'r.id').where('risk_vendors.vendor_id', '=', vendorId)));
    }
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  async vendorScoreCounts(basis: 'current' | 'inherent') {
    const column = basis === 'inherent' ? 'r.inherent_score' : 'r.current_score';
    return this.db
      .selectFrom('risk_vendors as rv')
      .innerJoin('risks as r', 'r.id', 'rv.risk_id')
      .innerJoin('vendors as v', 'v.id', 'rv.vendor_id')
      .select(['v.id', 'v.name', 'v.tier', `${column} as score`, (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('r.status', 'in', ACTIVE)
      .groupBy(['v.id', 'v.name', 'v.tier', column])
      .execute();
  }

  async expiredAcceptances(now: string) {
    return this.db.selectFrom('risks').selectAll().where('status', 'in', ['accepted', 'pending-acceptance']).where('acceptance_expires_at', '<=', now).orderBy('id').limit(1000).execute();
  }

  async snapshots(fromDay: string) {
    return this.db.selectFrom('risk_snapshots').selectAll().where('day', '>=', fromDay).orderBy('day').execute();
  }

  async writeSnapshot(row: DB['risk_snapshots']): Promise<void> {
    await this.db
      .insertInto('risk_snapshots')
      .values(row)
      .onConflict((oc) => oc.column('day').doUpdateSet({ taken_at: row.taken_at, open: row.open, accepted: row.accepted, by_level: row.by_level, heat: row.heat }))
      .execute();
  }

  async principalOfToken(tokenId: string): Promise<string | null> {
    const row = await this.db.selectFrom('api_tokens').select('user_id').where('id', '=', tokenId).executeTakeFirst();
    return row?.user_id ?? null;
  }

  async cursor(name: string): Promise<string | null> {
    return (await this.db.selectFrom('risk_source_cursors').select('position').where('name', '=', name).executeTakeFirst())?.position ?? null;
  }

  async setCursor(name: string, position: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .insertInto('risk_source_cursors')
      .values({ name, position, updated_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ position, updated_at: now }))
      .execute();
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function ordered<QB extends SelectQueryBuilder<any, any, any>>(query: QB, sort: RiskSort, cursor: CursorPosition | null): QB {
  let q = query as SelectQueryBuilder<any, any, any>;
  switch (sort) {
    case 'score':
      if (cursor) {
        const key = Number(cursor.key);
        q = q.where((eb) => eb.or([eb('risks.current_score', '<', key), eb.and([eb('risks.current_score', '=', key), eb('risks.id', '>', cursor.id)])]));
      }
      q = q.orderBy('risks.current_score', 'desc').orderBy('risks.id');
      break;
    case 'newest':
      if (cursor) {
        const key = String(cursor.key);
        q = q.where((eb) => eb.or([eb('risks.created_at', '<', key), eb.and([eb('risks.created_at', '=', key), eb('risks.id', '<', cursor.id)])]));
      }
      q = q.orderBy('risks.created_at', 'desc').orderBy('risks.id', 'desc');
      break;
    case 'due':
      // Undated risks last: '9999-12-31' stands for "no due date" in both the order and the cursor.
      if (cursor) {
        const key = String(cursor.key);
        q = q.where((eb) =>
          eb.or([
            eb(sql`coalesce(risks.due_date, '9999-12-31')`, '>', key),
            eb.and([eb(sql`coalesce(risks.due_date, '9999-12-31')`, '=', key), eb('risks.id', '>', cursor.id)]),
          ]),
        );
      }
      q = q.orderBy(sql`coalesce(risks.due_date, '9999-12-31')`).orderBy('risks.id');
      break;
  }
  return q as QB;
}
