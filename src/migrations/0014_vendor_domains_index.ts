import type { Kysely } from 'kysely';

/**
 * The triggers that keep vendor_domains in step delete a vendor's rows by vendor_id on every vendor
 * write; the primary key starts with the domain, so without this index each delete scanned the
 * whole table and a 10,000-row CSV import became quadratic (about 20 times slower on PostgreSQL).
 * Deleting a vendor (the cascade) uses it too.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('vendor_domains_vendor').on('vendor_domains').column('vendor_id').execute();
}
