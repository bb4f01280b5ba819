// Two things matching must not miss: an older SBOM that becomes current again when the newer one of
// its release is deleted (feed writes only matched current SBOMs meanwhile), and KEV entries that
// name a vendor's product but carry no package data (flagging the product by name).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { allFindings, createProduct, goBom, importFeed, json, osvRecord, uploadSbom } from '../findings/test-support.js';
import { kevNamesProduct } from './matching.kev.js';

/** A KEV catalog of the given entries, shaped like CISA's. */
function kevCatalog(entries: Array<{ cveID: string; vendorProject: string; product: string }>): string {
  return JSON.stringify({
    title: 'CISA Catalog of Known Exploited Vulnerabilities',
    catalogVersion: '2030.01.01',
    dateReleased: '2030-01-01T00:00:00.000Z',
    count: entries.length,
    vulnerabilities: entries.map((e) => ({
      ...e,
      vulnerabilityName: `${e.vendorProject} ${e.product} Embedded Malicious Code Vulnerability`,
      dateAdded: '2023-03-30',
      shortDescription: `${e.product} contains embedded malicious code.`,
      requiredAction: 'Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.',
      dueDate: '2023-04-20',
      knownRansomwareCampaignUse: 'Unknown',
      notes: '',
      cwes: ['CWE-506'],
    })),
  });
}

describe('KEV names', () => {
  test('vendor and product compare case- and spacing-insensitively, the product with or without the vendor in front', () => {
    const threeCx = { id: 'p', name: '3CX Desktop App', vendorKeys: ['3cx', '3cxltd'] };
    assert.ok(kevNamesProduct({ cve_id: 'CVE-2023-29059', vendor_project: '3CX', product: '3CX  desktop App' }, threeCx));
    assert.ok(kevNamesProduct({ cve_id: 'CVE-2023-29059', vendor_project: '3CX Ltd', product: 'Desktop App' }, threeCx));
    assert.ok(!kevNamesProduct({ cve_id: 'CVE-2023-29059', vendor_project: '3CX', product: 'Phone System' }, threeCx));
    assert.ok(!kevNamesProduct({ cve_id: 'CVE-2023-29059', vendor_project: 'Other', product: '3CX Desktop App' }, threeCx));
  });
});

