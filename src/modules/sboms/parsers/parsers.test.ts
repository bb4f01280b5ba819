// Format-by-format behaviour on small hand-written documents.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SbomParseError, parseSbom, sniffSbom, validateCycloneDxJson, type ParsedSbom } from './index.js';
import { generateCycloneDx, generateSpdx23 } from './test-support/generate.js';
import { assertInvariants } from './test-support/invariants.js';

const CDX_NS = 'http://cyclonedx.org/schema/bom/1.5';
const SPDX3_CONTEXT = 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld';

function cdx(doc: Record<string, unknown>): string {
  return JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, ...doc });
}

function parseError(input: string, options?: { validate?: boolean }): SbomParseError {
  try {
    parseSbom(input, options);
  } catch (err) {
    assert.ok(err instanceof SbomParseError, String(err));
    return err;
  }
  assert.fail('expected an SbomParseError');
}

function parsed(input: string, options?: { validate?: boolean }): ParsedSbom {
  const sbom = parseSbom(input, options);
  assertInvariants(sbom);
  return sbom;
}

describe('sniffSbom', () => {
  test('recognises each format from content alone', () => {
    assert.deepEqual(sniffSbom(cdx({})), { format: 'cyclonedx', encoding: 'json' });
    assert.deepEqual(sniffSbom(`<?xml version="1.0"?>\n<!-- c --><bom xmlns="${CDX_NS}"/>`), { format: 'cyclonedx', encoding: 'xml' });
    assert.deepEqual(sniffSbom('<cdx:bom xmlns:cdx="http://cyclonedx.org/schema/bom/1.6"/>'), { format: 'cyclonedx', encoding: 'xml' });
    assert.deepEqual(sniffSbom('{"spdxVersion":"SPDX-2.3"}'), { format: 'spdx', encoding: 'json' });
    assert.deepEqual(sniffSbom('# comment\nSPDXVersion: SPDX-2.2\n'), { format: 'spdx', encoding: 'tag-value' });
    assert.deepEqual(sniffSbom(JSON.stringify({ '@context': [SPDX3_CONTEXT], '@graph': [] })), { format: 'spdx', encoding: 'json-ld' });
  });

  test('decodes Buffers, including a UTF-8 BOM and UTF-16LE', () => {
    assert.deepEqual(sniffSbom(Buffer.from(`\uFEFF${cdx({})}`)), { format: 'cyclonedx', encoding: 'json' });
    assert.deepEqual(sniffSbom(Buffer.from(`\uFEFF<bom xmlns="${CDX_NS}"/>`, 'utf16le')), { format: 'cyclonedx', encoding: 'xml' });
  });

  test('unknown content', () => {
    assert.throws(() => sniffSbom('{"@context":"https://schema.org","@graph":[]}'), /unrecognised document/);
    assert.throws(() => sniffSbom('<bom/>'), /unrecognised document: XML root <bom> in namespace \(none\)/);
  });
});

