import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { pino } from 'pino';
import { openDatabase } from '../db/database.js';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { cliContext } from '../context.js';
import { backoffMs, JobQueue } from './queue.js';
import { Worker, type JobRun } from './worker.js';

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

  test('a started worker runs a job woken after its enqueue at once, not at its next poll', { timeout: 20_000 }, async () => {
    // Its own database: a started worker claims every due job, and other tests leave some.
    const own = await createDatabase();
    let idle!: () => void;
    const firstDrainIdle = new Promise<void>((resolve) => (idle = resolve));
    // The real queue, telling when the worker's first drain found nothing to claim.
    class Observed extends JobQueue {
      override async claim(workerId: string, leaseMs: number) {
        const job = await super.claim(workerId, leaseMs);
        if (!job) idle();
        return job;
      }
    }
    const observed = new Observed(own.db);
    let ran!: (payload: { n: number }) => void;
    const done = new Promise<{ n: number }>((resolve) => (ran = resolve));
    const worker = new Worker(observed, silent, { pollMs: 3_600_000 }).handle('wake.me', async (payload: { n: number }) => ran(payload));
    worker.start();
    try {
      await firstDrainIdle;
      await own.db.transaction().execute((trx) => observed.enqueue('wake.me', { n: 1 }, {}, trx));
      observed.wake();
      assert.deepEqual(await done, { n: 1 }, 'an hour-long poll would time the test out');
    } finally {
      await worker.stop();
      await own.close();
    }
  });

  test('prune removes ended jobs past their retention, keeps failures longer, and leaves queued and recent jobs', async () => {
    const worker = new Worker(queue, silent, { pollMs: 10 });
    worker.handle('prune.ok', async () => 'ok').handle('prune.broken', async () => {
      throw new Error('broken');
    });
    const old = await queue.enqueue('prune.ok', {});
    const recent = await queue.enqueue('prune.ok', {});
    const failed = await queue.enqueue('prune.broken', {}, { maxAttempts: 1 });
    await worker.drain();
    const waiting = await queue.enqueue('prune.ok', {}, { runAt: new Date(Date.now() + 3_600_000) });
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString();
    await database.db.updateTable('jobs').set({ finished_at: tenDaysAgo }).where('id', 'in', [old, failed]).execute();

    assert.equal(await queue.prune(new Date(), { endedDays: 7, deadDays: 30 }), 1);
    assert.equal(await queue.get(old), undefined);
    for (const kept of [recent, failed, waiting]) assert.ok(await queue.get(kept), kept);
    assert.equal(await queue.prune(new Date(Date.now() + 31 * 86_400_000), { endedDays: 7, deadDays: 30 }), 2);
    assert.equal(await queue.get(failed), undefined);
    assert.ok(await queue.get(waiting));
  });

  test('a heartbeat keeps a live worker\'s claim past its lease, so no other worker runs the job too', async () => {
    const id = await queue.enqueue('slow.heartbeat', {});
    const owner = new Worker(queue, silent, { pollMs: 10, leaseMs: 300, workerId: 'owner' });
    let runs = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    owner.handle('slow.heartbeat', async () => {
      runs++;
      await released;
    });
    const running = owner.drain();
    for (let waited = 0; (await queue.get(id))?.status !== 'running' && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await queue.claim('other', 300), null, 'the job is still claimed by its live worker');
    release();
    await running;
    assert.equal(runs, 1);
    assert.equal((await queue.get(id))?.status, 'done');
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

  test('a job reads its uploaded input, stages chunks invisibly, reports progress and publishes with its end', async () => {
    const input = Buffer.alloc(2.5 * 1024 * 1024, 'x');
    input.write('first', 0);
    input.write('last', input.length - 4);
    const id = await queue.enqueue('chunked', { note: 'n' }, { input, startedBy: cliContext() });
    assert.equal(Number((await database.db.selectFrom('job_inputs').select((eb) => eb.fn.countAll().as('n')).where('job_id', '=', id).executeTakeFirstOrThrow()).n), 3, 'stored in 1 MiB parts');
    const seenProgress: Array<number | null> = [];
    const worker = new Worker(queue, silent).handle('chunked', async (_payload, _job, run: JobRun) => {
      const bytes = await run.input();
      assert.equal(bytes.length, input.length);
      assert.equal(bytes.subarray(0, 5).toString(), 'first');
      assert.equal(bytes.subarray(-4).toString(), 'last');
      assert.equal(run.ctx.actor.type, 'cli', 'the job acts as whoever started it');
      for (let chunk = 0; chunk < 3; chunk++) {
        await run.stage(Array.from({ length: 10 }, (_, i) => ({ n: chunk * 10 + i })));
        await run.progress({ done: (chunk + 1) * 10, total: 30, phase: 'staging' });
        seenProgress.push(Number((await queue.get(id))!.progress_done));
      }
      const staged = await run.staged<{ n: number }>(0, 100);
      assert.deepEqual(staged.map((s) => s.data.n), Array.from({ length: 30 }, (_, i) => i));
      await database.db.transaction().execute((trx) => run.finish(trx, { sum: staged.reduce((a, s) => a + s.data.n, 0) }));
      return { ignored: true };
    });
    await worker.drain();
    assert.deepEqual(seenProgress, [10, 20, 30]);
    const job = (await queue.get(id))!;
    assert.equal(job.status, 'done');
    assert.equal(job.result, '{"sum":435}', 'the result written with the publish is the one kept');
    assert.equal(job.phase, 'staging');
    assert.ok(job.started_at);
    for (const table of ['job_inputs', 'job_staged_rows'] as const) {
      assert.equal((await database.db.selectFrom(table).select('job_id').where('job_id', '=', id).execute()).length, 0, `${table} emptied when the job ended`);
    }
  });

  test('a running job stops at its next progress report when cancelled, and what it staged is discarded', async () => {
    const id = await queue.enqueue('cancellable', {}, { input: Buffer.from('data') });
    let chunks = 0;
    const worker = new Worker(queue, silent).handle('cancellable', async (_payload, _job, run: JobRun) => {
      for (;;) {
        await run.stage([{ chunk: chunks }]);
        if (++chunks === 3) assert.equal((await queue.requestCancel(id))?.status, 'running');
        await run.progress({ done: chunks });
      }
    });
    await worker.drain();
    assert.equal(chunks, 3, 'stopped at the report after the request');
    const job = (await queue.get(id))!;
    assert.equal(job.status, 'cancelled');
    assert.ok(job.finished_at);
    assert.equal((await database.db.selectFrom('job_staged_rows').select('seq').where('job_id', '=', id).execute()).length, 0);
    assert.equal((await database.db.selectFrom('job_inputs').select('part').where('job_id', '=', id).execute()).length, 0);
  });

  test('a queued job is cancelled at once and never runs', async () => {
    const id = await queue.enqueue('never-runs', {}, { input: Buffer.from('x') });
    assert.equal((await queue.requestCancel(id))?.status, 'cancelled');
    let ran = false;
    await new Worker(queue, silent).handle('never-runs', async () => void (ran = true)).drain();
    assert.equal(ran, false);
    assert.equal((await database.db.selectFrom('job_inputs').select('part').where('job_id', '=', id).execute()).length, 0);
  });

  test('a job whose worker died mid-run is retried from its input with an empty staging area', async () => {
    const id = await queue.enqueue('crashy', {}, { input: Buffer.from('payload') });
    // What a worker that died half-way leaves behind: its claim, with a lapsed lease (no heartbeat
    // renews it any more), and the rows it had staged.
    const claimed = await queue.claim('dead-worker', 1);
    assert.equal(claimed?.id, id);
    await queue.stage(id, 0, [{ half: 1 }, { half: 2 }]);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal((await database.db.selectFrom('job_staged_rows').select('seq').where('job_id', '=', id).execute()).length, 2);
    let stagedAtStart = -1;
    const survivor = new Worker(queue, silent).handle('crashy', async (_payload, _job, run: JobRun) => {
      stagedAtStart = (await run.staged(0, 100)).length;
      return { input: (await run.input()).toString() };
    });
    await survivor.drain();
    assert.equal(stagedAtStart, 0, 'the dead attempt\'s staged rows were discarded');
    const job = (await queue.get(id))!;
    assert.equal(job.status, 'done');
    assert.equal(job.result, '{"input":"payload"}');
  });

  test('a job enqueued for its own worker (the CLI, a waiting request) is not claimed by others', async () => {
    const cli = new Worker(queue, silent);
    const id = await queue.enqueue('own', {}, { input: Buffer.from('mine'), claimFor: cli.claim });
    assert.equal((await queue.get(id))?.status, 'running');
    assert.equal(await queue.claim('server-worker', 60_000).then((j) => (j?.id === id ? j : null)), null, 'held by the CLI');
    cli.handle('own', async (_p, _j, run: JobRun) => (await run.input()).toString());
    assert.equal((await cli.runClaimed(id)).result, '"mine"');
  });
});
