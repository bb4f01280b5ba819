// Malformed and hostile uploads: each is refused with a 4xx problem naming the problem (the
// parser's pointer in "field"), nothing is stored, and the server keeps answering.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { buildCycloneDx } from './test-support/build.js';

const EXAMPLES = new URL('../../../../shared/data/cyclonedx/SBOM/', import.meta.url).pathname;
const NS = 'http://cyclonedx.org/schema/bom/1.4';
const LIMIT_MB = 2;

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE bom [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]>
<bom xmlns="${NS}" version="1"><components><component type="library"><name>&lol9;</name></component></components></bom>`;
const externalEntity = `<?xml version="1.0"?>
<!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bom xmlns="${NS}" version="1"><components><component type="library"><name>&xxe;</name></component></components></bom>`;
const deepJson = `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[${'{"type":"library","name":"n","components":['.repeat(10_000)}{"type":"library","name":"leaf"}${']}'.repeat(10_000)}]}`;
const deepXml = `<?xml version="1.0"?><bom xmlns="${NS}" version="1"><components>${'<component type="library"><name>x</name><components>'.repeat(10_000)}${'</components></component>'.repeat(10_000)}</components></bom>`;
const deepArrays = `{"bomFormat":"CycloneDX","specVersion":"1.5","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
const duplicateRefs = JSON.stringify({
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  components: [
    { type: 'library', name: 'a', 'bom-ref': 'same' },
    { type: 'library', name: 'b', 'bom-ref': 'same' },
  ],
});
const badPercent = buildCycloneDx({ components: [{ purl: 'pkg:npm/fine@1.0.0' }, { name: 'broken', ref: 'broken', purl: 'pkg:npm/bro%zzken@1.0.0' }] });
const spdxTagValueBadPurl = [
  'SPDXVersion: SPDX-2.3',
  'DataLicense: CC0-1.0',
  'SPDXID: SPDXRef-DOCUMENT',
  'DocumentName: x',
  'DocumentNamespace: https://example.com/x',
  'Creator: Tool: test',
  'Created: 2024-01-01T00:00:00Z',
  '',
  'PackageName: a',
  'SPDXID: SPDXRef-a',
  'PackageDownloadLocation: NOASSERTION',
  'ExternalRef: PACKAGE-MANAGER purl pkg:npm/a%ZZ@1',
  '',
].join('\n');

interface Case {
  name: string;
  body: string | Buffer;
  contentType?: string;
  status?: number;
  /** The problem's field: exact text, or a pattern. */
  field?: string | RegExp;
  detail: RegExp;
}

const CASES: Case[] = [
  { name: 'truncated JSON', body: readFileSync(`${EXAMPLES}dropwizard-1.3.15/bom.json`).subarray(0, 5000), field: /^(line \d+|\/)$/, detail: /invalid JSON \(truncated\?\)/ },
  { name: 'truncated XML', body: readFileSync(`${EXAMPLES}laravel-7.12.0/bom.1.4.xml`).subarray(0, 5000), contentType: 'application/xml', field: /^line \d+$/, detail: /XML|unclosed|end/i },
  { name: 'unknown CycloneDX spec version', body: '{"bomFormat":"CycloneDX","specVersion":"2.0","components":[]}', field: '/specVersion', detail: /unsupported CycloneDX specVersion "2\.0"/ },
  { name: 'unknown SPDX version', body: JSON.stringify({ spdxVersion: 'SPDX-9.9', SPDXID: 'SPDXRef-DOCUMENT', name: 'x' }), detail: /unsupported SPDX version "SPDX-9\.9"/ },
  { name: 'billion laughs', body: billionLaughs, contentType: 'text/xml', field: 'line 2', detail: /DTDs and entity declarations are refused/ },
  { name: 'external entity', body: externalEntity, contentType: 'application/xml', field: 'line 2', detail: /entities are never expanded/ },
  { name: '10,000-deep JSON component nesting', body: deepJson, field: /^(\/components\/0){65}$/, detail: /nested deeper than 64 levels/ },
  { name: '10,000-deep XML nesting', body: deepXml, contentType: 'application/xml', field: 'line 1', detail: /nested deeper than/ },
  { name: '10,000-deep JSON arrays', body: deepArrays, detail: /schema validation failed/ },
  { name: 'duplicate bom-refs', body: duplicateRefs, field: '/components/1', detail: /duplicate ref "same"/ },
  { name: 'purl with bad percent-encoding', body: badPercent, field: '/components/1', detail: /invalid purl "pkg:npm\/bro%zzken@1\.0\.0".*percent-encoding/ },
  { name: 'bad purl in SPDX tag-value', body: spdxTagValueBadPurl, contentType: 'text/spdx', field: 'line 9', detail: /invalid purl "pkg:npm\/a%ZZ@1"/ },
  { name: 'not an SBOM', body: '{"hello":"world"}', detail: /unrecognised document/ },
  { name: 'binary garbage', body: Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0x80]), contentType: 'application/octet-stream', detail: /unrecognised document|invalid/ },
  { name: 'empty body', body: '', detail: /body is empty/ },
  { name: 'JSON that is not an object', body: '[1,2,3]', detail: /unrecognised document/ },
];