describe('CycloneDX JSON', () => {
  test('nested components flatten in document order with parentRef; metadata.component is the root', () => {
    const sbom = parsed(cdx({
      metadata: {
        timestamp: '2024-05-01T10:00:00Z',
        tools: { components: [{ type: 'application', group: '@cyclonedx', name: 'cyclonedx-npm', version: '1.19.0' }], services: [{ name: 'scanner' }] },
        component: { type: 'application', 'bom-ref': 'app', name: 'app', components: [{ type: 'library', 'bom-ref': 'app-part', name: 'part' }] },
      },
      components: [
        { type: 'library', 'bom-ref': 'a', name: 'a', components: [{ type: 'library', 'bom-ref': 'a1', name: 'a1', components: [{ type: 'file', name: 'a1x' }] }] },
        { type: 'library', 'bom-ref': 'b', name: 'b' },
      ],
    }));
    assert.deepEqual(sbom.tools, ['@cyclonedx/cyclonedx-npm@1.19.0', 'scanner']);
    assert.equal(sbom.rootRef, 'app');
    assert.deepEqual(sbom.components.map((c) => [c.name, c.parentRef]), [
      ['part', 'app'],
      ['a', null],
      ['a1', 'a'],
      ['a1x', 'a1'],
      ['b', null],
    ]);
    assert.equal(sbom.components[3].ref, 'urn:thirdwatch:synthetic-ref:1');
  });

  test('licenses, hashes, supplier, scope, cpe and purl are normalised', () => {
    const sbom = parsed(cdx({
      components: [{
        type: 'library',
        'bom-ref': 'x',
        supplier: { name: 'ACME' },
        group: 'org.acme',
        name: 'Widget',
        version: '2.0',
        scope: 'optional',
        cpe: 'cpe:2.3:a:acme:widget:2.0:*:*:*:*:*:*:*',
        purl: 'pkg:maven/org.acme/Widget@2.0?type=jar&classifier=sources',
        hashes: [{ alg: 'SHA-256', content: 'AB'.repeat(32) }, { alg: 'BLAKE2b-256', content: 'cd'.repeat(32) }],
        licenses: [{ license: { id: 'MIT' } }, { license: { name: 'ACME Proprietary' } }],
      }, {
        type: 'library', 'bom-ref': 'y', name: 'y', licenses: [{ expression: 'MIT OR Apache-2.0' }],
      }],
    }));
    const [x, y] = sbom.components;
    assert.equal(x.purl, 'pkg:maven/org.acme/Widget@2.0?classifier=sources&type=jar');
    assert.equal(x.supplier, 'ACME');
    assert.equal(x.scope, 'optional');
    assert.equal(x.cpe, 'cpe:2.3:a:acme:widget:2.0:*:*:*:*:*:*:*');
    assert.deepEqual(x.licenses, ['MIT', 'ACME Proprietary']);
    assert.deepEqual(x.hashes, [{ alg: 'SHA-256', value: 'ab'.repeat(32) }, { alg: 'BLAKE2b-256', value: 'cd'.repeat(32) }]);
    assert.deepEqual(y.licenses, ['MIT OR Apache-2.0']);
  });

  test('an invalid purl or unknown scope becomes null with a warning', () => {
    const sbom = parsed(cdx({ components: [{ type: 'library', name: 'x', purl: 'not a purl', scope: 'sometimes' }] }), { validate: false });
    assert.equal(sbom.components[0].purl, null);
    assert.equal(sbom.components[0].scope, null);
    assert.match(sbom.warnings[0], /\/components\/0: invalid purl "not a purl" dropped/);
    assert.match(sbom.warnings[1], /unknown scope "sometimes"/);
  });

  test('dependencies: unknown refs warn and drop, service refs drop quietly, cycles and duplicates are handled', () => {
    const sbom = parsed(cdx({
      components: [{ type: 'library', 'bom-ref': 'a', name: 'a' }, { type: 'library', 'bom-ref': 'b', name: 'b' }],
      services: [{ 'bom-ref': 'svc', name: 'svc', services: [{ 'bom-ref': 'svc-inner', name: 'inner' }] }],
      dependencies: [
        { ref: 'a', dependsOn: ['b', 'ghost', 'svc-inner'] },
        { ref: 'b', dependsOn: ['a'] },
        { ref: 'a', dependsOn: ['b'] },
        { ref: 'phantom', dependsOn: ['a'] },
      ],
    }));
    assert.deepEqual(sbom.dependencies, [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }]);
    assert.equal(sbom.warnings.length, 2);
    assert.match(sbom.warnings[0], /\/dependencies\/0: dependency ref "ghost" matches no component; dropped/);
    assert.match(sbom.warnings[1], /"phantom"/);
  });

  test('duplicate bom-refs are refused, naming the ref', () => {
    for (const doc of [
      { components: [{ type: 'library', 'bom-ref': 'dup', name: 'a' }, { type: 'library', 'bom-ref': 'dup', name: 'b' }] },
      { metadata: { component: { type: 'application', 'bom-ref': 'dup', name: 'r' } }, components: [{ type: 'library', 'bom-ref': 'dup', name: 'b' }] },
      { components: [{ type: 'library', 'bom-ref': 'dup', name: 'a' }], services: [{ 'bom-ref': 'dup', name: 's' }] },
    ]) {
      const error = parseError(cdx(doc), { validate: false });
      assert.match(error.message, /duplicate ref "dup"/);
      assert.ok(error.pointer);
    }
  });

  test('specVersion must be 1.0–1.6', () => {
    assert.match(parseError(cdx({ specVersion: '1.7' })).message, /unsupported CycloneDX specVersion "1.7"/);
    assert.match(parseError(cdx({ specVersion: 1.4 })).message, /unsupported CycloneDX specVersion 1.4/);
    assert.match(parseError(cdx({ specVersion: undefined })).message, /unsupported CycloneDX specVersion undefined/);
  });

  test('CycloneDX JSON did not exist before 1.2: no schema to validate against', () => {
    const text = cdx({ specVersion: '1.1', components: [{ type: 'library', name: 'a', version: '1' }] });
    assert.match(parseError(text).message, /no CycloneDX JSON schema for specVersion 1.1/);
    assert.equal(parsed(text, { validate: false }).components.length, 1);
  });
});

