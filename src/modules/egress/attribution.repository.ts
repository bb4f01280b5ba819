import type { Executor } from '../../platform/db/schema.js';

export class AttributionRepository {
  constructor(private readonly db: Executor) {}

  vendors() {
    return this.db.selectFrom('vendors').select(['id', 'name', 'aliases', 'data_categories', 'internal']).execute();
  }

  vendorDomains() {
    return this.db.selectFrom('vendor_domains').select(['domain', 'vendor_id']).execute();
  }

  productEndpoints() {
    return this.db.selectFrom('products').select(['id', 'vendor_id', 'endpoints']).where('endpoints', '<>', '[]').execute();
  }

  /** Destinations a person decided about (assigned a vendor or set a sanction). */
  assignments() {
    return this.db
      .selectFrom('egress_destinations')
      .select(['destination', 'vendor_id', 'product_id', 'sanction'])
      .where((eb) => eb.or([eb('vendor_id', 'is not', null), eb('sanction', 'is not', null)]))
      .execute();
  }

  /** Destinations attributed to these vendors at their last sight, or those of their domains and product endpoints now (`destinationOf` maps a name to its destination). */
  async destinationsOfVendors(vendorIds: string[], destinationOf: (domain: string) => string): Promise<string[]> {
    if (!vendorIds.length) return [];
    const domains = await this.db.selectFrom('vendor_domains').select('domain').where('vendor_id', 'in', vendorIds).execute();
    const products = await this.db.selectFrom('products').select('endpoints').where('vendor_id', 'in', vendorIds).where('endpoints', '<>', '[]').execute();
    const endpoints = products.flatMap((p) => JSON.parse(p.endpoints) as string[]);
    const named = [...new Set([...domains.map((r) => r.domain), ...endpoints].map(destinationOf))];
    const rows = await this.db
      .selectFrom('egress_destinations')
      .select('destination')
      .where((eb) => eb.or([eb('seen_vendor_id', 'in', vendorIds), ...(named.length ? [eb('destination', 'in', named)] : [])]))
      .execute();
    return rows.map((r) => r.destination);
  }

  /** Which of these destinations have been seen (are in the triage list). */
  async seenDestinations(destinations: string[]): Promise<string[]> {
    if (!destinations.length) return [];
    return (await this.db.selectFrom('egress_destinations').select('destination').where('destination', 'in', destinations).execute()).map((r) => r.destination);
  }

  async setSeenVendors(rows: Array<{ destination: string; vendorId: string | null }>): Promise<void> {
    for (const row of rows) await this.db.updateTable('egress_destinations').set({ seen_vendor_id: row.vendorId }).where('destination', '=', row.destination).execute();
  }
}
