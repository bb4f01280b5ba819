import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrateToLatest } from '../platform/db/migrate.js';
import { describeEachEngine } from '../platform/db/test-support/engines.js';
import { migrations } from './index.js';

describeEachEngine('migrations', ({ createDatabase }) => {
  test('apply in order on an empty database, then are a no-op', async () => {
    const database = await createDatabase({ migrate: false });
    const first = await migrateToLatest(database.db);
    assert.deepEqual(first.applied, Object.keys(migrations));
    const second = await migrateToLatest(database.db);
    assert.deepEqual(second.applied, []);
    const teams = await database.db.selectFrom('teams').select('key').orderBy('key').execute();
    assert.deepEqual(teams.map((t) => t.key), ['compliance', 'it', 'legal', 'privacy', 'security']);
  });

  test('data written under an earlier schema survives the later migrations', async () => {
    const database = await createDatabase({ migrate: false });
    await migrateToLatest(database.db, '0001_platform');
    const now = new Date().toISOString();
    await database.db
      .insertInto('users')
      .values({ id: '01900000-0000-7000-8000-000000000001', email: 'a@example.com', name: 'A', password_hash: null, role: 'admin', disabled: 0, created_at: now, updated_at: now })
      .execute();
    await migrateToLatest(database.db);
    const users = await database.db.selectFrom('users').select('email').execute();
    assert.deepEqual(users, [{ email: 'a@example.com' }]);
  });

  test('concurrent migrators (replicas starting together) do not collide', async () => {
    const database = await createDatabase({ migrate: false });
    const { openDatabase } = await import('../platform/db/database.js');
    const others = [openDatabase(database.url), openDatabase(database.url)];
    try {
      const results = await Promise.allSettled(others.map((o) => migrateToLatest(o.db)));
      const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value.applied : []));
      assert.deepEqual(applied.sort(), Object.keys(migrations).sort(), JSON.stringify(results.map((r) => r.status === 'rejected' && String(r.reason))));
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });
});
