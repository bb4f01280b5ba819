import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { describeEachEngine } from './test-support/engines.js';
import { refreshStaleStatistics } from './statistics.js';

describeEachEngine('planner statistics', ({ engine, createDatabase }) => {
  test('a table past autovacuum\'s threshold is analyzed, one below it is left alone', async () => {
    const { db } = await createDatabase();
    await sql`create table stats_probe (id integer primary key)`.execute(db);
    if (engine === 'sqlite') {
      // SQLite plans without statistics here: nothing is analyzed, nothing fails.
      await refreshStaleStatistics(db, ['stats_probe']);
      assert.equal((await sql<{ n: number }>`select count(*) as n from sqlite_master where name = 'sqlite_stat1'`.execute(db)).rows[0].n, 0);
      return;
    }
    const state = async () =>
      (await sql<{ mods: string; analyzed: string | null }>`select n_mod_since_analyze as mods, last_analyze::text as analyzed from pg_stat_user_tables where relname = 'stats_probe'`.execute(db)).rows[0];
    // Backends report their row counts to the statistics collector at most once a second.
    const counted = async (rows: number) => {
      while (Number((await state())?.mods ?? 0) < rows) await new Promise((resolve) => setTimeout(resolve, 100));
    };
    await sql`insert into stats_probe select generate_series(1, 1000)`.execute(db);
    await counted(1000);
    await refreshStaleStatistics(db, ['stats_probe']);
    const analyzed = await state();
    assert.notEqual(analyzed.analyzed, null);
    assert.equal(Number(analyzed.mods), 0);

    await sql`insert into stats_probe select generate_series(1001, 1100)`.execute(db);
    await counted(100);
    await refreshStaleStatistics(db, ['stats_probe']);
    assert.equal((await state()).analyzed, analyzed.analyzed, '100 rows changed of 1,000 is under 50 + 10 %');
  });
});
