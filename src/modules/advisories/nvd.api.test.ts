import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { allFindings, createProduct, importFeed, json, osvRecord, uploadSbom } from '../findings/test-support.js';
import { buildZip } from './parsers/test-zip.js';
import { nvdCve, nvdPage, runningOn } from './parsers/test-nvd.js';

const APP = { vulnerable: true, criteria: 'cpe:2.3:a:example:widget:*:*:*:*:*:*:*:*', versionStartIncluding: '2.0', versionEndExcluding: '2.4.1' };
const WINDOWS = 'cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*';

describeEachEngine('NVD import: CPE index rows, alias groups, KEV, status, unchanged and rejected records', ({ engine }) => {
  let server: TestServer;
  const db = () => server.tw.database.db;
  const cpeRows = (externalId: string) =>
    db().selectFrom('advisory_packages').select(['ecosystem', 'package_name', 'raw_ecosystem', 'raw_name', 'ecosystem_release', 'versions', 'ranges', 'fixed', 'idx']).where('external_id', '=', externalId).orderBy('idx').execute();

  before(async () => {
    server = await startTestServer(engine);
  });
  after(async () => {
    await server?.close();
  });

  test('an NVD record joins the OSV record that aliases its CVE: one group, both records, the NVD extras kept', async () => {
    const osv = await importFeed(server, 'osv', JSON.stringify(osvRecord('GO-2099-0100', 'example.org/widget', '2.4.1', { aliases: ['CVE-2099-0100'] })));
    assert.equal(osv.imported, 1);
    const record = nvdCve('CVE-2099-0100', {
      cisaExploitAdd: '2099-01-10',
      cisaActionDue: '2099-01-31',
      cisaRequiredAction: 'Apply updates per vendor instructions.',
      cisaVulnerabilityName: 'Example Widget RCE',
      configurations: [runningOn(APP, [WINDOWS])],
    });
    const report = await importFeed(server, 'nvd', JSON.stringify(nvdPage([record])));
    assert.deepEqual([report.imported, report.updated, report.skipped, report.errors], [1, 0, 0, []]);
    assert.equal(report.matching.keys, 1, 'the record looked up its one CPE key, example:widget');

    const detail = await json<any>(await server.api('/api/v1/advisories/CVE-2099-0100', { role: 'viewer' }), 200);
    assert.deepEqual(detail.records.map((r: any) => r.source).sort(), ['nvd', 'osv']);
    assert.equal(detail.recordCount, 2);
    assert.equal(detail.advisoryId, 'CVE-2099-0100');
    assert.equal(detail.kev, true, 'NVD\'s cisaExploitAdd flags the group as a KEV catalog entry would');
    assert.equal(detail.kevDateAdded, '2099-01-10');
    assert.equal(detail.kevDueDate, '2099-01-31');
    const nvd = detail.records.find((r: any) => r.source === 'nvd');
    assert.deepEqual(nvd.cwes, ['CWE-787', 'CWE-120']);
    assert.equal(nvd.status, 'Analyzed');
    assert.deepEqual(nvd.kev, { dateAdded: '2099-01-10', actionDue: '2099-01-31', requiredAction: 'Apply updates per vendor instructions.', vulnerabilityName: 'Example Widget RCE' });
    assert.deepEqual(nvd.cvssMetrics.map((m: any) => [m.source, m.type, m.baseScore]), [['nvd@nist.gov', 'Primary', 9.8], ['cna@example.com', 'Secondary', 8.1]]);
    assert.equal(detail.severity, 'critical');
    const cpe = detail.packages.find((p: any) => p.ecosystem === 'cpe');
    assert.deepEqual(cpe, {
      advisory: 'CVE-2099-0100',
      ecosystem: 'cpe',
      release: null,
      name: 'example:widget',
      published: { ecosystem: 'cpe', name: APP.criteria },
      purl: null,
      versions: [],
      ranges: [{ type: 'CPE', criterion: APP, platforms: [[{ vulnerable: false, criteria: WINDOWS }]], events: [] }],
      fixed: ['2.4.1'],
    });

    // The index row exactly as the CPE matcher reads it.
    const [row] = await cpeRows('CVE-2099-0100');
    assert.deepEqual(
      { ...row, versions: JSON.parse(row.versions), ranges: JSON.parse(row.ranges), fixed: JSON.parse(row.fixed), idx: Number(row.idx) },
      { ecosystem: 'cpe', package_name: 'example:widget', raw_ecosystem: 'cpe', raw_name: APP.criteria, ecosystem_release: null, versions: [], ranges: [{ type: 'CPE', criterion: APP, platforms: [[{ vulnerable: false, criteria: WINDOWS }]] }], fixed: ['2.4.1'], idx: 0 },
    );
    const groups = await db().selectFrom('advisory_ids').select('group_id').where('identifier', 'in', ['CVE-2099-0100', 'GO-2099-0100']).execute();
    assert.equal(new Set(groups.map((g) => g.group_id)).size, 1);
  });

  test('unchanged records are skipped; a newer one replaces its index rows and reports the keys it touched', async () => {
    const record = nvdCve('CVE-2099-0200');
    assert.equal((await importFeed(server, 'nvd', JSON.stringify(record))).imported, 1);
    const again = await importFeed(server, 'nvd', gzipSync(JSON.stringify({ cve: record })));
    assert.deepEqual([again.imported, again.updated, again.skipped], [0, 0, 1]);
    const older = await importFeed(server, 'nvd', JSON.stringify({ ...record, lastModified: '2020-01-01T00:00:00.000', vulnStatus: 'Modified' }));
    assert.deepEqual([older.updated, older.skipped], [0, 1], 'an older copy does not overwrite a newer one');

    const moved = { ...record, lastModified: '2024-06-01T00:00:00.000', configurations: [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:example:gadget:1.0:*:*:*:*:*:*:*' }] }] }] };
    const updated = await importFeed(server, 'nvd', JSON.stringify(moved));
    assert.deepEqual([updated.updated, updated.matching.keys], [1, 2], 'the old key (example:widget) and the new one (example:gadget) are re-evaluated');
    assert.deepEqual((await cpeRows('CVE-2099-0200')).map((r) => r.package_name), ['example:gadget']);
  });

  test('a rejected record is withdrawn and leaves the index', async () => {
    const record = nvdCve('CVE-2099-0300');
    await importFeed(server, 'nvd', JSON.stringify(record));
    assert.equal((await cpeRows('CVE-2099-0300')).length, 1);
    const rejected = await importFeed(server, 'nvd', JSON.stringify({ ...record, lastModified: '2024-07-01T00:00:00.000', vulnStatus: 'Rejected', configurations: [] }));
    assert.equal(rejected.updated, 1);
    assert.equal((await cpeRows('CVE-2099-0300')).length, 0);
    const detail = await json<any>(await server.api('/api/v1/advisories/CVE-2099-0300', { role: 'viewer' }), 200);
    assert.equal(detail.withdrawn, true);
    assert.equal(detail.records[0].status, 'Rejected');
  });

  test('bad records are refused one by one, with nothing of them written; the rest import (207)', async () => {
    const bad = [
      nvdCve('CVE-2099-0401', { configurations: [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:example:widget' }] }] }] }),
      nvdCve('CVE-2099-0402', { configurations: [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: Array.from({ length: 10_000 }, (_, i) => ({ vulnerable: true, criteria: `cpe:2.3:a:example:widget:${i}:*:*:*:*:*:*:*` })) }] }] }),
      nvdCve('CVE-2099-0403', { configurations: [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [], children: [] } as never] }] }),
      nvdCve('CVE-2099-0404', { metrics: { cvssMetricV31: 'high' } }),
    ];
    const good = nvdCve('CVE-2099-0405');
    const report = await importFeed(server, 'nvd', JSON.stringify(nvdPage([bad[0], good, bad[1], bad[2], bad[3]])));
    assert.equal(report.imported, 1);
    assert.deepEqual(
      report.errors.map((e) => e.record),
      ['CVE-2099-0401', 'CVE-2099-0402', 'CVE-2099-0403', 'CVE-2099-0404'],
    );
    assert.match(report.errors[0].reason, /criteria: 'cpe:2\.3:a:example:widget' has 5 components, a CPE 2\.3 name has 13/);
    assert.match(report.errors[1].reason, /more than 5000 cpeMatch entries/);
    assert.match(report.errors[2].reason, /do not nest/);
    assert.equal(report.errors[3].reason, 'metrics.cvssMetricV31: expected an array, got string');
    const written = await db().selectFrom('advisories').select('external_id').where('external_id', 'like', 'CVE-2099-040%').execute();
    assert.deepEqual(written.map((r) => r.external_id), ['CVE-2099-0405']);
    const rows = await db().selectFrom('advisory_packages').select('external_id').where('external_id', 'like', 'CVE-2099-040%').execute();
    assert.deepEqual([...new Set(rows.map((r) => r.external_id))], ['CVE-2099-0405']);
  });

  test('end to end: an imported NVD record reaches the component with its CPE (one row per key, both criteria evaluated), and its rejection closes the finding', async () => {
    const { productId } = await createProduct(server, 'Acme', 'Acme Desktop');
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      version: 1,
      metadata: { component: { type: 'application', name: 'Acme Desktop', version: '5.0.0', 'bom-ref': 'root' } },
      components: [{ type: 'library', name: 'gizmo', version: '3.1.4', 'bom-ref': 'gizmo', cpe: 'cpe:2.3:a:example:gizmo:3.1.4:*:*:*:*:*:*:*' }],
      dependencies: [{ ref: 'root', dependsOn: ['gizmo'] }],
    };
    await uploadSbom(server, productId, JSON.stringify(bom));
    const record = nvdCve('CVE-2099-0600', {
      configurations: [
        {
          nodes: [
            {
              operator: 'OR',
              negate: false,
              cpeMatch: [
                { vulnerable: true, criteria: 'cpe:2.3:a:example:gizmo:*:*:*:*:*:*:*:*', versionStartIncluding: '2.0', versionEndExcluding: '2.9.1' },
                { vulnerable: true, criteria: 'cpe:2.3:a:example:gizmo:*:*:*:*:*:*:*:*', versionStartIncluding: '3.0', versionEndExcluding: '3.2.0' },
              ],
            },
          ],
        },
      ],
    });
    const report = await importFeed(server, 'nvd', JSON.stringify(record));
    assert.equal(report.findings.created, 1);
    const rows = await cpeRows('CVE-2099-0600');
    assert.equal(rows.length, 1, 'one index row for example:gizmo');
    assert.equal(JSON.parse(rows[0].ranges).length, 2);
    const [finding] = (await allFindings(server, `productId=${productId}`)).filter((f) => f.advisoryId === 'CVE-2099-0600');
    assert.equal(finding.component.name, 'gizmo');
    assert.equal(finding.match, 'cpe');
    assert.equal(finding.fixedIn, '3.2.0');

    await importFeed(server, 'nvd', JSON.stringify({ ...record, lastModified: '2024-08-01T00:00:00.000', vulnStatus: 'Rejected' }));
    const closed = (await allFindings(server, `productId=${productId}&status=all`)).find((f) => f.id === finding.id);
    assert.equal(closed.status, 'closed');
  });

  test('a zip of single records over the API; a truncated one is a 400 that writes nothing', async () => {
    const zip = buildZip([
      { name: 'CVE-2099/CVE-2099-05xx/CVE-2099-0501.json', data: JSON.stringify(nvdCve('CVE-2099-0501')) },
      { name: 'CVE-2099/CVE-2099-05xx/CVE-2099-0502.json.gz', data: gzipSync(JSON.stringify(nvdCve('CVE-2099-0502'))) },
    ]);
    const report = await importFeed(server, 'nvd', zip);
    assert.equal(report.imported, 2);
    const res = await server.api('/api/v1/feeds/nvd/import?wait=true', { method: 'POST', role: 'analyst', headers: { 'content-type': 'application/zip' }, body: new Uint8Array(zip.subarray(0, zip.length - 40)) });
    const problem = await json<any>(res, 400);
    assert.match(problem.detail ?? problem.title, /zip/i);
    const unknown = await server.api('/api/v1/feeds/nvd/import?wait=true', { method: 'POST', role: 'analyst', headers: { 'content-type': 'application/json' }, body: '{"CVE_Items": []}' });
    assert.match((await json<any>(unknown, 400)).detail, /NVD 1\.1 data feed/);
  });
});
