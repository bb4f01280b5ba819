import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newId } from '../../platform/ids.js';
import { displayId, groupAttributes, resolveGroups, type MemberRow } from './advisories.groups.js';
import { checkAdvisory } from './advisories.validate.js';
import {
  cycloneDxJustification,
  DEFAULT_FINDINGS_POLICY,
  dueAt,
  openVexJustification,
  prioritise,
  riskScore,
  stateOfStatement,
  validateFindingsPolicy,
} from '../findings/findings.policy.js';

function member(over: Partial<MemberRow>): MemberRow {
  return {
    id: newId(),
    external_id: 'X',
    source: 'osv',
    summary: null,
    aliases: '[]',
    published: null,
    modified: '2024-01-01T00:00:00Z',
    withdrawn: null,
    cvss_score: null,
    cvss_vector: null,
    cvss_version: null,
    severity_rating: null,
    cvss_type: null,
    malicious: 0,
    ...over,
  };
}

describe('alias groups (union-find)', () => {
  test('records sharing an alias, directly or through a chain, are one new group', () => {
    const r = resolveGroups(
      [
        { ids: ['GO-1', 'CVE-2024-1'], currentGroup: null },
        { ids: ['GHSA-a', 'CVE-2024-1'], currentGroup: null },
        { ids: ['PYSEC-1', 'ghsa-A'], currentGroup: null },
        { ids: ['GO-2'], currentGroup: null },
      ],
      new Map(),
    );
    assert.equal(r.groupOf[0], r.groupOf[1]);
    assert.equal(r.groupOf[1], r.groupOf[2], 'ids match case-insensitively');
    assert.notEqual(r.groupOf[0], r.groupOf[3]);
    assert.equal(r.created.size, 2);
    assert.deepEqual(r.merges, []);
  });

  test('an existing group keeps its id; a record joining two groups merges the younger into the older', () => {
    const older = newId(Date.now() - 1000);
    const younger = newId();
    const r = resolveGroups([{ ids: ['CSAF-1', 'CVE-2024-1', 'GHSA-b'], currentGroup: null }], new Map([['CVE-2024-1', younger], ['GHSA-B', older]]));
    assert.equal(r.groupOf[0], older);
    assert.deepEqual(r.merges, [{ from: younger, into: older }]);
    assert.equal(r.created.size, 0);
    const update = resolveGroups([{ ids: ['GO-9'], currentGroup: younger }], new Map());
    assert.equal(update.groupOf[0], younger, 'an updated record stays in its group');
  });

  test('the display id is the lowest CVE, else a GHSA, else the first record', () => {
    assert.equal(displayId([], ['GO-1', 'CVE-2024-10000', 'CVE-2024-999', 'GHSA-x']), 'CVE-2024-999');
    assert.equal(displayId([], ['GO-1', 'GHSA-b', 'GHSA-a']), 'GHSA-a');
    const first = member({ external_id: 'MAL-1', id: newId(Date.now() - 5) });
    assert.equal(displayId([member({ external_id: 'OSV-2' }), first], ['OSV-2', 'MAL-1']), 'MAL-1');
  });

  test('group attributes: highest CVSS, malicious if any, withdrawn only if all, KEV and EPSS through CVE aliases', () => {
    const a = member({ id: newId(Date.now() - 10), external_id: 'GO-1', aliases: '["CVE-2024-1"]', summary: 'first', cvss_score: 5.3, severity_rating: 'medium', cvss_vector: 'v1', cvss_version: '3.1' });
    const b = member({ external_id: 'GHSA-1', aliases: '["CVE-2024-1"]', cvss_score: 9.8, severity_rating: 'critical', cvss_vector: 'v2', cvss_version: '3.1', withdrawn: '2024-02-01T00:00:00Z' });
    const g = groupAttributes(
      [a, b],
      [{ cve_id: 'CVE-2024-1', date_added: '2024-03-01', due_date: '2024-03-22', ransomware: 'Known' }, { cve_id: 'CVE-2000-1', date_added: 'x', due_date: null, ransomware: null }],
      [{ cve: 'CVE-2024-1', epss: 0.4, percentile: 0.9, model_version: 'v3', score_date: '2024-03-02T00:00:00Z' }],
    );
    assert.deepEqual(
      [g.display_id, g.severity, g.cvss_score, g.cvss_vector, g.withdrawn, g.kev, g.kev_due_date, g.kev_ransomware, g.epss, g.epss_model, g.member_count, g.summary],
      ['CVE-2024-1', 'critical', 9.8, 'v2', 0, 1, '2024-03-22', 'Known', 0.4, 'v3', 2, 'first'],
    );
    assert.deepEqual(JSON.parse(g.identifiers), ['GO-1', 'CVE-2024-1', 'GHSA-1']);
    assert.equal(groupAttributes([b], [], []).withdrawn, 1);
  });
});

