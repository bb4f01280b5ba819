import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { ROLES } from '../../platform/auth/roles.js';
import { createWorker, startTestServer, type TestServer } from '../../../test/support/server.js';
import { createProduct, importFeed, json, problem, uploadSbom } from '../findings/test-support.js';
import { loadDemo } from '../vendors/demo.js';
import { loadDemoSboms } from '../sboms/sboms.demo.js';
import { SEARCH_INDEX_JOB } from './search.index.js';
import { queryShape } from './search.service.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const TROJAN = sha256('search test: trojanized ffmpeg.dll');
const TROJAN_SHA1 = sha1('search test: trojanized ffmpeg.dll');

type Group = { kind: string; more: boolean; items: Array<{ kind: string; id: string; title: string; subtitle: string; path: string }> };
type Answer = { q: string; shape: string; groups: Group[] };

/** A desktop app's SBOM whose components exercise every term: CPEs, scoped purls, a name in Greek, LIKE metacharacters. */
function desktopBom(): string {
  const components = [
    { type: 'file', name: 'ffmpeg.dll', version: '4.4', 'bom-ref': 'ffmpeg', hashes: [{ alg: 'SHA-256', content: TROJAN }, { alg: 'SHA-1', content: TROJAN_SHA1 }], cpe: 'cpe:2.3:a:ffmpeg:ffmpeg:4.4:*:*:*:*:*:*:*' },
    { type: 'library', name: 'core', group: '@babel', version: '7.22.0', purl: 'pkg:npm/%40babel/core@7.22.0', 'bom-ref': 'babel' },
    { type: 'library', name: 'log4j-core', group: 'org.apache.logging.log4j', version: '2.14.1', purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1', 'bom-ref': 'log4j' },
    { type: 'library', name: 'ΣΊΣΥΦΟΣ-Straße', version: '1.0', 'bom-ref': 'greek' },
    { type: 'library', name: '50%_off\\deal', version: '1.0', 'bom-ref': 'meta' },
    { type: 'library', name: '50 percent off deal', version: '1.0', 'bom-ref': 'meta-lookalike' },
  ];
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { component: { type: 'application', name: 'Searchable Softphone', version: '2.0.1', 'bom-ref': 'root' } },
    components,
    dependencies: [{ ref: 'root', dependsOn: components.map((c) => c['bom-ref']) }],
  });
}

const OSV_RECORD = JSON.stringify({
  schema_version: '1.6.0',
  id: 'GHSA-3cx0-sear-ch00',
  modified: '2023-04-01T00:00:00Z',
  published: '2023-03-30T00:00:00Z',
  aliases: ['CVE-2023-29059'],
  summary: 'Search test: trojanized desktop app build',
  affected: [{ package: { ecosystem: 'npm', name: 'search-test-trojan' }, versions: ['1.0.0'] }],
});

