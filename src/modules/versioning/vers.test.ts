import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { formatVers, parseVers, versComparatorFor, versContains, VersError } from './index.js';

// The vers-spec conformance files. 'from_native' cases (native ranges such as npm's '^1.2' turned
// into vers) are reported as skipped: there is no native-range converter in this module.
const DIR = new URL('../../../../shared/data/vers-spec/tests/', import.meta.url);

interface VersCase {
  description: string;
  test_type: string;
  input: any;
  expected_output?: any;
  expected_failure?: boolean;
  expected_message?: string;
}

function load(file: string): VersCase[] {
  return JSON.parse(readFileSync(new URL(file, DIR), 'utf8')).tests;
}

/** Returns a failure description, or null when the case passes. */
function check(c: VersCase): string | null {
  const label = `${c.test_type} ${JSON.stringify(c.input)}`;
  switch (c.test_type) {
    case 'comparison': {
      const cmp = versComparatorFor(c.input.input_scheme);
      if (!cmp) return `${label}: no comparator`;
      const sorted = [...(c.input.versions as string[])].sort(cmp.compare);
      const expected = c.expected_output as string[];
      // Expected lists may spell equal versions differently ('1.0.0-BETA' vs '1.0.0-beta').
      return sorted.every((v, i) => cmp.compare(v, expected[i]) === 0) ? null : `${label}: sorted to ${JSON.stringify(sorted)}`;
    }
    case 'equality': {
      const cmp = versComparatorFor(c.input.input_scheme);
      if (!cmp) return `${label}: no comparator`;
      const [a, b] = c.input.versions as string[];
      const equal = cmp.compare(a, b) === 0 && cmp.compare(b, a) === 0;
      return equal === c.expected_output ? null : `${label}: equal = ${equal}`;
    }
    case 'containment': {
      const verdict = versContains(c.input.vers, c.input.version);
      return verdict === (c.expected_output ? 'affected' : 'not_affected') ? null : `${label}: ${verdict}`;
    }
    case 'validate': {
      const formatted = formatVers(parseVers(c.input, { normalize: true }));
      return formatted === c.expected_output ? null : `${label}: ${formatted}`;
    }
    case 'parse': {
      if (c.expected_failure) {
        try {
          parseVers(c.input);
          return `${label}: parsed, expected "${c.expected_message}"`;
        } catch (e) {
          return e instanceof VersError && e.message === c.expected_message ? null : `${label}: ${String(e)}`;
        }
      }
      const vers = parseVers(c.input);
      const actual = { scheme: vers.scheme, version_constraints: vers.constraints.map((k) => [k.comparator, k.version]) };
      try {
        assert.deepEqual(actual, c.expected_output);
        return null;
      } catch {
        return `${label}: ${JSON.stringify(actual)}`;
      }
    }
    default:
      return `${label}: unknown test type`;
  }
}

describe('vers-spec conformance suite', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()) {
    const cases = load(file);
    const supported = cases.filter((c) => c.test_type !== 'from_native');
    const skipped = cases.length - supported.length;
    if (supported.length === 0) {
      test(file, { skip: `${skipped} from_native cases: native range conversion is not implemented` }, () => {});
      continue;
    }
    test(file, (t) => {
      const failures = supported.map(check).filter((f) => f !== null);
      t.diagnostic(`${supported.length - failures.length}/${supported.length} cases${skipped ? `, ${skipped} from_native skipped` : ''}`);
      assert.deepEqual(failures, []);
    });
  }
});