describe('record checks', () => {
  const base = { id: 'GO-1', aliases: [], source: 'osv', summary: null, details: null, published: null, modified: '2024-01-01T00:00:00Z', withdrawn: null, severity: [], cvss: null, malicious: false, references: [] };
  test('indexable records pass with their keys; absurd ones are refused with the reason', () => {
    const ok = checkAdvisory({ ...base, affected: [{ ecosystem: 'Go', name: 'x', purl: null, versions: ['1.0.0'], ranges: [] }] });
    assert.ok(!('error' in ok) && ok.keys[0].packageName === 'x');
    const long = checkAdvisory({ ...base, affected: [{ ecosystem: 'Go', name: 'x', purl: null, versions: [], ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1'.repeat(300) }] }] }] });
    assert.deepEqual(long, { error: 'affected[0].ranges[0]: a version bound of 300 characters (limit 256)' });
    assert.deepEqual(checkAdvisory({ ...base, aliases: Array.from({ length: 1001 }, (_, i) => `A-${i}`), affected: [] }), { error: 'aliases: 1001 aliases, more than 1000' });
  });
});

describe('findings policy', () => {
  const p = DEFAULT_FINDINGS_POLICY;
  test('malicious > KEV > EPSS ≥ threshold > severity', () => {
    assert.equal(prioritise({ severity: 'low', kev: true, malicious: true, epss: 0.9 }, 'low', p).priority, 'malicious');
    assert.equal(prioritise({ severity: 'low', kev: true, malicious: false, epss: 0.9 }, 'low', p).priority, 'kev');
    assert.equal(prioritise({ severity: 'critical', kev: false, malicious: false, epss: 0.1 }, 'critical', p).priority, 'epss');
    assert.deepEqual(prioritise({ severity: 'critical', kev: false, malicious: false, epss: 0.09 }, 'critical', p), { priority: 'critical', rank: 4 });
    assert.equal(prioritise({ severity: null, kev: false, malicious: false, epss: null }, 'unknown', p).rank, 7);
    assert.equal(dueAt('2024-01-01T00:00:00.000Z', 'kev', p), '2024-01-08T00:00:00.000Z');
  });

  test('risk score: one term per group, multipliers, saturating towards 100', () => {
    const r = riskScore([{ advisoryId: 'A', severity: 'high', kev: true, malicious: false, epss: 0.5 }, { advisoryId: 'B', severity: 'low', kev: false, malicious: false, epss: null }], p);
    assert.deepEqual(r.terms.map((t) => [t.advisoryId, t.points]), [['A', 18], ['B', 1]]);
    assert.equal(r.score, 31.6, '100 × (1 − e^(−19/50))');
    const many = riskScore(Array.from({ length: 50 }, (_, i) => ({ advisoryId: `C${i}`, severity: 'critical' as const, kev: false, malicious: false, epss: null })), p);
    assert.equal(many.score, 100, 'saturates');
    assert.equal(riskScore([], p).score, 0);
    assert.deepEqual(validateFindingsPolicy({ ...p, epssThreshold: 2 }), ['epssThreshold: must be between 0 and 1']);
  });

  test('VEX vocabularies map both ways', () => {
    assert.equal(cycloneDxJustification('vulnerable_code_not_in_execute_path'), 'code_not_reachable');
    assert.equal(openVexJustification('protected_at_runtime'), 'inline_mitigations_already_exist');
    assert.equal(openVexJustification('component_not_present'), 'component_not_present');
    assert.equal(stateOfStatement('fixed', null), 'resolved');
    assert.equal(stateOfStatement('not_affected', 'false_positive'), 'false_positive');
  });
});
