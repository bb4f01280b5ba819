// Every public CycloneDX example and a set of SPDX examples (read from ../shared/data, never copied)
// go through the HTTP API: what is stored matches what the parser reads, and comes back intact.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { parseSbom } from './parsers/index.js';

const DATA = new URL('../../../../shared/data/', import.meta.url).pathname;
const CYCLONEDX = join(DATA, 'cyclonedx/SBOM');
const SPDX = join(DATA, 'spdx');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const CYCLONEDX_FILES = files(CYCLONEDX).filter((f) => /\.(json|xml)$/.test(f)).sort();
/** SPDX 2.2/2.3 JSON and tag-value and SPDX 3.0 JSON-LD, with and without packages and relationships. */
const SPDX_FILES = [
  'software_example14_spdx2.3_examplemaven-0.0.1-enriched.spdx.json',
  'software_example11_spdx2.3_sbom.spdx.json',
  'software_example12_spdx2.2_hello-dist.spdx.json',
  'software_example6_spdx2.2_example6-lib.spdx',
  'software_example4_spdx2.2_example4-bin.spdx',
  'software_example14_spdx3.0_examplemaven-0.0.1-enriched.spdx3.json',
  'software_example13_spdx3.0_example13.spdx3.json',
  'ai_example01_spdx3.0_simplehtr-example.json',
].map((name) => join(SPDX, name));

const MEDIA_TYPES: Record<string, string> = { json: 'application/json', xml: 'application/xml', spdx: 'text/plain' };

describeEachEngine('SBOM examples through the API', ({ engine }) => {
  let server: TestServer;
  let productId: string;
  const uploaded: Array<{ file: string; id: string; bytes: Buffer }> = [];

  before(async () => {
    server = await startTestServer(engine);
    const vendor = (await (await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Examples Inc' } })).json()) as { id: string };
    productId = ((await (await server.api(`/api/v1/vendors/${vendor.id}/products`, { method: 'POST', json: { name: 'Examples', type: 'library' } })).json()) as { id: string }).id;
  });
  after(async () => {
    await server?.close();
  });

  const componentRows = async (sbomId: string) =>
    Number((await server.tw.database.db.selectFrom('sbom_components').select((eb) => eb.fn.countAll<number>().as('n')).where('sbom_id', '=', sbomId).executeTakeFirstOrThrow()).n);
  const storedEdges = async (sbomId: string) => {
    const graph = await server.tw.database.db.selectFrom('sbom_graphs').select(['edge_count', 'edges']).where('sbom_id', '=', sbomId).executeTakeFirstOrThrow();
    assert.equal(graph.edges.length, Number(graph.edge_count) * 8);
    return Number(graph.edge_count);
  };

  test(`uploads ${CYCLONEDX_FILES.length} CycloneDX and ${SPDX_FILES.length} SPDX examples; stored counts match the parser`, async () => {
    assert.ok(CYCLONEDX_FILES.length >= 17, `found ${CYCLONEDX_FILES.length} CycloneDX examples`);
    for (const file of [...CYCLONEDX_FILES, ...SPDX_FILES]) {
      const bytes = readFileSync(file);
      const expected = parseSbom(bytes);
      const name = relative(DATA, file);
      const extension = file.split('.').pop()!;
      const res = await server.api(`/api/v1/products/${productId}/sboms?release=${encodeURIComponent(name)}`, {
        method: 'POST',
        body: bytes,
        headers: { 'content-type': MEDIA_TYPES[extension] ?? 'application/octet-stream' },
      });
      const body = (await res.json()) as Record<string, any>;
      assert.equal(res.status, 201, `${name}: ${JSON.stringify(body).slice(0, 300)}`);
      assert.equal(body.format, expected.format, name);
      assert.equal(body.specVersion, expected.specVersion, name);
      assert.equal(body.componentCount, expected.components.length, `${name}: components`);
      assert.equal(body.dependencyCount, expected.dependencies.length, `${name}: dependencies`);
      assert.equal(body.release, name);
      assert.equal(body.current, true);
      assert.equal(body.serialNumber, expected.serialNumber);
      assert.equal(body.root?.name ?? null, expected.root?.name ?? null);
      assert.equal(res.headers.get('location'), `/api/v1/sboms/${body.id}`);
      assert.equal(await componentRows(body.id), expected.components.length, `${name}: component rows`);
      assert.equal(await storedEdges(body.id), expected.dependencies.length, `${name}: stored edges`);
      uploaded.push({ file: name, id: body.id, bytes });
    }
    const audit = await server.tw.database.db.selectFrom('audit_events').select('after').where('action', '=', 'sbom.upload').execute();
    assert.equal(audit.length, uploaded.length, 'one audit event per upload');
  });

  test('each SBOM reads back: metadata, every component once through pagination, every edge, the original bytes', async () => {
    assert.ok(uploaded.length);
    for (const { file, id, bytes } of uploaded.filter((u) => /juice-shop\/v11.1.2\/bom.json|dropwizard.*xml|proton-bridge-v1.8.0.bom.json|laravel-7.12.0\/bom.1.4.json|example14_spdx2.3|example6-lib.spdx/.test(u.file))) {
      const expected = parseSbom(bytes);
      const sbom = (await (await server.api(`/api/v1/sboms/${id}`)).json()) as { componentCount: number };
      assert.equal(sbom.componentCount, expected.components.length);

      const refs: string[] = [];
      let cursor: string | null = null;
      do {
        const page = (await (await server.api(`/api/v1/sboms/${id}/components?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json()) as { items: Array<{ ref: string; purl: string | null }>; nextCursor: string | null };
        refs.push(...page.items.map((c) => c.ref));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(refs, expected.components.map((c) => c.ref), `${file}: components in document order`);

      const edges: string[] = [];
      cursor = null;
      do {
        const page = (await (await server.api(`/api/v1/sboms/${id}/dependencies?limit=37${cursor ? `&cursor=${cursor}` : ''}`)).json()) as { items: Array<{ from: { ref: string }; to: { ref: string } }>; nextCursor: string | null };
        for (const edge of page.items) edges.push(`${edge.from.ref} -> ${edge.to.ref}`);
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(edges.sort(), expected.dependencies.map((d) => `${d.from} -> ${d.to}`).sort(), `${file}: every edge once, both ends named`);

      const plain = await server.api(`/api/v1/sboms/${id}/download`, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(plain.status, 200);
      assert.ok(Buffer.from(await plain.arrayBuffer()).equals(bytes), `${file}: download is byte-identical`);
      assert.match(plain.headers.get('content-type') ?? '', expected.format === 'cyclonedx' ? /^application\/vnd\.cyclonedx\+(json|xml)/ : /spdx|ld\+json/);
      assert.match(plain.headers.get('content-disposition') ?? '', /^attachment; filename="Examples-.+"$/);
    }
  });

  test('a client that accepts gzip gets the stored compressed bytes as they are', async () => {
    const { id, bytes } = uploaded.find((u) => u.file.endsWith('juice-shop/v11.1.2/bom.json'))!;
    const { request } = await import('node:http');
    const compressed = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      const req = request(`${server.url}/api/v1/sboms/${id}/download`, { headers: { authorization: `Bearer ${server.tokens.viewer}`, 'accept-encoding': 'gzip, deflate' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(compressed.encoding, 'gzip');
    assert.ok(compressed.body.length < bytes.length / 4, `${compressed.body.length} bytes compressed from ${bytes.length}`);
    assert.ok(gunzipSync(compressed.body).equals(bytes));
  });
});
