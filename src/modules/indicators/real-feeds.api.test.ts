// The real-world shapes of parsers/test-feeds.ts through POST /api/v1/feeds/{kind}/import on both
// engines: what the parser yields is what is stored and reported, re-imports change nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { buildZip } from '../advisories/parsers/test-zip.js';
import { importFeed, json } from '../findings/test-support.js';
import * as feeds from './parsers/test-feeds.js';

interface Case {
  source: string;
  kind: 'stix' | 'misp' | 'csv-iocs';
  body: string | Uint8Array;
  /** Distinct values stored for the source, records kept unsupported, records skipped on purpose. */
  values: string[];
  unsupported: number;
  skipped: number;
}

const circl = (n: number) => feeds.circlExpected(n);
const mispFeed = () => buildZip([{ name: 'feed-osint/manifest.json', data: feeds.mispManifest([feeds.circlEvent(2), feeds.circlEvent(3)]) }, ...[2, 3].map((n) => ({ name: `feed-osint/${feeds.uuid(n)}.json`, data: JSON.stringify(feeds.circlEvent(n)) }))]);

const CASES: Case[] = [
  { source: 'urlhaus', kind: 'csv-iocs', body: feeds.urlhausCsv(), values: feeds.URLHAUS_URLS.map((u) => `url:${u}`), unsupported: 0, skipped: 0 },
  { source: 'bazaar', kind: 'csv-iocs', body: feeds.bazaarCsv({ shortHeader: true }), values: feeds.BAZAAR_VALUES, unsupported: 0, skipped: 0 },
  { source: 'threatfox', kind: 'csv-iocs', body: feeds.threatfoxCsv(), values: feeds.THREATFOX_VALUES, unsupported: 0, skipped: 0 },
  { source: 'threatfox-json', kind: 'csv-iocs', body: feeds.threatfoxJson(), values: ['domain:vshell-panel.example.com', 'ipv4:198.51.100.40', `sha256:${feeds.sha256('vshell')}`], unsupported: 0, skipped: 0 },
  { source: 'feodo', kind: 'csv-iocs', body: feeds.ipList(), values: ['ipv4:192.0.2.44', 'ipv4:198.51.100.9', 'ipv6:2001:db8::44'], unsupported: 1, skipped: 0 },
  { source: 'misp-csv', kind: 'csv-iocs', body: feeds.mispCsv(), values: feeds.MISP_CSV_VALUES, unsupported: 1, skipped: 4 },
  { source: 'circl-event', kind: 'misp', body: JSON.stringify(feeds.circlEvent(1)), values: Object.keys(circl(1)), unsupported: 1, skipped: feeds.CIRCL_SKIPPED },
  { source: 'circl-feed', kind: 'misp', body: mispFeed(), values: [...new Set([...Object.keys(circl(2)), ...Object.keys(circl(3))])], unsupported: 2, skipped: 2 * feeds.CIRCL_SKIPPED },
  { source: 'attack', kind: 'stix', body: feeds.attackBundle21(), values: [], unsupported: 0, skipped: feeds.ATTACK21_SKIPPED },
  { source: 'opencti', kind: 'stix', body: feeds.openctiBundle(), values: Object.keys(feeds.OPENCTI_EXPECTED), unsupported: 1, skipped: feeds.OPENCTI_SKIPPED },
  { source: 'misp-stix', kind: 'stix', body: feeds.indicatorBundle21(), values: feeds.INDICATOR21_VALUES, unsupported: feeds.INDICATOR21_UNSUPPORTED.length, skipped: 3 },
];

describeEachEngine('indicators: real feed shapes through the import route', ({ engine }) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(engine);
  });
  after(async () => {
    await server?.close();
  });

  test('every shape imports with its indicators counted, unsupported records kept and skipped ones counted; a re-import changes nothing', async () => {
    for (const c of CASES) {
      const report = await importFeed(server, c.kind, c.body, `?source=${c.source}`);
      assert.deepEqual(report.errors, [], c.source);
      assert.deepEqual([(report as any).unsupported, report.skipped], [c.unsupported, c.skipped], c.source);
      const stored = await json(await server.api(`/api/v1/indicators?source=${c.source}&limit=500`, { role: 'viewer' }), 200);
      assert.deepEqual(stored.items.map((i: any) => `${i.type}:${i.value}`).sort(), [...new Set(c.values)].sort(), c.source);
      const kept = await json(await server.api(`/api/v1/indicators/unsupported?source=${c.source}&limit=500`, { role: 'viewer' }), 200);
      assert.equal(kept.items.length, c.unsupported, c.source);

      const again = await importFeed(server, c.kind, c.body, `?source=${c.source}`);
      assert.deepEqual([again.imported, again.updated, again.errors], [0, 0, []], `${c.source} again`);
    }
    const [md5] = (await json(await server.api(`/api/v1/indicators?type=md5&value=${feeds.md5('osint 1')}`, { role: 'viewer' }), 200)).items;
    assert.deepEqual([md5.tlp, md5.confidence, md5.sources.map((s: any) => s.name)], ['amber', 93, ['circl-event']]);
    assert.equal((await server.api('/api/v1/indicators?value=203.0.113.36:5555', { role: 'viewer' })).status, 400, 'the indicator is the address, not address:port');
    const byAddress = (await json(await server.api('/api/v1/indicators?value=203.0.113.36', { role: 'viewer' }), 200)).items;
    assert.deepEqual(byAddress.map((i: any) => [i.confidence, i.description]), [[75, 'Cobalt Strike']]);
  });
});
