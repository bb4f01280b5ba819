import { sql } from 'kysely';
import { isPostgres } from './database.js';
import type { Executor } from './schema.js';

/** Autovacuum's own rule for when a table's statistics are stale: 50 rows plus 10 % of it changed since the last analyze. */
const STALE_BASE_ROWS = 50;
const STALE_FRACTION = 0.1;

/** The refresh running in this process, per database: a second caller skips instead of queueing behind its lock. */
const running = new WeakMap<object, Promise<void>>();

/**
 * Refreshes PostgreSQL's planner statistics of the tables past autovacuum's threshold. A write path
 * that grows tables call by call (SBOM uploads adding findings) calls it after its commit: until
 * autovacuum analyzes them (never, where it is turned off, as on the CI machine; a minute or more
 * after a load elsewhere), the planner estimates that the current SBOMs are one row and sorts every
 * open finding of every current SBOM for each findings page (42 ms instead of 0.3 ms with 7,000
 * findings). One catalog read when nothing is stale. SQLite plans without statistics: nothing to do.
 * It never throws: a failed refresh must not turn a committed write into an error.
 */
export async function refreshStaleStatistics(db: Executor, tables: readonly string[]): Promise<void> {
  if (!isPostgres(db) || running.has(db)) return;
  const refresh = (async () => {
    const stats = await db
      .selectFrom(sql<{ relname: string; n_live_tup: string; n_mod_since_analyze: string }>`pg_stat_user_tables`.as('t'))
      .select(['t.relname', 't.n_live_tup', 't.n_mod_since_analyze'])
      .where('t.relname', 'in', [...tables])
      .where(sql`t.schemaname`, '=', sql`current_schema()`)
      .execute();
    const stale = stats.filter((t) => Number(t.n_mod_since_analyze) > STALE_BASE_ROWS + STALE_FRACTION * Number(t.n_live_tup)).map((t) => t.relname);
    if (stale.length) await sql`analyze ${sql.join(stale.map((t) => sql.id(t)))}`.execute(db);
  })();
  running.set(db, refresh);
  try {
    await refresh;
  } catch {
    // The caller's write has committed; stale statistics only slow plans down, and the next call tries again.
  } finally {
    running.delete(db);
  }
}
