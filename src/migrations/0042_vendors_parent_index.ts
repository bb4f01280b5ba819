import { sql, type Kysely } from 'kysely';

/**
 * The CSV import reads every parent link (VendorRepository.linkGraph) to check the file's links for
 * cycles. With no index naming parent_vendor_id, that read walked the whole vendors table in id
 * order (200,000 vendors: one ~600 ms statement holding the event loop on SQLite, for a handful of
 * rows). A partial index of the vendors that have a parent makes it read just those, in id order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('vendors_parent').on('vendors').column('id').where(sql.ref('parent_vendor_id'), 'is not', null).execute();
}
