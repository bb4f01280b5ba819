import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parsePurl } from '../purl/index.js';
import { parseSbom } from './parsers/index.js';
import { diffSboms, type DiffInput } from './sboms.diff.js';
import { canonicalEcosystem, identityOfName, identityOfPurl, parseTechnologyKey, technologyLabel } from './sboms.identity.js';
import { invalidPurls, packEdges, prepareSbom, unpackEdges } from './sboms.ingest.js';
import { rowsPerStatement } from './sboms.repository.js';
import { buildCycloneDx } from './test-support/build.js';
import { cpuMs } from '../../../test/support/cpu-time.js';

const identity = (purl: string) => identityOfPurl(parsePurl(purl));

describe('package identity', () => {
  test('purls map to the OSV ecosystem and name advisories use', () => {
    assert.deepEqual(identity('pkg:npm/electron@22.3.4'), { ecosystem: 'npm', packageName: 'electron', nameKey: 'electron' });
    assert.deepEqual(identity('pkg:npm/%40babel/core@7.0.0'), { ecosystem: 'npm', packageName: '@babel/core', nameKey: '@babel/core' });
    assert.deepEqual(identity('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1'), {
      ecosystem: 'Maven',
      packageName: 'org.apache.logging.log4j:log4j-core',
      nameKey: 'log4j-core',
    });
    assert.deepEqual(identity('pkg:pypi/Django_REST.framework@3.0'), { ecosystem: 'PyPI', packageName: 'django-rest-framework', nameKey: 'django-rest-framework' });
    assert.deepEqual(identity('pkg:golang/github.com/sirupsen/logrus@v1.8.1'), { ecosystem: 'Go', packageName: 'github.com/sirupsen/logrus', nameKey: 'logrus' });
    assert.deepEqual(identity('pkg:deb/debian/openssl@3.0.11-1?distro=debian-12'), { ecosystem: 'Debian', packageName: 'openssl', nameKey: 'openssl' });
    assert.deepEqual(identity('pkg:deb/ubuntu/openssl@3.0.2?distro=ubuntu-22.04'), { ecosystem: 'Ubuntu', packageName: 'openssl', nameKey: 'openssl' });
    assert.deepEqual(identity('pkg:generic/FFmpeg@5.1.2'), { ecosystem: 'generic', packageName: 'ffmpeg', nameKey: 'ffmpeg' });
    assert.deepEqual(identity('pkg:cargo/Serde_json@1.0.0'), { ecosystem: 'crates.io', packageName: 'serde-json', nameKey: 'serde_json' });
  });

  test('components without a purl are generic, case-insensitively', () => {
    assert.deepEqual(identityOfName('FFmpeg', null), { ecosystem: 'generic', packageName: 'ffmpeg', nameKey: 'ffmpeg' });
    assert.deepEqual(identityOfName('core', 'Acme'), { ecosystem: 'generic', packageName: 'acme/core', nameKey: 'core' });
  });

  test('ecosystems as users type them, labels and keys', () => {
    assert.equal(canonicalEcosystem('pypi'), 'PyPI');
    assert.equal(canonicalEcosystem('golang'), 'Go');
    assert.equal(canonicalEcosystem('MAVEN'), 'Maven');
    assert.equal(canonicalEcosystem('cargo'), 'crates.io');
    assert.equal(canonicalEcosystem('Generic'), 'generic');
    assert.equal(technologyLabel('Maven', 'org.apache.logging.log4j:log4j-core'), 'log4j-core');
    assert.equal(technologyLabel('Go', 'github.com/go-resty/resty/v2'), 'resty');
    assert.equal(technologyLabel('npm', '@babel/core'), '@babel/core');
    assert.deepEqual(parseTechnologyKey('Maven:org.apache.logging.log4j:log4j-core'), { ecosystem: 'Maven', packageName: 'org.apache.logging.log4j:log4j-core' });
    assert.deepEqual(parseTechnologyKey('pypi:Django'), { ecosystem: 'PyPI', packageName: 'django' });
    assert.equal(parseTechnologyKey('electron'), null);
    assert.equal(parseTechnologyKey(':x'), null);
  });
});

