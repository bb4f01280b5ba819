import { sql } from 'kysely';
import type { Executor } from '../db/schema.js';

/**
 * Auth failures are counted per client in one-minute windows in the database, so the limit holds
 * across replicas. Old windows are pruned as new ones are written.
 */
function windowStart(now: Date): string {
  const start = new Date(now);
  start.setUTCSeconds(0, 0);
  return start.toISOString();
}

export async function failuresInWindow(db: Executor, clientKey: string, now = new Date()): Promise<number> {
  const row = await db
    .selectFrom('auth_failures')
    .select('failures')
    .where('client_key', '=', clientKey)
    .where('window_start', '=', windowStart(now))
    .executeTakeFirst();
  return row ? Number(row.failures) : 0;
}

export async function recordFailure(db: Executor, clientKey: string, now = new Date()): Promise<void> {
  const start = windowStart(now);
  await db
    .insertInto('auth_failures')
    .values({ client_key: clientKey, window_start: start, failures: 1 })
    .onConflict((oc) => oc.columns(['client_key', 'window_start']).doUpdateSet({ failures: sql`auth_failures.failures + 1` }))
    .execute();
  await db.deleteFrom('auth_failures').where('window_start', '<', new Date(now.getTime() - 10 * 60_000).toISOString()).execute();
}

export function secondsUntilNextWindow(now = new Date()): number {
  return 60 - now.getUTCSeconds();
}