describeEachEngine('global search: every kind, query shapes, hostile queries, authorization', ({ engine }) => {
  let server: TestServer;
  let productId: string;
  let sbomId: string;

  const search = async (q: string, extra = '', role: (typeof ROLES)[number] = 'viewer') =>
    json<Answer>(await server.api(`/api/v1/search?${new URLSearchParams({ q })}${extra}`, { role }), 200);
  const group = (answer: Answer, kind: string) => answer.groups.find((g) => g.kind === kind)?.items ?? [];

  before(async () => {
    server = await startTestServer(engine);
    const ctx = systemContext('test');
    await loadDemo(server.tw.services, ctx);
    await loadDemoSboms(server.tw.services, ctx);
    ({ productId } = await createProduct(server, 'Ünïcode Tëlecom GmbH', 'Searchable Softphone'));
    sbomId = (await uploadSbom(server, productId, desktopBom(), '2.0.1')).id;
    await importFeed(server, 'osv', OSV_RECORD);
    await importFeed(server, 'csv-iocs', `type,value\ndomain,msstorageazure.com\nsha256,${TROJAN}\n`, '?source=search-test');
    // Components are indexed by a job queued with each upload: the test server runs no worker, so it runs them here.
    await createWorker(server.tw).drain();
  });
  after(() => server?.close());

  test('"3CX" finds the vendor, its products and the product\'s releases, each with its page', async () => {
    const answer = await search('3CX');
    assert.equal(answer.shape, 'text');
    const vendors = group(answer, 'vendor');
    assert.equal(vendors[0].title, '3CX');
    assert.match(vendors[0].path, /^\/vendors\/[0-9a-f-]{36}$/);
    const products = group(answer, 'product').map((p) => p.title);
    assert.ok(products.includes('3CX Desktop App') && products.includes('3CX Phone System'), products.join());
    const releases = group(answer, 'release').map((r) => r.title);
    assert.ok(releases.includes('3CX Desktop App 18.12.416') && releases.includes('3CX Desktop App 18.12.407'), releases.join());
    for (const g of answer.groups) for (const item of g.items) assert.equal(item.kind, g.kind);
    const page = await json(await server.api(`/api/v1${vendors[0].path}`, { role: 'viewer' }), 200);
    assert.equal(page.name, '3CX');
  });

  test('vendors by alias and domain; a product and version together find the release', async () => {
    assert.equal(group(await search('3cx ltd'), 'vendor')[0]?.title, '3CX');
    assert.equal(group(await search('3cx.net'), 'vendor')[0]?.title, '3CX');
    const release = group(await search('3CX Desktop App 18.12.416'), 'release');
    assert.equal(release[0]?.title, '3CX Desktop App 18.12.416');
    assert.match(release[0].path, /^\/sboms\//);
    assert.deepEqual(group(await search('18.12.40'), 'release').map((r) => r.title), ['3CX Desktop App 18.12.407']);
  });

  test('components by name, word, purl and CPE, with their use; case folded beyond ASCII', async () => {
    assert.deepEqual(group(await search('log4j'), 'component').map((c) => c.title).sort(), ['org.apache.logging.log4j/log4j-api', 'org.apache.logging.log4j/log4j-core']);
    const log4j = group(await search('Log4J-Co'), 'component');
    assert.equal(log4j[0]?.title, 'org.apache.logging.log4j/log4j-core');
    assert.match(log4j[0].subtitle, /^pkg:maven\/org\.apache\.logging\.log4j\/log4j-core · in 2 SBOMs · 2 products · 2 vendors$/, 'the demo\'s and this test\'s');
    assert.equal(log4j[0].path, `/technologies/${encodeURIComponent(log4j[0].id)}`);
    assert.equal((await json(await server.api(`/api/v1/technologies/${encodeURIComponent(log4j[0].id)}`, { role: 'viewer' }), 200)).key, log4j[0].id);
    assert.ok(group(await search('core'), 'component').some((c) => c.title === '@babel/core'), 'a word inside the name');
    const purl = await search('pkg:npm/@babel/core@7.22.0');
    assert.equal(purl.shape, 'purl');
    assert.deepEqual(purl.groups.map((g) => g.kind), ['component']);
    assert.equal(group(purl, 'component')[0]?.title, '@babel/core');
    const cpe = await search('cpe:2.3:a:ffmpeg:ffmpeg');
    assert.equal(cpe.shape, 'cpe');
    // The declared CPE, and the demo's ffmpeg whose CPE is inferred (modules/cpes).
    assert.ok(group(cpe, 'component').some((c) => c.title === 'ffmpeg.dll'), JSON.stringify(cpe));
    // Upper-case Greek with a final sigma, and ẞ/ss, find the stored name on both engines alike.
    for (const q of ['σίσυφος', 'ΣΊΣΥΦΟΣ-STRASSE', 'σίσυφος-straße', 'strasse']) assert.equal(group(await search(q), 'component')[0]?.title, 'ΣΊΣΥΦΟΣ-Straße', q);
    assert.match(group(await search('σίσυφος'), 'component')[0].subtitle, /^generic · in 1 SBOM · 1 product · 1 vendor$/);
    const electron = group(await search('electron'), 'component')[0];
    assert.equal(electron?.title, 'electron');
    assert.match(electron.subtitle, /in \d+ SBOMs? · \d+ products? · \d+ vendors?/);
  });

  test('a SHA-256 or SHA-1 finds the SBOM component that carries it, and the hash indicator; upper-case hex too', async () => {
    const answer = await search(TROJAN.toUpperCase());
    assert.equal(answer.shape, 'hash');
    assert.deepEqual(answer.groups.map((g) => g.kind), ['hash', 'indicator']);
    const hit = group(answer, 'hash')[0];
    assert.equal(hit.title, 'ffmpeg.dll 4.4');
    assert.match(hit.subtitle, /^SHA-256 of a component in Searchable Softphone 2\.0\.1 · Ünïcode Tëlecom GmbH$/);
    assert.equal(hit.path, `/sboms/${sbomId}?q=ffmpeg.dll`);
    assert.equal(group(answer, 'indicator')[0].title, TROJAN);
    assert.equal(group(await search(TROJAN_SHA1), 'hash')[0]?.title, 'ffmpeg.dll 4.4');
    // The demo's own component hashes: every demo component carries a SHA-256.
    const demoHash = await server.tw.database.db.selectFrom('sbom_component_hashes').select('value').where('alg', '=', 'sha256').where('sbom_id', '!=', sbomId).limit(1).executeTakeFirstOrThrow();
    const demoHits = group(await search(demoHash.value), 'hash');
    assert.ok(demoHits.length >= 1 && demoHits.every((h) => h.title === demoHits[0].title && h.path.startsWith('/sboms/')));
    assert.deepEqual((await search('0'.repeat(64))).groups, []);
  });

  test('an advisory id or alias finds the advisory once imported, also by the start of an id', async () => {
    for (const q of ['CVE-2023-29059', 'cve-2023-29059', 'GHSA-3cx0-sear-ch00', 'CVE-2023-2905']) {
      const answer = await search(q);
      assert.equal(answer.shape, 'advisory-id', q);
      const hit = group(answer, 'advisory')[0];
      assert.ok(hit, q);
      assert.match(hit.title, /^(GHSA-3CX0-SEAR-CH00|CVE-2023-29059)/);
      assert.match(hit.subtitle, /trojanized desktop app build/);
      assert.equal((await json(await server.api(`/api/v1${hit.path}`, { role: 'viewer' }), 200)).summary, 'Search test: trojanized desktop app build');
    }
    assert.deepEqual((await search('CVE-1999-0001')).groups, []);
  });

  test('a CPE finds the release whose product or SBOM root carries one of its vendor and product', async () => {
    const carried = await server.tw.database.db
      .selectFrom('sbom_component_cpes as k')
      .innerJoin('sboms as s', 's.id', 'k.sbom_id')
      .innerJoin('products as p', 'p.id', 's.product_id')
      .select(['k.cpe'])
      .where('p.name', '=', '3CX Desktop App')
      .where('s.release', '=', '18.12.416')
      .where('k.idx', '=', 0)
      .executeTakeFirstOrThrow();
    const [, , part, vendor, product] = carried.cpe.split(':');
    const answer = await search(`cpe:2.3:${part}:${vendor}:${product}`);
    assert.equal(answer.shape, 'cpe');
    assert.ok(group(answer, 'release').some((r) => r.title === '3CX Desktop App 18.12.416'), JSON.stringify(answer));
    assert.deepEqual((await search('cpe:2.3:a:nobody:nothing')).groups, []);
  });

  test('indicators by value', async () => {
    const hit = group(await search('MSStorageAzure.com'), 'indicator')[0];
    assert.equal(hit?.title, 'msstorageazure.com');
    assert.match(hit.path, /^\/indicators\//);
  });

  test('query shapes', () => {
    assert.equal(queryShape('d41d8cd98f00b204e9800998ecf8427e'), 'hash');
    assert.equal(queryShape('da39a3ee5e6b4b0d3255bfef95601890afd80709'), 'hash');
    assert.equal(queryShape('a'.repeat(128)), 'hash');
    assert.equal(queryShape('a'.repeat(63)), 'text');
    assert.equal(queryShape('GO-2023-1234'), 'advisory-id');
    assert.equal(queryShape('ghsa-xxxx-yyyy-zzzz'), 'advisory-id');
    assert.equal(queryShape('pkg:golang/golang.org/x/net'), 'purl');
    assert.equal(queryShape('cpe:2.3:a:3cx:desktop_app'), 'cpe');
    assert.equal(queryShape('cpe:/a:3cx'), 'cpe');
    assert.equal(queryShape('3CX'), 'text');
    assert.equal(queryShape('GOLANG'), 'text');
  });

  test('hostile queries: empty, blank, too long, unknown fields are 400 problems; metacharacters are literal', async () => {
    for (const qs of ['', '?q=', `?q=${'%20'.repeat(3)}`, `?q=${'x'.repeat(1000)}`, '?q=3cx&limit=0', '?q=3cx&limit=51', '?q=3cx&other=1']) {
      const body = await problem(await server.api(`/api/v1/search${qs}`, { role: 'viewer' }), 400);
      assert.ok(body.errors?.length, qs);
    }
    assert.equal((await search('x'.repeat(300))).groups.length, 0, 'the longest query allowed answers');
    const meta = group(await search('50%_off\\'), 'component').map((c) => c.title);
    assert.deepEqual(meta, ['50%_off\\deal'], 'a % or _ matches only itself');
    for (const q of ['%', '_', '\\', "'; drop table vendors; --", '%%%%', '\u0000', '"]*']) {
      const res = await server.api(`/api/v1/search?${new URLSearchParams({ q })}`, { role: 'viewer' });
      assert.ok(res.status === 200 || res.status === 400, `${JSON.stringify(q)} → ${res.status}`);
      if (res.status === 200) for (const g of ((await res.json()) as Answer).groups) assert.ok(g.kind !== 'vendor' || g.items.every((v) => v.title.includes(q)), q);
    }
    assert.ok(group(await search('3CX'), 'vendor').length, 'the vendors table is still there');
  });

  test('limit and more; every role can search and sees every kind it may read; no token is 401', async () => {
    const one = await search('3CX', '&limit=1');
    const products = one.groups.find((g) => g.kind === 'product')!;
    assert.deepEqual([products.items.length, products.more], [1, true]);
    for (const role of ROLES) assert.ok(group(await search('3CX', '', role), 'vendor').length, role);
    await problem(await server.api('/api/v1/search?q=3CX', { role: null }), 401);
  });
});

describeEachEngine('global search: components indexed by a job queued with the upload', ({ engine }) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(engine);
  });
  after(() => server?.close());

  const components = async (q: string) => {
    const answer = await json<Answer>(await server.api(`/api/v1/search?${new URLSearchParams({ q })}`, { role: 'viewer' }), 200);
    return answer.groups.find((g) => g.kind === 'component')?.items.map((c) => c.title) ?? [];
  };
  const indexJobs = () => server.tw.database.db.selectFrom('jobs').select(['status', 'result']).where('kind', '=', SEARCH_INDEX_JOB).execute();
  const termCount = async () => Number((await server.tw.database.db.selectFrom('search_component_terms').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  test('the upload commits the job with the SBOM; run (twice, or for an SBOM deleted meanwhile) it indexes each identity once', async () => {
    const { productId } = await createProduct(server, 'Deferred Index GmbH', 'Deferred Desktop');
    const sbom = await uploadSbom(server, productId, desktopBom(), '2.0.1');
    assert.deepEqual(await indexJobs(), [{ status: 'queued', result: null }], 'queued by the upload, which waited for no index write');
    assert.deepEqual(await components('log4j-core'), []);

    const worker = createWorker(server.tw);
    assert.equal(await worker.drain(), 1);
    assert.deepEqual(await components('log4j-core'), ['org.apache.logging.log4j/log4j-core']);
    assert.deepEqual(JSON.parse((await indexJobs())[0].result!), { components: 6 });

    // Run again (as after a crash between its writes and its end): nothing is written twice.
    const terms = await termCount();
    await server.tw.services.jobs.enqueue(SEARCH_INDEX_JOB, { sbomId: sbom.id });
    assert.equal(await worker.drain(), 1);
    assert.equal(await termCount(), terms);
    assert.deepEqual(await components('log4j-core'), ['org.apache.logging.log4j/log4j-core']);

    // An SBOM deleted before its job runs: the job ends with nothing to index.
    const { productId: other } = await createProduct(server, 'Deleted Index GmbH', 'Gone Desktop');
    const gone = await uploadSbom(server, other, desktopBom().replaceAll('log4j-core', 'log4j-gone'), '1.0');
    assert.equal((await server.api(`/api/v1/sboms/${gone.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await server.api(`/api/v1/sboms/${gone.id}`)).status, 404);
    assert.equal(await worker.drain(), 1);
    const ended = await indexJobs();
    assert.deepEqual(ended.map((j) => j.status), ['done', 'done', 'done']);
    assert.ok(ended.some((j) => j.result === JSON.stringify({ components: 0 })));
    assert.deepEqual(await components('log4j-gone'), []);
  });
});
