import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Saved views of the findings workbench: a name and the list's filters, sort and grouping (the
 * query string the page keeps in its address, as JSON). A view belongs to whoever saved it (the
 * user, or the token for API-only callers) and, when shared, is offered to everyone.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('findings_views')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('owner_key', T.text, (c) => c.notNull())
    .addColumn('owner_name', T.text, (c) => c.notNull())
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('shared', T.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('query', T.json, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  // One owner's names are unique, so "save as" with a taken name is a clear conflict, not a twin.
  await db.schema.createIndex('findings_views_owner_name').on('findings_views').columns(['owner_key', 'name']).unique().execute();
  await db.schema.createIndex('findings_views_shared').on('findings_views').columns(['shared', 'name']).execute();
}
