// Broken and hostile input: every failure is an SbomParseError with a clear message, quickly.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SbomParseError, parseSbom, type ParseSbomOptions } from './index.js';
import { generateCycloneDx, generateSpdx23 } from './test-support/generate.js';
import { cpuMs } from '../../../../test/support/cpu-time.js';

const CDX_NS = 'http://cyclonedx.org/schema/bom/1.4';

function rejects(input: string | Buffer, message: RegExp, options?: ParseSbomOptions): SbomParseError {
  let caught: unknown;
  try {
    parseSbom(input, options);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SbomParseError, `expected SbomParseError, got ${String(caught)}`);
  assert.match(caught.message, message);
  return caught;
}

function cdx(components: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.4', version: 1, components, ...extra });
}

/** `{"name":"c0","components":[{"name":"c1","components":[…]}]}`, built without recursion. */
function nestedComponentsJson(depth: number): string {
  return cdx('@').replace(
    '"@"',
    `${'[{"type":"library","name":"n","components":'.repeat(depth)}[]${'}]'.repeat(depth)}`,
  );
}

function nestedComponentsXml(depth: number): string {
  const open = '<components><component type="library"><name>n</name>'.repeat(depth);
  const close = '</component></components>'.repeat(depth);
  return `<?xml version="1.0"?><bom xmlns="${CDX_NS}" version="1">${open}${close}</bom>`;
}

describe('truncated documents', () => {
  const json = generateCycloneDx(50);
  const spdx = generateSpdx23(50);

  test('truncated CycloneDX and SPDX JSON', () => {
    for (const text of [json, spdx]) {
      for (const cut of [1, 100, Math.floor(text.length / 2), text.length - 1]) {
        rejects(text.slice(0, cut), /invalid JSON/);
      }
    }
  });

  test('truncated CycloneDX XML reports the unclosed element', () => {
    const xml = `<?xml version="1.0"?><bom xmlns="${CDX_NS}"><components><component type="library"><name>a</name></component></components></bom>`;
    rejects(xml.slice(0, xml.length - 6), /truncated XML/);
    rejects(xml.slice(0, xml.indexOf('<name>') + 3), /truncated XML: unterminated tag/);
    const error = rejects(xml.slice(0, xml.indexOf('</component>')), /<component> is never closed/);
    assert.match(error.pointer ?? '', /^line \d+$/);
  });

  test('truncated SPDX tag-value inside a <text> value', () => {
    const text = 'SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\nPackageName: a\nSPDXID: SPDXRef-a\nPackageComment: <text>one\ntwo\n';
    const error = rejects(text, /line 5: unterminated <text>/);
    assert.equal(error.pointer, 'line 5');
  });
});

describe('wrong types', () => {
  test('components not an array', () => {
    const error = rejects(cdx({ name: 'x' }), /\/components: expected an array, got object/);
    assert.equal(error.pointer, '/components');
  });

  test('name is a number, with and without validation', () => {
    for (const validate of [true, false]) {
      const error = rejects(cdx([{ type: 'library', name: 'ok' }, { type: 'library', name: 42 }]), /expected a string, got number/, { validate });
      assert.equal(error.pointer, '/components/1/name');
    }
  });

  test('missing name, non-object component, hashes of the wrong shape', () => {
    rejects(cdx([{ type: 'library' }]), /\/components\/0: missing required "name"/, { validate: false });
    rejects(cdx(['pkg:npm/a@1']), /\/components\/0: expected an object, got string/);
    rejects(cdx([{ name: 'a', hashes: { alg: 'MD5' } }]), /\/components\/0\/hashes: expected an array/, { validate: false });
  });

  test('top-level JSON that is not an object', () => {
    rejects('[1, 2, 3]', /unrecognised document: JSON value is not an object/);
    rejects('{"hello": "world"}', /unrecognised document: JSON object has no bomFormat/);
  });

  test('SPDX JSON and JSON-LD with wrong types', () => {
    rejects(JSON.stringify({ spdxVersion: 'SPDX-2.3', packages: 'none' }), /\/packages: expected an array/);
    rejects(JSON.stringify({ spdxVersion: 'SPDX-2.3', packages: [{ SPDXID: 'SPDXRef-a', name: ['a'] }] }), /\/packages\/0\/name: expected a string, got array/);
    rejects(JSON.stringify({ spdxVersion: 2.3 }), /spdxVersion: expected a string, got number/);
    rejects(JSON.stringify({ '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld', '@graph': [7] }), /\/@graph\/0: expected an object/);
  });
});

