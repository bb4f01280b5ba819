import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompiledQuery, type Compilable } from 'kysely';
import { createTestDatabase } from '../../platform/db/test-support/engines.js';
import { VendorRepository } from './vendors.repository.js';
import { VENDOR_SORTS } from './vendors.schemas.js';

// SQLite plans these without statistics, so an index that merely matches a filter can be taken
// instead of the one that serves the query (see migrations 0013): these queries run on every
// inventory page and dashboard, synchronously, while every other request waits.
test('vendor pages on SQLite walk an index in the page order, and the dashboard counts read one covering index', async () => {
  const database = await createTestDatabase('sqlite');
  const repo = new VendorRepository(database.db);
  const plan = async (query: Compilable) => {
    const { sql, parameters } = query.compile();
    return (await database.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]))).rows.map((r) => r.detail);
  };
  for (const sort of VENDOR_SORTS) {
    for (const cursor of [null, { key: sort.includes('riskScore') ? 50 : 'm', id: '01900000-0000-7000-8000-000000000001' }]) {
      const details = await plan(repo.listQuery({ sort }, cursor, 50));
      assert.ok(!details.some((d) => d.includes('TEMP B-TREE')), `sort ${sort}${cursor ? ', next page' : ''}: ${details.join('; ')}`);
    }
  }
  const portfolio = await plan(repo.portfolioQuery(new Date().toISOString()));
  assert.deepEqual(portfolio, ['SCAN vendors USING COVERING INDEX vendors_portfolio']);
});
