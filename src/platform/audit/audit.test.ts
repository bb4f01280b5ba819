import assert from 'node:assert/strict';
import { before, after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { sql, type Kysely } from 'kysely';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { openDatabase, type Database } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import type { DB } from '../db/schema.js';
import { systemContext } from '../context.js';
import { newId } from '../ids.js';
import type { AuditLoad } from './test-support/audit-load.js';
import { canonicalJson, hashAuditRow, recordAudit, sealAuditChain, verifyAuditChain } from './audit.js';

test('canonicalJson sorts keys at every depth and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}');
});

const record = (db: Kysely<DB>, entityId: string, actor = 'test') =>
  db.transaction().execute((trx) => recordAudit(trx, systemContext(actor), { action: 'thing.update', entityType: 'thing', entityId, before: { n: 1 }, after: { n: 2, note: 'ünïcode ✓' } }));

async function sealAll(db: Kysely<DB>, batchSize?: number) {
  await sealAuditChain(db, { wait: true, batchSize });
  return verifyAuditChain(db);
}

/** Runs one writer or sealer in a worker thread (its own connections, like another replica). */
function runLoad(load: AuditLoad): Promise<number> {
  const file = new URL('./test-support/audit-load.ts', import.meta.url).href;
  const worker = new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(file)}, ${JSON.stringify(file)}))`, { eval: true, workerData: load });
  return new Promise((resolve, reject) => {
    worker.once('message', (message: { done: number }) => resolve(message.done));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${load.name} exited with ${code} before reporting`)));
  });
}

