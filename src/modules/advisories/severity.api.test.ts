// A finding's severity: its own matched record's rating, else the best-sourced one of its alias
// group (the NVD's own CVSS, then GHSA / vendor records, then the rest), with where it came from;
// groups that gain a better source later re-rate their open findings; analyst overrides stand.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { allFindings, createProduct, goBom, importFeed, json, osvRecord, uploadSbom } from '../findings/test-support.js';
import type { NormalizedAdvisory } from './parsers/index.js';

const ctx = systemContext('test');
const DAY = 86_400_000;
const V31_HIGH = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H';
const V31_CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const V31_MEDIUM = 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H';

/** An NVD record as the NVD parser hands it over: no packages, its metrics with who assessed them, rated by its Primary one if any. */
function nvd(cve: string, metrics: NonNullable<NormalizedAdvisory['cvssMetrics']>, modified = '2030-02-01T00:00:00Z'): NormalizedAdvisory {
  const chosen = metrics.find((m) => m.type === 'Primary') ?? metrics[0] ?? null;
  return {
    id: cve, aliases: [], source: 'nvd', summary: `${cve} in the NVD`, details: null, published: '2030-01-01T00:00:00Z', modified, withdrawn: null,
    severity: metrics.map((m) => ({ type: `CVSS_V${m.version[0]}`, score: m.vector })),
    cvss: chosen && { version: chosen.version, vector: chosen.vector, baseScore: chosen.baseScore, rating: chosen.rating },
    cvssMetrics: metrics, malicious: false, references: [], affected: [],
  };
}

