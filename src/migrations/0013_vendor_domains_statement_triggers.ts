import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';

/**
 * PostgreSQL: vendor_domains is kept in step once per statement instead of once per row. 0009's
 * row trigger ran its DELETE and INSERT for every vendor written: a 500-row publish step of a CSV
 * import spent half of its database time there. These triggers see the statement's rows as a
 * transition table and resync them with one DELETE and one INSERT; an update resyncs only the rows
 * whose domains changed (transition tables cannot be combined with UPDATE OF, so that filter is
 * here). An upsert fires both. SQLite has row triggers only, and in-process they cost little.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql.raw('DROP TRIGGER IF EXISTS vendors_domains_insert ON vendors').execute(db);
  await sql.raw('DROP TRIGGER IF EXISTS vendors_domains_update ON vendors').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS thirdwatch_vendor_domains_sync()').execute(db);
  await sql
    .raw(
      `CREATE FUNCTION thirdwatch_vendor_domains_sync_inserted() RETURNS trigger AS $$
       BEGIN
         INSERT INTO vendor_domains (domain, vendor_id)
           SELECT DISTINCT lower(d), n.id FROM new_rows n, jsonb_array_elements_text(n.domains::jsonb) AS d
           ON CONFLICT DO NOTHING;
         RETURN NULL;
       END; $$ LANGUAGE plpgsql`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE FUNCTION thirdwatch_vendor_domains_sync_updated() RETURNS trigger AS $$
       BEGIN
         DELETE FROM vendor_domains WHERE vendor_id IN (
           SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.domains IS DISTINCT FROM o.domains);
         INSERT INTO vendor_domains (domain, vendor_id)
           SELECT DISTINCT lower(d), n.id FROM new_rows n JOIN old_rows o ON o.id = n.id, jsonb_array_elements_text(n.domains::jsonb) AS d
           WHERE n.domains IS DISTINCT FROM o.domains
           ON CONFLICT DO NOTHING;
         RETURN NULL;
       END; $$ LANGUAGE plpgsql`,
    )
    .execute(db);
  await sql
    .raw('CREATE TRIGGER vendors_domains_insert AFTER INSERT ON vendors REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION thirdwatch_vendor_domains_sync_inserted()')
    .execute(db);
  await sql
    .raw('CREATE TRIGGER vendors_domains_update AFTER UPDATE ON vendors REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION thirdwatch_vendor_domains_sync_updated()')
    .execute(db);
}
