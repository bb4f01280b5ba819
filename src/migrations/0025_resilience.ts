import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Resilience (modules/resilience): the organisation's own business services with recovery targets
 * in minutes (RTO, RPO, MTD; null = no target), the vendors each one depends on, and the gaps found
 * between those targets and the numbers a vendor gave in its latest assessment. A gap row is one per
 * (vendor, service, metric) for good: it is reopened and closed as recomputation finds it, so its
 * risk in the register keeps one source key. Gaps carry no foreign key to the service: a deleted
 * service's gaps are closed by the recomputation (which resolves their risks), not vanished.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('business_services')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('name_key', T.text, (c) => c.notNull().unique())
    .addColumn('description', T.text)
    .addColumn('owner', T.text)
    .addColumn('rto_minutes', T.int)
    .addColumn('rpo_minutes', T.int)
    .addColumn('mtd_minutes', T.int)
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('business_service_vendors')
    .addColumn('service_id', T.id, (c) => c.notNull().references('business_services.id').onDelete('cascade'))
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('business_service_vendors_pk', ['service_id', 'vendor_id'])
    .execute();
  await db.schema.createIndex('business_service_vendors_vendor').on('business_service_vendors').columns(['vendor_id', 'service_id']).execute();

  await db.schema
    .createTable('resilience_gaps')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('service_id', T.id, (c) => c.notNull())
    .addColumn('metric', T.text, (c) => c.notNull())
    .addColumn('target_minutes', T.int, (c) => c.notNull())
    .addColumn('vendor_minutes', T.int)
    .addColumn('assessment_id', T.id)
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('opened_at', T.time, (c) => c.notNull())
    .addColumn('closed_at', T.time)
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('resilience_gaps_identity').unique().on('resilience_gaps').columns(['vendor_id', 'service_id', 'metric']).execute();
  await db.schema.createIndex('resilience_gaps_status').on('resilience_gaps').columns(['status', 'vendor_id']).execute();
}
