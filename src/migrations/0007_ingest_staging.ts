import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * SBOMs are written in bounded steps and published at the end: `published` = 0 while an SBOM's
 * rows are being written (invisible to every read), 1 from its short publish transaction on.
 * `matching_state.seq` counts feed writes (advisories, KEV/EPSS, VEX), so a publish can tell
 * whether what its findings were matched against changed meanwhile.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sboms').addColumn('published', T.flag, (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.createTable('matching_state').addColumn('id', T.int, (c) => c.primaryKey()).addColumn('seq', T.int, (c) => c.notNull()).execute();
  await db.insertInto('matching_state').values({ id: 1, seq: 0 }).execute();
}
