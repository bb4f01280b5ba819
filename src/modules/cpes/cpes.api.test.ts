import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { allFindings, createProduct, json, uploadSbom } from '../findings/test-support.js';
import { desktopBom, indexCpeAdvisory } from './test-support.js';

describeEachEngine('CPE matching: declared, root, product and inferred CPEs, both directions', ({ engine }) => {
  let server: TestServer;
  let productId: string;

  before(async () => {
    server = await startTestServer(engine);
    ({ productId } = await createProduct(server, '3CX', '3CX Desktop App'));
  });
  after(async () => {
    await server?.close();
  });

  test('an NVD record imported before the SBOM: the upload finds it through its CPEs (product-derived, declared, inferred)', async () => {
    await indexCpeAdvisory(server, 'CVE-2023-29059', [
      { criteria: 'cpe:2.3:a:3cx:3cx:18.12.407:*:*:*:*:windows:*:*' },
      { criteria: 'cpe:2.3:a:3cx:3cx:18.12.416:*:*:*:*:windows:*:*' },
    ]);
    await indexCpeAdvisory(server, 'CVE-2022-35737', [{ criteria: 'cpe:2.3:a:sqlite:sqlite:*:*:*:*:*:*:*:*', versionStartIncluding: '1.0.12', versionEndExcluding: '3.39.2' }]);
    const sbom = await uploadSbom(server, productId, desktopBom('18.12.407'));
    const findings = await allFindings(server, `productId=${productId}`);
    const byId = new Map(findings.map((f) => [f.advisoryId, f]));
    const product = byId.get('CVE-2023-29059');
    assert.ok(product, 'the product release itself matches CVE-2023-29059');
    assert.deepEqual([product.match, product.matchConfidence, product.component.name, product.component.version, product.component.ecosystem, product.component.packageName, product.sbomId], ['cpe', null, '3CX Desktop App', '18.12.407', 'cpe', '3cx:3cx', sbom.id]);
    const sqlite = byId.get('CVE-2022-35737');
    assert.deepEqual([sqlite?.match, sqlite?.component.name, sqlite?.fixedIn], ['cpe', 'sqlite', '3.39.2']);
    const cpes = await server.tw.database.db.selectFrom('sbom_component_cpes').select(['idx', 'cpe_key', 'source', 'confidence']).where('sbom_id', '=', sbom.id).where('idx', '>', 0).orderBy('idx').execute();
    assert.deepEqual(cpes.map((c) => [c.idx, c.cpe_key, c.source, c.confidence === null ? null : Number(c.confidence)]), [[1, 'google:chrome', 'inferred', 0.9], [2, 'sqlite:sqlite', 'declared', null]]);
  });

  test('an NVD record imported after the SBOM reaches the inferred Chromium through its key; a version past the range does not match', async () => {
    await indexCpeAdvisory(server, 'CVE-2022-2294', [{ criteria: 'cpe:2.3:a:google:chrome:*:*:*:*:*:*:*:*', versionEndExcluding: '103.0.5060.114' }]);
    await indexCpeAdvisory(server, 'CVE-2099-0001', [{ criteria: 'cpe:2.3:a:google:chrome:*:*:*:*:*:*:*:*', versionEndExcluding: '90.0' }]);
    const findings = await allFindings(server, `productId=${productId}`);
    const chrome = findings.filter((f) => f.component.name === 'chromium');
    assert.deepEqual(chrome.map((f) => [f.advisoryId, f.match, f.matchConfidence, f.component.packageName, f.fixedIn]), [['CVE-2022-2294', 'inferred-cpe', 0.9, 'google:chrome', '103.0.5060.114']]);
  });

  test('a malformed CPE in an SBOM is kept as text, matched under nothing, and the upload succeeds', async () => {
    const bad = [
      { type: 'library', name: 'broken-1', version: '1', 'bom-ref': 'b1', cpe: 'cpe:2.3:a:only:three' },
      { type: 'library', name: 'broken-2', version: '1', 'bom-ref': 'b2', cpe: 'cpe:2.3:a:bad\\escape:x:1:*:*:*:*:*:*:*\\' },
      { type: 'library', name: 'broken-3', version: '1', 'bom-ref': 'b3', cpe: 'not a cpe at all' },
      { type: 'library', name: 'broken-4', version: '1', 'bom-ref': 'b4', cpe: `cpe:2.3:a:${'v'.repeat(5000)}:p:1:*:*:*:*:*:*:*` },
      { type: 'library', name: 'broken-5', version: '1', 'bom-ref': 'b5', cpe: 'cpe:2.3:a:*:*:*:*:*:*:*:*:*:*' },
    ];
    const sbom = await uploadSbom(server, productId, desktopBom('18.12.999', bad), '18.12.999');
    const components = await json(await server.api(`/api/v1/sboms/${sbom.id}/components?limit=50&q=broken`, { role: 'viewer' }), 200);
    assert.deepEqual(components.items.map((c: any) => c.cpe).sort(), bad.map((b) => b.cpe).sort(), 'every CPE is kept as the document wrote it');
    const keys = await server.tw.database.db.selectFrom('sbom_component_cpes').select('cpe_key').where('sbom_id', '=', sbom.id).where('idx', '>', 3).execute();
    assert.deepEqual(keys.map((k) => k.cpe_key), [`${'v'.repeat(5000)}:p`], 'only well-formed CPEs naming a vendor and product are indexed');
  });
});

