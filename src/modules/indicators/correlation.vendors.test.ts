// Correlation in the vendor direction: a domain a vendor gains (created with it, updated to add it,
// imported by CSV) makes sightings of the domain, URL and e-mail indicators already held under it,
// at once and without duplicates; a wildcard domain (*.example.com) covers the hosts under it, not
// the domain itself, in both directions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { importFeed, json } from '../findings/test-support.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const indicator = (n: number, pattern: string) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${uuid(n)}`, created: '2023-03-30T00:00:00.000Z', modified: '2023-03-30T00:00:00.000Z', pattern, pattern_type: 'stix', valid_from: '2023-03-30T00:00:00Z', confidence: 80 });
const bundle = (objects: unknown[]) => JSON.stringify({ type: 'bundle', id: `bundle--${uuid(0)}`, objects });

interface Sighting { kind: string; foundBy: string; indicator: { value: string }; vendor: { id: string } | null; evidence: { vendorDomain: string; host: string } }

describeEachEngine('sightings when a vendor gains a domain', ({ engine }) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(engine);
    const report = await importFeed(
      server,
      'stix',
      bundle([
        indicator(1, "[url:value = 'https://cdn.acme-updates.example/setup.exe']"),
        indicator(2, "[email-addr:value = 'billing@acme-updates.example']"),
        indicator(3, "[domain-name:value = 'unrelated.example']"),
        indicator(4, "[domain-name:value = 'wild.example']"),
        indicator(5, "[domain-name:value = 'c2.wild.example']"),
        indicator(6, "[domain-name:value = 'portal.imported.example']"),
        indicator(7, "[domain-name:value = 'login.created.example']"),
      ]),
    );
    assert.equal(report.imported, 7);
  });
  after(() => server?.close());

  const sightingsOf = async (vendorId: string) => (await json<{ items: Sighting[] }>(await server.api(`/api/v1/sightings?vendorId=${vendorId}`), 200)).items;
  const values = (items: Sighting[]) => items.map((s) => s.indicator.value).sort();
  const count = async () => Number((await server.tw.database.db.selectFrom('sightings').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);

  test('an update that adds a domain sights the URL and e-mail indicators under it, once, and opens the risk', async () => {
    const vendor = await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Acme Updates' } }), 201);
    assert.deepEqual(await sightingsOf(vendor.id), []);
    await json(await server.api(`/api/v1/vendors/${vendor.id}`, { method: 'PATCH', json: { domains: ['acme-updates.example'] } }), 200);
    const sightings = await sightingsOf(vendor.id);
    assert.deepEqual(values(sightings), ['billing@acme-updates.example', 'https://cdn.acme-updates.example/setup.exe']);
    for (const s of sightings) assert.deepEqual([s.kind, s.foundBy, s.evidence.vendorDomain], ['vendor-domain', 'vendor', 'acme-updates.example']);
    const risks = (await json<{ items: Array<{ source: string }> }>(await server.api(`/api/v1/risks?source=sighting&vendorId=${vendor.id}`), 200)).items;
    assert.equal(risks.length, 2, 'one risk per indicator and vendor');

    const before = await count();
    await json(await server.api(`/api/v1/vendors/${vendor.id}`, { method: 'PATCH', json: { domains: ['acme-updates.example', 'other.example'], description: 'changed' } }), 200);
    await json(await server.api(`/api/v1/vendors/${vendor.id}`, { method: 'PATCH', json: { criticality: 4 } }), 200);
    assert.equal(await count(), before, 'nothing is sighted twice');
  });

  test('a wildcard domain covers the hosts under it, not the domain itself, whichever side arrives last', async () => {
    const vendor = await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Wild Vendor', domains: ['*.wild.example'] } }), 201);
    assert.deepEqual(values(await sightingsOf(vendor.id)), ['c2.wild.example']);
    const report = await importFeed(server, 'stix', bundle([indicator(8, "[domain-name:value = 'cdn.c2.wild.example']")]));
    assert.equal(report.imported, 1);
    assert.deepEqual(values(await sightingsOf(vendor.id)), ['c2.wild.example', 'cdn.c2.wild.example']);
  });

  test('a vendor created with a domain, and vendors imported by CSV, are sighted in the same write', async () => {
    const created = await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Created Vendor', domains: ['created.example'] } }), 201);
    assert.deepEqual(values(await sightingsOf(created.id)), ['login.created.example']);

    const res = await server.api('/api/v1/vendors/import?wait=true', { method: 'POST', body: 'name,domains\nImported Vendor,imported.example\nPlain Vendor,plain.example\n', headers: { 'content-type': 'text/csv' } });
    assert.equal(res.status, 200, await res.clone().text());
    const imported = (await json<{ items: Array<{ id: string; name: string }> }>(await server.api('/api/v1/vendors?q=Imported%20Vendor'), 200)).items[0];
    assert.deepEqual(values(await sightingsOf(imported.id)), ['portal.imported.example']);
    assert.equal((await json<{ items: Sighting[] }>(await server.api(`/api/v1/sightings?kind=vendor-domain`), 200)).items.filter((s) => s.indicator.value === 'unrelated.example').length, 0);
  });
});
