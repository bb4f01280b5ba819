// The Go demo: after the demo (its NVD records included) and the Go vulndb, whose records carry no
// CVSS, the Go findings take their rating from the NVD record of their CVE, and say so.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { allFindings, GO_ZIP, json } from '../findings/test-support.js';
import { loadDemo, loadDemoSboms } from '../vendors/demo.js';
import { DEMO_NVD_DIR, loadDemoNvd } from './advisories.demo.js';

/**
 * The Go demo findings' advisories without a demo NVD record yet: the CVEs whose public NVD record
 * (as stored in the mirror read) had no CVSS metric, and two Go advisories with no CVE at all.
 * Each is rated as soon as a record with a rating arrives.
 */
const NOT_YET_RATED = new Set([
  // No CVSS metric in the stored public record.
  'CVE-2025-22870', 'CVE-2025-4673', 'CVE-2025-47912', 'CVE-2025-58187', 'CVE-2025-58189', 'CVE-2025-61723', 'CVE-2025-61725', 'CVE-2025-61728',
  'CVE-2026-27142', 'CVE-2026-39827', 'CVE-2026-39831', 'CVE-2026-46597', 'CVE-2026-39834', 'CVE-2026-46598',
  // No CVE alias.
  'GO-2026-5932', 'GHSA-hrxh-6v49-42gf',
]);

const CVE = /^CVE-\d{4}-\d+$/i;

describeEachEngine('the Go demo: severity from the NVD records of the Go findings\' CVEs', ({ engine }) => {
  let server: TestServer;
  const ctx = systemContext('demo');
  after(() => server?.close());
  before(async () => {
    server = await startTestServer(engine);
    await loadDemo(server.tw.services, ctx);
    await loadDemoSboms(server.tw.services, ctx);
    await loadDemoNvd(server.tw.services, ctx);
    if (existsSync(GO_ZIP)) await server.tw.services.feeds.importPath('osv', GO_ZIP, {}, ctx);
  });

  test('every Go finding whose CVE has a demo NVD record is rated from it, with NVD shown as the source; the rest are the documented few', { skip: !existsSync(GO_ZIP) && 'the Go vulndb zip is not in ../shared/data' }, async () => {
    const records = new Set(readdirSync(DEMO_NVD_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5).toUpperCase()));
    const findings = (await allFindings(server, 'status=all')).filter((f) => f.component.ecosystem === 'Go');
    assert.ok(findings.length >= 80, `the Go demo has its findings (${findings.length})`);
    const unrated = new Set<string>();
    for (const f of findings) {
      const record = [f.advisoryId, ...f.aliases].find((id: string) => CVE.test(id) && records.has(id.toUpperCase()));
      if (!record) {
        assert.equal(f.severity, 'unknown', `${f.advisoryId}: no record rates it`);
        unrated.add(f.advisoryId);
        continue;
      }
      assert.notEqual(f.severity, 'unknown', `${f.advisoryId} in ${f.component.name}`);
      assert.equal(f.severitySource?.source, 'nvd', `${f.advisoryId}: the rating is the NVD record's`);
      assert.equal(f.severitySource.advisory.toUpperCase(), record.toUpperCase());
      assert.equal(f.cvss.score, f.severitySource.score);
    }
    assert.deepEqual([...unrated].filter((id) => !NOT_YET_RATED.has(id)), [], 'only the documented advisories are still unrated');
    assert.ok(findings.length - findings.filter((f) => unrated.has(f.advisoryId)).length >= 74, 'most Go findings are rated');

    // What a demo user sees first (the findings list, most urgent first) is rated, each with its source.
    const first = await json(await server.api('/api/v1/findings?limit=25', { role: 'viewer' }), 200);
    for (const f of first.items.filter((x: { component: { ecosystem: string } }) => x.component.ecosystem === 'Go')) {
      assert.notEqual(f.severity, 'unknown', `${f.advisoryId} on the first page`);
    }
    const advisory = await json(await server.api('/api/v1/advisories/CVE-2025-68121', { role: 'viewer' }), 200);
    assert.deepEqual([advisory.severity, advisory.severitySource.source, advisory.severitySource.cvssVersion, advisory.cvss.score], ['critical', 'nvd', '3.1', 10]);
  });
});