describe('nesting bombs', () => {
  test('10,000-deep CycloneDX JSON components: a maxDepth error, not a stack overflow', () => {
    const text = nestedComponentsJson(10_000);
    for (const validate of [true, false]) {
      let pointer: string | undefined;
      const ms = cpuMs(() => (pointer = rejects(text, /components nested deeper than 64 levels \(maxDepth\)/, { validate }).pointer));
      assert.ok(pointer?.startsWith('/components/0/components/0/'));
      assert.ok(ms < 2000, `${ms.toFixed(0)} ms of CPU`);
    }
  });

  test('maxDepth is configurable and nesting within it is flattened with parentRef', () => {
    const sbom = parseSbom(nestedComponentsJson(100), { maxDepth: 100, validate: false });
    assert.equal(sbom.components.length, 100);
    assert.equal(sbom.components[99].parentRef, sbom.components[98].ref);
    rejects(nestedComponentsJson(101), /nested deeper than 100 levels/, { maxDepth: 100 });
  });

  test('10,000-deep CycloneDX XML components', () => {
    rejects(nestedComponentsXml(10_000), /XML elements nested deeper than 160 levels/);
    rejects(nestedComponentsXml(70), /components nested deeper than 64 levels/);
  });

  test('deep nesting the walk does not visit (pedigree) cannot overflow the schema validator', () => {
    const depth = 20_000;
    const open = '{"type":"library","name":"a","pedigree":{"ancestors":['.repeat(depth);
    const text = cdx('@').replace('"@"', `[${open}{"type":"library","name":"leaf"}${']}}'.repeat(depth)}]`);
    const error = rejects(text, /nested too deeply to validate/);
    assert.match(error.pointer ?? '', /^\/components\/0\/pedigree\/ancestors/);
    assert.equal(parseSbom(text, { validate: false }).components.length, 1);
  });

  test('10,000-deep SPDX CONTAINS chain and dependency cycles stay finite', () => {
    const n = 10_000;
    const packages = Array.from({ length: n }, (_, i) => ({ SPDXID: `SPDXRef-${i}`, name: `p${i}` }));
    const relationships = packages.map((_, i) => ({
      spdxElementId: `SPDXRef-${i}`,
      relationshipType: 'CONTAINS',
      relatedSpdxElement: `SPDXRef-${(i + 1) % n}`,
    }));
    const sbom = parseSbom(JSON.stringify({ spdxVersion: 'SPDX-2.3', packages, relationships }));
    assert.equal(sbom.components.length, n);
    assert.equal(sbom.components[0].parentRef, null, 'the link that would close the loop is dropped');
    assert.equal(sbom.components[n - 1].parentRef, `SPDXRef-${n - 2}`);
  });
});

