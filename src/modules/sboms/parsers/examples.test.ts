// Every real example document in shared/data parses, keeps the ParsedSbom invariants, and yields
// the facts the files visibly contain.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { SbomParseError, parseSbom, type ParsedComponent, type ParsedSbom } from './index.js';
import { assertInvariants } from './test-support/invariants.js';

const DATA = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));
const CYCLONEDX = `${DATA}cyclonedx/SBOM/`;
const SPDX = `${DATA}spdx/`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => statSync(dir + name).isFile())
    .sort();
}

const isSbom = (name: string) => /\.(json|xml|spdx)$/.test(name);
const parsed = new Map<string, ParsedSbom>();

function parseFile(path: string): ParsedSbom {
  let sbom = parsed.get(path);
  if (!sbom) {
    sbom = parseSbom(readFileSync(path));
    parsed.set(path, sbom);
  }
  return sbom;
}

const byName = (sbom: ParsedSbom, name: string): ParsedComponent => {
  const found = sbom.components.find((c) => c.name === name);
  assert.ok(found, `component ${name}`);
  return found;
};

/** Components and dependency edges each CycloneDX example holds (counted from the files). */
const CYCLONEDX_COUNTS: Record<string, [components: number, edges: number]> = {
  'cern-lhc-vdm-editor-e564943': [43, 0],
  'dropwizard-1.3.15': [167, 170],
  'juice-shop': [840, 0],
  'laravel-7.12.0/bom.1.1': [62, 0],
  'laravel-7.12.0': [62, 113],
  'proton-bridge': [201, 232],
};

function expectedCycloneDxCounts(name: string): [number, number] {
  const key = Object.keys(CYCLONEDX_COUNTS).find((prefix) => name.startsWith(prefix));
  assert.ok(key, `expected counts for ${name}`);
  return CYCLONEDX_COUNTS[key];
}

describe('CycloneDX examples (shared/data/cyclonedx/SBOM)', () => {
  for (const name of filesUnder(CYCLONEDX)) {
    if (!isSbom(name)) {
      test(`${name} is not an SBOM and is refused`, () => {
        assert.throws(() => parseSbom(readFileSync(CYCLONEDX + name)), { name: 'SbomParseError', message: /unrecognised document/ });
      });
      continue;
    }
    test(name, () => {
      const sbom = parseFile(CYCLONEDX + name);
      assert.equal(sbom.format, 'cyclonedx');
      assert.equal(sbom.encoding, name.endsWith('.xml') ? 'xml' : 'json');
      assertInvariants(sbom);
      const [components, edges] = expectedCycloneDxCounts(name);
      assert.equal(sbom.components.length, components);
      assert.equal(sbom.dependencies.length, edges);
      assert.ok(sbom.components.every((c) => c.purl !== null), 'every example component has a valid purl');
      assert.deepEqual(sbom.warnings, []);
    });
  }

  // Not dropwizard: its XML rendition adds scopes and leaves out one license expression.
  test('JSON and XML renditions of the same BOM agree', () => {
    const identity = (c: ParsedComponent) => [c.ref, c.name, c.version, c.group, c.purl, c.licenses, c.hashes, c.scope, c.parentRef];
    const pairs = [
      ['juice-shop/v11.1.2/bom.json', 'juice-shop/v11.1.2/bom.xml'],
      ['cern-lhc-vdm-editor-e564943/bom.json', 'cern-lhc-vdm-editor-e564943/bom.xml'],
      ['proton-bridge/proton-bridge-v1.6.3.bom.json', 'proton-bridge/proton-bridge-v1.6.3.bom.xml'],
      ['laravel-7.12.0/bom.1.2.json', 'laravel-7.12.0/bom.1.2.xml'],
      ['laravel-7.12.0/bom.1.4.json', 'laravel-7.12.0/bom.1.4.xml'],
    ];
    for (const [json, xml] of pairs) {
      const a = parseFile(CYCLONEDX + json);
      const b = parseFile(CYCLONEDX + xml);
      assert.deepEqual(b.components.map(identity), a.components.map(identity), json);
      assert.deepEqual(b.dependencies, a.dependencies, json);
      assert.equal(b.rootRef, a.rootRef, json);
    }
  });

  test('dropwizard: metadata, hashes, licenses and edges', () => {
    const sbom = parseFile(`${CYCLONEDX}dropwizard-1.3.15/bom.json`);
    assert.equal(sbom.specVersion, '1.2');
    assert.equal(sbom.serialNumber, 'urn:uuid:b4f2954f-a96d-4578-9509-1ae2d6476209');
    assert.equal(sbom.createdAt, '2020-08-02T21:27:04Z');
    assert.deepEqual(sbom.tools, ['CycloneDX Maven plugin@2.0.2']);
    assert.equal(sbom.rootRef, 'pkg:maven/io.dropwizard/dropwizard-parent@1.3.15');
    const jackson = byName(sbom, 'jackson-annotations');
    assert.equal(jackson.group, 'com.fasterxml.jackson.core');
    assert.equal(jackson.purl, 'pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.9.10?type=jar');
    assert.deepEqual(jackson.licenses, ['Apache-2.0']);
    assert.deepEqual(jackson.hashes.map((h) => h.alg), ['MD5', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'SHA3-256', 'SHA3-384', 'SHA3-512']);
    assert.deepEqual(jackson.hashes[2], { alg: 'SHA-256', value: 'c876f2e85d0f108a34cdd11ccc9d8d7875697367efc75bf10a89c2c26aee994c' });
    assert.ok(sbom.dependencies.some((d) => d.from === 'pkg:maven/com.google.guava/guava@24.1.1-jre?type=jar'
      && d.to === 'pkg:maven/org.checkerframework/checker-compat-qual@2.0.0?type=jar'));
    // Only the XML rendition states scopes.
    assert.equal(jackson.scope, null);
    assert.equal(byName(parseFile(`${CYCLONEDX}dropwizard-1.3.15/bom.xml`), 'jackson-annotations').scope, 'required');
  });

  test('juice-shop: scoped npm packages keep a canonical %40 purl and their scope as group', () => {
    const sbom = parseFile(`${CYCLONEDX}juice-shop/v11.1.2/bom.xml`);
    const is = sbom.components.find((c) => c.purl === 'pkg:npm/%40sindresorhus/is@0.7.0');
    assert.ok(is);
    assert.equal(is.group, '@sindresorhus');
    assert.equal(sbom.root?.name, 'juice-shop');
    assert.deepEqual(sbom.root?.licenses, ['MIT']);
  });

  test('laravel 1.1 XML: no bom-refs, so every component gets a distinct synthetic ref', () => {
    const sbom = parseFile(`${CYCLONEDX}laravel-7.12.0/bom.1.1.xml`);
    assert.equal(sbom.specVersion, '1.1');
    assert.equal(sbom.root, null);
    assert.ok(sbom.components.every((c) => c.ref.startsWith('urn:thirdwatch:synthetic-ref:')));
    assert.deepEqual(
      [sbom.components[0].name, sbom.components[0].version, sbom.components[0].purl],
      ['stack-cors', '1.3.0', 'pkg:composer/asm89/stack-cors@1.3.0'],
    );
  });

  test('proton-bridge: Go modules and the root module', () => {
    const sbom = parseFile(`${CYCLONEDX}proton-bridge/proton-bridge-v1.8.0.bom.json`);
    assert.equal(sbom.root?.purl, 'pkg:golang/github.com/ProtonMail/proton-bridge@v1.8.0');
    assert.equal(sbom.root?.type, 'application');
    assert.ok(sbom.components.every((c) => c.purl?.startsWith('pkg:golang/')));
    assert.ok(sbom.dependencies.some((d) => d.from === sbom.rootRef));
  });
});