describe('graph placement (depth, via, direct)', () => {
  const byName = (sbom: string) => {
    const prepared = prepareSbom(parseSbom(sbom));
    return new Map(prepared.components.map((c) => [c.name, c]));
  };

  test('shortest paths from the root; cycles terminate; unreached components hang off the root', () => {
    const rows = byName(
      buildCycloneDx({
        direct: ['pkg:npm/a@1'],
        components: [
          { purl: 'pkg:npm/a@1', deps: ['pkg:npm/b@1', 'pkg:npm/c@1'] },
          { purl: 'pkg:npm/b@1', deps: ['pkg:npm/c@1', 'pkg:npm/a@1'] },
          { purl: 'pkg:npm/c@1', deps: ['pkg:npm/d@1'] },
          { purl: 'pkg:npm/d@1', deps: ['pkg:npm/b@1', 'pkg:npm/d@1'] },
          { purl: 'pkg:npm/loose@1', deps: ['pkg:npm/e@1'] },
          { purl: 'pkg:npm/e@1' },
          { purl: 'pkg:npm/x@1', deps: ['pkg:npm/y@1'] },
          { purl: 'pkg:npm/y@1', deps: ['pkg:npm/x@1'] },
        ],
      }),
    );
    const at = (name: string) => [rows.get(name)!.depth, rows.get(name)!.via_idx, rows.get(name)!.direct];
    assert.deepEqual(at('a'), [1, 0, 1]);
    assert.deepEqual(at('b'), [2, rows.get('a')!.idx, 0]);
    assert.deepEqual(at('c'), [2, rows.get('a')!.idx, 0]);
    assert.deepEqual(at('d'), [3, rows.get('c')!.idx, 0]);
    // Nothing depends on "loose": the SBOM lists it, so it sits directly under the root.
    assert.deepEqual(at('loose'), [1, 0, 1]);
    assert.deepEqual(at('e'), [2, rows.get('loose')!.idx, 0]);
    // x and y only reach each other: the first in document order is placed under the root.
    assert.deepEqual(at('x'), [1, 0, 1]);
    assert.deepEqual(at('y'), [2, rows.get('x')!.idx, 0]);
  });

  test('without a dependency graph every top-level component is direct and nested ones hang off their parent', () => {
    const rows = byName(
      buildCycloneDx({
        root: null,
        components: [{ purl: 'pkg:npm/app@1', components: [{ purl: 'pkg:npm/inner@1', components: [{ purl: 'pkg:npm/innermost@1' }] }] }, { purl: 'pkg:npm/other@2' }],
      }),
    );
    assert.deepEqual([rows.get('app')!.depth, rows.get('other')!.depth, rows.get('inner')!.depth, rows.get('innermost')!.depth], [1, 1, 2, 3]);
    assert.equal(rows.get('inner')!.parent_idx, rows.get('app')!.idx);
    assert.equal(rows.get('inner')!.via_idx, rows.get('app')!.idx);
  });

  test('a bom-ref equal to the purl is stored once; hashes become an algorithm map', () => {
    const rows = byName(
      buildCycloneDx({
        components: [
          { purl: 'pkg:npm/same@1', hashes: { 'SHA-256': 'ab'.repeat(32), 'SHA-1': 'cd'.repeat(20) }, licenses: ['MIT'] },
          { purl: 'pkg:npm/other@1', ref: 'custom-ref' },
        ],
      }),
    );
    assert.equal(rows.get('same')!.ref, null);
    assert.equal(rows.get('other')!.ref, 'custom-ref');
    assert.deepEqual(JSON.parse(rows.get('same')!.hashes!), { 'SHA-256': 'ab'.repeat(32), 'SHA-1': 'cd'.repeat(20) });
    assert.deepEqual(JSON.parse(rows.get('same')!.licenses!), ['MIT']);
    assert.equal(rows.get('other')!.hashes, null);
  });

  test('a 10,000-long dependency chain is placed in one linear pass', () => {
    const components = Array.from({ length: 10_000 }, (_, i) => ({ purl: `pkg:npm/n${i}@1`, deps: i + 1 < 10_000 ? [`pkg:npm/n${i + 1}@1`] : [] }));
    let prepared!: ReturnType<typeof prepareSbom>;
    const ms = cpuMs(() => (prepared = prepareSbom(parseSbom(buildCycloneDx({ direct: ['pkg:npm/n0@1'], components })))));
    assert.equal(prepared.components.at(-1)!.depth, 10_000);
    assert.ok(ms < 5000, `${ms.toFixed(0)} ms of CPU`);
  });

  test('invalid purls dropped by the parser are reported with their pointer', () => {
    const sbom = parseSbom(buildCycloneDx({ components: [{ name: 'ok', purl: 'pkg:npm/ok@1' }, { name: 'bad', ref: 'bad', purl: 'pkg:npm/bad%zzname@1' }] }));
    const problems = invalidPurls(sbom);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].field, '/components/1');
    assert.match(problems[0].reason, /^invalid purl "pkg:npm\/bad%zzname@1"/);
  });

  test('edges pack into sorted 32-bit pairs and back', () => {
    const edges: Array<[number, number]> = [[3, 1], [0, 2], [3, 0], [70_000, 4_000_000_000], [0, 1]];
    const packed = packEdges(edges);
    assert.equal(packed.length, 40);
    assert.deepEqual(unpackEdges(packed), [[0, 1], [0, 2], [3, 0], [3, 1], [70_000, 4_000_000_000]]);
    assert.deepEqual(unpackEdges(new Uint8Array(Buffer.concat([Buffer.alloc(3), packed])).subarray(3)), unpackEdges(packed), 'unaligned buffers decode too');
  });

  test('bulk inserts stay within each engine\'s bind-parameter limit', () => {
    for (const columns of [3, 24, 100]) {
      assert.ok(rowsPerStatement(true, columns) * columns <= 65_535);
      assert.ok(rowsPerStatement(false, columns) * columns <= 32_766);
    }
    assert.equal(rowsPerStatement(false, 24), 500);
  });
});

