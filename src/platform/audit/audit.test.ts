import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { sql } from 'kysely';
import { describeEachEngine, type TestDatabase } from '../db/test-support/engines.js';
import { systemContext } from '../context.js';
import { canonicalJson, recordAudit, verifyAuditChain } from './audit.js';

test('canonicalJson sorts keys at every depth and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}');
});

describeEachEngine('audit hash chain', ({ engine, createDatabase }) => {
  let database: TestDatabase;
  before(async () => {
    database = await createDatabase();
    for (let i = 0; i < 25; i++) {
      await database.db.transaction().execute((trx) =>
        recordAudit(trx, systemContext('test'), { action: 'thing.update', entityType: 'thing', entityId: `t${i}`, before: { n: i }, after: { n: i + 1, note: 'ünïcode ✓' } }),
      );
    }
  });

  test('an untouched chain verifies', async () => {
    const result = await verifyAuditChain(database.db, 7);
    assert.deepEqual(result, { ok: true, checked: 25, brokenAt: null });
  });

  test('rows are append-only: UPDATE and DELETE are refused by the database', async () => {
    await assert.rejects(sql`UPDATE audit_events SET action = 'x' WHERE seq = 3`.execute(database.db), /append-only/);
    await assert.rejects(sql`DELETE FROM audit_events WHERE seq = 3`.execute(database.db), /append-only/);
  });

  test('concurrent appends keep one unbroken chain', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        database.db.transaction().execute((trx) => recordAudit(trx, systemContext('race'), { action: 'race', entityType: 'thing', entityId: `r${i}` })),
      ),
    );
    const result = await verifyAuditChain(database.db);
    assert.equal(result.ok, true);
    assert.equal(result.checked, 45);
  });

  test('an edited row is detected at its sequence number', async () => {
    await dropAppendOnly(database, engine);
    await sql`UPDATE audit_events SET after = ${'{"n":999}'} WHERE seq = 12`.execute(database.db);
    const result = await verifyAuditChain(database.db);
    assert.equal(result.ok, false);
    assert.equal(result.brokenAt?.seq, 12);
    assert.match(result.brokenAt!.reason, /content/);
  });

  test('a removed row is detected', async () => {
    const other = await createDatabase();
    for (let i = 0; i < 5; i++) {
      await other.db.transaction().execute((trx) => recordAudit(trx, systemContext('t'), { action: 'a', entityType: 'x', entityId: String(i) }));
    }
    await dropAppendOnly(other, engine);
    await sql`DELETE FROM audit_events WHERE seq = 5`.execute(other.db);
    const tail = await verifyAuditChain(other.db);
    assert.equal(tail.ok, false, 'removing the last row must break the head check');
    await sql`DELETE FROM audit_events WHERE seq = 2`.execute(other.db);
    const middle = await verifyAuditChain(other.db);
    assert.equal(middle.brokenAt?.seq, 2);
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
