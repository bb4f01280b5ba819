import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import type { Role } from '../../platform/auth/roles.js';
import { parseSbom } from './parsers/index.js';
import { ESTATE } from './sboms.estate.js';
import type { Sbom, Usage } from './sboms.schemas.js';
import { buildCycloneDx } from './test-support/build.js';

const PROTON = new URL('../../../../shared/data/cyclonedx/SBOM/proton-bridge/', import.meta.url).pathname;

interface Problem {
  type: string;
  status: number;
  detail: string;
  field?: string;
}

async function json<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${text.slice(0, 400)}`);
  return JSON.parse(text) as T;
}

async function problem(res: Response, status: number, field?: string): Promise<Problem> {
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const body = await json<Problem>(res, status);
  if (field !== undefined) assert.equal(body.field, field, JSON.stringify(body));
  return body;
}

describeEachEngine('SBOM API', ({ engine }) => {
  let server: TestServer;
  const ids: Record<string, string> = {};

  const upload = async (productId: string, body: string | Buffer, query = '', role: Role = 'analyst') =>
    server.api(`/api/v1/products/${productId}/sboms${query}`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': 'application/vnd.cyclonedx+json' }, role });
  const search = async (query: string, role: Role = 'viewer') => json<{ items: Usage[]; nextCursor: string | null }>(await server.api(`/api/v1/components?${query}`, { role }), 200);

  /** root → app-lib → middle → deep-lib; electron direct; ffmpeg under electron. */
  const chain = (version: string, extra: Parameters<typeof buildCycloneDx>[0]['components'] = []) =>
    buildCycloneDx({
      root: { purl: `pkg:npm/desk-app@${version}`, name: 'desk-app', version },
      direct: ['pkg:npm/electron@22.3.4', 'pkg:npm/app-lib@1.0.0'],
      components: [
        { purl: 'pkg:npm/electron@22.3.4', deps: ['pkg:generic/ffmpeg@5.1.2'] },
        { purl: 'pkg:generic/ffmpeg@5.1.2', hashes: { 'SHA-256': 'a'.repeat(64) } },
        { purl: 'pkg:npm/app-lib@1.0.0', deps: ['pkg:npm/middle@2.0.0'] },
        { purl: 'pkg:npm/middle@2.0.0', deps: ['pkg:npm/deep-lib@3.1.0'] },
        { purl: 'pkg:npm/deep-lib@3.1.0' },
        ...extra,
      ],
    });

  before(async () => {
    server = await startTestServer(engine);
    const vendor = async (name: string) => (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name } }), 201)).id;
    const product = async (vendorId: string, name: string) =>
      (await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendorId}/products`, { method: 'POST', json: { name, type: 'desktop-app' } }), 201)).id;
    ids.proton = await vendor('Proton AG');
    ids.bridge = await product(ids.proton, 'Proton Mail Bridge');
    ids.acme = await vendor('Acme Softphones');
    ids.desk = await product(ids.acme, 'Acme Desk');
    ids.other = await product(ids.acme, 'Acme Other');
  });
  after(async () => {
    await server?.close();
  });

  test('two proton-bridge releases: the diff names every version change and nothing else', async () => {
    const older = readFileSync(`${PROTON}proton-bridge-v1.6.3.bom.json`);
    const newer = readFileSync(`${PROTON}proton-bridge-v1.8.0.bom.xml`);
    const a = await json<Sbom>(await upload(ids.bridge, older), 201);
    const b = await json<Sbom>(await server.api(`/api/v1/products/${ids.bridge}/sboms`, { method: 'POST', body: newer, headers: { 'content-type': 'application/xml' }, role: 'analyst' }), 201);
    assert.deepEqual([a.release, b.release], ['v1.6.3', 'v1.8.0'], 'the release defaults to the root component version');
    assert.deepEqual([a.encoding, b.encoding], ['json', 'xml']);

    // Expected: computed independently from the parser, by purl without version.
    const versions = (bytes: Buffer) => new Map(parseSbom(bytes).components.map((c) => [c.purl!.replace(/@[^@]*$/, ''), c.version]));
    const [before, afterVersions] = [versions(older), versions(newer)];
    const changed = [...before].filter(([key, v]) => afterVersions.has(key) && afterVersions.get(key) !== v).map(([key]) => key.replace('pkg:golang/', '')).sort();
    assert.ok(changed.length > 0);

    const diff = await json(await server.api(`/api/v1/sboms/${a.id}/diff/${b.id}`, { role: 'viewer' }), 200);
    assert.deepEqual(diff.from, { id: a.id, productId: ids.bridge, productName: 'Proton Mail Bridge', release: 'v1.6.3', uploadedAt: a.uploadedAt });
    assert.equal(diff.to.release, 'v1.8.0');
    assert.deepEqual(diff.summary, { added: 0, removed: 0, versionChanged: changed.length, hashChanged: 0, unchanged: before.size - changed.length });
    assert.deepEqual(diff.versionChanged.map((c: { packageName: string }) => c.packageName).sort(), changed);
    const resty = diff.versionChanged.find((c: { packageName: string }) => c.packageName === 'github.com/go-resty/resty/v2');
    assert.deepEqual([resty.ecosystem, resty.fromVersion, resty.toVersion, resty.toPurl], ['Go', 'v2.3.0', 'v2.6.0', 'pkg:golang/github.com/go-resty/resty/v2@v2.6.0']);

    const reverse = await json(await server.api(`/api/v1/sboms/${b.id}/diff/${a.id}`), 200);
    assert.equal(reverse.summary.versionChanged, changed.length);
    assert.equal(reverse.versionChanged.find((c: { packageName: string }) => c.packageName === 'github.com/go-resty/resty/v2').toVersion, 'v2.3.0');
    await problem(await server.api(`/api/v1/sboms/${a.id}/diff/${randomUUID()}`), 404);

    const releases = await json(await server.api(`/api/v1/products/${ids.bridge}/releases`), 200);
    assert.deepEqual(releases.items.map((r: { release: string; currentSbomId: string }) => [r.release, r.currentSbomId]), [['v1.8.0', b.id], ['v1.6.3', a.id]]);
    // Each release keeps its latest SBOM; one release is in use: the newest, until the product names its version.
    const inUse = async () => (await json(await server.api(`/api/v1/products/${ids.bridge}/releases`), 200)).items.filter((r: { inUse: boolean }) => r.inUse).map((r: { release: string }) => r.release);
    assert.deepEqual(await inUse(), ['v1.8.0']);
    await json(await server.api(`/api/v1/products/${ids.bridge}`, { method: 'PATCH', json: { version: 'v1.6.3' } }), 200);
    assert.deepEqual(await inUse(), ['v1.6.3']);
    await json(await server.api(`/api/v1/products/${ids.bridge}`, { method: 'PATCH', json: { version: '9.9.9' } }), 200);
    assert.deepEqual(await inUse(), ['v1.8.0'], 'a version without SBOMs: the newest release');
    await json(await server.api(`/api/v1/products/${ids.bridge}`, { method: 'PATCH', json: { version: null } }), 200);
  });

  test('who uses a package: by purl, by name and ecosystem, with a version filter; direct or transitive with the path from the root', async () => {
    const desk = await json<Sbom>(await upload(ids.desk, chain('18.12.407')), 201);

    const byPurl = await search(`purl=${encodeURIComponent('pkg:npm/electron')}`);
    assert.equal(byPurl.items.length, 1);
    const [electron] = byPurl.items;
    assert.deepEqual(
      { ...electron },
      {
        purl: 'pkg:npm/electron@22.3.4',
        name: 'electron',
        version: '22.3.4',
        ecosystem: 'npm',
        packageName: 'electron',
        vendor: { id: ids.acme, name: 'Acme Softphones', tier: electron.vendor.tier, internal: false },
        product: { id: ids.desk, name: 'Acme Desk' },
        release: '18.12.407',
        sbomId: desk.id,
        direct: true,
        depth: 1,
        identifiedBy: 'purl',
        path: [
          { name: 'desk-app', version: '18.12.407', purl: 'pkg:npm/desk-app@18.12.407' },
          { name: 'electron', version: '22.3.4', purl: 'pkg:npm/electron@22.3.4' },
        ],
        openFindings: 0,
      },
    );

    const deep = await search('name=deep-lib&ecosystem=npm');
    assert.equal(deep.items.length, 1);
    assert.equal(deep.items[0].direct, false);
    assert.equal(deep.items[0].depth, 3);
    assert.deepEqual(deep.items[0].path.map((h) => h.name), ['desk-app', 'app-lib', 'middle', 'deep-lib']);

    const ffmpeg = await search('name=FFmpeg');
    assert.deepEqual(ffmpeg.items.map((u) => [u.ecosystem, u.name, u.version, u.direct, u.path.map((h) => h.name).join('>')]), [['generic', 'ffmpeg', '5.1.2', false, 'desk-app>electron>ffmpeg']]);

    // Version filters: exact (purl or parameter), comparisons in the ecosystem's order, vers ranges.
    assert.equal((await search(`purl=${encodeURIComponent('pkg:npm/electron@22.3.4')}`)).items.length, 1);
    assert.equal((await search(`purl=${encodeURIComponent('pkg:npm/electron@22.3.5')}`)).items.length, 0);
    assert.equal((await search('name=electron&version=22.3.4')).items.length, 1);
    assert.equal((await search(`name=electron&version=${encodeURIComponent('>=22.0.0,<22.10.0')}`)).items.length, 1);
    assert.equal((await search(`name=electron&version=${encodeURIComponent('<22.3.4')}`)).items.length, 0);
    assert.equal((await search(`name=ffmpeg&ecosystem=generic&version=${encodeURIComponent('<6')}`)).items.length, 1);
    assert.equal((await search(`purl=pkg:npm/electron&version=${encodeURIComponent('vers:npm/>=22.0.0|<23.0.0')}`)).items.length, 1);
    assert.equal((await search(`purl=pkg:npm/electron&version=${encodeURIComponent('vers:npm/>=23.0.0')}`)).items.length, 0);
    assert.equal((await search('name=electron&direct=false')).items.length, 0);
    assert.equal((await search(`name=electron&vendorId=${ids.proton}`)).items.length, 0);
    assert.equal((await search(`name=electron&productId=${ids.desk}`)).items.length, 1);

    // Names across ecosystems and with namespaces; Go purls from the proton-bridge SBOMs.
    const logrus = await search('name=logrus');
    assert.deepEqual(logrus.items.map((u) => [u.product.name, u.release, u.version, u.ecosystem]).sort(), [
      ['Proton Mail Bridge', 'v1.6.3', 'v1.7.0', 'Go'],
      ['Proton Mail Bridge', 'v1.8.0', 'v1.7.0', 'Go'],
    ]);
    assert.equal((await search('name=logrus&ecosystem=golang')).items.length, 2);
    assert.equal((await search('name=github.com/sirupsen/logrus')).items.length, 2);
    assert.equal((await search('name=github.com/someone-else/logrus')).items.length, 0);
    assert.equal((await search('name=logrus&ecosystem=npm')).items.length, 0);
    assert.equal((await search(`purl=${encodeURIComponent('pkg:golang/github.com/sirupsen/logrus@v1.7.0')}&ecosystem=Go`)).items.length, 2);

    await problem(await server.api('/api/v1/components', { role: 'viewer' }), 400, 'name');
    await problem(await server.api('/api/v1/components?purl=not-a-purl', { role: 'viewer' }), 400, 'purl');
    await problem(await server.api('/api/v1/components?purl=pkg:npm/x&name=x', { role: 'viewer' }), 400, 'name');
    await problem(await server.api(`/api/v1/components?name=x&version=${encodeURIComponent('vers:npm/>=1|')}`, { role: 'viewer' }), 400, 'version');
    await problem(await server.api(`/api/v1/components?name=x&version=${encodeURIComponent('>=1,~2')}`, { role: 'viewer' }), 400, 'version');
    await problem(await server.api('/api/v1/components?name=x&cursor=garbage', { role: 'viewer' }), 400, 'cursor');
  });

  test('a component without a purl is stored and found by name, marked as a name heuristic', async () => {
    const doc = JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      version: 1,
      metadata: { component: { type: 'application', name: 'kiosk', version: '2.0', 'bom-ref': 'root' } },
      components: [{ type: 'library', name: 'LibWebP', version: '1.3.1', 'bom-ref': 'webp', hashes: [{ alg: 'SHA-256', content: 'b'.repeat(64) }] }],
      dependencies: [{ ref: 'root', dependsOn: ['webp'] }],
    });
    await json(await upload(ids.other, doc, '?release=2.0'), 201);
    const found = await search('name=libwebp');
    assert.deepEqual(
      found.items.map((u) => [u.purl, u.ecosystem, u.name, u.version, u.identifiedBy, u.direct]),
      [[null, 'generic', 'LibWebP', '1.3.1', 'name-heuristic', true]],
    );
  });

  test('pagination of the search walks every hit once, also with a range filter', async () => {
    for (let i = 0; i < 7; i++) {
      await json(await upload(ids.other, chain(`2.${i}.0`), `?release=2.${i}.0`), 201);
    }
    for (const query of ['name=app-lib', `name=app-lib&version=${encodeURIComponent('>=0.1')}`]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await search(`${query}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        assert.ok(page.items.length <= 3);
        seen.push(...page.items.map((u) => `${u.product.name} ${u.release}`));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      assert.equal(seen.length, 8, `${query}: ${seen.join(', ')}`);
      assert.equal(new Set(seen).size, 8);
      assert.equal(pages, 3);
    }
  });

  test('the latest SBOM of a release is current: superseded ones are not searched; deleting it brings the previous back', async () => {
    const first = await json<Sbom>(await upload(ids.desk, chain('5.0.0'), '?release=5.0'), 201);
    const second = await json<Sbom>(
      await upload(ids.desk, chain('5.0.0', [{ purl: 'pkg:npm/newcomer@1.0.0' }]).replace('"dependsOn":["pkg:npm/electron@22.3.4","pkg:npm/app-lib@1.0.0"]', '"dependsOn":["pkg:npm/electron@22.3.4","pkg:npm/app-lib@1.0.0","pkg:npm/newcomer@1.0.0"]'), '?release=5.0'),
      201,
    );
    assert.equal(second.supersedes, first.id);
    assert.equal((await json<Sbom>(await server.api(`/api/v1/sboms/${first.id}`), 200)).current, false);
    const listed = await json(await server.api(`/api/v1/products/${ids.desk}/sboms?release=5.0`), 200);
    assert.deepEqual(listed.items.map((s: Sbom) => [s.id, s.current]), [[second.id, true], [first.id, false]]);
    assert.deepEqual((await json(await server.api(`/api/v1/products/${ids.desk}/sboms?current=false`), 200)).items.map((s: Sbom) => s.id), [first.id]);
    assert.equal((await search(`name=newcomer`)).items.length, 1);
    assert.equal((await search(`name=electron&productId=${ids.desk}&version=22.3.4`)).items.length, 2, 'releases 18.12.407 and 5.0, once each');

    const diff = await json(await server.api(`/api/v1/sboms/${first.id}/diff/${second.id}`), 200);
    assert.deepEqual(diff.summary, { added: 1, removed: 0, versionChanged: 0, hashChanged: 0, unchanged: 5 });

    await problem(await server.api(`/api/v1/sboms/${second.id}`, { method: 'DELETE', role: 'viewer' }), 403);
    assert.equal((await server.api(`/api/v1/sboms/${second.id}`, { method: 'DELETE', role: 'analyst' })).status, 204);
    await problem(await server.api(`/api/v1/sboms/${second.id}`), 404);
    assert.equal((await json<Sbom>(await server.api(`/api/v1/sboms/${first.id}`), 200)).current, true);
    assert.equal((await search('name=newcomer')).items.length, 0);
    const rows = await server.tw.database.db.selectFrom('sbom_components').select('idx').where('sbom_id', '=', second.id).execute();
    assert.equal(rows.length, 0, 'components of a deleted SBOM are gone');
  });

  test('deleting a product removes its SBOMs, components and edges', async () => {
    const product = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${ids.acme}/products`, { method: 'POST', json: { name: 'Short-lived', type: 'agent' } }), 201)).id;
    const sbom = await json<Sbom>(await upload(product, chain('9.9.9')), 201);
    assert.equal((await server.api(`/api/v1/products/${product}`, { method: 'DELETE', role: 'analyst' })).status, 204);
    const db = server.tw.database.db;
    for (const table of ['sbom_components', 'sbom_graphs', 'sbom_documents'] as const) {
      assert.equal((await db.selectFrom(table).select('sbom_id').where('sbom_id', '=', sbom.id).execute()).length, 0, table);
    }
    await problem(await server.api(`/api/v1/sboms/${sbom.id}`), 404);
  });

  test('components and dependencies of one SBOM: filters and the root as idx 0', async () => {
    const desk = (await json(await server.api(`/api/v1/products/${ids.desk}/sboms?release=18.12.407`), 200)).items[0] as Sbom;
    const all = await json(await server.api(`/api/v1/sboms/${desk.id}/components`), 200);
    assert.deepEqual(all.items.map((c: { name: string; depth: number; direct: boolean }) => [c.name, c.depth, c.direct]), [
      ['electron', 1, true],
      ['ffmpeg', 2, false],
      ['app-lib', 1, true],
      ['middle', 2, false],
      ['deep-lib', 3, false],
    ]);
    const ffmpeg = all.items[1];
    assert.deepEqual([ffmpeg.ecosystem, ffmpeg.packageName, ffmpeg.purlType, ffmpeg.hashes], ['generic', 'ffmpeg', 'generic', { 'SHA-256': 'a'.repeat(64) }]);
    assert.deepEqual((await json(await server.api(`/api/v1/sboms/${desk.id}/components?direct=true`), 200)).items.map((c: { name: string }) => c.name), ['electron', 'app-lib']);
    assert.deepEqual((await json(await server.api(`/api/v1/sboms/${desk.id}/components?ecosystem=generic`), 200)).items.map((c: { name: string }) => c.name), ['ffmpeg']);
    assert.deepEqual((await json(await server.api(`/api/v1/sboms/${desk.id}/components?q=LIB`), 200)).items.map((c: { name: string }) => c.name), ['app-lib', 'deep-lib']);
    assert.deepEqual((await json(await server.api(`/api/v1/sboms/${desk.id}/components?q=%25`), 200)).items, [], 'LIKE wildcards are literal');

    const edges = await json(await server.api(`/api/v1/sboms/${desk.id}/dependencies`), 200);
    assert.deepEqual(edges.items.map((e: { from: { idx: number; name: string }; to: { name: string } }) => `${e.from.idx}:${e.from.name}>${e.to.name}`).sort(), [
      '0:desk-app>app-lib',
      '0:desk-app>electron',
      '1:electron>ffmpeg',
      '3:app-lib>middle',
      '4:middle>deep-lib',
    ]);
    const touching = await json(await server.api(`/api/v1/sboms/${desk.id}/dependencies?ref=${encodeURIComponent('pkg:npm/middle@2.0.0')}`), 200);
    assert.equal(touching.items.length, 2);
    await problem(await server.api(`/api/v1/sboms/${desk.id}/dependencies?ref=nope`), 400, 'ref');
    const other = (await json(await server.api(`/api/v1/products/${ids.bridge}/sboms`), 200)).items[0] as Sbom;
    const page = await json(await server.api(`/api/v1/sboms/${other.id}/components?limit=2`), 200);
    await problem(await server.api(`/api/v1/sboms/${desk.id}/components?cursor=${page.nextCursor}`), 400, 'cursor');
  });

  test('the organisation\'s own estate holds SBOMs like a product and is flagged internal', async () => {
    const estate = await json(await server.api('/api/v1/estate', { role: 'viewer' }), 200);
    assert.deepEqual(estate, { vendor: { id: ESTATE.vendorId, name: ESTATE.vendorName }, product: { id: ESTATE.productId, name: ESTATE.productName }, alias: 'estate' });
    const created = await json<Sbom>(
      await upload('estate', buildCycloneDx({ direct: ['pkg:npm/electron@25.0.0'], components: [{ purl: 'pkg:npm/electron@25.0.0' }] }), '?release=intranet-1'),
      201,
    );
    assert.deepEqual([created.productId, created.vendorId], [ESTATE.productId, ESTATE.vendorId]);
    const hit = (await search('name=electron&version=25.0.0')).items[0];
    assert.deepEqual(hit.vendor, { id: ESTATE.vendorId, name: ESTATE.vendorName, tier: 'T4', internal: true });
    assert.equal((await json(await server.api('/api/v1/products/estate/sboms'), 200)).items.length, 1);
  });

  test('authorization: every role reads, only inventory writers upload and delete; unknown ids are 404', async () => {
    const sbom = (await json(await server.api(`/api/v1/products/${ids.desk}/sboms`), 200)).items[0] as Sbom;
    for (const role of ['viewer', 'auditor', 'responder', 'analyst', 'admin'] as const) {
      for (const path of [`/api/v1/sboms/${sbom.id}`, `/api/v1/sboms/${sbom.id}/components`, `/api/v1/sboms/${sbom.id}/dependencies`, `/api/v1/sboms/${sbom.id}/download`, `/api/v1/products/${ids.desk}/sboms`, '/api/v1/components?name=electron']) {
        assert.equal((await server.api(path, { role })).status, 200, `${role} GET ${path}`);
      }
    }
    const doc = chain('7.7.7');
    for (const role of ['viewer', 'auditor', 'responder'] as const) {
      const denied = await problem(await upload(ids.desk, doc, '', role), 403);
      assert.match(denied.detail, /lacks the inventory:write permission/);
    }
    assert.equal((await fetch(`${server.url}/api/v1/products/${ids.desk}/sboms`, { method: 'POST', body: doc })).status, 401);
    assert.equal((await fetch(`${server.url}/api/v1/sboms/${sbom.id}`)).status, 401);
    assert.equal((await upload(ids.desk, doc, '', 'admin')).status, 201);
    await problem(await upload(randomUUID(), doc), 404);
    await problem(await upload('not-a-product', doc), 400, 'id');
    await problem(await server.api(`/api/v1/sboms/${randomUUID()}`), 404);
    await problem(await server.api(`/api/v1/sboms/${randomUUID()}/download`), 404);
    await problem(await server.api(`/api/v1/products/${randomUUID()}/sboms`), 404);
    await problem(await upload(ids.desk, doc, `?release=${encodeURIComponent('bad\u0001release')}`), 400, 'release');
  });
});