describe('XML entities are never expanded', () => {
  const laughs = `<?xml version="1.0"?>
<!DOCTYPE bom [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<bom xmlns="${CDX_NS}"><components><component type="library"><name>&lol3;</name></component></components></bom>`;

  test('billion laughs', () => {
    const error = rejects(laughs, /DTDs and entity declarations are refused.*<!DOCTYPE/);
    assert.equal(error.pointer, 'line 2');
  });

  test('external entity (XXE)', () => {
    rejects(
      `<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><bom xmlns="${CDX_NS}"><components><component type="library"><name>&xxe;</name></component></components></bom>`,
      /refused/,
    );
  });

  test('a DTD or entity declaration hidden after the root element', () => {
    rejects(`<bom xmlns="${CDX_NS}"><!DOCTYPE x><components/></bom>`, /refused.*<!DOCTYPE/);
    rejects(`<bom xmlns="${CDX_NS}"><!ENTITY x "y"><components/></bom>`, /refused.*<!ENTITY/);
  });

  test('an undeclared entity reference stays literal text; predefined ones and character references decode', () => {
    const sbom = parseSbom(
      `<bom xmlns="${CDX_NS}"><components><component type="library" bom-ref="a&amp;b"><name>&xxe;</name><version>1&#x2e;0&#46;0</version>` +
        `<purl>pkg:npm/a@1?x=1&amp;y=2</purl></component></components></bom>`,
    );
    const [component] = sbom.components;
    assert.equal(component.name, '&xxe;');
    assert.equal(component.ref, 'a&b');
    assert.equal(component.version, '1.0.0');
    assert.equal(component.purl, 'pkg:npm/a@1?x=1&y=2');
  });
});

describe('huge input', () => {
  test('a huge string field', () => {
    const error = rejects(cdx([{ type: 'library', name: 'x'.repeat(1_000_000) }]), /exceeds the 65536-character limit/);
    assert.equal(error.pointer, '/components/0/name');
    rejects(`SPDXVersion: SPDX-2.3\nPackageName: ${'y'.repeat(100_000)}\n`, /line 2: string of 100000 characters/);
  });

  test('XML tags stuffed with attributes, and oversized root tags, are refused quickly', () => {
    const attributes = Array.from({ length: 100_000 }, (_, i) => `a${i}="1"`).join(' ');
    const ms = cpuMs(() => {
      rejects(`<bom xmlns="${CDX_NS}"><components><component ${attributes}><name>a</name></component></components></bom>`, /more than 63 attributes/);
      rejects(`<bom xmlns="${CDX_NS}"><components><component ${'a '.repeat(500_000)}/></components></bom>`, /more than 63 attributes/);
      rejects(`<bom ${'a'.repeat(1_000_000)}>`, /root element tag longer than 4096/);
    });
    assert.ok(ms < 2000, `${ms.toFixed(0)} ms of CPU`);
  });

  test('an oversized unknown property is clipped in the schema error', () => {
    const error = rejects(cdx([], { ['k'.repeat(1_000_000)]: 1 }), /must NOT have additional properties: "k+…"$/);
    assert.ok(error.message.length < 200);
  });

  test('a document over maxBytes is refused before it is decoded or parsed', () => {
    rejects(Buffer.alloc(2_000_000, 0x20), /document too large: 2000000 bytes exceeds the limit of 1000000/, { maxBytes: 1_000_000 });
  });

  test('more components than maxComponents', () => {
    rejects(generateCycloneDx(100), /more than 50 components \(maxComponents\)/, { maxComponents: 50 });
    rejects(generateSpdx23(100), /more than 50 components/, { maxComponents: 50 });
  });
});

describe('not an SBOM', () => {
  test('empty, whitespace, binary and unknown documents', () => {
    rejects('', /unrecognised document: empty input/);
    rejects(' \n\t', /unrecognised document: empty input/);
    rejects(Buffer.from([0x00, 0x9f, 0x92, 0x96, 0xff, 0x01]), /the document is not valid UTF-8: invalid byte sequence at byte offset 1/);
    rejects('name,version\nleft-pad,1.3.0\n', /unrecognised document/);
    rejects('<html><body/></html>', /unrecognised document: XML root <html>/);
    rejects('<bom xmlns="http://example.com/other"/>', /not a CycloneDX bom/);
  });
});

