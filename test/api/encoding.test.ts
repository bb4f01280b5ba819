import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachEngine } from '../../src/platform/db/test-support/engines.js';
import { systemContext } from '../../src/platform/context.js';
import { AppError } from '../../src/platform/errors.js';
import { insertRows } from '../../src/modules/matching/bulk.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Problem {
  type: string;
  status: number;
  detail: string;
  field?: string;
}

const osvRecord = (summary: string) =>
  `{"id":"GHSA-enc0-0000-0001","modified":"2024-01-01T00:00:00Z","summary":"${summary}","affected":[{"package":{"ecosystem":"npm","name":"enc-test"},"versions":["1.0.0"]}]}`;
/** Byte offset of the summary's text in osvRecord. */
const SUMMARY_AT = osvRecord('').indexOf('"summary":"') + '"summary":"'.length;
const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const CYCLONEDX = (name: string) => `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"${name}","version":"1.0.0","purl":"pkg:npm/enc-test@1.0.0"}]}`;

describeEachEngine('encoding: one 400 for text that cannot be stored as written', ({ engine }) => {
  let server: TestServer;
  let productId: string;
  before(async () => {
    server = await startTestServer(engine);
    const vendor = await server.tw.services.vendors.create({ name: 'Encoding Vendor' }, systemContext('test'));
    const product = await server.api(`/api/v1/vendors/${vendor.id}/products`, { method: 'POST', json: { name: 'Encoding Product', type: 'library' } });
    assert.equal(product.status, 201, await product.clone().text());
    productId = ((await product.json()) as { id: string }).id;
  });
  after(async () => {
    await server?.close();
  });

  const send = async (path: string, body: Buffer | string, type: string): Promise<Problem> => {
    const res = await server.api(path, { method: 'POST', body: body as BodyInit, headers: { 'content-type': type } });
    const text = await res.text();
    assert.equal(res.status, 400, `${path}: ${res.status} ${text.slice(0, 300)}`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const problem = JSON.parse(text) as Problem;
    assert.equal(problem.type, 'https://thirdwatch.dev/problems/validation-failed');
    assert.doesNotMatch(text, /invalid byte sequence for encoding|unsupported Unicode escape|\\u0000 cannot be converted|SQLITE|syntax error/i, 'no database text');
    return problem;
  };
  const counts = async () => {
    const db = server.tw.database.db;
    const n = async (table: 'vendors' | 'advisories' | 'sboms') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow()).n);
    return { vendors: await n('vendors'), advisories: await n('advisories'), sboms: await n('sboms') };
  };

  test('invalid UTF-8 in a JSON, CSV, SBOM or feed body is a 400 naming the byte offset, never U+FFFD', async () => {
    const before = await counts();
    const json = await send('/api/v1/vendors', bytes('{"name":"Bad', [0xff], ' Vendor"}'), 'application/json');
    assert.match(json.detail, /not valid UTF-8.*byte offset 12/);
    assert.equal(json.field, 'byte 12');
    const csv = await send('/api/v1/vendors/import', bytes('name\nGood Vendor\nBad ', [0xc3, 0x28], ' Vendor\n'), 'text/csv');
    assert.match(csv.detail, /byte offset 21/);
    const sbom = await send(`/api/v1/products/${productId}/sboms`, bytes(CYCLONEDX('enc'), [0xed, 0xa0, 0x80]), 'application/json');
    assert.match(sbom.detail, /not valid UTF-8.*byte offset \d+/);
    const feed = await send('/api/v1/feeds/osv/import?wait=true', bytes(osvRecord('bad '), [0xe2, 0x82]), 'application/json');
    assert.match(feed.detail, /not valid UTF-8.*byte offset \d+/);
    assert.deepEqual(await counts(), before, 'nothing was stored');
  });

  test('a lone surrogate is refused, naming the field (JSON) or the byte offset (uploads)', async () => {
    const before = await counts();
    const json = await send('/api/v1/vendors', '{"name":"Lone \\ud800 Vendor"}', 'application/json');
    assert.equal(json.field, '/name');
    assert.match(json.detail, /unpaired UTF-16 surrogate/);
    const key = await send('/api/v1/vendors', '{"name":"x","\\udc00":1}', 'application/json');
    assert.equal(key.field, '/\udc00', 'an object key is named too');
    const osv = await send('/api/v1/feeds/osv/import?wait=true', osvRecord('lone \\ud800 surrogate'), 'application/json');
    assert.match(osv.detail, new RegExp(`byte offset ${SUMMARY_AT + 5}: must not contain an unpaired UTF-16 surrogate`));
    const sbom = await send(`/api/v1/products/${productId}/sboms`, CYCLONEDX('lone \\udfff'), 'application/json');
    assert.match(sbom.detail, /unpaired UTF-16 surrogate/);
    // A proper pair (an emoji) is text like any other.
    const paired = await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Paired \ud83d\ude00 Vendor' } });
    assert.equal(paired.status, 201, await paired.clone().text());
    assert.equal(((await paired.json()) as { name: string }).name, 'Paired \ud83d\ude00 Vendor');
    assert.deepEqual(await counts(), { ...before, vendors: before.vendors + 1 });
  });

  test('a NUL in an OSV record is the same 400 on both engines, with no database text', async () => {
    const before = await counts();
    const escaped = await send('/api/v1/feeds/osv/import?wait=true', osvRecord('nul \\u0000 inside'), 'application/json');
    assert.equal(escaped.detail, `the document at byte offset ${SUMMARY_AT + 4}: must not contain the NUL character (U+0000)`);
    assert.equal(escaped.field, `byte ${SUMMARY_AT + 4}`);
    const raw = await send('/api/v1/feeds/osv/import?wait=true', osvRecord('raw \u0000 nul'), 'application/json');
    assert.match(raw.detail, new RegExp(`byte offset ${SUMMARY_AT + 4}: must not contain the NUL character`));
    assert.deepEqual(await counts(), before);
  });

  test('a NUL or lone-surrogate character reference in a CycloneDX XML upload is a 400 naming the field', async () => {
    const before = await counts();
    const xml = (name: string) =>
      `<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1"><components><component type="library"><name>ok</name><version>1.0.0</version></component><component type="library"><name>${name}</name><version>1.0.0</version><purl>pkg:npm/enc-test@1.0.0</purl></component></components></bom>`;
    for (const [reference, reason] of [
      ['&#0;', /must not contain the NUL character/],
      ['&#x0;', /must not contain the NUL character/],
      ['&#xD800;', /must not contain an unpaired UTF-16 surrogate/],
    ] as const) {
      const problem = await send(`/api/v1/products/${productId}/sboms`, xml(`bad ${reference} name`), 'application/xml');
      assert.equal(problem.field, '/components/1/name', JSON.stringify(problem));
      assert.match(problem.detail, reason);
    }
    assert.deepEqual(await counts(), before, 'nothing was stored');
  });

  test('KEV, OpenVEX and CycloneDX VEX documents from a file holding a NUL or lone surrogate are refused whole, naming the field; nothing is rewritten to U+FFFD', async () => {
    const ctx = systemContext('test');
    const db = server.tw.database.db;
    const stored = async () => ({
      kev: Number((await db.selectFrom('kev_entries').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow()).n),
      vex: Number((await db.selectFrom('vex_statements').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow()).n),
    });
    const before = await stored();
    const kevEntry = (vendorProject: string) => ({ cveID: 'CVE-2024-0001', vendorProject, product: 'p', vulnerabilityName: 'n', dateAdded: '2024-01-01', shortDescription: 'd', requiredAction: 'a', dueDate: '2024-02-01', knownRansomwareCampaignUse: 'Unknown', notes: '' });
    const documents = [
      { kind: 'kev', field: '/vulnerabilities/1/vendorProject', body: (bad: string) => ({ title: 'KEV', catalogVersion: '1', dateReleased: '2024-01-01T00:00:00Z', count: 2, vulnerabilities: [kevEntry('fine'), kevEntry(bad)] }) },
      {
        kind: 'openvex',
        field: '/statements/0/impact_statement',
        body: (bad: string) => ({ '@context': 'https://openvex.dev/ns/v0.2.0', '@id': 'https://example.com/vex/enc', author: 'Enc', timestamp: '2024-01-01T00:00:00Z', version: 1, statements: [{ vulnerability: { name: 'CVE-2024-0001' }, products: [{ '@id': 'pkg:npm/enc-test@1.0.0' }], status: 'not_affected', justification: 'vulnerable_code_not_present', impact_statement: bad }] }),
      },
      {
        kind: 'cyclonedx-vex',
        field: '/vulnerabilities/0/analysis/detail',
        body: (bad: string) => ({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, components: [{ 'bom-ref': 'c1', type: 'library', name: 'enc-test', version: '1.0.0', purl: 'pkg:npm/enc-test@1.0.0' }], vulnerabilities: [{ id: 'CVE-2024-0001', analysis: { state: 'not_affected', justification: 'code_not_present', detail: bad }, affects: [{ ref: 'c1' }] }] }),
      },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'thirdwatch-enc-'));
    try {
      for (const { kind, field, body } of documents) {
        for (const [bad, reason] of [
          ['nul \\u0000 text', /must not contain the NUL character/],
          ['lone \\ud800 text', /must not contain an unpaired UTF-16 surrogate/],
        ] as const) {
          const file = join(dir, `${kind}.json`);
          // The escape as it appears in the file: JSON.stringify of a placeholder, then the raw escape.
          writeFileSync(file, JSON.stringify(body('PLACEHOLDER')).replace('PLACEHOLDER', bad));
          await assert.rejects(server.tw.services.feeds.importPath(kind, file, {}, ctx), (error: unknown) => {
            assert.ok(error instanceof AppError, String(error));
            assert.equal(error.status, 400);
            assert.equal(error.errors[0]?.field, field, `${kind}: ${JSON.stringify(error.errors)}`);
            assert.match(error.message, reason);
            return true;
          });
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(await stored(), before, 'nothing was stored');
    const replaced = await db.selectFrom('kev_entries').select('cve_id').where('vendor_project', 'like', '%\uFFFD%').execute();
    assert.deepEqual(replaced, []);
  });

  test('behind the edge (CLI, archives, services), the database layer refuses the same text alike on both engines', async () => {
    const ctx = systemContext('test');
    for (const name of ['nul \u0000 vendor', 'lone \ud800 vendor']) {
      await assert.rejects(server.tw.services.vendors.create({ name }, ctx), (error: unknown) => {
        assert.ok(error instanceof AppError, String(error));
        assert.equal(error.status, 400);
        assert.match(error.message, /^a text value must not contain (the NUL character|an unpaired UTF-16 surrogate)/);
        return true;
      });
    }
    // Bulk writes (a column of values bound as one array on PostgreSQL) are checked value by value.
    for (const bad of ['nul \u0000 value', 'lone \udc00 value']) {
      const rows = [['bulk-a', '"ok"', '2024-01-01T00:00:00Z'], ['bulk-b', JSON.stringify(bad), '2024-01-01T00:00:00Z'], ['bulk-c', `"${bad}"`, '2024-01-01T00:00:00Z']];
      await assert.rejects(insertRows(server.tw.database.db, 'settings', [['key', 'text'], ['value', 'text'], ['updated_at', 'text']], rows), (error: unknown) => {
        assert.ok(error instanceof AppError, String(error));
        assert.match(error.message, /^a text value must not contain (the NUL character|an unpaired UTF-16 surrogate)/);
        return true;
      });
    }
    assert.equal((await server.tw.database.db.selectFrom('settings').select('key').where('key', 'like', 'bulk-%').execute()).length, 0);
    // A YAML OSV record from a file (the CLI's path) with a NUL escape: the record is refused, naming the field.
    const dir = mkdtempSync(join(tmpdir(), 'thirdwatch-enc-'));
    try {
      const file = join(dir, 'record.yaml');
      writeFileSync(file, 'id: GHSA-enc0-0000-0002\nmodified: "2024-01-01T00:00:00Z"\nsummary: "nul \\0 in yaml"\naffected:\n  - package: {ecosystem: npm, name: enc-test}\n    versions: ["1.0.0"]\n');
      const report = await server.tw.services.feeds.importPath('osv', file, {}, ctx);
      assert.equal(report.imported, 0);
      assert.deepEqual(report.errors.map((e) => e.reason), ['/summary: must not contain the NUL character (U+0000)']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
