import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  advisoryEntryKey,
  comparableVersion,
  componentKeys,
  distroRelease,
  evaluateComponent,
  keyOf,
  nearestFix,
  releaseMatches,
  sourcePackageOf,
  type MatchComponent,
  type PackageEntry,
} from './matching.keys.js';

const entry = (ecosystem: string, name: string, purl: string | null = null) => ({ ecosystem, name, purl, versions: [], ranges: [] });

function component(over: Partial<MatchComponent>): MatchComponent {
  return { sbomId: 's', idx: 1, name: 'x', version: '1.0.0', purl: null, qualifiers: null, ecosystem: 'npm', packageName: 'x', sourcePackage: null, ...over };
}

function pkg(over: Partial<PackageEntry>): PackageEntry {
  return { advisoryId: 'a', externalId: 'OSV-1', groupId: 'g1', ecosystem: 'npm', release: null, packageName: 'x', versions: [], ranges: [], fixed: [], ...over };
}

describe('advisory entry keys', () => {
  test('OSV ecosystems: names normalised like components, release suffixes split off', () => {
    assert.deepEqual(advisoryEntryKey(entry('PyPI', 'Django_REST.framework')), { ecosystem: 'PyPI', packageName: 'django-rest-framework', release: null });
    assert.deepEqual(advisoryEntryKey(entry('Maven', 'org.apache.logging.log4j:log4j-core')), { ecosystem: 'Maven', packageName: 'org.apache.logging.log4j:log4j-core', release: null });
    assert.deepEqual(advisoryEntryKey(entry('Go', 'golang.org/x/net')), { ecosystem: 'Go', packageName: 'golang.org/x/net', release: null });
    assert.deepEqual(advisoryEntryKey(entry('Debian:12', 'OpenSSL')), { ecosystem: 'Debian', packageName: 'openssl', release: '12' });
    assert.deepEqual(advisoryEntryKey(entry('Ubuntu:Pro:18.04:LTS', 'openssl')), { ecosystem: 'Ubuntu', packageName: 'openssl', release: 'Pro:18.04:LTS' });
    assert.deepEqual(advisoryEntryKey(entry('Alpine:v3.18', 'openssl')), { ecosystem: 'Alpine', packageName: 'openssl', release: 'v3.18' });
    assert.deepEqual(advisoryEntryKey(entry('pypi', 'Pillow')), { ecosystem: 'PyPI', packageName: 'pillow', release: null }, 'ecosystem case is forgiven');
  });

  test('CSAF products keyed by purl get the component identity; unknown ecosystems are refused', () => {
    assert.deepEqual(advisoryEntryKey(entry('generic', 'ffmpeg', 'pkg:generic/ffmpeg@6.0')), { ecosystem: 'generic', packageName: 'ffmpeg', release: null });
    assert.deepEqual(advisoryEntryKey(entry('rpm', 'openssl', 'pkg:rpm/redhat/openssl@3.0.7?distro=rhel-9')), { ecosystem: 'Red Hat', packageName: 'openssl', release: null });
    assert.deepEqual(advisoryEntryKey(entry('NoSuchEcosystem', 'x')), { error: "package.ecosystem: unknown ecosystem 'NoSuchEcosystem'" });
    assert.ok(!('error' in advisoryEntryKey(entry('GIT', 'https://github.com/a/b'))), 'unordered OSV ecosystems are indexed');
  });
});

