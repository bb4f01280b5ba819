import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { comparatorFor, osvAffects, versComparatorFor, versContains, type VersionComparator } from './index.js';

// Random and version-shaped strings must never make a comparator, the OSV evaluator or vers
// containment throw, and compare() must stay antisymmetric and reflexive.

const ECOSYSTEMS = ['npm', 'PyPI', 'Maven', 'NuGet', 'RubyGems', 'Packagist', 'Pub', 'CRAN', 'Hackage', 'ConanCenter', 'Debian', 'Alpine', 'Red Hat'];
const VERS_SCHEMES = ['alpm', 'gentoo', 'openssl', 'datetime', 'lexicographic', 'intdot', 'generic'];

/** mulberry32: a seeded generator keeps failures reproducible. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['0', '1', '9', '00', '10', '999999999999999999999', '.', '.', '-', '_', '+', '~', '^', ':', '!', 'a', 'b', 'rc', 'alpha', 'dev', 'post', 'p', 'r', 'SNAPSHOT', 'v', 'ga', '#', ' ', '*', '%', 'é', '😀', '\u0000', 'T', 'Z'];

function randomVersion(next: () => number): string {
  const length = Math.floor(next() * 12);
  let s = '';
  for (let i = 0; i < length; i++) s += PIECES[Math.floor(next() * PIECES.length)];
  return s;
}

function comparators(): Array<[string, VersionComparator]> {
  return [
    ...ECOSYSTEMS.map((e) => [e, comparatorFor(e)] as const),
    ...VERS_SCHEMES.map((s) => [`vers:${s}`, versComparatorFor(s)] as const),
  ].map(([name, cmp]) => {
    assert.ok(cmp, name);
    return [name, cmp];
  });
}

describe('robustness on arbitrary input', () => {
  test('compare() never throws and is antisymmetric and reflexive', () => {
    const next = random(20240521);
    const samples = Array.from({ length: 1000 }, () => randomVersion(next));
    for (const [name, cmp] of comparators()) {
      for (let i = 0; i < samples.length * 3; i++) {
        const a = samples[i % samples.length];
        const b = samples[Math.floor(next() * samples.length)];
        const ab = cmp.compare(a, b);
        assert.ok(ab === -1 || ab === 0 || ab === 1, `${name}: compare(${JSON.stringify(a)}, ${JSON.stringify(b)}) = ${ab}`);
        assert.equal(cmp.compare(b, a) + ab, 0, `${name}: antisymmetry for ${JSON.stringify(a)} / ${JSON.stringify(b)}`);
        assert.equal(cmp.compare(a, a), 0, `${name}: reflexivity for ${JSON.stringify(a)}`);
        assert.equal(typeof cmp.isValid(a), 'boolean');
      }
    }
  });

  test('osvAffects and versContains answer on garbage instead of throwing', () => {
    const next = random(7);
    for (let i = 0; i < 300; i++) {
      const version = randomVersion(next);
      const events = [{ introduced: randomVersion(next) }, { fixed: randomVersion(next) }, { last_affected: randomVersion(next) }, { limit: randomVersion(next) }];
      for (const ecosystem of ECOSYSTEMS) {
        const verdict = osvAffects(ecosystem, version, { versions: [randomVersion(next)], ranges: [{ type: 'ECOSYSTEM', events }] });
        assert.ok(['affected', 'not_affected', 'indeterminate'].includes(verdict));
      }
      const constraints = [
        { comparator: '>=' as const, version: randomVersion(next) },
        { comparator: '<' as const, version: randomVersion(next) },
      ];
      for (const scheme of ['npm', 'pypi', 'deb', 'maven', ...VERS_SCHEMES]) {
        assert.ok(['affected', 'not_affected', 'indeterminate'].includes(versContains({ scheme, constraints }, version)));
      }
    }
  });
});
