import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { comparatorFor, versComparatorFor } from './index.js';
import { cpeVersionComparator as cpe } from './cpe-version.js';

const SHARED = new URL('../../../../shared/data/', import.meta.url);
const EXPECTED: Record<string, number> = { '<': -1, '=': 0, '>': 1 };

/** Versions the CPE rule speaks for: dotted numbers, optionally one pre-release word and its numbers. */
const CPE_SHAPED = /^v?\d+(?:\.\d+)*(?:[-._]?(?:dev|alpha|beta|pre|preview|rc|a|b|c)[-._]?\d+(?:\.\d+)*|[-._]?(?:dev|alpha|beta|pre|preview|rc))?$/i;

/**
 * osv-scalibr vector files whose CPE-shaped vectors all follow the general rule. The others differ on
 * purpose, by their ecosystem's own rules: CRAN, Hackage and Packagist count a trailing `.0`, Maven puts
 * `preview`/`dev` after the release, RPM puts `6.0.rc1` after `6.0`, RubyGems reads `1.0.a.9` as a
 * pre-release.
 */
const VECTOR_FILES = ['alpine-versions.txt', 'debian-versions.txt', 'debian-versions-generated.txt', 'nuget-versions.txt', 'pub-versions.txt', 'pypi-versions.txt', 'semver-versions.txt'];

function assertOrder(a: string, op: string, b: string, failures: string[]): void {
  if (cpe.compare(a, b) !== EXPECTED[op] || cpe.compare(b, a) !== -EXPECTED[op]) failures.push(`${a} ${op} ${b} (got ${cpe.compare(a, b)})`);
}

describe('CPE version order', () => {
  test('is registered as cpe', () => {
    assert.equal(comparatorFor('cpe'), cpe);
    assert.equal(versComparatorFor('cpe'), cpe);
  });

  test('orders versions as NVD writes them', () => {
    const failures: string[] = [];
    const cases: Array<[string, string, string]> = [
      ['18.12.407', '<', '18.12.416'],
      ['18.11.1213', '<', '18.12.402'],
      ['102.0.5005.61', '<', '102.0.5005.115'],
      ['102.0.5005.61', '<', '103.0.5060.53'],
      ['1.10', '>', '1.9'],
      ['1.0', '=', '1.0.0'],
      ['1.01', '=', '1.1'],
      ['V2.3', '=', '2.3'],
      // OpenSSL-style letter suffixes come after the release, longer ones after shorter ones.
      ['1.1.1', '<', '1.1.1a'],
      ['1.1.1b', '<', '1.1.1t'],
      ['1.1.1t', '<', '1.1.1za'],
      ['1.1.1t', '<', '1.1.2'],
      ['1.1.1T', '=', '1.1.1t'],
      ['8u45', '<', '8u211'],
      ['1.0', '<', '1.0-sp1'],
      ['2.4.54', '<', '2.4.54-1'],
      // Pre-releases come before the release, in the order dev < alpha < beta < pre < rc.
      ['2.0.0-rc1', '<', '2.0.0'],
      ['2.0.0-rc1', '<', '2.0.0-rc2'],
      ['2.0.0-rc2', '<', '2.0.0-rc10'],
      ['2.0.0-beta3', '<', '2.0.0-rc1'],
      ['2.0.0-alpha', '<', '2.0.0-beta'],
      ['2.0.0-dev', '<', '2.0.0-alpha1'],
      ['2.0.0-preview1', '<', '2.0.0-rc1'],
      ['1.9.9', '<', '2.0.0-alpha1'],
      ['2.0b2', '=', '2.0-beta.2'],
      ['2.0a1', '=', '2.0_ALPHA1'],
      ['5.4.0_beta2', '<', '5.4.0'],
      ['2.0rc1', '=', '2.0.0-rc.1'],
      // A single letter without a number after it is a suffix, not a pre-release.
      ['1.0.2b', '>', '1.0.2'],
      ['1.0.2c', '>', '1.0.2b'],
    ];
    for (const [a, op, b] of cases) assertOrder(a, op, b, failures);
    assert.deepEqual(failures, []);
  });

  test('orderable versions hold a digit; ANY, NA and words are not orderable', () => {
    for (const v of ['1', '1.1.1t', '8u211', '2.0.0-rc1', 'r12']) assert.equal(cpe.isValid(v), true, v);
    for (const v of ['*', '-', '', 'unspecified', 'x'.repeat(300) + '1', '1 0']) assert.equal(cpe.isValid(v), false, v);
  });

  test('never throws and stays antisymmetric on odd input', () => {
    const odd = ['', '-', '*', '..', 'v', 'vv1', '1..2', '1.-', '\u00e9', '1.0\\*', '99999999999999999999999999.1', 'rc', 'a1'];
    for (const a of odd) for (const b of odd) assert.equal(cpe.compare(a, b), -cpe.compare(b, a) || 0, `${a} / ${b}`);
  });

  test('OpenSSL vers-spec vectors', () => {
    const cases = JSON.parse(readFileSync(new URL('vers-spec/tests/openssl_version_cmp_test.json', SHARED), 'utf8')).tests as Array<{ test_type: string; input: { versions: string[] }; expected_output: unknown }>;
    assert.ok(cases.length > 0);
    for (const c of cases) {
      const [a, b] = c.input.versions;
      if (c.test_type === 'comparison') assert.deepEqual([a, b].sort(cpe.compare), c.expected_output, `${a} ${b}`);
      else assert.equal(cpe.compare(a, b) === 0, c.expected_output, `${a} = ${b}`);
    }
  });

  for (const file of VECTOR_FILES) {
    test(`CPE-shaped vectors of ${file}`, (t) => {
      const lines = readFileSync(new URL(`version-order/${file}`, SHARED), 'utf8')
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('# ') && !line.startsWith('// '));
      const failures: string[] = [];
      let applied = 0;
      for (const line of lines) {
        const [a, op, b] = line.split(' ');
        if (!CPE_SHAPED.test(a) || !CPE_SHAPED.test(b)) continue;
        applied++;
        assertOrder(a, op, b, failures);
      }
      t.diagnostic(`${applied - failures.length}/${applied} applicable vectors`);
      assert.ok(applied > 0);
      assert.deepEqual(failures, []);
    });
  }
});
