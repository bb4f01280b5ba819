import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * The organisation's custom personal-data patterns (issue 12): employee numbers, internal codes,
 * anything the shipped detectors do not know. The list is replaced as a whole (PUT); every
 * replacement is audited with the list before and after.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pii_patterns')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('name', T.text, (c) => c.notNull().unique())
    .addColumn('pattern', T.text, (c) => c.notNull())
    .addColumn('case_insensitive', T.flag, (c) => c.notNull())
    .addColumn('confidence', T.real, (c) => c.notNull())
    .addColumn('description', T.text)
    .addColumn('position', T.int, (c) => c.notNull())
    .addColumn('updated_by', T.text, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
}
