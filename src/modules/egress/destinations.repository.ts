import { sql } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';
import { likePattern } from '../../platform/search-text.js';
import type { EgressDestinationsTable } from './flows.tables.js';

export class DestinationsRepository {
  constructor(private readonly db: Executor) {}

  get(destination: string) {
    return this.db.selectFrom('egress_destinations').selectAll().where('destination', '=', destination).executeTakeFirst();
  }

  async assign(destination: string, changes: Pick<EgressDestinationsTable, 'vendor_id' | 'product_id' | 'sanction' | 'assigned_by' | 'assigned_at'>): Promise<void> {
    await this.db.updateTable('egress_destinations').set(changes).where('destination', '=', destination).execute();
  }

  async setSeenVendor(destination: string, vendorId: string | null): Promise<void> {
    await this.db.updateTable('egress_destinations').set({ seen_vendor_id: vendorId }).where('destination', '=', destination).execute();
  }

  /** Most recently seen first; `after` is the last row of the previous page. */
  list(filter: { status: 'unattributed' | 'attributed' | 'all'; q?: string }, after: { lastSeen: string; destination: string } | null, limit: number) {
    let query = this.db.selectFrom('egress_destinations').selectAll();
    if (filter.status === 'unattributed') query = query.where('vendor_id', 'is', null).where('seen_vendor_id', 'is', null);
    if (filter.status === 'attributed') query = query.where((eb) => eb.or([eb('vendor_id', 'is not', null), eb('seen_vendor_id', 'is not', null)]));
    if (filter.q) query = query.where('destination', 'like', sql<string>`${likePattern(filter.q.toLowerCase())} escape '\\'`);
    if (after) {
      const { lastSeen, destination } = after;
      query = query.where((eb) => eb.or([eb('last_seen', '<', lastSeen), eb.and([eb('last_seen', '=', lastSeen), eb('destination', '>', destination)])]));
    }
    return query.orderBy('last_seen', 'desc').orderBy('destination').limit(limit + 1).execute();
  }

  /** Requests, bytes and data classes of these destinations over all their flows. */
  async totals(destinations: string[]) {
    if (!destinations.length) return [];
    const sums = await this.db
      .selectFrom('egress_flows')
      .select(['destination', sql<number>`sum(requests)`.as('requests'), sql<number>`sum(bytes_out) + sum(bytes_in)`.as('bytes')])
      .where('destination', 'in', destinations)
      .groupBy('destination')
      .execute();
    const classes = await this.db.selectFrom('egress_flows').select(['destination', 'data_classes']).distinct().where('destination', 'in', destinations).where('data_classes', '<>', '[]').execute();
    return sums.map((s) => ({
      destination: s.destination,
      requests: Number(s.requests),
      bytes: Number(s.bytes),
      dataClasses: [...new Set(classes.filter((c) => c.destination === s.destination).flatMap((c) => JSON.parse(c.data_classes) as string[]))].sort(),
    }));
  }

  async vendor(id: string) {
    return this.db.selectFrom('vendors').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
  }

  async product(id: string) {
    return this.db.selectFrom('products').select(['id', 'vendor_id']).where('id', '=', id).executeTakeFirst();
  }
}
