import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Vendor incident reporting (issue 11): long-lived, vendor-scoped API tokens (twv_...) for
 * vendors' own systems, which act as the vendor's portal principal (report incidents, read their
 * own reports) and nothing else. Only the token's SHA-256 is stored.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('portal_tokens')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('token_hash', T.text, (c) => c.notNull().unique())
    .addColumn('prefix', T.text, (c) => c.notNull())
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('last_used_at', T.time)
    .addColumn('expires_at', T.time)
    .addColumn('revoked_at', T.time)
    .execute();
  await db.schema.createIndex('portal_tokens_vendor').on('portal_tokens').columns(['vendor_id', 'created_at']).execute();
}