/** Packages the raw file declares, counted without the parsers. */
function countPackages(text: string, name: string): number {
  if (name.endsWith('.spdx')) return text.match(/^PackageName:/gm)?.length ?? 0;
  const doc = JSON.parse(text) as { packages?: unknown[]; '@graph'?: Array<{ type?: string }> };
  if (doc['@graph']) {
    return doc['@graph'].filter((e) => ['software_Package', 'ai_AIPackage', 'dataset_DatasetPackage'].includes(e.type ?? '')).length;
  }
  return doc.packages?.length ?? 0;
}

describe('SPDX examples (shared/data/spdx)', () => {
  for (const name of filesUnder(SPDX)) {
    if (!isSbom(name)) {
      test(`${name} is not an SBOM and is refused`, () => {
        assert.throws(() => parseSbom(readFileSync(SPDX + name)), { name: 'SbomParseError', message: /unrecognised document/ });
      });
      continue;
    }
    test(name, () => {
      const sbom = parseFile(SPDX + name);
      assert.equal(sbom.format, 'spdx');
      assert.equal(sbom.encoding, name.endsWith('.spdx') ? 'tag-value' : name.includes('spdx3') ? 'json-ld' : 'json');
      assertInvariants(sbom);
      const packages = countPackages(readFileSync(SPDX + name, 'utf8'), name);
      assert.ok(packages > 0);
      assert.equal(sbom.components.length + (sbom.root ? 1 : 0), packages);
      assert.ok(sbom.root, 'every example describes a package');
      assert.ok(sbom.createdAt);
    });
  }

  test('tag-value example6-lib: supplier, checksum, extracted license and CONTAINS', () => {
    const sbom = parseFile(`${SPDX}software_example6_spdx2.2_example6-lib.spdx`);
    assert.equal(sbom.specVersion, '2.2');
    assert.equal(sbom.serialNumber, 'https://swinslow.net/spdx-examples/example6/go-lib-v2');
    assert.equal(sbom.rootRef, 'SPDXRef-Package-godist');
    assert.equal(sbom.root?.name, 'go-1.15');
    assert.equal(sbom.root?.version, '1.15.4');
    assert.equal(sbom.root?.supplier, 'Canonical Ltd.');
    assert.deepEqual(sbom.root?.licenses, ['LicenseRef-Golang-BSD-plus-Patents']);
    assert.deepEqual(sbom.root?.hashes, [{ alg: 'SHA-256', value: '0d6e1420facd978e532eae7bd5cb6378b65522c12fa9dcf682129e698c34d1b2' }]);
    assert.deepEqual(sbom.components.map((c) => [c.name, c.parentRef]), [
      ['go', 'SPDXRef-Package-godist'],
      ['go.fmt', 'SPDXRef-Package-godist'],
      ['go.reflect', 'SPDXRef-Package-godist'],
      ['go.strconv', 'SPDXRef-Package-godist'],
    ]);
  });

  test('SPDX 2.3 JSON example14: DYNAMIC_LINK and TEST_DEPENDENCY_OF become edges from the root', () => {
    const sbom = parseFile(`${SPDX}software_example14_spdx2.3_examplemaven-0.0.1-enriched.spdx.json`);
    assert.equal(sbom.rootRef, 'SPDXRef-example');
    assert.deepEqual(sbom.tools, ['spdx-maven-plugin', 'Parlay']);
    assert.equal(sbom.root?.type, 'library');
    assert.equal(sbom.root?.supplier, 'SPDX');
    assert.deepEqual(sbom.root?.hashes, [{ alg: 'SHA-1', value: 'b8a7e6c75001e6d78625cfc9a3103bf121abf8b4' }]);
    assert.deepEqual(
      sbom.dependencies.map((d) => `${d.from} -> ${d.to}`).sort(),
      ['junit', 'log4jApi', 'log4jImpl', 'log4jslf4jApi', 'log4jslf4jbinding'].map((id) => `SPDXRef-example -> SPDXRef-${id}`),
    );
    assert.deepEqual(byName(sbom, 'JUnit').licenses, ['CPL-1.0']);
  });

  test('example11 says the same in SPDX 2.3 JSON and SPDX 3.0 JSON-LD', () => {
    const spdx2 = parseFile(`${SPDX}software_example11_spdx2.3_sbom.spdx.json`);
    const spdx3 = parseFile(`${SPDX}software_example11_spdx3.0_sbom.spdx3.json`);
    const view = (sbom: ParsedSbom) => ({
      root: [sbom.root?.name, sbom.root?.purl, sbom.root?.licenses],
      components: sbom.components.map((c) => [c.name, c.version, c.purl]).sort(),
      edges: sbom.dependencies.length,
      tools: sbom.tools,
      createdAt: sbom.createdAt,
    });
    assert.deepEqual(view(spdx3), view(spdx2));
    assert.deepEqual(view(spdx2).root, ['hello-server-src', 'pkg:deb/debian/libselinux1-dev@3.1-3?arch=s390x', ['Apache-2.0']]);
    assert.ok(spdx2.components.some((c) => c.purl === 'pkg:cargo/hyper@0.14' && c.licenses[0] === 'MIT'));
    assert.ok(spdx3.components.some((c) => c.hashes.length === 0 && c.name === 'hyper'), 'SPDX 3 rendition carries no hashes');
  });

  test('SPDX 3 AI example: AI/dataset packages, Sbom rootElement as root, a verbatim duplicate element tolerated', () => {
    const sbom = parseFile(`${SPDX}ai_example01_spdx3.0_simplehtr-example.json`);
    assert.equal(sbom.root?.name, 'SimpleHTR');
    assert.equal(sbom.specVersion, '3.0.1');
    assert.deepEqual(
      sbom.dependencies.filter((d) => d.from === sbom.rootRef).map((d) => byRef(sbom, d.to).name).sort(),
      ['editdistance', 'lmdb', 'lmdb', 'numpy', 'opencv-python', 'path', 'tensorflow'],
    );
    assert.ok(sbom.components.some((c) => c.name === 'word-model' && c.type === 'application'));
    assert.ok(sbom.components.some((c) => c.name === 'IAMdataset' && c.type === 'data'));
    assert.equal(sbom.warnings.length, 1);
    assert.match(sbom.warnings[0], /repeats .* verbatim/);
  });
});

function byRef(sbom: ParsedSbom, ref: string): ParsedComponent {
  const found = sbom.components.find((c) => c.ref === ref);
  assert.ok(found, ref);
  return found;
}

test('a non-SBOM file is refused with SbomParseError', () => {
  assert.throws(() => parseSbom(readFileSync(`${DATA}README.md`)), SbomParseError);
});