describe('parseVers / formatVers', () => {
  test('round-trips a canonical range and decodes percent-encoding once', () => {
    const vers = parseVers('vers:npm/1.2.3|>=2.0.0|<5.0.0');
    assert.deepEqual(vers.constraints, [
      { comparator: '=', version: '1.2.3' },
      { comparator: '>=', version: '2.0.0' },
      { comparator: '<', version: '5.0.0' },
    ]);
    assert.equal(formatVers(vers), 'vers:npm/1.2.3|>=2.0.0|<5.0.0');
    assert.equal(formatVers({ scheme: 'generic', constraints: [{ comparator: '=', version: '1 0|%' }] }), 'vers:generic/1%200%7C%25');
  });

  test('reports invalid ranges with VersError', () => {
    const invalid: Array<[string, RegExp]> = [
      ['npm/1.0.0', /must start with 'vers:'/],
      ['VERS:npm/1.0.0', /must start with 'vers:'/],
      ['vers:npm', /missing '\/'/],
      ['vers:Npm/1.0.0', /type 'Npm'/],
      ['vers:invalid/1.0.0', /'invalid' type/],
      ['vers:npm/', /constraints are empty/],
      ['vers:npm/=1.0.0', /equality is implicit/],
      ['vers:npm/>=', /has no version/],
      ['vers:npm/*|1.0.0', /'\*' must be the only constraint/],
      ['vers:all/1.0.0', /'vers:all\/\*' is the only valid form/],
      ['vers:npm/1.0.0|1.0.0', /appears more than once/],
      ['vers:npm/<1.0.0|<2.0.0', /'<2.0.0' cannot follow '<1.0.0'/],
      ['vers:npm/1.0.0|<2.0.0', /'<2.0.0' cannot follow '1.0.0'/],
      ['vers:npm/1.0.0-a!b', /'!' must be percent-encoded/],
      ['vers:npm/1.0%C3', /invalid percent-encoding/],
      ['vers:npm/1.0é', /printable ASCII/],
    ];
    for (const [input, message] of invalid) assert.throws(() => parseVers(input), (e: unknown) => e instanceof VersError && message.test(e.message), input);
  });

  test('normalize sorts instead of rejecting; != may sit anywhere', () => {
    assert.equal(formatVers(parseVers('vers:npm/>=2.0.0|1.0.0|<3.0.0', { normalize: true })), 'vers:npm/1.0.0|>=2.0.0|<3.0.0');
    assert.doesNotThrow(() => parseVers('vers:gem/>=2.2.0|!=2.2.1|<2.3.0'));
    assert.doesNotThrow(() => parseVers('vers:somefuturetype/2.0|1.0'));
  });
});

describe('versContains', () => {
  test('intervals, equalities and exclusions', () => {
    const cases: Array<[string, string, string]> = [
      ['vers:npm/>=1.0.0|<2.0.0', '1.5.0', 'affected'],
      ['vers:npm/>=1.0.0|<2.0.0', '2.0.0', 'not_affected'],
      ['vers:npm/<1.0.0|>=2.0.0', '0.9.0', 'affected'],
      ['vers:npm/<1.0.0|>=2.0.0', '3.0.0', 'affected'],
      ['vers:npm/<1.0.0|>=2.0.0', '1.5.0', 'not_affected'],
      ['vers:npm/>=1.0.0|!=1.2.0|<2.0.0', '1.2.0', 'not_affected'],
      ['vers:npm/1.2.3', '1.2.3', 'affected'],
      ['vers:npm/1.2.3', '1.2.4', 'not_affected'],
      ['vers:npm/!=1.2.3', '1.2.4', 'not_affected'],
      ['vers:deb/>=1:1.0-1|<1:1.0-3', '1:1.0-2', 'affected'],
      ['vers:maven/>=1.0|<=1.2-SNAPSHOT', '1.2-beta', 'affected'],
      ['vers:none/*', '1.0', 'not_affected'],
      ['vers:all/*', 'anything', 'affected'],
      ['vers:somefuturetype/>=1.0', '2.0', 'indeterminate'],
      ['vers:pypi/>=1.0', 'not a version', 'indeterminate'],
    ];
    for (const [vers, version, expected] of cases) assert.equal(versContains(vers, version), expected, `${version} in ${vers}`);
  });
});