describeEachEngine('hostile SBOM uploads', ({ engine }) => {
  let server: TestServer;
  let productId: string;

  before(async () => {
    server = await startTestServer(engine, { THIRDWATCH_MAX_UPLOAD_MB: String(LIMIT_MB) });
    const vendor = (await (await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Hostile Ltd' } })).json()) as { id: string };
    productId = ((await (await server.api(`/api/v1/vendors/${vendor.id}/products`, { method: 'POST', json: { name: 'Target', type: 'agent' } })).json()) as { id: string }).id;
  });
  after(async () => {
    await server?.close();
  });

  async function rowCounts() {
    const db = server.tw.database.db;
    const n = async (table: 'sboms' | 'sbom_components' | 'sbom_graphs' | 'sbom_documents' | 'audit_events') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return { sboms: await n('sboms'), components: await n('sbom_components'), graphs: await n('sbom_graphs'), documents: await n('sbom_documents'), audit: await n('audit_events') };
  }

  async function alive() {
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200, 'the server still answers');
  }

  for (const c of CASES) {
    test(`${c.name}: ${c.status ?? 400} naming the problem, nothing stored`, async () => {
      const before = await rowCounts();
      const res = await server.api(`/api/v1/products/${productId}/sboms`, { method: 'POST', body: typeof c.body === 'string' ? c.body : new Uint8Array(c.body), headers: { 'content-type': c.contentType ?? 'application/json' }, role: 'analyst' });
      const text = await res.text();
      assert.equal(res.status, c.status ?? 400, text.slice(0, 500));
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const problem = JSON.parse(text) as { type: string; title: string; detail: string; field?: string; errors?: Array<{ field: string; reason: string }> };
      assert.equal(problem.type, 'https://thirdwatch.dev/problems/validation-failed');
      assert.match(problem.detail, c.detail);
      if (c.field instanceof RegExp) assert.match(problem.field ?? '', c.field);
      else if (c.field !== undefined) assert.equal(problem.field, c.field);
      assert.ok(problem.errors?.length, 'errors[] lists the problems');
      assert.deepEqual(await rowCounts(), before, 'nothing was stored or audited');
      await alive();
    });
  }

  test('lenient=true stores an SBOM without its invalid purls and reports them as warnings', async () => {
    const res = await server.api(`/api/v1/products/${productId}/sboms?lenient=true`, { method: 'POST', body: badPercent, role: 'analyst' });
    const body = (await res.json()) as { componentCount: number; warnings: string[]; id: string };
    assert.equal(res.status, 201);
    assert.equal(body.componentCount, 2);
    assert.match(body.warnings[0], /invalid purl "pkg:npm\/bro%zzken@1\.0\.0" dropped/);
    const components = (await (await server.api(`/api/v1/sboms/${body.id}/components`)).json()) as { items: Array<{ name: string; purl: string | null; ecosystem: string }> };
    assert.deepEqual(components.items.map((c) => [c.name, c.purl, c.ecosystem]), [['fine', 'pkg:npm/fine@1.0.0', 'npm'], ['broken', null, 'generic']]);
  });

  test('dependency cycles are legal: stored, and every path from the root terminates', async () => {
    const cyclic = buildCycloneDx({
      direct: ['pkg:npm/a@1.0.0'],
      components: [
        { purl: 'pkg:npm/a@1.0.0', deps: ['pkg:npm/b@1.0.0'] },
        { purl: 'pkg:npm/b@1.0.0', deps: ['pkg:npm/c@1.0.0', 'pkg:npm/b@1.0.0'] },
        { purl: 'pkg:npm/c@1.0.0', deps: ['pkg:npm/a@1.0.0', 'pkg:generic/test-product@1.0.0'] },
      ],
    });
    const res = await server.api(`/api/v1/products/${productId}/sboms?release=cyclic`, { method: 'POST', body: cyclic, role: 'analyst' });
    assert.equal(res.status, 201, await res.clone().text());
    const hits = (await (await server.api('/api/v1/components?purl=pkg:npm/c')).json()) as { items: Array<{ depth: number; path: Array<{ name: string }> }> };
    assert.deepEqual(hits.items.map((h) => [h.depth, h.path.map((p) => p.name).join('>')]), [[3, 'test-product>a>b>c']]);
  });

  test('a NUL character inside the document is refused with a 400 naming its byte offset, on both engines', async () => {
    const before = await rowCounts();
    const doc = buildCycloneDx({ components: [{ purl: 'pkg:npm/nul@1.0.0', name: 'nul\u0000name' }] });
    const res = await server.api(`/api/v1/products/${productId}/sboms?release=nul`, { method: 'POST', body: doc, role: 'analyst' });
    const problem = (await res.json()) as { type: string; detail: string };
    assert.equal(res.status, 400);
    assert.equal(problem.type, 'https://thirdwatch.dev/problems/validation-failed');
    assert.match(problem.detail, new RegExp(`byte offset ${doc.indexOf('\\u0000')}: must not contain the NUL character`));
    assert.deepEqual(await rowCounts(), before);
  });

  test(`an upload over the limit (${LIMIT_MB} MB) is 413 and stores nothing`, async () => {
    const before = await rowCounts();
    const big = Buffer.alloc(LIMIT_MB * 1024 * 1024 + 1, 0x20);
    const res = await server.api(`/api/v1/products/${productId}/sboms`, { method: 'POST', body: big, role: 'analyst' });
    assert.equal(res.status, 413);
    const problem = (await res.json()) as { type: string; detail: string };
    assert.equal(problem.type, 'https://thirdwatch.dev/problems/payload-too-large');
    assert.equal(problem.detail, `the body exceeds the limit of ${LIMIT_MB * 1024 * 1024} bytes`);
    assert.deepEqual(await rowCounts(), before);
    await alive();
  });

  test('a 2 GB upload is refused from its Content-Length, before the body is sent', async () => {
    const before = await rowCounts();
    const { port } = new URL(server.url);
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let received = '';
      socket.setTimeout(10_000, () => reject(new Error(`no answer within 10 s: ${received}`)));
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        if (/\r\n\r\n[\s\S]*\}/.test(received)) {
          socket.destroy();
          resolve(received);
        }
      });
      socket.on('error', (error) => (received ? resolve(received) : reject(error)));
      socket.write(
        [
          `POST /api/v1/products/${productId}/sboms HTTP/1.1`,
          `Host: 127.0.0.1:${port}`,
          `Authorization: Bearer ${server.tokens.analyst}`,
          'Content-Type: application/json',
          `Content-Length: ${2 * 1024 * 1024 * 1024}`,
          '',
          '{"bomFormat":"CycloneDX",',
        ].join('\r\n'),
      );
    });
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /payload-too-large/);
    assert.match(answer, new RegExp(`exceeds the limit of ${LIMIT_MB * 1024 * 1024} bytes`));
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(await rowCounts(), before);
    await alive();
  });
});
