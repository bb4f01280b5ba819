import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * The ICAP egress policy (issue 12), versioned: every save is a new row, the highest version is
 * the one in force, and the ICAP service's ISTag names it so proxies see each change. No row: the
 * shipped default policy (version 0) is in force.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('icap_policies')
    .addColumn('version', T.int, (c) => c.primaryKey())
    .addColumn('policy', T.json, (c) => c.notNull())
    .addColumn('note', T.text)
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .execute();
}
