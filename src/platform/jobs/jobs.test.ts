import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { pino } from 'pino';
import { openDatabase } from '../db/database.js';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { backoffMs, JobQueue } from './queue.js';
import { Worker } from './worker.js';

const silent = pino({ level: 'silent' });

test('backoff grows exponentially with jitter and is capped', () => {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const ms = backoffMs(attempt, 1000);
    assert.ok(ms >= 0.75 * 1000 * 2 ** attempt && ms <= 1.25 * 1000 * 2 ** attempt, `attempt ${attempt}: ${ms}`);
  }
  assert.ok(backoffMs(40) <= 1.25 * 3_600_000);
});

describeEachEngine('durable jobs', ({ engine, createDatabase }) => {
  let database: TestDatabase;
  let queue: JobQueue;
  before(async () => {
    database = await createDatabase();
    queue = new JobQueue(database.db, { backoffBaseMs: 1 });
  });

  test('an idempotency key yields one job however often it is enqueued', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, () => queue.enqueue('feed.sync', { url: 'x' }, { idempotencyKey: 'sync:2026-11-22' })));
    assert.equal(new Set(ids).size, 1);
    const worker = new Worker(queue, silent, { pollMs: 10 });
    let runs = 0;
    worker.handle('feed.sync', async () => ++runs);
    await worker.drain();
    assert.equal(runs, 1);
    assert.equal((await queue.get(ids[0]))?.status, 'done');
  });

  test('a failing job is retried with backoff, then marked dead with its error', async () => {
    const id = await queue.enqueue('flaky', {}, { maxAttempts: 3 });
    const worker = new Worker(queue, silent);
    let calls = 0;
    worker.handle('flaky', async () => {
      calls++;
      throw new Error(`boom ${calls}`);
    });
    for (let i = 0; i < 20 && (await queue.get(id))?.status !== 'dead'; i++) {
      await worker.drain();
      await new Promise((r) => setTimeout(r, 20));
    }
    const job = await queue.get(id);
    assert.equal(job?.status, 'dead');
    assert.equal(calls, 3);
    assert.equal(Number(job?.attempts), 3);
    assert.equal(job?.last_error, 'boom 3');
  });

  test('a job that succeeds on retry ends done', async () => {
    const id = await queue.enqueue('second-time-lucky', {});
    const worker = new Worker(queue, silent);
    let calls = 0;
    worker.handle('second-time-lucky', async () => {
      if (++calls === 1) throw new Error('transient');
      return { ok: true };
    });
    for (let i = 0; i < 20 && (await queue.get(id))?.status !== 'done'; i++) {
      await worker.drain();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal((await queue.get(id))?.status, 'done');
    assert.equal((await queue.get(id))?.result, '{"ok":true}');
  });

  test('a job whose worker died is reclaimed after its lease runs out', async () => {
    const id = await queue.enqueue('orphan', {});
    const claimed = await queue.claim('dead-worker', 1);
    assert.equal(claimed?.id, id);
    await new Promise((r) => setTimeout(r, 10));
    const worker = new Worker(queue, silent, { leaseMs: 60_000 });
    let ran = false;
    worker.handle('orphan', async () => {
      ran = true;
    });
    await worker.drain();
    assert.equal(ran, true);
    assert.equal((await queue.get(id))?.status, 'done');
    assert.equal(await queue.complete(claimed!, 'dead-worker', null), false, 'the old lease holder cannot complete it');
  });

  test('a due schedule fires exactly once however many workers tick', async () => {
    await queue.ensureSchedule('review-check', '* * * * *', 'scheduled.kind', new Date(Date.now() - 1000));
    let runs = 0;
    const workers = Array.from({ length: 4 }, () => new Worker(queue, silent).handle('scheduled.kind', async () => void runs++));
    await Promise.all(workers.map((w) => w.drain()));
    await Promise.all(workers.map((w) => w.drain()));
    assert.equal(runs, 1);
    const schedule = await database.db.selectFrom('schedules').selectAll().where('name', '=', 'review-check').executeTakeFirstOrThrow();
    assert.ok(Date.parse(schedule.next_run_at) > Date.now(), 'the next run moved into the future');
  });

  test(`concurrent workers on separate connections never run one job twice (${engine})`, async () => {
    const total = 200;
    for (let i = 0; i < total; i++) await queue.enqueue('count', { i });
    // On PostgreSQL separate pools stand in for separate processes. SQLite is single-process by
    // design (one connection; better-sqlite3 is synchronous), so its workers share that connection.
    const pools = engine === 'postgres' ? Array.from({ length: 4 }, () => openDatabase(database.url)) : [];
    const queues = engine === 'postgres' ? pools.map((p) => new JobQueue(p.db)) : Array.from({ length: 4 }, () => queue);
    const seen = new Map<number, number>();
    try {
      const workers = queues.map((q) =>
        new Worker(q, silent).handle('count', async ({ i }: { i: number }) => {
          seen.set(i, (seen.get(i) ?? 0) + 1);
          await new Promise((r) => setImmediate(r));
        }),
      );
      await Promise.all(workers.map((w) => w.drain()));
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
    assert.equal(seen.size, total);
    assert.deepEqual([...seen.values()].filter((n) => n !== 1), []);
  });
});