describeEachEngine('matching what was missed: an SBOM current again, KEV name matches', ({ engine }) => {
  let server: TestServer;
  after(() => server?.close());
  before(async () => {
    server = await startTestServer(engine);
  });

  test('deleting the current SBOM re-matches the one current again against everything imported since, decisions kept', async () => {
    const { productId } = await createProduct(server, 'Rematch Vendor', 'Rematch Agent');
    await importFeed(server, 'osv', JSON.stringify(osvRecord('GO-2031-0001', 'example.com/rematch-a', 'v2.0.0')));
    const modules: Array<[string, string]> = [['example.com/rematch-a', 'v1.0.0'], ['example.com/rematch-b', 'v1.0.0']];
    const older = await uploadSbom(server, productId, goBom({ name: 'agent', version: '1.0.0' }, modules), '1.0');
    const a = (await allFindings(server, `productId=${productId}`)).find((f) => f.component.name === 'example.com/rematch-a');
    await json(await server.api(`/api/v1/findings/${a.id}`, { method: 'PATCH', role: 'analyst', json: { state: 'not_affected', justification: 'code_not_reachable' } }), 200);

    const newer = await uploadSbom(server, productId, goBom({ name: 'agent', version: '1.0.1' }, modules), '1.0');
    // While the older SBOM is not current: a new advisory for b, and a's advisory withdrawn.
    await importFeed(server, 'osv', JSON.stringify(osvRecord('GO-2031-0002', 'example.com/rematch-b', 'v2.0.0')));
    await importFeed(server, 'osv', JSON.stringify({ ...osvRecord('GO-2031-0001', 'example.com/rematch-a', 'v2.0.0'), modified: '2031-02-01T00:00:00Z', withdrawn: '2031-02-01T00:00:00Z' }));
    const onNewer = await allFindings(server, `productId=${productId}&status=all`);
    assert.ok(onNewer.every((f) => f.sbomId === newer.id));
    const b = onNewer.find((f) => f.component.name === 'example.com/rematch-b');
    await json(await server.api(`/api/v1/findings/${b.id}`, { method: 'PATCH', role: 'analyst', json: { state: 'exploitable', detail: 'Reachable from the agent API.' } }), 200);

    const res = await server.api(`/api/v1/sboms/${newer.id}`, { method: 'DELETE' });
    assert.equal(res.status, 204, await res.text());
    const current = await allFindings(server, `productId=${productId}&status=all`);
    assert.ok(current.every((f) => f.sbomId === older.id), 'the older SBOM is current again');
    const byName = new Map(current.map((f) => [f.component.name, f]));
    const againA = byName.get('example.com/rematch-a');
    assert.deepEqual([againA.id, againA.status, againA.closedReason, againA.state], [a.id, 'closed', 'advisory_withdrawn', 'not_affected'], 'the same finding, closed, its decision kept');
    const againB = byName.get('example.com/rematch-b');
    assert.ok(againB, 'the advisory imported since matched it');
    assert.deepEqual([againB.status, againB.state, againB.detail], ['open', 'exploitable', 'Reachable from the agent API.'], "the deleted SBOM's decision carried over");
    const history = await json(await server.api(`/api/v1/findings/${againB.id}`, { role: 'viewer' }), 200);
    assert.ok(history.history.some((h: { action: string }) => h.action === 'carried-over'));
  });

  test('a KEV entry with no package data flags the product it names: a name match on the root of each current SBOM, new uploads too', async () => {
    const v = await json(await server.api('/api/v1/vendors', { method: 'POST', json: { name: '3CX', aliases: ['3CX Ltd'] } }), 201);
    const p = await json(await server.api(`/api/v1/vendors/${v.id}/products`, { method: 'POST', json: { name: '3CX Desktop App', type: 'desktop-app' } }), 201);
    const other = await createProduct(server, 'Acme', 'Widget');
    const bom = (version: string) => goBom({ name: '3cx-desktop-app', version }, [['example.com/electron-shell', 'v1.0.0']]);
    const r407 = await uploadSbom(server, p.id, bom('18.12.407'), '18.12.407');
    const r416 = await uploadSbom(server, p.id, bom('18.12.416'), '18.12.416');
    await uploadSbom(server, other.productId, goBom({ name: 'widget', version: '1.0.0' }, [['example.com/widget-lib', 'v1.0.0']]), '1.0');
    // Acme's CVE has a record with package data: package matching speaks for it, not the name.
    await importFeed(server, 'osv', JSON.stringify(osvRecord('GO-2031-0009', 'example.com/not-in-any-sbom', 'v2.0.0', { aliases: ['CVE-2031-0009'] })));

    const report = await importFeed(server, 'kev', kevCatalog([
      { cveID: 'CVE-2023-29059', vendorProject: '3CX', product: '3CX Desktop App' },
      { cveID: 'CVE-2031-0009', vendorProject: 'Acme', product: 'Widget' },
      { cveID: 'CVE-2031-0010', vendorProject: 'Nobody', product: 'Nothing' },
    ]));
    assert.equal(report.findings.created, 2);
    const flagged = await allFindings(server, `productId=${p.id}`);
    assert.deepEqual(flagged.map((f) => f.release).sort(), ['18.12.407', '18.12.416']);
    for (const f of flagged) {
      assert.deepEqual([f.advisoryId, f.match, f.kev, f.priority, f.component.name], ['CVE-2023-29059', 'kev-name', true, 'kev', '3cx-desktop-app']);
      assert.ok([r407.id, r416.id].includes(f.sbomId));
    }
    assert.deepEqual(await allFindings(server, `productId=${other.productId}`), []);
    const advisory = await json(await server.api('/api/v1/advisories/CVE-2023-29059', { role: 'viewer' }), 200);
    assert.deepEqual([advisory.advisoryId, advisory.kev, advisory.recordCount], ['CVE-2023-29059', true, 0]);

    const again = await importFeed(server, 'kev', kevCatalog([{ cveID: 'CVE-2023-29059', vendorProject: '3CX', product: '3CX Desktop App' }]));
    assert.equal(again.findings.created, 0, 'nothing twice');
    const triaged = flagged.find((f) => f.release === '18.12.416');
    await json(await server.api(`/api/v1/findings/${triaged.id}`, { method: 'PATCH', role: 'analyst', json: { state: 'exploitable', detail: 'Trojanised build deployed.' } }), 200);
    await uploadSbom(server, p.id, bom('18.12.416'), '18.12.416');
    const reuploaded = (await allFindings(server, `productId=${p.id}&release=18.12.416`))[0];
    assert.deepEqual([reuploaded.match, reuploaded.state, reuploaded.detail], ['kev-name', 'exploitable', 'Trojanised build deployed.'], 'a new upload is flagged too, the decision carried over');
  });
});