describeEachEngine('audit hash chain', ({ engine, createDatabase }) => {
  let database: TestDatabase;
  const extra: Database[] = [];
  /** Another process's connections to the same database (a replica, or the CLI beside a server). */
  const replica = () => {
    const opened = openDatabase(database.url);
    extra.push(opened);
    return opened.db;
  };
  before(async () => {
    database = await createDatabase();
    for (let i = 0; i < 25; i++) await record(database.db, `t${i}`);
  });
  after(async () => {
    for (const d of extra.splice(0)) await d.close();
  });

  test('writes leave an unsealed tail, which verification reports; sealing chains it', async () => {
    const unsealed = await verifyAuditChain(database.db);
    assert.equal(unsealed.ok, true);
    assert.equal(unsealed.checked, 0);
    assert.equal(unsealed.unsealed.count, 25);
    assert.equal(unsealed.unsealed.oldestSeq, 1);
    assert.match(unsealed.unsealed.oldestAt ?? '', /^\d{4}-\d\d-\d\dT/);
    await sealAll(database.db, 7);
    assert.deepEqual(await verifyAuditChain(database.db, 4), { ok: true, checked: 25, brokenAt: null, unsealed: { count: 0, oldestSeq: null, oldestAt: null } });
  });

  test('rows are append-only: only the sealer may set the chain fields, once', async () => {
    await assert.rejects(sql`UPDATE audit_events SET action = 'x' WHERE seq = 3`.execute(database.db), /append-only/);
    await assert.rejects(sql`DELETE FROM audit_events WHERE seq = 3`.execute(database.db), /append-only/);
    await assert.rejects(sql`UPDATE audit_events SET hash = ${'0'.repeat(64)} WHERE seq = 3`.execute(database.db), /append-only/, 'a sealed row cannot be re-sealed');
    await record(database.db, 'pending');
    const pending = await database.db.selectFrom('audit_events').select('seq').where('chain_position', 'is', null).executeTakeFirstOrThrow();
    await assert.rejects(
      sql`UPDATE audit_events SET chain_position = 999, prev_hash = 'p', hash = 'h', action = 'forged' WHERE seq = ${pending.seq}`.execute(database.db),
      /append-only/,
      'sealing cannot change the content',
    );
    await assert.rejects(sql`UPDATE audit_events SET after = '{}' WHERE seq = ${pending.seq}`.execute(database.db), /append-only/, 'an unsealed row is as immutable');
    await sealAll(database.db);
  });

  test('a writer does not wait for another writer\'s open transaction', { skip: engine === 'sqlite' && 'SQLite has one writer at a time' }, async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const started = new Promise<void>((resolve) => (inside = resolve));
    const slow = database.db.transaction().execute(async (trx) => {
      await recordAudit(trx, systemContext('slow'), { action: 'slow', entityType: 'thing', entityId: 'slow' });
      inside();
      await held;
    });
    await started;
    try {
      const quick = replica();
      const timer = new Promise((_, reject) => setTimeout(() => reject(new Error('the second writer waited for the first')), 5000));
      await Promise.race([record(quick, 'quick'), timer]);
      // The open transaction took the lower seq; the later one committed first and is sealed now.
      const meanwhile = await sealAll(database.db);
      assert.equal(meanwhile.ok, true);
      assert.equal(meanwhile.unsealed.count, 0, 'an uncommitted row is not part of the tail');
    } finally {
      release();
      await slow;
    }
    const done = await sealAll(database.db);
    assert.equal(done.unsealed.count, 0);
    const order = await database.db.selectFrom('audit_events').select('action').where('entity_id', 'in', ['slow', 'quick']).orderBy('chain_position').execute();
    assert.deepEqual(order.map((r) => r.action), ['thing.update', 'slow'], 'the row that committed first is chained first');
  });

  test('concurrent writers on many connections and concurrent sealers give one complete linear chain', async () => {
    const { checked: before } = await sealAll(database.db);
    const writers = 3;
    const events = 40;
    const results = await Promise.all([
      ...Array.from({ length: writers }, (_, w) => runLoad({ url: database.url, role: 'writer', name: `writer${w}`, events, inFlight: 8, rounds: 0, wait: false })),
      ...[true, false, false].map((wait, s) => runLoad({ url: database.url, role: 'sealer', name: `sealer${s}`, events: 0, inFlight: 0, rounds: 20, wait })),
    ]);
    assert.deepEqual(results.slice(0, writers), Array(writers).fill(events));
    const result = await sealAll(database.db);
    assert.deepEqual(result, { ok: true, checked: before + writers * events, brokenAt: null, unsealed: { count: 0, oldestSeq: null, oldestAt: null } });
    const positions = await database.db.selectFrom('audit_events').select('chain_position').orderBy('chain_position').execute();
    assert.deepEqual(positions.map((p) => Number(p.chain_position)), positions.map((_, i) => i + 1), 'positions are dense: no fork, no gap');
  });

  test('verification while events are written and sealed never reports a false break', async () => {
    let writing = true;
    const load = (async () => {
      for (let i = 0; i < 60; i++) {
        await record(database.db, `grow${i}`);
        if (i % 3 === 0) await sealAuditChain(database.db);
      }
      writing = false;
    })();
    const results = [];
    while (writing) results.push(await verifyAuditChain(database.db, 3));
    await load;
    assert.ok(results.length > 0);
    for (const result of results) assert.equal(result.brokenAt, null, JSON.stringify(result));
  });

  test('a rolled-back transaction leaves no hole', async () => {
    const { checked } = await sealAll(database.db);
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await recordAudit(trx, systemContext('t'), { action: 'doomed', entityType: 'thing', entityId: 'x' });
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    await record(database.db, 'after-rollback');
    const result = await sealAll(database.db);
    assert.equal(result.ok, true);
    assert.equal(result.checked, checked + 1);
    assert.equal((await database.db.selectFrom('audit_events').select('seq').where('action', '=', 'doomed').execute()).length, 0);
  });

  describeTampering(createDatabase, engine);
});

