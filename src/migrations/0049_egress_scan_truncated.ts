import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * A request body larger than the scan cap (THIRDWATCH_PII_MAX_SCAN_BYTES) is scanned only up to
 * the cap; the rest passes unread. The event says so, so that an analyst reading "no personal
 * data" on a large upload knows how much of it that covers.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('egress_events').addColumn('scan_truncated', T.int, (c) => c.notNull().defaultTo(0)).execute();
}