describeEachEngine('CPE decisions and product CPEs', ({ engine }) => {
  let server: TestServer;
  let productId: string;
  let vendorId: string;

  before(async () => {
    server = await startTestServer(engine);
    ({ productId, vendorId } = await createProduct(server, '3CX', '3CX Desktop App'));
    await indexCpeAdvisory(server, 'CVE-2023-29059', [{ criteria: 'cpe:2.3:a:3cx:3cx:18.12.407:*:*:*:*:windows:*:*' }]);
    await indexCpeAdvisory(server, 'CVE-2022-2294', [{ criteria: 'cpe:2.3:a:google:chrome:*:*:*:*:*:*:*:*', versionEndExcluding: '103.0.5060.114' }]);
  });
  after(async () => {
    await server?.close();
  });

  const chromium = async (status = 'open') => (await allFindings(server, `productId=${productId}&status=${status}`)).filter((f) => f.component.name === 'chromium');

  test('rejecting an inferred CPE closes its findings and sticks for the next SBOM version; confirming restores them, certain', async () => {
    await uploadSbom(server, productId, desktopBom('18.12.407'));
    const [finding] = await chromium();
    assert.deepEqual([finding.match, finding.matchConfidence], ['inferred-cpe', 0.9]);
    const forbidden = await server.api(`/api/v1/findings/${finding.id}/cpe-decision`, { method: 'POST', role: 'viewer', json: { decision: 'rejected' } });
    assert.equal(forbidden.status, 403);
    const bad = await server.api(`/api/v1/findings/${finding.id}/cpe-decision`, { method: 'POST', json: { decision: 'maybe' } });
    assert.equal(bad.status, 400);

    const rejected = await json(await server.api(`/api/v1/findings/${finding.id}/cpe-decision`, { method: 'POST', role: 'responder', json: { decision: 'rejected' } }), 200);
    assert.deepEqual([rejected.componentKey, rejected.cpeKey, rejected.decision, rejected.findingsChanged], ['googlellc|chromium', 'google:chrome', 'rejected', 1]);
    assert.deepEqual(await chromium(), []);
    const [closed] = await chromium('closed');
    assert.equal(closed.closedReason, 'cpe_rejected');

    await uploadSbom(server, productId, desktopBom('18.12.407'));
    assert.deepEqual(await chromium(), [], 'the next SBOM version of the release keeps the rejection');

    const confirmed = await json(await server.api(`/api/v1/findings/${finding.id}/cpe-decision`, { method: 'POST', json: { decision: 'confirmed' } }), 200);
    assert.equal(confirmed.decision, 'confirmed');
    const restored = await chromium();
    assert.deepEqual(restored.map((f) => [f.advisoryId, f.match, f.matchConfidence]), [['CVE-2022-2294', 'inferred-cpe', 1]]);
    const decisions = await json(await server.api('/api/v1/cpe-decisions', { role: 'viewer' }), 200);
    assert.deepEqual(decisions.items.map((d: any) => [d.componentKey, d.cpeKey, d.decision]), [['googlellc|chromium', 'google:chrome', 'confirmed']]);

    const purl = (await allFindings(server, `productId=${productId}`)).find((f) => f.match === 'cpe');
    const notInferred = await server.api(`/api/v1/findings/${purl.id}/cpe-decision`, { method: 'POST', json: { decision: 'rejected' } });
    assert.equal(notInferred.status, 409);
  });

  test('a product CPE replaces the derived ones: the release is matched under it at once', async () => {
    const derived = await json(await server.api(`/api/v1/products/${productId}/cpe`, { role: 'viewer' }), 200);
    assert.equal(derived.cpe, null);
    assert.ok(derived.matchedAs.includes('3cx:3cx'));
    const product = async () => (await allFindings(server, `productId=${productId}`)).filter((f) => f.advisoryId === 'CVE-2023-29059');
    assert.equal((await product()).length, 1);

    const invalid = await server.api(`/api/v1/products/${productId}/cpe`, { method: 'PUT', json: { cpe: 'cpe:2.3:a:only:three' } });
    assert.equal(invalid.status, 400);
    assert.equal((await invalid.json()).errors?.[0]?.field ?? '/cpe', '/cpe');

    const other = await json(await server.api(`/api/v1/products/${productId}/cpe`, { method: 'PUT', json: { cpe: 'cpe:2.3:a:3cx:desktop_client:*:*:*:*:*:*:*:*' } }), 200);
    assert.deepEqual([other.matchedAs, other.sbomsRematched], [['3cx:desktop_client'], 1]);
    assert.deepEqual(await product(), [], 'matched under the product CPE only, the release no longer matches');
    const listed = await json(await server.api(`/api/v1/vendors/${vendorId}/products`, { role: 'viewer' }), 200);
    assert.equal((Array.isArray(listed) ? listed : listed.items)[0].cpe, 'cpe:2.3:a:3cx:desktop_client:*:*:*:*:*:*:*:*', 'the product API shows its CPE');

    const back = await json(await server.api(`/api/v1/products/${productId}/cpe`, { method: 'PUT', json: { cpe: 'cpe:2.3:a:3cx:3cx:*:*:*:*:*:*:*:*' } }), 200);
    assert.equal(back.cpe, 'cpe:2.3:a:3cx:3cx:*:*:*:*:*:*:*:*');
    assert.deepEqual((await product()).map((f) => [f.match, f.component.packageName, f.component.version]), [['cpe', '3cx:3cx', '18.12.407']]);
  });
});