describeEachEngine('severity for every finding, with its source', ({ engine }) => {
  let server: TestServer;
  let productId: string;
  const findingOf = async (name: string) => (await allFindings(server, `productId=${productId}`)).find((f) => f.component.name === name);

  before(async () => {
    server = await startTestServer(engine);
    ({ productId } = await createProduct(server, 'Severity Vendor', 'Severity Agent'));
    await importFeed(server, 'osv', JSON.stringify(osvRecord('GO-2030-0001', 'example.com/a', 'v2.0.0', { aliases: ['CVE-2030-0001'] })));
    await importFeed(server, 'osv', JSON.stringify(osvRecord('GO-2030-0002', 'example.com/b', 'v2.0.0', { aliases: ['CVE-2030-0002', 'GHSA-2030-0002-bbbb'] })));
    await importFeed(server, 'osv', JSON.stringify(osvRecord('GHSA-2030-0002-bbbb', 'example.com/b', 'v2.0.0', { aliases: ['CVE-2030-0002'], severity: [{ type: 'CVSS_V3', score: V31_CRITICAL }] })));
    await uploadSbom(server, productId, goBom({ name: 'agent', version: '1.0.0' }, [['example.com/a', 'v1.0.0'], ['example.com/b', 'v1.0.0']]), '1.0.0');
  });
  after(() => server?.close());

  test('a Go record with no CVSS: unknown until the NVD record of its CVE arrives, then the NVD\'s own (Primary) rating, with severity, priority and due date', async () => {
    const before = await findingOf('example.com/a');
    assert.deepEqual([before.severity, before.severitySource, before.priority], ['unknown', null, 'unknown']);

    // The CNA's 9.8 (Secondary) is higher; the NVD's own assessment is the record's rating.
    const report = await server.tw.services.advisories.importAdvisories(
      [nvd('CVE-2030-0001', [
        { version: '3.1', vector: V31_HIGH, baseScore: 7.5, rating: 'high', source: 'nvd@nist.gov', type: 'Primary' },
        { version: '3.1', vector: V31_CRITICAL, baseScore: 9.8, rating: 'critical', source: 'cna@example.com', type: 'Secondary' },
      ])],
      'test',
      ctx,
    );
    assert.equal(report.findings.updated, 1, 'the open finding of the group is re-rated');
    const after_ = await findingOf('example.com/a');
    assert.equal(after_.severity, 'high');
    assert.deepEqual(after_.severitySource, { advisory: 'CVE-2030-0001', source: 'nvd', cvssVersion: '3.1', vector: V31_HIGH, score: 7.5 });
    assert.deepEqual(after_.cvss, { score: 7.5, vector: V31_HIGH, version: '3.1' });
    assert.equal(after_.priority, 'high');
    assert.equal(Date.parse(after_.dueAt) - Date.parse(after_.firstSeenAt), 30 * DAY, 'the due date follows the new priority');

    const advisory = await json(await server.api('/api/v1/advisories/GO-2030-0001', { role: 'viewer' }), 200);
    assert.equal(advisory.severity, 'high');
    assert.equal(advisory.severitySource.source, 'nvd');
  });

  test('the NVD\'s own rating leads the group even when a GHSA scores higher; a finding matched by a rated record of its own keeps that record\'s', async () => {
    const own = await findingOf('example.com/b');
    assert.equal(own.severity, 'critical');
    assert.equal(own.severitySource.advisory, 'GHSA-2030-0002-bbbb');

    await server.tw.services.advisories.importAdvisories([nvd('CVE-2030-0002', [{ version: '3.1', vector: V31_MEDIUM, baseScore: 5.9, rating: 'medium', source: 'nvd@nist.gov', type: 'Primary' }])], 'test', ctx);
    const group = await json(await server.api('/api/v1/advisories/CVE-2030-0002', { role: 'viewer' }), 200);
    assert.deepEqual([group.severity, group.severitySource.advisory, group.severitySource.source], ['medium', 'CVE-2030-0002', 'nvd']);
    const still = await findingOf('example.com/b');
    assert.deepEqual([still.severity, still.severitySource.advisory], ['critical', 'GHSA-2030-0002-bbbb'], 'its own record speaks for it');
  });

  test('an NVD record with only relayed (Secondary) metrics still rates a group that has nothing better, ranked below GHSA', async () => {
    await importFeed(server, 'osv', JSON.stringify(osvRecord('GO-2030-0003', 'example.com/c', 'v2.0.0', { aliases: ['CVE-2030-0003'] })));
    await importFeed(server, 'osv', JSON.stringify(osvRecord('GHSA-2030-0003-cccc', 'example.com/zz', 'v2.0.0', { aliases: ['CVE-2030-0003'], severity: [{ type: 'CVSS_V3', score: V31_MEDIUM }] })));
    await server.tw.services.advisories.importAdvisories([nvd('CVE-2030-0003', [{ version: '3.1', vector: V31_CRITICAL, baseScore: 9.8, rating: 'critical', source: 'cna@example.com', type: 'Secondary' }])], 'test', ctx);
    const group = await json(await server.api('/api/v1/advisories/CVE-2030-0003', { role: 'viewer' }), 200);
    assert.deepEqual([group.severity, group.severitySource.advisory], ['medium', 'GHSA-2030-0003-cccc']);

    await importFeed(server, 'osv', JSON.stringify(osvRecord('GO-2030-0004', 'example.com/d', 'v2.0.0', { aliases: ['CVE-2030-0004'] })));
    await server.tw.services.advisories.importAdvisories([nvd('CVE-2030-0004', [{ version: '3.1', vector: V31_CRITICAL, baseScore: 9.8, rating: 'critical', source: 'cna@example.com', type: 'Secondary' }])], 'test', ctx);
    const relayed = await json(await server.api('/api/v1/advisories/CVE-2030-0004', { role: 'viewer' }), 200);
    assert.deepEqual([relayed.severity, relayed.severitySource.source], ['critical', 'nvd']);
  });

  test('an analyst\'s severity override keeps winning when the group is re-rated', async () => {
    const target = await findingOf('example.com/a');
    await json(await server.api(`/api/v1/findings/${target.id}`, { method: 'PATCH', role: 'analyst', json: { severity: 'low' } }), 200);
    await server.tw.services.advisories.importAdvisories(
      [nvd('CVE-2030-0001', [{ version: '3.1', vector: V31_CRITICAL, baseScore: 9.8, rating: 'critical', source: 'nvd@nist.gov', type: 'Primary' }], '2030-03-01T00:00:00Z')],
      'test',
      ctx,
    );
    const overridden = await findingOf('example.com/a');
    assert.deepEqual([overridden.severity, overridden.severityOverride, overridden.priority], ['low', 'low', 'low']);
    assert.equal(overridden.severitySource.score, 9.8, 'what the records say is still shown beside the override');
  });
});