describe('distro packages', () => {
  test('the release of a component from its distro qualifier', () => {
    assert.equal(distroRelease('Debian', 'debian-12.5'), '12');
    assert.equal(distroRelease('Debian', 'bookworm'), '12');
    assert.equal(distroRelease('Ubuntu', 'ubuntu-22.04'), '22.04');
    assert.equal(distroRelease('Ubuntu', 'jammy'), '22.04');
    assert.equal(distroRelease('Alpine', 'alpine-3.18.4'), 'v3.18');
    assert.equal(distroRelease('Debian', null), null);
  });

  test('an entry release admits a component release; unknown on either side admits', () => {
    assert.ok(releaseMatches('Debian', '12', '12'));
    assert.ok(!releaseMatches('Debian', '11', '12'));
    assert.ok(releaseMatches('Ubuntu', '22.04:LTS', '22.04'));
    assert.ok(!releaseMatches('Ubuntu', 'Pro:18.04:LTS', '22.04'));
    assert.ok(releaseMatches('Alpine', 'v3.18', 'v3.18'));
    assert.ok(releaseMatches('Debian', null, '12'));
    assert.ok(releaseMatches('Debian', '12', null));
  });

  test('source packages from the upstream qualifier, with or without a version', () => {
    assert.equal(sourcePackageOf('Debian', 'libssl3', { upstream: 'openssl' }), 'openssl');
    assert.equal(sourcePackageOf('Debian', 'libssl3', { upstream: 'openssl@3.0.11-1' }), 'openssl');
    assert.equal(sourcePackageOf('Red Hat', 'openssl-libs', { upstream: 'openssl-3.0.7-24.el9.src.rpm' }), 'openssl');
    assert.equal(sourcePackageOf('Debian', 'openssl', { upstream: 'openssl' }), null, 'the same name needs no second key');
    assert.equal(sourcePackageOf('npm', 'x', { upstream: 'y' }), null, 'only distro ecosystems');
    assert.deepEqual(componentKeys({ ecosystem: 'Debian', packageName: 'libssl3', sourcePackage: 'openssl' }), [keyOf('Debian', 'libssl3'), keyOf('Debian', 'openssl')]);
  });

  test('versions as advisories write them: dpkg/rpm epoch from the qualifier, Go toolchain versions', () => {
    assert.equal(comparableVersion({ ecosystem: 'Debian', packageName: 'zlib', version: '1.2.11.dfsg-2', qualifiers: { epoch: '1' } }), '1:1.2.11.dfsg-2');
    assert.equal(comparableVersion({ ecosystem: 'Debian', packageName: 'zlib', version: '1:1.2.11', qualifiers: { epoch: '1' } }), '1:1.2.11');
    assert.equal(comparableVersion({ ecosystem: 'Go', packageName: 'stdlib', version: 'go1.21.3', qualifiers: null }), '1.21.3');
    assert.equal(comparableVersion({ ecosystem: 'Go', packageName: 'golang.org/x/net', version: 'v0.7.0', qualifiers: null }), 'v0.7.0');
    assert.equal(comparableVersion({ ecosystem: 'npm', packageName: 'x', version: '  ', qualifiers: null }), null);
  });
});

describe('evaluating a component', () => {
  test('the OSV union: listed versions or any range, per group; not affected groups are absent', () => {
    const c = component({ version: '1.5.0' });
    const verdicts = evaluateComponent(c, [
      pkg({ groupId: 'listed', versions: ['1.5.0'] }),
      pkg({ groupId: 'ranged', ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '2.0.0' }] }], fixed: ['2.0.0'] }),
      pkg({ groupId: 'fixed-before', ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2.0' }] }], fixed: ['1.2.0'] }),
      pkg({ groupId: 'both', externalId: 'A', ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2.0' }] }] }),
      pkg({ groupId: 'both', externalId: 'B', versions: ['1.5.0'] }),
    ]);
    assert.deepEqual([...verdicts.keys()].sort(), ['both', 'listed', 'ranged']);
    assert.deepEqual(verdicts.get('ranged')!.fixed, ['2.0.0']);
    assert.deepEqual(verdicts.get('both')!.matched.map((m) => m.advisory), ['B']);
  });

  test('indeterminate when the version cannot be ordered or is missing; affected wins over indeterminate', () => {
    const range = [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }];
    assert.equal(evaluateComponent(component({ ecosystem: 'Maven', version: null }), [pkg({ ecosystem: 'Maven', ranges: range })]).get('g1')!.verdict, 'indeterminate');
    assert.equal(evaluateComponent(component({ ecosystem: 'SomethingElse', version: '1' }), [pkg({ ecosystem: 'SomethingElse', ranges: range })]).get('g1')!.verdict, 'indeterminate');
    const mixed = evaluateComponent(component({ ecosystem: 'npm', version: '1.0.0' }), [
      pkg({ ranges: [{ type: 'SEMVER', events: [{ introduced: 'not-a-version' }] }] }),
      pkg({ versions: ['1.0.0'] }),
    ]);
    assert.equal(mixed.get('g1')!.verdict, 'affected');
  });

  test('distro entries apply only to their release', () => {
    const c = component({ ecosystem: 'Debian', packageName: 'libssl3', sourcePackage: 'openssl', version: '3.0.9-1', qualifiers: { distro: 'debian-12' } });
    const verdicts = evaluateComponent(c, [
      pkg({ groupId: 'd11', ecosystem: 'Debian', release: '11', packageName: 'openssl', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.1.1w-0+deb11u1' }] }] }),
      pkg({ groupId: 'd12', ecosystem: 'Debian', release: '12', packageName: 'openssl', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }] }] }),
    ]);
    assert.deepEqual([...verdicts.keys()], ['d12']);
    assert.equal(verdicts.get('d12')!.matched[0].ecosystem, 'Debian:12');
  });

  test('the nearest fix is the lowest fixed version above the component version', () => {
    assert.equal(nearestFix({ ecosystem: 'Go', packageName: 'x', version: 'v1.5.0', qualifiers: null }, ['1.2.0', '1.7.0', '1.6.1']), '1.6.1');
    assert.equal(nearestFix({ ecosystem: 'Go', packageName: 'x', version: 'v2.0.0', qualifiers: null }, ['1.2.0']), null);
    assert.equal(nearestFix({ ecosystem: 'Nope', packageName: 'x', version: 'a', qualifiers: null }, ['b']), 'b');
  });
});