describe('CycloneDX JSON schema validation', () => {
  test('schema errors carry the first pointer and up to 10 details', () => {
    const components = Array.from({ length: 12 }, (_, i) => ({ type: 'gizmo', name: `c${i}` }));
    const error = parseError(cdx({ components }));
    assert.match(error.message, /^CycloneDX schema validation failed at \/components\/0\/type: must be equal to one of the allowed values/);
    assert.equal(error.pointer, '/components/0/type');
    assert.equal(error.details?.length, 10);
    assert.equal(parsed(cdx({ components }), { validate: false }).components[0].type, 'gizmo');
  });

  // 30,000 items: a quadratic check (450 M comparisons) would run far past the timeout, a linear
  // one takes about 2 s even on a loaded machine, so the bound needs no stopwatch.
  test('uniqueItems is enforced without quadratic cost', { timeout: 60_000 }, () => {
    const doc = JSON.parse(generateCycloneDx(30_000)) as { components: unknown[] };
    doc.components.push(doc.components[10]);
    assert.deepEqual(validateCycloneDxJson(doc)[0], { pointer: '/components', message: 'must NOT have duplicate items' });
  });

  test('generated 1.4, 1.5 and 1.6 documents are schema-valid', () => {
    for (const specVersion of ['1.4', '1.5', '1.6'] as const) {
      assert.deepEqual(validateCycloneDxJson(JSON.parse(generateCycloneDx(30, { specVersion }))), [], specVersion);
    }
  });

  test('non-objects and unknown versions', () => {
    assert.deepEqual(validateCycloneDxJson([]), [{ pointer: '', message: 'must be object, got array' }]);
    assert.equal(validateCycloneDxJson({ specVersion: '9.9' })[0].pointer, '/specVersion');
  });
});