describe('SBOM diff', () => {
  const row = (name: string, version: string | null, hashes: Record<string, string> | null = null, ecosystem = 'npm'): DiffInput => ({
    name,
    group_name: null,
    version,
    purl: `pkg:npm/${name}${version ? `@${version}` : ''}`,
    ecosystem,
    package_name: name,
    hashes: hashes ? JSON.stringify(hashes) : null,
    direct: 1,
  });

  test('added, removed, version and hash changes; several versions of one package are paired in version order', () => {
    const diff = diffSboms(
      [row('kept', '1.0.0'), row('gone', '1.0.0'), row('bumped', '1.0.0'), row('multi', '1.0.0'), row('multi', '2.0.0'), row('multi', '3.0.0'), row('dll', '10.0', { 'SHA-256': 'aa', 'SHA-1': 'bb' })],
      [row('kept', '1.0.0'), row('new', '0.1.0'), row('bumped', '1.10.0'), row('multi', '2.0.0'), row('multi', '3.1.0'), row('dll', '10.0', { 'SHA-256': 'cc', 'SHA-1': 'bb' })],
    );
    assert.deepEqual(diff.summary, { added: 1, removed: 2, versionChanged: 2, hashChanged: 1, unchanged: 2 });
    assert.deepEqual(diff.added.map((c) => c.name), ['new']);
    assert.deepEqual(diff.removed.map((c) => [c.name, c.version]), [['gone', '1.0.0'], ['multi', '1.0.0']]);
    assert.deepEqual(
      diff.versionChanged.map((c) => [c.name, c.fromVersion, c.toVersion]),
      [['bumped', '1.0.0', '1.10.0'], ['multi', '3.0.0', '3.1.0']],
    );
    assert.deepEqual(diff.hashChanged, [{ ecosystem: 'npm', packageName: 'dll', name: 'dll', version: '10.0', purl: 'pkg:npm/dll@10.0', algorithms: [{ alg: 'SHA-256', from: 'aa', to: 'cc' }] }]);
  });

  test('identical documents have no changes', () => {
    const rows = [row('a', '1'), row('b', null)];
    assert.deepEqual(diffSboms(rows, rows).summary, { added: 0, removed: 0, versionChanged: 0, hashChanged: 0, unchanged: 2 });
  });
});
