import { sql } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';
import type { BusinessServicesTable } from './resilience.tables.js';

export class ResilienceRepository {
  constructor(private readonly db: Executor) {}

  listServices() {
    return this.db.selectFrom('business_services').selectAll().orderBy('name_key').orderBy('id').execute();
  }

  findService(id: string) {
    return this.db.selectFrom('business_services').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findServiceByNameKey(nameKey: string) {
    return this.db.selectFrom('business_services').select(['id', 'name']).where('name_key', '=', nameKey).executeTakeFirst();
  }

  insertService(row: BusinessServicesTable) {
    return this.db.insertInto('business_services').values(row).execute();
  }

  updateService(id: string, changes: Partial<BusinessServicesTable>) {
    return this.db.updateTable('business_services').set(changes).where('id', '=', id).execute();
  }

  deleteService(id: string) {
    return this.db.deleteFrom('business_services').where('id', '=', id).execute();
  }

  /** The vendors of these services, by service. */
  vendorsOf(serviceIds: string[]) {
    if (!serviceIds.length) return Promise.resolve([]);
    return this.db
      .selectFrom('business_service_vendors as l')
      .innerJoin('vendors as v', 'v.id', 'l.vendor_id')
      .select(['l.service_id', 'v.id', 'v.name', 'v.tier'])
      .where('l.service_id', 'in', serviceIds)
      .orderBy('v.name_key')
      .execute();
  }

  existingVendorIds(ids: string[]) {
    if (!ids.length) return Promise.resolve([]);
    return this.db.selectFrom('vendors').select('id').where('id', 'in', ids).where('internal', '=', 0).execute();
  }

  async replaceVendors(serviceId: string, vendorIds: string[]) {
    await this.db.deleteFrom('business_service_vendors').where('service_id', '=', serviceId).execute();
    if (vendorIds.length) await this.db.insertInto('business_service_vendors').values(vendorIds.map((vendor_id) => ({ service_id: serviceId, vendor_id }))).execute();
  }

  openGapCounts(serviceIds: string[]) {
    if (!serviceIds.length) return Promise.resolve([]);
    return this.db
      .selectFrom('resilience_gaps')
      .select(['service_id', sql<number>`count(*)`.as('n')])
      .where('status', '=', 'open')
      .where('service_id', 'in', serviceIds)
      .groupBy('service_id')
      .execute();
  }
}