describe('CycloneDX XML', () => {
  test('namespace prefix, 1.5 tools, nested components, licenses, hashes and dependencies', () => {
    const sbom = parsed(`<?xml version="1.0" encoding="UTF-8"?>
<cdx:bom xmlns:cdx="${CDX_NS}" serialNumber="urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" version="1">
  <cdx:metadata>
    <cdx:timestamp>2024-01-01T00:00:00Z</cdx:timestamp>
    <cdx:tools><cdx:components><cdx:component type="application"><cdx:name>syft</cdx:name><cdx:version>1.0</cdx:version></cdx:component></cdx:components></cdx:tools>
    <cdx:component type="application" bom-ref="root"><cdx:name>root</cdx:name></cdx:component>
  </cdx:metadata>
  <cdx:components>
    <cdx:component type="library" bom-ref="a">
      <cdx:supplier><cdx:name>ACME</cdx:name></cdx:supplier>
      <cdx:name><![CDATA[a & b]]></cdx:name>
      <cdx:version>1.10</cdx:version>
      <cdx:scope>excluded</cdx:scope>
      <cdx:hashes><cdx:hash alg="SHA-1">DA39A3EE5E6B4B0D3255BFEF95601890AFD80709</cdx:hash></cdx:hashes>
      <cdx:licenses><cdx:expression>MIT OR Apache-2.0</cdx:expression></cdx:licenses>
      <cdx:purl>pkg:pypi/Django_Rest@1.10</cdx:purl>
      <cdx:components><cdx:component type="file"><cdx:name>inner</cdx:name></cdx:component></cdx:components>
    </cdx:component>
  </cdx:components>
  <cdx:dependencies>
    <cdx:dependency ref="root"><cdx:dependency ref="a"/></cdx:dependency>
    <cdx:dependency ref="a"/>
  </cdx:dependencies>
</cdx:bom>`);
    assert.equal(sbom.specVersion, '1.5');
    assert.equal(sbom.serialNumber, 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79');
    assert.deepEqual(sbom.tools, ['syft@1.0']);
    const [a, inner] = sbom.components;
    assert.deepEqual([a.name, a.version, a.supplier, a.scope, a.purl], ['a & b', '1.10', 'ACME', 'excluded', 'pkg:pypi/django-rest@1.10']);
    assert.deepEqual(a.hashes, [{ alg: 'SHA-1', value: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' }]);
    assert.deepEqual(a.licenses, ['MIT OR Apache-2.0']);
    assert.equal(inner.parentRef, 'a');
    assert.deepEqual(sbom.dependencies, [{ from: 'root', to: 'a' }]);
  });

  test('an empty bom is an empty SBOM', () => {
    for (const xml of [`<bom xmlns="${CDX_NS}"/>`, `<bom xmlns="${CDX_NS}"><!-- nothing --></bom>`]) {
      const sbom = parsed(xml);
      assert.deepEqual([sbom.components, sbom.dependencies, sbom.root, sbom.specVersion], [[], [], null, '1.5']);
    }
  });

  test('malformed XML points at its line', () => {
    const error = parseError(`<bom xmlns="${CDX_NS}">\n<components>\n</component>\n</bom>`);
    assert.match(error.message, /<\/component> does not close <components>/);
    assert.equal(error.pointer, 'line 3');
  });
});

describe('SPDX tag-value', () => {
  const doc = `SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: demo
DocumentNamespace: https://example.com/demo-1
Creator: Organization: Example
Creator: Tool: thirdwatch-1.0
Created: 2024-02-03T04:05:06Z
DocumentComment: <text>A comment
spanning: several lines, with colons
</text>

PackageName: app
SPDXID: SPDXRef-app
PackageVersion: 1.0.0
PackageSupplier: Person: Jane Doe (jane@example.com)
PrimaryPackagePurpose: APPLICATION
PackageLicenseConcluded: NOASSERTION
PackageLicenseDeclared: Apache-2.0
PackageDescription: <text>Multi-line
description</text>
Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-app

PackageName: left-pad
SPDXID: SPDXRef-left-pad
PackageVersion: 1.3.0
PackageChecksum: SHA1: 5a9b4d3c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b
PackageChecksum: SHA3_256: ${'0f'.repeat(32)}
ExternalRef: PACKAGE-MANAGER purl pkg:npm/left-pad@1.3.0
ExternalRef: SECURITY cpe23Type cpe:2.3:a:left-pad_project:left-pad:1.3.0:*:*:*:*:node.js:*:*
PackageLicenseConcluded: (MIT OR WTFPL)

FileName: ./index.js
SPDXID: SPDXRef-file
FileChecksum: SHA1: 5a9b4d3c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b

PackageName: bundled
SPDXID: SPDXRef-bundled

Relationship: SPDXRef-left-pad DEPENDENCY_OF SPDXRef-app
Relationship: SPDXRef-app CONTAINS SPDXRef-bundled
Relationship: SPDXRef-app CONTAINS SPDXRef-file
Relationship: SPDXRef-file GENERATED_FROM DocumentRef-other:SPDXRef-x
Relationship: SPDXRef-app DEPENDS_ON SPDXRef-missing
Relationship: SPDXRef-app DEPENDS_ON NONE
`;

  test('document, packages, checksums, external refs and relationships', () => {
    const sbom = parsed(doc);
    assert.equal(sbom.specVersion, '2.3');
    assert.equal(sbom.serialNumber, 'https://example.com/demo-1');
    assert.equal(sbom.createdAt, '2024-02-03T04:05:06Z');
    assert.deepEqual(sbom.tools, ['thirdwatch-1.0']);
    assert.equal(sbom.root?.name, 'app');
    assert.equal(sbom.root?.supplier, 'Jane Doe (jane@example.com)');
    assert.equal(sbom.root?.type, 'application');
    assert.deepEqual(sbom.root?.licenses, ['Apache-2.0']);
    const [leftPad, bundled] = sbom.components;
    assert.equal(leftPad.purl, 'pkg:npm/left-pad@1.3.0');
    assert.equal(leftPad.cpe, 'cpe:2.3:a:left-pad_project:left-pad:1.3.0:*:*:*:*:node.js:*:*');
    assert.deepEqual(leftPad.licenses, ['(MIT OR WTFPL)']);
    assert.deepEqual(leftPad.hashes.map((h) => h.alg), ['SHA-1', 'SHA3-256']);
    assert.equal(bundled.parentRef, 'SPDXRef-app');
    assert.deepEqual(sbom.dependencies, [{ from: 'SPDXRef-app', to: 'SPDXRef-left-pad' }]);
    assert.deepEqual(sbom.warnings, ['line 44: relationship names unknown element "SPDXRef-missing"; dropped']);
  });

  test('malformed lines, missing SPDXIDs and duplicates are refused with a line pointer', () => {
    const bad = parseError(doc.replace('PackageVersion: 1.3.0', 'PackageVersion 1.3.0'));
    assert.equal(bad.pointer, 'line 26');
    assert.match(parseError(doc.replace('SPDXID: SPDXRef-bundled\n', '')).message, /line 37: package "bundled" has no SPDXID/);
    assert.match(parseError(doc.replace('SPDXID: SPDXRef-bundled', 'SPDXID: SPDXRef-app')).message, /duplicate ref "SPDXRef-app"/);
    assert.match(parseError(doc.replace('SPDXID: SPDXRef-file', 'SPDXID: SPDXRef-app')).message, /duplicate ref "SPDXRef-app"/);
    assert.match(parseError(doc.replace('SPDX-2.3', 'SPDX-3.0')).message, /unsupported SPDX version "SPDX-3.0"/);
  });
});

describe('SPDX 2 JSON', () => {
  test('documentDescribes, reversed dependency types, NOASSERTION licenses', () => {
    const sbom = parsed(JSON.stringify({
      spdxVersion: 'SPDX-2.2',
      SPDXID: 'SPDXRef-DOCUMENT',
      documentNamespace: 'https://example.com/x',
      creationInfo: { created: '2024-01-01T00:00:00Z', creators: ['Tool: a-1', 'Person: b'] },
      documentDescribes: ['SPDXRef-root'],
      packages: [
        { SPDXID: 'SPDXRef-root', name: 'root', licenseConcluded: 'NOASSERTION', licenseDeclared: 'NONE' },
        { SPDXID: 'SPDXRef-lib', name: 'lib', versionInfo: '2', checksums: [{ algorithm: 'SHA256', checksumValue: 'Ab'.repeat(32) }], supplier: 'NOASSERTION' },
        { SPDXID: 'SPDXRef-dev', name: 'dev', externalRefs: [{ referenceCategory: 'PACKAGE_MANAGER', referenceType: 'purl', referenceLocator: 'pkg:pypi/Dev_Tool@1' }] },
      ],
      relationships: [
        { spdxElementId: 'SPDXRef-lib', relationshipType: 'RUNTIME_DEPENDENCY_OF', relatedSpdxElement: 'SPDXRef-root' },
        { spdxElementId: 'SPDXRef-dev', relationshipType: 'DEV_DEPENDENCY_OF', relatedSpdxElement: 'SPDXRef-root' },
        { spdxElementId: 'SPDXRef-root', relationshipType: 'STATIC_LINK', relatedSpdxElement: 'SPDXRef-lib' },
      ],
    }));
    assert.equal(sbom.rootRef, 'SPDXRef-root');
    assert.deepEqual(sbom.root?.licenses, []);
    assert.deepEqual(sbom.tools, ['a-1']);
    assert.deepEqual(sbom.dependencies, [{ from: 'SPDXRef-root', to: 'SPDXRef-lib' }, { from: 'SPDXRef-root', to: 'SPDXRef-dev' }]);
    assert.equal(sbom.components[0].supplier, null);
    assert.equal(sbom.components[0].hashes[0].value, 'ab'.repeat(32));
    assert.equal(sbom.components[1].purl, 'pkg:pypi/dev-tool@1');
  });
});

describe('SPDX 3 JSON-LD', () => {
  const graph = [
    { '@id': '_:ci', type: 'CreationInfo', specVersion: '3.0.1', created: '2024-03-01T00:00:00Z', createdBy: ['o'], createdUsing: ['t'] },
    { spdxId: 'o', type: 'Organization', name: 'ACME Corp', creationInfo: '_:ci' },
    { spdxId: 't', type: 'Tool', name: 'acme-sbom', creationInfo: '_:ci' },
    { spdxId: 'doc', type: 'SpdxDocument', creationInfo: '_:ci', rootElement: ['sbom'], import: [{ type: 'ExternalMap', externalSpdxId: 'https://other.example/pkg' }] },
    { spdxId: 'sbom', type: 'software_Sbom', creationInfo: '_:ci', rootElement: ['app'] },
    { spdxId: 'app', type: 'software_Package', name: 'app', software_packageVersion: '1', software_primaryPurpose: 'operatingSystem', suppliedBy: 'o', creationInfo: '_:ci' },
    {
      spdxId: 'lib', type: 'software_Package', name: 'lib', creationInfo: '_:ci',
      externalIdentifier: [
        { type: 'ExternalIdentifier', externalIdentifierType: 'packageUrl', identifier: 'pkg:npm/%40scope/lib@2' },
        { type: 'ExternalIdentifier', externalIdentifierType: 'cpe23', identifier: 'cpe:2.3:a:x:lib:2:*:*:*:*:*:*:*' },
      ],
      verifiedUsing: [{ type: 'Hash', algorithm: 'sha3_256', hashValue: 'EF'.repeat(32) }, { type: 'PackageVerificationCode', algorithm: 'sha1', hashValue: 'aa' }],
    },
    { spdxId: 'model', type: 'ai_AIPackage', name: 'model', creationInfo: '_:ci' },
    { spdxId: 'lic', type: 'simplelicensing_LicenseExpression', simplelicensing_licenseExpression: 'MIT', creationInfo: '_:ci' },
    { spdxId: 'r1', type: 'LifecycleScopedRelationship', relationshipType: 'dependsOn', scope: 'runtime', from: 'app', to: ['lib', 'https://other.example/pkg', 'nowhere'], creationInfo: '_:ci' },
    { spdxId: 'r2', type: 'Relationship', relationshipType: 'contains', from: 'app', to: ['model'], creationInfo: '_:ci' },
    { spdxId: 'r3', type: 'Relationship', relationshipType: 'hasDeclaredLicense', from: 'lib', to: ['https://spdx.org/licenses/Apache-2.0'], creationInfo: '_:ci' },
    { spdxId: 'r4', type: 'Relationship', relationshipType: 'hasConcludedLicense', from: 'lib', to: ['lic'], creationInfo: '_:ci' },
  ];
  const text = (g: unknown[]) => JSON.stringify({ '@context': SPDX3_CONTEXT, '@graph': g });

  test('packages, identifiers, hashes, licenses, relationships and the Sbom root', () => {
    const sbom = parsed(text(graph));
    assert.equal(sbom.specVersion, '3.0.1');
    assert.equal(sbom.serialNumber, 'doc');
    assert.equal(sbom.createdAt, '2024-03-01T00:00:00Z');
    assert.deepEqual(sbom.tools, ['acme-sbom']);
    assert.equal(sbom.rootRef, 'app');
    assert.equal(sbom.root?.supplier, 'ACME Corp');
    assert.equal(sbom.root?.type, 'operating-system');
    const [lib, model] = sbom.components;
    assert.equal(lib.purl, 'pkg:npm/%40scope/lib@2');
    assert.equal(lib.cpe, 'cpe:2.3:a:x:lib:2:*:*:*:*:*:*:*');
    assert.deepEqual(lib.hashes, [{ alg: 'SHA3-256', value: 'ef'.repeat(32) }]);
    assert.deepEqual(lib.licenses, ['MIT', 'Apache-2.0']);
    assert.equal(model.type, 'machine-learning-model');
    assert.equal(model.parentRef, 'app');
    assert.deepEqual(sbom.dependencies, [{ from: 'app', to: 'lib' }]);
    assert.equal(sbom.warnings.length, 1);
    assert.match(sbom.warnings[0], /unknown element "nowhere"/);
  });

  test('version and CreationInfo problems', () => {
    const withVersion = (v: string) => graph.map((e) => (e['@id'] === '_:ci' ? { ...e, specVersion: v } : e));
    assert.match(parseError(text(withVersion('2.3'))).message, /unsupported SPDX version "2.3"/);
    assert.match(parseError(text(graph.filter((e) => e.type !== 'CreationInfo'))).message, /has no CreationInfo/);
    assert.match(parseError(text([...graph, { ...graph[6], name: 'other' }])).message, /duplicate ref "lib"/);
  });
});

describe('test-support generators', () => {
  test('are deterministic and produce what they promise', () => {
    assert.equal(generateCycloneDx(200), generateCycloneDx(200));
    assert.notEqual(generateCycloneDx(200, { seed: 2 }), generateCycloneDx(200));
    const cdxSbom = parsed(generateCycloneDx(2000));
    assert.equal(cdxSbom.components.length, 2000);
    assert.ok(cdxSbom.dependencies.length > 2000);
    assert.deepEqual(cdxSbom.warnings, []);
    assert.ok(cdxSbom.components.some((c) => c.purl?.startsWith('pkg:npm/%40')));
    assert.ok(cdxSbom.components.some((c) => c.purl?.startsWith('pkg:maven/')));
    assert.ok(cdxSbom.components.some((c) => c.purl?.startsWith('pkg:pypi/')));
    const spdxSbom = parsed(generateSpdx23(2000));
    assert.equal(spdxSbom.components.length, 2000);
    assert.equal(spdxSbom.rootRef, 'SPDXRef-Package-root');
    assert.deepEqual(spdxSbom.warnings, []);
  });
});
