// Two connections to one SQLite file stand for two processes (a CLI beside the server, or the
// processes of `serve --processes N`): the one waiting for the other's write lock must not hold
// its thread while it waits.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from './database.js';
import { migrateToLatest } from './migrate.js';
import { readSetting, writeSetting } from '../settings.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-locks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a SQLite writer waits for another connection\'s write lock on timers, and then writes', async () => {
  const url = `sqlite://${join(dir, 'locks.db')}`;
  const holder = openDatabase(url);
  const waiter = openDatabase(url);
  try {
    await migrateToLatest(holder.db);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    let released = 0;
    const held = holder.db.transaction().execute(async (trx) => {
      await writeSetting(trx, 'locks.holder', 1);
      // The lock is held across this pause; the same thread must go on meanwhile to end it.
      await sleep(600);
      released = Date.now();
    });
    await sleep(20);
    const autocommit = writeSetting(waiter.db, 'locks.autocommit', 2).then(() => Date.now());
    const transaction = waiter.db.transaction().execute((trx) => writeSetting(trx, 'locks.transaction', 3)).then(() => Date.now());
    // Reads are not held up by the lock, nor by the writes waiting for it (WAL, and a reading connection).
    assert.equal(await readSetting(waiter.db, 'locks.holder'), null);
    const [autocommitAt, transactionAt] = await Promise.all([autocommit, transaction, held]);
    clearInterval(ticker);
    assert.ok(autocommitAt >= released && transactionAt >= released, 'the waiting writes finished after the lock was released');
    // About 120 ticks on an idle machine, none if SQLite's busy handler held the thread; the margin
    // is for a machine too busy to run timers on time.
    assert.ok(ticks >= 12, `timers ran while the writers waited (${ticks} ticks)`);
    assert.deepEqual(
      await Promise.all(['locks.holder', 'locks.autocommit', 'locks.transaction'].map((key) => readSetting(holder.db, key))),
      [1, 2, 3],
    );
  } finally {
    await waiter.close();
    await holder.close();
  }
});

test('a read outside a transaction runs while a transaction is open, and sees what is committed only', { timeout: 10_000 }, async () => {
  const { db, close } = openDatabase(`sqlite://${join(dir, 'reads.db')}`);
  try {
    await migrateToLatest(db);
    await writeSetting(db, 'reads.kept', 'before');
    await db.transaction().execute(async (trx) => {
      await writeSetting(trx, 'reads.kept', 'during');
      // One connection behind a mutex would wait here for the very transaction that is waiting.
      assert.equal(await readSetting(db, 'reads.kept'), 'before');
      assert.equal(await readSetting(trx, 'reads.kept'), 'during');
    });
    assert.equal(await readSetting(db, 'reads.kept'), 'during');
    // A statement that writes is sent to the writing connection even when it starts like a read.
    await sql`with v(k) as (select 'reads.cte') insert into settings (key, value, updated_at) select k, '1', '' from v`.execute(db);
    assert.equal(await readSetting(db, 'reads.cte'), 1);
  } finally {
    await close();
  }
});

test('a failed statement that is not about a lock is not tried again', async () => {
  const { db, close } = openDatabase(`sqlite://${join(dir, 'errors.db')}`);
  try {
    const started = Date.now();
    await assert.rejects(db.selectFrom('no_such_table' as 'settings').selectAll().execute(), /no such table/);
    assert.ok(Date.now() - started < 1_000);
  } finally {
    await close();
  }
});
