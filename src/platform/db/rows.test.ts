import assert from 'node:assert/strict';
import { test } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { openDatabase } from './database.js';

const WIDE = Array.from({ length: 40 }, (_, i) => `c${i}`);

test('SQLite rows: the same objects better-sqlite3 gives (wide rows, expressions, repeated and a column named __proto__, a column added later, streamed)', async () => {
  const { db, close } = openDatabase('sqlite://:memory:');
  try {
    await sql.raw(`create table wide (id integer primary key, ${WIDE.map((c) => `${c} text`).join(', ')})`).execute(db);
    for (let id = 1; id <= 3; id++) {
      await sql.raw(`insert into wide values (${id}, ${WIDE.map((_, i) => (i % 7 === 0 ? 'null' : `'${id}-${i}'`)).join(', ')})`).execute(db);
    }
    const plain = new SQLite(':memory:');
    plain.exec(`create table wide (id integer primary key, ${WIDE.map((c) => `${c} text`).join(', ')})`);
    for (let id = 1; id <= 3; id++) plain.exec(`insert into wide values (${id}, ${WIDE.map((_, i) => (i % 7 === 0 ? 'null' : `'${id}-${i}'`)).join(', ')})`);
    const queries = [
      'select * from wide order by id',
      'select id, c1 as x, c2 as x, count(*) over () , 1.5 as f from wide order by id',
      'select count(*) as n, max(c5) from wide',
    ];
    for (const text of queries) {
      const rows = (await sql.raw(text).execute(db)).rows as Array<Record<string, unknown>>;
      const expected = plain.prepare(text).all() as Array<Record<string, unknown>>;
      assert.equal(JSON.stringify(rows), JSON.stringify(expected), text);
      assert.deepEqual(rows.map((r) => Object.getPrototypeOf(r)), expected.map(() => Object.prototype));
    }
    // A column named __proto__ is a plain property, never the row's prototype.
    const [odd] = (await sql.raw('select id, c1 as "__proto__" from wide order by id').execute(db)).rows as Array<Record<string, unknown>>;
    assert.equal(Object.getPrototypeOf(odd), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(odd, '__proto__')?.value, '1-1');

    const streamed = [];
    for await (const row of db.selectFrom('wide' as never).selectAll().orderBy('id' as never).stream()) streamed.push(row);
    assert.equal(JSON.stringify(streamed), JSON.stringify(plain.prepare('select * from wide order by id').all()));

    // The statement is cached; a column added afterwards still comes back.
    await sql.raw('alter table wide add column extra text').execute(db);
    await sql.raw(`update wide set extra = 'e' || id`).execute(db);
    const after = (await sql.raw('select * from wide order by id').execute(db)).rows as Array<Record<string, unknown>>;
    assert.deepEqual(after.map((r) => r.extra), ['e1', 'e2', 'e3']);
    assert.equal(Object.keys(after[0]).length, WIDE.length + 2);
    plain.close();
  } finally {
    await close();
  }
});
