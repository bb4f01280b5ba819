// Concentration numbers on a small constructed portfolio, checked against values worked out by
// hand from the formulas in technologies.metrics.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { buildCycloneDx } from '../sboms/test-support/build.js';
import { ESTATE } from '../sboms/sboms.estate.js';
import type { Technology } from './technologies.schemas.js';
import { TechnologyService } from './technologies.service.js';

const ELECTRON = 'pkg:npm/electron@22.3.4';
const FFMPEG = 'pkg:generic/ffmpeg@5.1.2';
const LODASH = 'pkg:npm/lodash@4.17.21';
const LOG4J = 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1';
const OPENSSL = 'pkg:generic/openssl@3.0.13';

/** An SBOM whose root depends directly on `direct`; `edges` adds transitive links. */
function sbom(direct: string[], edges: Record<string, string[]> = {}): string {
  const all = [...new Set([...direct, ...Object.values(edges).flat()])];
  return buildCycloneDx({ direct, components: all.map((purl) => ({ purl, deps: edges[purl] })) });
}

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 400));
  return JSON.parse(text) as T;
}

describeEachEngine('technology concentration', ({ engine }) => {
  let server: TestServer;
  const vendors: Record<string, string> = {};
  const products: Record<string, string> = {};

  /**
   * V1 (T1): P1a electron → ffmpeg, lodash; P1b electron.   V2 (T1): electron, lodash.
   * V3 (T2): ffmpeg, lodash.   V4 (T3): lodash (an older, superseded SBOM had electron).
   * V5 (T4): log4j-core.   V6 (T2): no SBOM.   Estate: electron, openssl.
   */
  before(async () => {
    server = await startTestServer(engine);
    const tiers: Record<string, string> = { V1: 'T1', V2: 'T1', V3: 'T2', V4: 'T3', V5: 'T4', V6: 'T2' };
    for (const [name, tier] of Object.entries(tiers)) {
      vendors[name] = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: `Vendor ${name}` } }), 201)).id;
      // Tiers follow from the risk score; set them outright so the expected numbers are simple.
      await server.tw.database.db.updateTable('vendors').set({ tier }).where('id', '=', vendors[name]).execute();
    }
    for (const [product, vendor] of [['P1a', 'V1'], ['P1b', 'V1'], ['P2', 'V2'], ['P3', 'V3'], ['P4', 'V4'], ['P5', 'V5']]) {
      products[product] = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendors[vendor]}/products`, { method: 'POST', json: { name: product, type: 'desktop-app' } }), 201)).id;
    }
    const upload = async (product: string, body: string) => json(await server.api(`/api/v1/products/${product}/sboms?release=1.0`, { method: 'POST', body }), 201);
    await upload(products.P1a, sbom([ELECTRON, LODASH], { [ELECTRON]: [FFMPEG] }));
    await upload(products.P1b, sbom([ELECTRON]));
    await upload(products.P2, sbom([ELECTRON, LODASH]));
    await upload(products.P3, sbom([FFMPEG, LODASH]));
    await upload(products.P4, sbom([ELECTRON]));
    await upload(products.P4, sbom([LODASH]));
    await upload(products.P5, sbom([LOG4J]));
    await upload(ESTATE.productId, sbom([ELECTRON, OPENSSL]));
  });
  after(async () => {
    await server?.close();
  });

  test('ranked list: counts, tiers and every concentration measure', async () => {
    const list = await json<{ items: Technology[]; nextCursor: string | null; portfolio: Record<string, unknown> }>(await server.api('/api/v1/technologies', { role: 'viewer' }));
    // |V| = 6, |C| = 4 (V1, V2, V3, V6), Σw(V) = 4+4+3+2+1+3 = 17. W: lodash 13, electron 8, ffmpeg 7, log4j-core 1, openssl 0.
    // Σ W = 29, Σ W² = 169+64+49+1 = 283, HHI = 283/841.
    assert.deepEqual(list.portfolio, {
      vendors: 6,
      criticalVendors: 4,
      vendorsByTier: { T1: 2, T2: 2, T3: 1, T4: 1 },
      weight: 17,
      dependencyWeight: 29,
      hhi: 0.336504162,
      effectiveTechnologies: 2.971731,
    });
    assert.deepEqual(list.items.map((t) => t.key), ['npm:lodash', 'npm:electron', 'generic:ffmpeg', 'Maven:org.apache.logging.log4j:log4j-core', 'generic:openssl']);
    const by = Object.fromEntries(list.items.map((t) => [t.label, t]));
    assert.deepEqual(by.electron, {
      key: 'npm:electron',
      ecosystem: 'npm',
      packageName: 'electron',
      label: 'electron',
      vendors: 2,
      products: 3,
      directVendors: 2,
      estateProducts: 1,
      tiers: { T1: 2, T2: 0, T3: 0, T4: 0 },
      concentration: { criticalVendors: 2, criticalShare: 0.5, weight: 8, weightedShare: 0.470588, hhiShare: 0.275862, hhiContribution: 0.076099881 },
    });
    assert.deepEqual(
      [by.ffmpeg.vendors, by.ffmpeg.products, by.ffmpeg.directVendors, by.ffmpeg.tiers, by.ffmpeg.concentration],
      [2, 2, 1, { T1: 1, T2: 1, T3: 0, T4: 0 }, { criticalVendors: 2, criticalShare: 0.5, weight: 7, weightedShare: 0.411765, hhiShare: 0.241379, hhiContribution: 0.058263971 }],
    );
    assert.deepEqual(
      [by.lodash.vendors, by.lodash.products, by.lodash.tiers, by.lodash.concentration],
      [4, 4, { T1: 2, T2: 1, T3: 1, T4: 0 }, { criticalVendors: 3, criticalShare: 0.75, weight: 13, weightedShare: 0.764706, hhiShare: 0.448276, hhiContribution: 0.200951249 }],
    );
    assert.deepEqual([by['log4j-core'].vendors, by['log4j-core'].concentration.criticalShare, by['log4j-core'].concentration.weightedShare], [1, 0, 0.058824]);
    assert.deepEqual([by.openssl.vendors, by.openssl.estateProducts, by.openssl.concentration.weight], [0, 1, 0]);
  });

  test('pagination keeps the ranking; filters narrow the page, not the portfolio totals', async () => {
    const keys: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Technology[]; nextCursor: string | null } = await json(await server.api(`/api/v1/technologies?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      keys.push(...page.items.map((t) => t.key));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(keys, ['npm:lodash', 'npm:electron', 'generic:ffmpeg', 'Maven:org.apache.logging.log4j:log4j-core', 'generic:openssl']);
    const generic = await json<{ items: Technology[]; portfolio: { dependencyWeight: number } }>(await server.api('/api/v1/technologies?ecosystem=GENERIC'));
    assert.deepEqual(generic.items.map((t) => t.key), ['generic:ffmpeg', 'generic:openssl']);
    assert.equal(generic.portfolio.dependencyWeight, 29);
    assert.deepEqual((await json<{ items: Technology[] }>(await server.api('/api/v1/technologies?q=LOG4J'))).items.map((t) => t.label), ['log4j-core']);
    assert.deepEqual((await json<{ items: Technology[] }>(await server.api('/api/v1/technologies?minVendors=3'))).items.map((t) => t.label), ['lodash']);
    const past = await json<{ items: Technology[]; portfolio: { hhi: number } }>(await server.api('/api/v1/technologies?q=nothing-like-this'));
    assert.deepEqual([past.items, past.portfolio.hhi], [[], 0.336504162]);
    assert.equal((await server.api('/api/v1/technologies?cursor=abc')).status, 400);
  });

  test('one technology: metrics, versions and every dependent with direct/transitive', async () => {
    const detail = await json(await server.api(`/api/v1/technologies/${encodeURIComponent('generic:ffmpeg')}`, { role: 'auditor' }));
    assert.equal(detail.concentration.weight, 7);
    assert.deepEqual(detail.versions, [{ version: '5.1.2', products: 2 }]);
    assert.deepEqual(
      detail.dependents.map((d: { vendor: { name: string }; product: { name: string }; direct: boolean; depth: number }) => [d.vendor.name, d.product.name, d.direct, d.depth]),
      [['Vendor V1', 'P1a', false, 2], ['Vendor V3', 'P3', true, 1]],
    );
    const electron = await json(await server.api('/api/v1/technologies/npm:electron'));
    assert.deepEqual(electron.dependents.map((d: { product: { name: string }; vendor: { internal: boolean } }) => [d.product.name, d.vendor.internal]), [
      ['Internal estate', true],
      ['P1a', false],
      ['P1b', false],
      ['P2', false],
    ]);
    assert.equal((await json(await server.api('/api/v1/technologies/maven:org.apache.logging.log4j:log4j-core'))).label, 'log4j-core');
    assert.equal((await server.api('/api/v1/technologies/npm:left-pad')).status, 404);
    assert.equal((await server.api('/api/v1/technologies/no-colon')).status, 400);
  });

  test('a vendor\'s tech stack, and "which vendors ship Electron?"', async () => {
    const stack = await json(await server.api(`/api/v1/vendors/${vendors.V1}/technologies`));
    assert.deepEqual(
      stack.items.map((t: { key: string; direct: boolean; vendors: number; products: Array<{ name: string }> }) => [t.key, t.direct, t.vendors, t.products.map((p) => p.name).sort()]),
      [
        ['generic:ffmpeg', false, 2, ['P1a']],
        ['npm:electron', true, 2, ['P1a', 'P1b']],
        ['npm:lodash', true, 4, ['P1a']],
      ],
    );
    const directOnly = await json(await server.api(`/api/v1/vendors/${vendors.V1}/technologies?direct=true&limit=1`));
    assert.equal(directOnly.items[0].key, 'npm:electron');
    const next = await json(await server.api(`/api/v1/vendors/${vendors.V1}/technologies?direct=true&limit=1&cursor=${directOnly.nextCursor}`));
    assert.deepEqual([next.items.map((t: { key: string }) => t.key), next.nextCursor], [['npm:lodash'], null]);
    assert.deepEqual((await json(await server.api(`/api/v1/vendors/${vendors.V6}/technologies`))).items, []);
    assert.equal((await server.api(`/api/v1/vendors/${randomUUID()}/technologies`)).status, 404);

    const electron = await json(await server.api('/api/v1/components?purl=pkg:npm/electron'));
    assert.deepEqual([...new Set(electron.items.map((u: { vendor: { name: string } }) => u.vendor.name))].sort(), ['Our organisation (internal estate)', 'Vendor V1', 'Vendor V2']);
  });

  test('the ranking follows uploads, deletions and tier changes at once', async () => {
    const log4j = async () => (await json<{ items: Technology[] }>(await server.api('/api/v1/technologies?q=log4j'))).items[0];
    assert.deepEqual([(await log4j()).vendors, (await log4j()).concentration.weight], [1, 1]);
    await server.tw.database.db.updateTable('vendors').set({ tier: 'T1' }).where('id', '=', vendors.V5).execute();
    assert.deepEqual([(await log4j()).concentration.weight, (await log4j()).concentration.criticalShare], [4, 0.2], 'V5 now critical: 1 of 5');
    const product = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendors.V6}/products`, { method: 'POST', json: { name: 'P6', type: 'agent' } }), 201)).id;
    const created = await json<{ id: string }>(await server.api(`/api/v1/products/${product}/sboms?release=1`, { method: 'POST', body: sbom([LOG4J]) }), 201);
    assert.deepEqual([(await log4j()).vendors, (await log4j()).concentration.weight], [2, 7]);
    assert.equal((await server.api(`/api/v1/sboms/${created.id}`, { method: 'DELETE' })).status, 204);
    assert.deepEqual([(await log4j()).vendors, (await log4j()).concentration.weight], [1, 4]);
  });

  test('two current releases of one product share a package: it stays with the vendor until both are gone', async () => {
    const count = async (q: string) => (await json<{ items: Technology[] }>(await server.api(`/api/v1/technologies?q=${q}`))).items[0]?.vendors ?? 0;
    const [log4j, openssl] = [await count('log4j'), await count('openssl')];
    const vendor = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Vendor two releases' } }), 201)).id;
    const product = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendor}/products`, { method: 'POST', json: { name: 'P two releases', type: 'agent' } }), 201)).id;
    // The first release writes the product's rows; the second adds to rows that are there.
    const first = await json<{ id: string }>(await server.api(`/api/v1/products/${product}/sboms?release=1`, { method: 'POST', body: sbom([LOG4J]) }), 201);
    const second = await json<{ id: string }>(await server.api(`/api/v1/products/${product}/sboms?release=2`, { method: 'POST', body: sbom([LOG4J, OPENSSL]) }), 201);
    assert.deepEqual([await count('log4j'), await count('openssl')], [log4j + 1, openssl + 1]);
    assert.equal((await server.api(`/api/v1/sboms/${second.id}`, { method: 'DELETE' })).status, 204);
    assert.deepEqual([await count('log4j'), await count('openssl')], [log4j + 1, openssl], 'log4j is still in release 1');
    assert.equal((await server.api(`/api/v1/sboms/${first.id}`, { method: 'DELETE' })).status, 204);
    assert.equal(await count('log4j'), log4j);
  });

  test('a ranking held by another process follows changes made through this one (replicas)', async () => {
    const replica = new TechnologyService(server.tw.database.db);
    const openssl = async () => (await replica.list({ q: 'openssl' })).items[0];
    assert.deepEqual([(await openssl()).vendors, (await openssl()).estateProducts], [0, 1]);
    const product = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendors.V3}/products`, { method: 'POST', json: { name: 'P3b', type: 'agent' } }), 201)).id;
    await json(await server.api(`/api/v1/products/${product}/sboms?release=1`, { method: 'POST', body: sbom([OPENSSL]) }), 201);
    assert.deepEqual([(await openssl()).vendors, (await openssl()).tiers.T2], [1, 1], 'the replica read the change');
    await json(await server.api(`/api/v1/products/${product}/sboms?release=1`, { method: 'POST', body: sbom([LODASH]) }), 201);
    assert.equal((await openssl()).vendors, 0, 'superseded: openssl left V3');
    assert.equal((await replica.list({ q: 'lodash' })).items[0].vendors, 4, 'V3 counted once for two products');
  });

  test('deleting a product or a vendor takes its technologies out of the ranking', async () => {
    const vendor = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Vendor gone' } }), 201)).id;
    await server.tw.database.db.updateTable('vendors').set({ tier: 'T1' }).where('id', '=', vendor).execute();
    const unique = 'pkg:npm/only-here@1.0.0';
    const products: string[] = [];
    for (const name of ['G1', 'G2']) {
      products.push((await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendor}/products`, { method: 'POST', json: { name, type: 'agent' } }), 201)).id);
      await json(await server.api(`/api/v1/products/${products[products.length - 1]}/sboms?release=1`, { method: 'POST', body: sbom([unique, LOG4J]) }), 201);
    }
    const find = async (q: string) => (await json<{ items: Technology[] }>(await server.api(`/api/v1/technologies?q=${q}`))).items[0];
    assert.deepEqual([(await find('only-here')).vendors, (await find('only-here')).products], [1, 2]);
    const log4jVendors = (await find('log4j')).vendors;
    assert.equal((await server.api(`/api/v1/products/${products[0]}`, { method: 'DELETE' })).status, 204);
    assert.deepEqual([(await find('only-here')).vendors, (await find('only-here')).products], [1, 1]);
    assert.equal((await server.api(`/api/v1/vendors/${vendor}`, { method: 'DELETE' })).status, 204);
    assert.equal(await find('only-here'), undefined);
    assert.equal((await find('log4j')).vendors, log4jVendors - 1);
  });

  test('every route answers 401 without a token', async () => {
    for (const path of ['/api/v1/technologies', '/api/v1/technologies/npm:electron', `/api/v1/vendors/${vendors.V1}/technologies`]) {
      assert.equal((await fetch(`${server.url}${path}`)).status, 401);
    }
  });
});