function describeTampering(createDatabase: () => Promise<TestDatabase>, engine: string) {
  const chain = async (rows: number) => {
    const d = await createDatabase();
    for (let i = 0; i < rows; i++) await record(d.db, String(i));
    await sealAll(d.db);
    await dropAppendOnly(d, engine);
    return d;
  };
  const seqAt = async (d: TestDatabase, position: number) =>
    Number((await d.db.selectFrom('audit_events').select('seq').where('chain_position', '=', position).executeTakeFirstOrThrow()).seq);

  test('an edited sealed row is named by position and seq', async () => {
    const d = await chain(20);
    const seq = await seqAt(d, 12);
    await sql`UPDATE audit_events SET after = ${'{"n":999}'} WHERE seq = ${seq}`.execute(d.db);
    const result = await verifyAuditChain(d.db, 5);
    assert.equal(result.ok, false);
    assert.deepEqual({ ...result.brokenAt, reason: undefined }, { position: 12, seq, reason: undefined });
    assert.match(result.brokenAt!.reason, /content/);
    assert.equal(result.checked, 11);
  });

  test('a removed sealed row is named, in the middle and at the end', async () => {
    const d = await chain(6);
    await sql`DELETE FROM audit_events WHERE chain_position = 6`.execute(d.db);
    const tail = await verifyAuditChain(d.db);
    assert.deepEqual(tail.brokenAt, { position: 6, seq: null, reason: 'the row at position 6 is missing (removed)' });
    await sql`DELETE FROM audit_events WHERE chain_position = 2`.execute(d.db);
    const middle = await verifyAuditChain(d.db);
    assert.equal(middle.brokenAt?.position, 2);
    assert.match(middle.brokenAt!.reason, /missing/);
  });

  test('reordered sealed rows are named', async () => {
    const d = await chain(8);
    const [third, fourth] = [await seqAt(d, 3), await seqAt(d, 4)];
    await sql`UPDATE audit_events SET chain_position = -1 WHERE seq = ${third}`.execute(d.db);
    await sql`UPDATE audit_events SET chain_position = 3 WHERE seq = ${fourth}`.execute(d.db);
    await sql`UPDATE audit_events SET chain_position = 4 WHERE seq = ${third}`.execute(d.db);
    const result = await verifyAuditChain(d.db);
    assert.equal(result.ok, false);
    assert.equal(result.brokenAt?.position, 3);
    assert.equal(result.brokenAt?.seq, fourth);
    assert.match(result.brokenAt!.reason, /does not follow/);
  });

  test('a row sealed beyond the head by hand is named', async () => {
    const d = await chain(3);
    const head = await d.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
    const forged = { seq: 1000, id: newId(), at: new Date().toISOString(), actor_type: 'system', actor_id: null, actor_name: 'x', action: 'forged', entity_type: 'thing', entity_id: null, before: null, after: null, request_id: null };
    const hash = hashAuditRow({ ...forged, prev_hash: head.hash });
    await d.db.insertInto('audit_events').values({ ...forged, chain_position: 4, prev_hash: head.hash, hash }).execute();
    const result = await verifyAuditChain(d.db);
    assert.deepEqual(result.brokenAt, { position: 4, seq: 1000, reason: 'sealed beyond the chain head (inserted)' });
  });
}

describeEachEngine('audit chain migration', ({ createDatabase }) => {
  test('a chain written before 0005 (head-locked appends) stays valid and is extended', async () => {
    const d = await createDatabase({ migrate: false });
    await migrateToLatest(d.db, '0004_advisories');
    let prev = '0'.repeat(64);
    for (let seq = 1; seq <= 5; seq++) {
      const row = { seq, id: newId(), at: new Date().toISOString(), actor_type: 'system', actor_id: null, actor_name: 'legacy', action: 'legacy', entity_type: 'thing', entity_id: String(seq), before: null, after: canonicalJson({ seq }), request_id: null };
      const hash = hashAuditRow({ ...row, prev_hash: prev });
      await (d.db as Kysely<any>).insertInto('audit_events').values({ ...row, prev_hash: prev, hash }).execute();
      await (d.db as Kysely<any>).updateTable('audit_head').set({ seq, hash }).where('id', '=', 1).execute();
      prev = hash;
    }
    await migrateToLatest(d.db);
    assert.deepEqual(await verifyAuditChain(d.db), { ok: true, checked: 5, brokenAt: null, unsealed: { count: 0, oldestSeq: null, oldestAt: null } });
    await record(d.db, 'new');
    const result = await sealAll(d.db);
    assert.deepEqual({ ok: result.ok, checked: result.checked }, { ok: true, checked: 6 });
    const latest = await d.db.selectFrom('audit_events').select(['seq', 'chain_position']).where('entity_id', '=', 'new').executeTakeFirstOrThrow();
    assert.deepEqual([Number(latest.seq), Number(latest.chain_position)], [6, 6], 'new rows continue the numbering');
  });
});

/** Simulates an operator with direct database access, which is what the chain exists to expose. */
async function dropAppendOnly(database: TestDatabase, engine: string) {
  if (engine === 'postgres') {
    await sql`DROP TRIGGER audit_events_append_only ON audit_events`.execute(database.db);
  } else {
    await sql`DROP TRIGGER audit_events_no_update`.execute(database.db);
    await sql`DROP TRIGGER audit_events_no_delete`.execute(database.db);
  }
}
