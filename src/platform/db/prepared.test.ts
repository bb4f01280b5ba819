import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachEngine } from './test-support/engines.js';
import { inJsonArray, preparedQuery, preparedShapes } from './prepared.js';
import type { Executor } from './schema.js';
import { readSetting, writeSetting } from '../settings.js';

describeEachEngine('prepared queries', ({ createDatabase }) => {
  test('each call runs with its own arguments, the same rows as the query built afresh, in and out of a transaction', async () => {
    const { db } = await createDatabase();
    await writeSetting(db, 'prepared.a', { n: 1 });
    await writeSetting(db, 'prepared.b', { n: 2 });
    const since = preparedQuery((d, prefix: string, after: string) => d.selectFrom('settings').select(['key', 'value']).where('key', 'like', prefix).where('key', '>', after).orderBy('key'));
    const fresh = (prefix: string, after: string) => db.selectFrom('settings').select(['key', 'value']).where('key', 'like', prefix).where('key', '>', after).orderBy('key').execute();
    for (const [prefix, after] of [['prepared.%', ''], ['prepared.%', 'prepared.a'], ['nothing%', '']]) {
      assert.deepEqual(await since.execute(db, prefix, after), await fresh(prefix, after));
    }
    assert.deepEqual(await readSetting(db, 'prepared.b'), { n: 2 });
    assert.equal(await readSetting(db, 'prepared.none'), null);
    await db.transaction().execute(async (trx) => {
      await writeSetting(trx, 'prepared.b', { n: 3 });
      // Inside the transaction its own write is seen.
      assert.deepEqual(await readSetting(trx, 'prepared.b'), { n: 3 });
      assert.deepEqual((await since.executeTakeFirst(trx, 'prepared.%', 'prepared.a'))?.value, JSON.stringify({ n: 3 }));
    });
  });

  test('a list as one JSON array parameter: any length, the rows an IN list picks', async () => {
    const { db } = await createDatabase();
    for (const key of ['list.a', 'list.b', 'list.c', "list.'d\""]) await writeSetting(db, key, { key });
    const some = preparedQuery((d, keys: string) => d.selectFrom('settings').select('key').where(inJsonArray(d, 'key', keys)).orderBy('key'));
    for (const keys of [[], ['list.a'], ['list.b', 'list.c', 'list.none'], ["list.'d\"", 'list.a']]) {
      const fresh = keys.length ? await db.selectFrom('settings').select('key').where('key', 'in', keys).orderBy('key').execute() : [];
      assert.deepEqual(await some.execute(db, JSON.stringify(keys)), fresh, keys.join());
    }
  });

  test('a query of several shapes: each shape its own prepared query, the rows the query built afresh gives', async () => {
    const { db } = await createDatabase();
    for (const key of ['shape.a', 'shape.b', 'shape.c']) await writeSetting(db, key, { key });
    const build = (d: Executor, descending: boolean, prefix: string, rows: number) => d.selectFrom('settings').select('key').where('key', 'like', prefix).orderBy('key', descending ? 'desc' : 'asc').limit(rows);
    const shaped = preparedShapes(build);
    for (const [descending, rows] of [[false, 2], [true, 2], [false, 3], [true, 1]] as const) {
      assert.deepEqual(await shaped.execute(db, descending, 'shape.%', rows), await build(db, descending, 'shape.%', rows).execute(), `${descending} ${rows}`);
    }
  });

  test('an argument that is not exactly one value of the query is refused', async () => {
    const { db } = await createDatabase();
    const twice = preparedQuery((d, key: string) => d.selectFrom('settings').select('value').where('key', '=', key).where('value', '=', key));
    await assert.rejects(twice.execute(db, 'x'), /argument 0 appears 2 times/);
    const unused = preparedQuery((d, _key: string) => d.selectFrom('settings').select('value'));
    await assert.rejects(unused.execute(db, 'x'), /argument 0 appears 0 times/);
  });
});
