import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDatabase } from '../../src/platform/db/database.js';
import { describeEachEngine, supportedEngines, type TestDatabase } from '../../src/platform/db/test-support/engines.js';
import { startServe, type ServeProcess } from '../support/processes.js';

const post = (server: ServeProcess, token: string, body: unknown) =>
  fetch(`${server.url}/api/v1/vendors`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describeEachEngine('acknowledged writes survive kill -9', ({ createDatabase }) => {
  test('every vendor answered with 201 is there after the process is killed', async () => {
    const database = await createDatabase();
    await database.close();
    const server = await startServe({ THIRDWATCH_DATABASE_URL: database.url });
    const acknowledged: string[] = [];
    try {
      assert.ok(server.initialToken, 'first start on an empty database prints an admin token');
      // Fire writes concurrently and kill as soon as the first is acknowledged, while the rest are
      // still in flight (a fixed delay saw no acknowledgement at all on a loaded machine).
      let firstAcknowledged!: () => void;
      const acknowledgedOnce = new Promise<void>((resolve) => (firstAcknowledged = resolve));
      const inflight = Array.from({ length: 60 }, async (_, i) => {
        const res = await post(server, server.initialToken!, { name: `Durable ${i}` }).catch(() => null);
        // The status line is the acknowledgement; the body may be cut off by the kill.
        if (res?.status === 201) {
          acknowledged.push(`Durable ${i}`);
          firstAcknowledged();
        }
        await res?.body?.cancel().catch(() => undefined);
      });
      await Promise.race([Promise.all(inflight), acknowledgedOnce]);
      await server.stop('SIGKILL');
      await Promise.allSettled(inflight);
    } finally {
      await server.stop('SIGKILL');
    }
    assert.ok(acknowledged.length > 0, 'some writes were acknowledged before the kill');
    const reopened = openDatabase(database.url);
    try {
      const stored = await reopened.db.selectFrom('vendors').select('name').execute();
      const names = new Set(stored.map((r) => r.name));
      assert.deepEqual(acknowledged.filter((name) => !names.has(name)), []);
    } finally {
      await reopened.close();
    }
  });
});

if (supportedEngines().includes('postgres')) {
  describeEachEngine('two serve processes on one PostgreSQL database act as one service', ({ engine, createDatabase }) => {
    if (engine !== 'postgres') return;
    let database: TestDatabase;
    let a: ServeProcess;
    let b: ServeProcess;
    let token: string;
    before(async () => {
      database = await createDatabase();
      await database.close();
      const env = { THIRDWATCH_DATABASE_URL: database.url };
      a = await startServe(env);
      b = await startServe(env);
      token = a.initialToken ?? b.initialToken!;
    });
    after(async () => {
      await a?.stop();
      await b?.stop();
    });

    test('exactly one replica minted the initial admin token', () => {
      assert.equal([a.initialToken, b.initialToken].filter(Boolean).length, 1);
    });

    test('a write through one replica is read through the other', async () => {
      const created = await post(a, token, { name: 'Written via A', domains: ['a.example'] });
      assert.equal(created.status, 201);
      const { id } = (await created.json()) as { id: string };
      const read = await fetch(`${b.url}/api/v1/vendors/${id}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(read.status, 200);
      assert.equal(((await read.json()) as { name: string }).name, 'Written via A');
      const conflict = await post(b, token, { name: 'written via a' });
      assert.equal(conflict.status, 409, 'uniqueness holds across replicas');
    });

    test('a due schedule runs once across both replicas', async () => {
      const db = openDatabase(database.url);
      try {
        const due = new Date(Date.now() - 1000).toISOString();
        await db.db.insertInto('schedules').values({ name: 'replica-test', cron: '* * * * *', job_kind: 'vendors.flag-overdue-reviews', next_run_at: due, last_run_at: null }).execute();
        const key = `schedule:replica-test:${due}`;
        let job;
        for (let i = 0; i < 100; i++) {
          job = await db.db.selectFrom('jobs').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
          if (job?.status === 'done') break;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(job?.status, 'done');
        assert.equal(Number(job?.attempts), 1);
        const runs = await db.db.selectFrom('jobs').select('id').where('kind', '=', 'vendors.flag-overdue-reviews').where('idempotency_key', 'like', 'schedule:replica-test:%').execute();
        assert.equal(runs.length, 1, 'one job for one due instant');
      } finally {
        await db.close();
      }
    });

    test('concurrent writes through both replicas keep one audit chain, sealed by both at once', async () => {
      await Promise.all(Array.from({ length: 30 }, (_, i) => post(i % 2 ? a : b, token, { name: `Parallel ${i}` })));
      // Each verification first seals on demand: two sealers race and must not fork the chain.
      const results = await Promise.all(
        [a, b].map(async (server) => (await (await fetch(`${server.url}/api/v1/audit/verify`, { headers: { authorization: `Bearer ${token}` } })).json()) as { ok: boolean; checked: number; unsealed: { count: number } }),
      );
      for (const result of results) assert.equal(result.ok, true, JSON.stringify(result));
      const db = openDatabase(database.url);
      try {
        const events = await db.db.selectFrom('audit_events').select(['chain_position']).orderBy('chain_position').execute();
        assert.ok(events.length >= 31);
        assert.deepEqual(events.map((e) => e.chain_position), events.map((_, i) => i + 1), 'every event sealed once, positions dense');
      } finally {
        await db.close();
      }
    });
  });
}
