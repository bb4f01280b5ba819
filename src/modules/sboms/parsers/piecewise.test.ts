// A large CycloneDX JSON document is read a piece at a time (cyclonedx-json.ts, json-split.ts). That
// read must give exactly what reading the whole text gives, and every document it cannot read so,
// or that is not valid, must be reported exactly as the whole-text read reports it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { DEFAULT_LIMITS } from './common.js';
import { parseCycloneDxJsonPiecewise } from './cyclonedx-json.js';
import { SbomParseError, parseSbom } from './index.js';
import { generateCycloneDx } from './test-support/generate.js';

const CYCLONEDX = fileURLToPath(new URL('../../../../../shared/data/cyclonedx/SBOM/', import.meta.url));

/** What reading the whole text gives (parseSbom reads a string whole, whatever its size). */
const whole = (bytes: Buffer) => parseSbom(bytes.toString('utf8'));
const piecewise = (bytes: Buffer) => parseCycloneDxJsonPiecewise(bytes, 0, DEFAULT_LIMITS, true);

/** What a read gives, or the problem it reports. */
function outcome(read: () => unknown): unknown {
  try {
    return { read: read() };
  } catch (error) {
    assert.ok(error instanceof SbomParseError, String(error));
    return { message: error.message, pointer: error.pointer, details: error.details };
  }
}

type Doc = { components: Array<Record<string, unknown>>; dependencies: Array<{ ref: string; dependsOn?: string[] }>; metadata: Record<string, unknown>; services?: unknown[] };

/** A generated document, changed by `edit`, as the bytes of an upload. */
function document(components: number, edit: (doc: Doc) => void = () => undefined, spec: '1.4' | '1.5' | '1.6' = '1.5'): Buffer {
  const doc = JSON.parse(generateCycloneDx(components, { seed: 11, specVersion: spec })) as Doc;
  edit(doc);
  return Buffer.from(JSON.stringify(doc, null, components < 100 ? 2 : undefined));
}

describe('reading a CycloneDX JSON document a piece at a time', () => {
  test('gives what the whole-text read gives for every CycloneDX JSON example', () => {
    const files = readdirSync(CYCLONEDX, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.json'));
    assert.ok(files.length >= 5);
    for (const name of files) {
      const bytes = readFileSync(CYCLONEDX + name);
      const read = piecewise(bytes);
      assert.ok(read, `${name} was read piecewise`);
      assert.deepEqual(read, whole(bytes), name);
    }
  });

  test('gives what the whole-text read gives for nesting, services, missing refs, bad purls and unknown dependency refs', () => {
    for (const spec of ['1.4', '1.5', '1.6'] as const) {
      const bytes = document(
        300,
        (doc) => {
          // Nested components, with and without refs; a root that nests one.
          doc.components[0].components = [{ type: 'library', name: 'nested-a', version: '1.0.0', components: [{ type: 'library', 'bom-ref': 'deep', name: 'nested-b' }] }];
          (doc.metadata.component as Record<string, unknown>).components = [{ type: 'library', 'bom-ref': 'in-root', name: 'in-root' }];
          delete doc.components[5]['bom-ref'];
          delete doc.components[6]['bom-ref'];
          doc.components[7].purl = 'pkg:npm/';
          doc.services = [{ 'bom-ref': 'svc-1', name: 'a service' }];
          doc.dependencies.push({ ref: 'svc-1', dependsOn: ['deep', 'nowhere'] }, { ref: 'unknown-ref', dependsOn: [] });
        },
        spec,
      );
      const read = piecewise(bytes);
      assert.ok(read, spec);
      assert.deepEqual(read, whole(bytes), spec);
      assert.ok(read.warnings.some((w) => w.includes('invalid purl')) && read.components.some((c) => c.ref.startsWith('urn:thirdwatch:synthetic-ref:')));
    }
  });

  test('elements alike in every plain field but not equal are not duplicates', () => {
    const bytes = document(50, (doc) => {
      const twin: Record<string, unknown> = { ...doc.components[3], hashes: [{ alg: 'MD5', content: 'a'.repeat(32) }] };
      delete doc.components[3]['bom-ref'];
      delete twin['bom-ref'];
      doc.components.push(twin);
    });
    const read = piecewise(bytes);
    assert.ok(read);
    assert.deepEqual(read, whole(bytes));
  });

  test('large documents are read so by parseSbom, with the same result', () => {
    const bytes = document(3_000);
    assert.ok(bytes.length > 1024 * 1024);
    assert.ok(piecewise(bytes));
    assert.deepEqual(parseSbom(bytes), whole(bytes));
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    assert.deepEqual(parseSbom(bom), whole(bytes), 'after a UTF-8 byte-order mark');
  });

  test('a document it cannot read, or that is not valid, is read or reported as the whole-text read does', () => {
    const big = (edit: (doc: Doc) => void) => document(3_000, edit);
    const text = document(3_000).toString('utf8');
    const cases: Record<string, Buffer> = {
      'a schema problem in a late component': big((doc) => {
        doc.components[2_500].type = 'gizmo';
      }),
      'a schema problem outside the components': big((doc) => {
        doc.metadata.timestamp = 'yesterday';
      }),
      'a build problem (no name)': big((doc) => {
        delete doc.components[2_900].name;
      }),
      'a repeated component': big((doc) => {
        delete doc.components[10]['bom-ref'];
        doc.components.push({ ...doc.components[10] });
      }),
      'components nested too deeply': big((doc) => {
        let node = doc.components[1_000];
        for (let i = 0; i < 70; i++) node = (node.components = [{ type: 'library', name: `level-${i}` }])[0];
      }),
      'a duplicate ref': big((doc) => {
        doc.components[2_000]['bom-ref'] = doc.components[1_000]['bom-ref'];
      }),
      'truncated JSON': Buffer.from(text.slice(0, text.length - 5_000)),
      'a missing comma between components': Buffer.from(text.replace('},{"type":"library"', '} {"type":"library"')),
      'text after the document': Buffer.from(`${text} {}`),
      'a repeated top-level key': Buffer.from(text.replace('{"bomFormat":"CycloneDX",', '{"bomFormat":"CycloneDX","components":[],')),
      'components that are not an array': Buffer.from(text.replace('"components":[', '"components":{"x":[').replace(/\],"dependencies":/, ']},"dependencies":')),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      assert.ok(bytes.length > 1024 * 1024, name);
      assert.equal(piecewise(bytes), null, name);
      const expected = outcome(() => whole(bytes));
      // A repeated key is valid JSON (the last one counts); everything else here is refused.
      assert.equal('read' in (expected as object), name === 'a repeated top-level key', name);
      assert.deepEqual(outcome(() => parseSbom(bytes)), expected, name);
    }
  });

  test('other formats are left to the whole-text read', () => {
    const spdx = Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', packages: [], padding: 'x'.repeat(1_100_000) }));
    assert.equal(piecewise(spdx), null);
  });
});
