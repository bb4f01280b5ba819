import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixedVersions, osvAffects, type OsvRange } from './index.js';

const ecosystem = (events: OsvRange['events']): OsvRange => ({ type: 'ECOSYSTEM', events });

describe('osvAffects', () => {
  test('introduced 0 means from the beginning; fixed is exclusive', () => {
    const affected = { ranges: [ecosystem([{ introduced: '0' }, { fixed: '1.2.3' }])] };
    assert.equal(osvAffects('npm', '0.0.1', affected), 'affected');
    assert.equal(osvAffects('npm', '1.2.3-rc.1', affected), 'affected');
    assert.equal(osvAffects('npm', '1.2.3', affected), 'not_affected');
    assert.equal(osvAffects('npm', '2.0.0', affected), 'not_affected');
  });

  test('last_affected is inclusive', () => {
    const affected = { ranges: [ecosystem([{ introduced: '1.0' }, { last_affected: '1.4' }])] };
    assert.equal(osvAffects('PyPI', '0.9', affected), 'not_affected');
    assert.equal(osvAffects('PyPI', '1.0', affected), 'affected');
    assert.equal(osvAffects('PyPI', '1.4.0', affected), 'affected');
    assert.equal(osvAffects('PyPI', '1.4.post1', affected), 'not_affected');
  });

  test('limit bounds the range; limit "*" does not', () => {
    const limited = { ranges: [ecosystem([{ introduced: '0' }, { limit: '2.0.0' }])] };
    assert.equal(osvAffects('Go', '1.9.9', limited), 'affected');
    assert.equal(osvAffects('Go', '2.0.0', limited), 'not_affected');
    const unlimited = { ranges: [ecosystem([{ introduced: '1.0.0' }, { limit: '*' }])] };
    assert.equal(osvAffects('Go', '9.0.0', unlimited), 'affected');
  });

  test('events are sorted by version before evaluation, and several intervals can share a range', () => {
    const affected = {
      ranges: [ecosystem([{ fixed: '2.5.0' }, { introduced: '2.0.0' }, { fixed: '1.5.0' }, { introduced: '1.0.0' }])],
    };
    assert.equal(osvAffects('RubyGems', '1.2', affected), 'affected');
    assert.equal(osvAffects('RubyGems', '1.7', affected), 'not_affected');
    assert.equal(osvAffects('RubyGems', '2.1', affected), 'affected');
    assert.equal(osvAffects('RubyGems', '3.0', affected), 'not_affected');
    // Adjacent intervals: the later 'introduced' at the same version re-opens the range.
    const adjacent = { ranges: [ecosystem([{ introduced: '0' }, { fixed: '1.0.0' }, { introduced: '1.0.0' }, { fixed: '2.0.0' }])] };
    assert.equal(osvAffects('npm', '1.0.0', adjacent), 'affected');
  });

  test('affected if listed in versions OR in any range (the union)', () => {
    const affected = {
      versions: ['0.5.0'],
      ranges: [ecosystem([{ introduced: '1.0.0' }, { fixed: '1.1.0' }]), ecosystem([{ introduced: '2.0.0' }, { fixed: '2.1.0' }])],
    };
    assert.equal(osvAffects('npm', '0.5.0', affected), 'affected');
    assert.equal(osvAffects('npm', '1.0.5', affected), 'affected');
    assert.equal(osvAffects('npm', '2.0.5', affected), 'affected');
    assert.equal(osvAffects('npm', '1.5.0', affected), 'not_affected');
  });

  test('a listed version matches when it is the same version spelled differently', () => {
    assert.equal(osvAffects('PyPI', '1.0', { versions: ['1.0.0'] }), 'affected');
    assert.equal(osvAffects('Maven', '1.0-GA', { versions: ['1.0'] }), 'affected');
    assert.equal(osvAffects('PyPI', '1.0.1', { versions: ['1.0.0'] }), 'not_affected');
  });

  test('a GIT range before an ECOSYSTEM range does not stop evaluation', () => {
    const affected = {
      ranges: [
        { type: 'GIT', events: [{ introduced: '0' }, { fixed: '8f2a1c0e9b' }] },
        ecosystem([{ introduced: '0' }, { fixed: '1.2.0' }]),
      ],
    };
    assert.equal(osvAffects('Packagist', '1.1.9', affected), 'affected');
    assert.equal(osvAffects('Packagist', '1.2.0', affected), 'not_affected');
  });

  test('SEMVER ranges use SemVer whatever the ecosystem', () => {
    const affected = { ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.0' }] }] };
    assert.equal(osvAffects('Go', 'v0.9.0', affected), 'affected');
    assert.equal(osvAffects('Some Future Ecosystem', '0.9.0', affected), 'affected');
  });

  test('distribution release suffixes are ignored for ordering', () => {
    const affected = { ranges: [ecosystem([{ introduced: '0' }, { fixed: '1:2.4-3+deb12u1' }])] };
    assert.equal(osvAffects('Debian:12', '1:2.4-3', affected), 'affected');
    assert.equal(osvAffects('Debian:12', '1:2.4-3+deb12u1', affected), 'not_affected');
  });

  test('indeterminate when the version cannot be ordered', () => {
    const affected = { versions: ['1.0.0'], ranges: [ecosystem([{ introduced: '0' }, { fixed: '2.0.0' }])] };
    assert.equal(osvAffects('Unknown', '1.5.0', affected), 'indeterminate', 'unknown ecosystem');
    assert.equal(osvAffects('Unknown', '1.0.0', affected), 'affected', 'an exact list hit still counts');
    assert.equal(osvAffects('npm', 'not-a-version', affected), 'indeterminate', 'invalid version');
    assert.equal(osvAffects('PyPI', '0.1-bulbasaur', affected), 'indeterminate', 'legacy, non-PEP 440 version');
    assert.equal(osvAffects('npm', '1.5.0', { ranges: [ecosystem([{ introduced: '0' }, { fixed: '>2' }])] }), 'indeterminate', 'invalid bound');
    assert.equal(osvAffects('npm', '1.5.0', { ranges: [{ type: 'GIT', events: [{ introduced: 'abc' }] }] }), 'indeterminate', 'nothing to evaluate');
    assert.equal(osvAffects('npm', '1.5.0', {}), 'indeterminate', 'empty entry');
  });

  test('an indeterminate range does not hide another range that matches', () => {
    const affected = { ranges: [ecosystem([{ introduced: '0' }, { fixed: 'garbage!' }]), ecosystem([{ introduced: '1.0.0' }])] };
    assert.equal(osvAffects('npm', '1.5.0', affected), 'affected');
    assert.equal(osvAffects('npm', '0.5.0', affected), 'indeterminate');
  });
});

describe('fixedVersions', () => {
  test('lists the fixed events of version ranges once, in order', () => {
    const affected = {
      ranges: [
        { type: 'GIT', events: [{ introduced: '0' }, { fixed: 'deadbeef' }] },
        ecosystem([{ introduced: '0' }, { fixed: '1.2.3' }, { introduced: '2.0.0' }, { fixed: '2.0.4' }]),
        { type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2.3' }] },
      ],
    };
    assert.deepEqual(fixedVersions(affected), ['1.2.3', '2.0.4']);
    assert.deepEqual(fixedVersions({ versions: ['1.0'] }), []);
  });
});
