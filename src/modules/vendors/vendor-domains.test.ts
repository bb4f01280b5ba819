import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';

// vendor_domains (what domain indicators are looked up in) is kept by triggers, per statement on
// PostgreSQL: every write path must leave it equal to the vendors' domains, lower-cased.
describeEachEngine('vendor_domains follows vendors.domains', ({ engine }) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(engine);
  });
  after(async () => {
    await server?.close();
  });

  const domainsOf = async (prefix: string) =>
    (
      await server.tw.database.db
        .selectFrom('vendor_domains')
        .innerJoin('vendors', 'vendors.id', 'vendor_domains.vendor_id')
        .select(['vendors.name', 'vendor_domains.domain'])
        .where('vendors.name', 'like', `${prefix}%`)
        .orderBy('vendors.name')
        .orderBy('vendor_domains.domain')
        .execute()
    ).map((r) => `${r.name}: ${r.domain}`);
  const call = async (path: string, init: Parameters<TestServer['api']>[1], status: number) => {
    const res = await server.api(path, { role: 'admin', ...init });
    assert.equal(res.status, status, await res.clone().text());
    return (await res.json()) as { id: string };
  };

  test('through creates, updates, a CSV import that creates and updates many vendors in one statement, and deletes', async () => {
    const a = await call('/api/v1/vendors', { method: 'POST', json: { name: 'VD A', domains: ['A.example', 'a.example', 'b.example'] } }, 201);
    const b = await call('/api/v1/vendors', { method: 'POST', json: { name: 'VD B' } }, 201);
    assert.deepEqual(await domainsOf('VD '), ['VD A: a.example', 'VD A: b.example']);

    await call(`/api/v1/vendors/${a.id}`, { method: 'PATCH', json: { description: 'domains untouched' } }, 200);
    await call(`/api/v1/vendors/${b.id}`, { method: 'PATCH', json: { domains: ['B.example'] } }, 200);
    assert.deepEqual(await domainsOf('VD '), ['VD A: a.example', 'VD A: b.example', 'VD B: b.example']);

    const csv = ['name,domains', 'VD A,c.example', 'VD B,', 'VD C,c.example;D.example', 'VD D,'].join('\n');
    await call('/api/v1/vendors/import?wait=true', { method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } }, 200);
    // An empty cell leaves a field as it was, so VD B keeps its domain.
    assert.deepEqual(await domainsOf('VD '), ['VD A: c.example', 'VD B: b.example', 'VD C: c.example', 'VD C: d.example']);

    await call(`/api/v1/vendors/${a.id}`, { method: 'PATCH', json: { domains: [] } }, 200);
    const deleted = await server.api(`/api/v1/vendors/${b.id}`, { method: 'DELETE', role: 'admin' });
    assert.equal(deleted.status, 204);
    assert.deepEqual(await domainsOf('VD '), ['VD C: c.example', 'VD C: d.example']);
  });
});