describe('mutation fuzzing: any outcome but SbomParseError or success is a bug', () => {
  /** Seeded so a failure reproduces. */
  function prng(seed: number): () => number {
    let state = seed;
    return () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
  }

  const replacements: unknown[] = [null, 0, -1, 1e308, true, '', 'x'.repeat(70_000), [], [null], {}, { a: [1] }, 'pkg:', '\u0000'];

  function mutateJson(value: unknown, random: () => number): void {
    const containers: Array<Record<string, unknown> | unknown[]> = [];
    const stack = [value];
    while (stack.length) {
      const next = stack.pop();
      if (typeof next === 'object' && next !== null) {
        containers.push(next as Record<string, unknown>);
        stack.push(...Object.values(next));
      }
    }
    for (let i = 0; i < 3; i++) {
      const target = containers[Math.floor(random() * containers.length)] as Record<string, unknown>;
      const keys = Object.keys(target);
      if (keys.length) target[keys[Math.floor(random() * keys.length)]] = replacements[Math.floor(random() * replacements.length)];
    }
  }

  function survive(input: string): void {
    try {
      parseSbom(input);
    } catch (err) {
      if (!(err instanceof SbomParseError)) throw err;
    }
  }

  test('CycloneDX JSON, SPDX JSON and SPDX 3 JSON-LD with random fields replaced', () => {
    const random = prng(42);
    const spdx3 = JSON.stringify({
      '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld',
      '@graph': [
        { '@id': '_:ci', type: 'CreationInfo', specVersion: '3.0.1', created: '2024-01-01T00:00:00Z', createdUsing: ['t'] },
        { spdxId: 't', type: 'Tool', name: 'tool' },
        { spdxId: 'd', type: 'SpdxDocument', creationInfo: '_:ci', rootElement: ['p1'] },
        { spdxId: 'p1', type: 'software_Package', name: 'a', software_packageUrl: 'pkg:npm/a@1', verifiedUsing: [{ type: 'Hash', algorithm: 'sha256', hashValue: 'ab' }] },
        { spdxId: 'p2', type: 'software_Package', name: 'b', externalIdentifier: [{ type: 'ExternalIdentifier', externalIdentifierType: 'cpe23', identifier: 'cpe:2.3:a:b:b:1:*:*:*:*:*:*:*' }] },
        { spdxId: 'r1', type: 'Relationship', relationshipType: 'dependsOn', from: 'p1', to: ['p2'] },
      ],
    });
    for (const base of [generateCycloneDx(4, { specVersion: '1.5' }), generateSpdx23(4), spdx3]) {
      for (let i = 0; i < 300; i++) {
        const doc = JSON.parse(base) as unknown;
        mutateJson(doc, random);
        survive(JSON.stringify(doc));
      }
    }
  });

  test('XML and tag-value with random bytes cut, duplicated or replaced', () => {
    const random = prng(7);
    const xml = `<?xml version="1.0"?><bom xmlns="${CDX_NS}" serialNumber="urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"><metadata><tools><tool><name>t</name></tool></tools><component type="application" bom-ref="root"><name>r</name></component></metadata><components><component type="library" bom-ref="a"><name>a</name><hashes><hash alg="SHA-1">ab</hash></hashes><licenses><license><id>MIT</id></license></licenses><purl>pkg:npm/a@1</purl><components><component type="library"><name>b</name></component></components></component></components><dependencies><dependency ref="root"><dependency ref="a"/></dependency></dependencies></bom>`;
    const tagValue = 'SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\nCreator: Tool: t\nPackageName: a\nSPDXID: SPDXRef-a\nPackageChecksum: SHA256: abcd\nExternalRef: PACKAGE-MANAGER purl pkg:npm/a@1\nPackageComment: <text>x\ny</text>\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-a\n';
    const pieces = ['<', '>', '/', '"', '&', ':', '\n', '<!--', ']]>', '<![CDATA[', '<text>', '</text>', '\u0000', '<?'];
    for (const base of [xml, tagValue]) {
      for (let i = 0; i < 500; i++) {
        let text = base;
        for (let j = 0; j < 3; j++) {
          const at = Math.floor(random() * text.length);
          const piece = pieces[Math.floor(random() * pieces.length)];
          const op = Math.floor(random() * 3);
          text = op === 0 ? text.slice(0, at) : op === 1 ? text.slice(0, at) + piece + text.slice(at) : text.slice(0, at) + piece + text.slice(at + 1);
        }
        survive(text);
      }
    }
  });
});
