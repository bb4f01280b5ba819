import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { createWorker, startTestServer, type TestServer } from '../../../test/support/server.js';
import { parseCsaf, parseCycloneDxVex, parseOpenVex } from '../advisories/parsers/index.js';
import { allFindings, createProduct, GO_ZIP, goBom, importFeed, json, KEV_JSON, problem, uploadSbom, VEX_DIR } from './test-support.js';

/** Go modules at versions with known advisories in the Go vulndb all.zip (and one without any). */
const MODULES: Array<[string, string]> = [
  ['golang.org/x/net', 'v0.7.0'],
  ['github.com/gin-gonic/gin', 'v1.6.3'],
  ['golang.org/x/text', 'v0.3.7'],
  ['gopkg.in/yaml.v2', 'v2.2.2'],
  ['github.com/wazuh/wazuh', 'v4.5.0+incompatible'],
  ['github.com/example/none', 'v1.0.0'],
];

/**
 * The advisories (by their CVE) each module's version is affected by, read off the records in the
 * zip: gin 1.6.3 is past GO-2020-0001's fix (1.6.0) but before GO-2021-0052's (1.7.7) and inside
 * GO-2023-1737's range; x/text 0.3.7 is GO-2021-0113's fix, so only the two later ones apply; …
 */
const EXPECTED: Record<string, string[]> = {
  'golang.org/x/net': [
    'CVE-2023-3978', 'CVE-2023-39325', 'CVE-2023-45288', 'CVE-2024-45338', 'CVE-2025-22870', 'CVE-2025-22872', 'CVE-2025-47911', 'CVE-2025-58190',
    'CVE-2026-25680', 'CVE-2026-25681', 'CVE-2026-27136', 'CVE-2026-33814', 'CVE-2026-39821', 'CVE-2026-42502', 'CVE-2026-42506', 'CVE-2026-46600',
  ],
  'github.com/gin-gonic/gin': ['CVE-2020-28483', 'CVE-2023-29401'],
  'golang.org/x/text': ['CVE-2022-32149', 'CVE-2026-56852'],
  'gopkg.in/yaml.v2': ['CVE-2019-11254', 'CVE-2021-4235', 'CVE-2022-3064'],
  'github.com/wazuh/wazuh': ['CVE-2024-35177', 'CVE-2024-47770', 'CVE-2025-24016'],
};
const EXPECTED_TOTAL = Object.values(EXPECTED).reduce((n, list) => n + list.length, 0);

function csafDocument(cve: string, purl: string, trackingId: string): string {
  return JSON.stringify({
    document: {
      category: 'csaf_vex',
      csaf_version: '2.0',
      publisher: { category: 'vendor', name: 'Acme Security', namespace: 'https://acme.example' },
      title: `${cve} in golang.org/x/net`,
      tracking: {
        id: trackingId,
        status: 'final',
        version: '1',
        revision_history: [{ number: '1', date: '2023-10-12T00:00:00Z', summary: 'initial' }],
        initial_release_date: '2023-10-12T00:00:00Z',
        current_release_date: '2023-10-12T00:00:00Z',
      },
    },
    product_tree: { full_product_names: [{ name: 'golang.org/x/net 0.7.0', product_id: 'XNET-070', product_identification_helper: { purl } }] },
    vulnerabilities: [
      {
        cve,
        scores: [{ cvss_v3: { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', baseScore: 7.5, baseSeverity: 'HIGH' }, products: ['XNET-070'] }],
        product_status: { known_affected: ['XNET-070'] },
        remediations: [{ category: 'vendor_fix', details: 'Update to 0.17.0', product_ids: ['XNET-070'] }],
      },
    ],
  });
}

function cyclonedxVex(statements: Array<{ id: string; ref: string; state: string; justification?: string; detail?: string }>): string {
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    serialNumber: 'urn:uuid:5d0bd77e-0000-4000-8000-000000000001',
    vulnerabilities: statements.map((s) => ({
      id: s.id,
      analysis: { state: s.state, ...(s.justification ? { justification: s.justification } : {}), ...(s.detail ? { detail: s.detail } : {}) },
      affects: [{ ref: s.ref }],
    })),
  });
}

describeEachEngine('findings: the Go vulndb against a product SBOM', ({ engine }) => {
  let server: TestServer;
  let vendorId: string;
  let productId: string;
  const zip = new Uint8Array(readFileSync(GO_ZIP));
  const byKey = (items: any[]) => new Map(items.map((f) => [`${f.component.name}|${f.advisoryId}`, f]));

  before(async () => {
    server = await startTestServer(engine);
    ({ vendorId, productId } = await createProduct(server, 'Acme Networks', 'Edge Gateway', { criticality: 4 }));
  });
  after(async () => {
    await server?.close();
  });

  test('the Go all.zip imports every record over HTTP; importing it again changes nothing', async () => {
    const first = await importFeed(server, 'osv', zip);
    assert.deepEqual([first.imported, first.updated, first.skipped, first.errors.length], [4291, 0, 0, 0]);
    const listed = await json(await server.api('/api/v1/advisories?limit=1&q=GO-2023-2102', { role: 'viewer' }), 200);
    assert.equal(listed.items.length, 1);
    assert.equal(listed.items[0].advisoryId, 'CVE-2023-39325', 'a CVE alias is the display id');
    assert.deepEqual(listed.items[0].aliases.sort(), ['GHSA-4374-p667-p6c8', 'GO-2023-2102']);

    const audit = async () => (await json(await server.api('/api/v1/audit?limit=500', { role: 'auditor' }), 200)).items.filter((e: any) => e.action === 'advisories.import').length;
    const events = await audit();
    const again = await importFeed(server, 'osv', zip);
    assert.deepEqual([again.imported, again.updated, again.skipped, again.errors.length], [0, 0, 4291, 0]);
    assert.equal(await audit(), events, 'a no-op import writes nothing, not even an audit event');
  });

  test('the KEV catalog imports; Go advisories whose CVE is known exploited are flagged', async () => {
    const report = await importFeed(server, 'kev', readFileSync(KEV_JSON, 'utf8'));
    assert.deepEqual([report.imported, report.updated, report.errors.length], [1404, 0, 0]);
    const kev = await json(await server.api('/api/v1/advisories?kev=true&limit=50', { role: 'viewer' }), 200);
    assert.deepEqual(kev.items.map((a: any) => a.advisoryId).sort(), ['CVE-2020-0601', 'CVE-2025-24016'], 'only two Go advisories are in KEV');
    const wazuh = await json(await server.api('/api/v1/advisories/GO-2025-3459', { role: 'viewer' }), 200);
    assert.equal(wazuh.kev, true);
    assert.equal(wazuh.kevDueDate, '2025-07-01');
    assert.equal(wazuh.kevEntries[0].cveId, 'CVE-2025-24016');
    assert.equal(wazuh.records[0].source, 'osv');
    assert.equal(wazuh.records[0].origin, 'upload');
    assert.equal((await importFeed(server, 'kev', readFileSync(KEV_JSON, 'utf8'))).skipped, 1404);
  });

  test('an SBOM of Go modules gets exactly the findings its versions deserve', async () => {
    const sbom = await uploadSbom(server, productId, goBom({ name: 'gateway', version: '3.1.0' }, MODULES));
    assert.equal(sbom.release, '3.1.0');
    const findings = await allFindings(server, `productId=${productId}`);
    const got: Record<string, string[]> = {};
    for (const f of findings) (got[f.component.name] ??= []).push(f.advisoryId);
    for (const list of Object.values(got)) list.sort();
    assert.deepEqual(got, Object.fromEntries(Object.entries(EXPECTED).map(([k, v]) => [k, [...v].sort()])));
    assert.equal(findings.length, EXPECTED_TOTAL);
    const f = byKey(findings).get('golang.org/x/net|CVE-2023-39325')!;
    assert.deepEqual(f.aliases.sort(), ['GHSA-4374-p667-p6c8', 'GO-2023-2102']);
    assert.deepEqual(f.component, { purl: 'pkg:golang/golang.org/x/net@v0.7.0', name: 'golang.org/x/net', version: 'v0.7.0', ecosystem: 'Go', packageName: 'golang.org/x/net', direct: true, depth: 1 });
    assert.equal(f.product.id, productId);
    assert.equal(f.vendor.id, vendorId);
    assert.equal(f.fixedIn, '0.17.0');
    assert.equal(f.verdict, 'affected');
    assert.deepEqual([f.match, f.matchConfidence], ['purl', null]);
    assert.equal(f.state, 'in_triage');
    assert.equal(f.status, 'open');
    assert.equal(f.severity, 'unknown', 'the Go vulndb publishes no CVSS');
    assert.equal(f.malicious, false);
    for (const key of ['id', 'advisoryId', 'aliases', 'component', 'product', 'vendor', 'severity', 'kev', 'epss', 'malicious', 'state']) assert.ok(key in f, `Finding has ${key}`);
    const detail = await json(await server.api(`/api/v1/findings/${f.id}`, { role: 'viewer' }), 200);
    assert.deepEqual(detail.matched, [{ advisory: 'GO-2023-2102', ecosystem: 'Go', name: 'golang.org/x/net', verdict: 'affected' }]);
  });

  test('known exploited findings come first, with the KEV due date and an SLA due date', async () => {
    const page = await json(await server.api(`/api/v1/findings?productId=${productId}&limit=3`, { role: 'viewer' }), 200);
    assert.equal(page.items[0].advisoryId, 'CVE-2025-24016');
    assert.equal(page.items[0].priority, 'kev');
    assert.equal(page.items[0].kev, true);
    assert.equal(page.items[0].kevDueDate, '2025-07-01');
    assert.equal(Date.parse(page.items[0].dueAt) - Date.parse(page.items[0].firstSeenAt), 7 * 86_400_000, 'KEV SLA: 7 days');
    assert.ok(page.nextCursor);
    const kevOnly = await allFindings(server, `productId=${productId}&kev=true`);
    assert.deepEqual(kevOnly.map((x) => x.advisoryId), ['CVE-2025-24016']);
    const tiered = await allFindings(server, `tier=${encodeURIComponent(page.items[0].vendor.tier)}&vendorId=${vendorId}`);
    assert.equal(tiered.length, EXPECTED_TOTAL);
  });

  test('the exposure trend counts today\'s open findings, KEV among them, and nothing before detection', async () => {
    const trend = await json(await server.api('/api/v1/findings/trend?days=3', { role: 'viewer' }), 200);
    assert.equal(trend.days.length, 3);
    const today = trend.days[2];
    assert.equal(today.date, new Date().toISOString().slice(0, 10));
    assert.equal(today.open, (await allFindings(server, 'status=open')).filter((f: any) => !['not_affected', 'false_positive'].includes(f.state)).length);
    assert.equal(today.kev, 1);
    assert.deepEqual(trend.days.slice(0, 2).map((d: any) => d.open), [0, 0], 'nothing was detected before today');
    assert.equal((await server.api('/api/v1/findings/trend?days=0', { role: 'viewer' })).status, 400);
  });

  test('the same CVE from a CSAF document joins the OSV group: one advisory, one finding, its CVSS now counts', async () => {
    const before = (await allFindings(server, `productId=${productId}`)).length;
    const groupBefore = (await json(await server.api('/api/v1/advisories/GO-2023-2102', { role: 'viewer' }), 200)).id;
    const report = await importFeed(server, 'csaf', csafDocument('CVE-2023-39325', 'pkg:golang/golang.org/x/net@v0.7.0', 'ACME-2023-0001'));
    assert.deepEqual([report.imported, report.errors.length], [1, 0]);
    assert.equal(report.findings.created, 0, 'no second finding for the alias');
    const groups = await json(await server.api('/api/v1/advisories?q=CVE-2023-39325', { role: 'viewer' }), 200);
    assert.equal(groups.items.length, 1);
    assert.equal(groups.items[0].recordCount, 2);
    assert.equal(groups.items[0].severity, 'high');
    // The search ignores case on both engines, in identifiers and in summaries.
    for (const q of ['cve-2023-39325', 'Acme-2023-0001']) {
      assert.deepEqual((await json(await server.api(`/api/v1/advisories?q=${q}`, { role: 'viewer' }), 200)).items.map((g: any) => g.id), [groups.items[0].id], q);
    }
    const summary = String(groups.items[0].summary);
    const shouted = (await json(await server.api(`/api/v1/advisories?q=${encodeURIComponent(summary.slice(0, 20).toUpperCase())}`, { role: 'viewer' }), 200)).items;
    assert.ok(shouted.some((g: any) => g.id === groups.items[0].id), 'an upper-case piece of the summary');
    const detail = await json(await server.api('/api/v1/advisories/CVE-2023-39325', { role: 'viewer' }), 200);
    assert.deepEqual(detail.records.map((r: any) => r.source).sort(), ['csaf:ACME-2023-0001', 'osv']);
    assert.equal(detail.id, groupBefore, 'the group id is stable');
    assert.ok(detail.aliases.includes('ACME-2023-0001'));
    const after = await allFindings(server, `productId=${productId}`);
    assert.equal(after.length, before);
    const f = byKey(after).get('golang.org/x/net|CVE-2023-39325')!;
    assert.equal(f.severity, 'high');
    assert.equal(f.priority, 'high');
    assert.equal(f.cvss.score, 7.5);
  });

  test('vendor VEX: not_affected sets the state with the vendor as source; re-importing it is a no-op', async () => {
    const doc = cyclonedxVex([{ id: 'CVE-2023-45288', ref: 'pkg:golang/golang.org/x/net@v0.7.0', state: 'not_affected', justification: 'code_not_reachable', detail: 'No HTTP/2 server is exposed.' }]);
    const report = await importFeed(server, 'cyclonedx-vex', doc, `?vendorId=${vendorId}`);
    assert.deepEqual([report.imported, report.errors.length, report.findings.updated], [1, 0, 1]);
    const f = byKey(await allFindings(server, `productId=${productId}`)).get('golang.org/x/net|CVE-2023-45288')!;
    assert.equal(f.state, 'not_affected');
    assert.equal(f.justification, 'code_not_reachable');
    assert.equal(f.stateSource, 'vendor');
    assert.equal(f.stateSourceName, 'Acme Networks');
    const detail = await json(await server.api(`/api/v1/findings/${f.id}`, { role: 'viewer' }), 200);
    assert.deepEqual(detail.history.map((h: any) => [h.action, h.source, h.fromState, h.toState]), [['vex', 'vendor', 'in_triage', 'not_affected']]);
    const again = await importFeed(server, 'cyclonedx-vex', doc, `?vendorId=${vendorId}`);
    assert.deepEqual([again.imported, again.updated, again.skipped, again.findings.updated], [0, 0, 1, 0]);
    const filtered = await allFindings(server, `productId=${productId}&state=not_affected`);
    assert.deepEqual(filtered.map((x) => x.advisoryId), ['CVE-2023-45288']);

    // A statement of another vendor does not apply to this vendor's product.
    const other = await createProduct(server, 'Someone Else', 'Other');
    const foreign = await importFeed(server, 'openvex', JSON.stringify({
      '@context': 'https://openvex.dev/ns/v0.2.0', '@id': 'https://example.com/vex/1', author: 'Someone Else', timestamp: '2024-01-01T00:00:00Z', version: 1,
      statements: [{ vulnerability: { name: 'CVE-2023-3978' }, products: [{ '@id': 'pkg:golang/golang.org/x/net@v0.7.0' }], status: 'not_affected', justification: 'vulnerable_code_not_present' }],
    }), `?vendorId=${other.vendorId}`);
    assert.deepEqual([foreign.imported, foreign.findings.updated], [1, 0]);
    assert.equal(byKey(await allFindings(server, `productId=${productId}`)).get('golang.org/x/net|CVE-2023-3978')!.state, 'in_triage');

    // The CycloneDX VEX examples import (statements kept for when their products appear).
    for (const file of ['vex.json', 'CISA-Use-Cases/Case-1/vex-not_affected.json', 'CISA-Use-Cases/Case-8/vex.json']) {
      const r = await importFeed(server, 'cyclonedx-vex', readFileSync(`${VEX_DIR}/${file}`, 'utf8'));
      assert.equal(r.errors.length, 0, `${file}: ${JSON.stringify(r.errors)}`);
      assert.ok(r.imported > 0, file);
    }
  });

  test('triage: PATCH and bulk, with history and audit; an analyst decision stands against later vendor VEX', async () => {
    const findings = byKey(await allFindings(server, `productId=${productId}`));
    const target = findings.get('golang.org/x/net|CVE-2023-39325')!;
    const patched = await json(await server.api(`/api/v1/findings/${target.id}`, { method: 'PATCH', role: 'analyst', json: { state: 'exploitable', responses: ['update'], detail: 'Public HTTP/2 endpoint.', severity: 'critical' } }), 200);
    assert.deepEqual([patched.state, patched.stateSource, patched.severity, patched.severityOverride, patched.priority], ['exploitable', 'analyst', 'critical', 'critical', 'critical']);
    assert.deepEqual(patched.responses, ['update']);
    assert.equal(Date.parse(patched.dueAt) - Date.parse(patched.firstSeenAt), 15 * 86_400_000, 'critical SLA: 15 days');

    await problem(await server.api(`/api/v1/findings/${target.id}`, { method: 'PATCH', role: 'analyst', json: { state: 'not_affected' } }), 400);
    await problem(await server.api(`/api/v1/findings/${target.id}`, { method: 'PATCH', role: 'analyst', json: { state: 'exploitable', justification: 'code_not_present' } }), 400);
    await problem(await server.api(`/api/v1/findings/${target.id}`, { method: 'PATCH', role: 'analyst', json: { state: 'nonsense' } }), 400);
    await problem(await server.api(`/api/v1/findings/${target.id}`, { method: 'PATCH', role: 'analyst', json: {} }), 400);

    const vex = await importFeed(server, 'cyclonedx-vex', cyclonedxVex([{ id: 'CVE-2023-39325', ref: 'pkg:golang/golang.org/x/net@v0.7.0', state: 'not_affected', justification: 'code_not_present' }]), `?vendorId=${vendorId}`);
    assert.equal(vex.findings.updated, 0);
    const kept = await json(await server.api(`/api/v1/findings/${target.id}`, { role: 'viewer' }), 200);
    assert.equal(kept.state, 'exploitable', 'the analyst decided');
    assert.deepEqual(kept.history.map((h: any) => [h.action, h.source, h.toState]), [
      ['vex', 'vendor', 'in_triage'],
      ['triage', 'analyst', 'exploitable'],
    ], 'the CSAF advisory said affected (noted, left in triage), then the analyst decided');

    const gin = [findings.get('github.com/gin-gonic/gin|CVE-2020-28483')!.id, findings.get('github.com/gin-gonic/gin|CVE-2023-29401')!.id];
    const bulk = await json(await server.api('/api/v1/findings/triage', { method: 'POST', role: 'analyst', json: { ids: gin, state: 'false_positive', detail: 'gin is vendored but unused' } }), 200);
    assert.deepEqual([bulk.updated, bulk.unchanged], [2, 0]);
    const byAdvisory = await json(await server.api('/api/v1/findings/triage', { method: 'POST', role: 'analyst', json: { advisory: 'GO-2022-0956', productId, state: 'resolved', responses: ['update'] } }), 200);
    assert.equal(byAdvisory.updated, 1);
    await problem(await server.api('/api/v1/findings/triage', { method: 'POST', role: 'analyst', json: { state: 'resolved' } }), 400);
    await problem(await server.api('/api/v1/findings/triage', { method: 'POST', role: 'analyst', json: { ids: ['01900000-0000-7000-8000-000000000000'], state: 'resolved' } }), 400);

    const audit = await json(await server.api('/api/v1/audit?limit=200', { role: 'auditor' }), 200);
    const actions = audit.items.map((e: any) => e.action);
    assert.ok(actions.includes('finding.triage'));
    assert.equal(actions.filter((a: string) => a === 'finding.bulk-triage').length, 2);
  });

  test('exposure: by advisory id or alias, by CVE, by purl (with and without a version)', async () => {
    const byCve = await json(await server.api('/api/v1/exposure?cve=CVE-2025-24016', { role: 'viewer' }), 200);
    assert.deepEqual(byCve.summary, { vendors: 1, products: 1, releases: 1, components: 1, findings: 1, truncated: false, notAffected: { products: 0, findings: 0 } });
    assert.equal(byCve.advisories[0].kev, true);
    assert.deepEqual(byCve.advisories[0].fixed, ['4.9.1+incompatible']);
    const component = byCve.vendors[0].products[0].releases[0].components[0];
    assert.equal(byCve.vendors[0].id, vendorId);
    assert.equal(byCve.vendors[0].products[0].releases[0].release, '3.1.0');
    assert.deepEqual([component.name, component.version, component.fixedIn, component.direct], ['github.com/wazuh/wazuh', 'v4.5.0+incompatible', '4.9.1+incompatible', true]);
    assert.deepEqual(component.path.map((h: any) => h.name), ['gateway', 'github.com/wazuh/wazuh']);

    const byAlias = await json(await server.api('/api/v1/exposure?advisory=GHSA-2c4m-59x9-fr2g', { role: 'viewer' }), 200);
    assert.equal(byAlias.advisories[0].advisoryId, 'CVE-2023-29401');
    // gin's finding was triaged a false positive above: listed as not affected, out of the headline.
    assert.deepEqual([byAlias.summary.components, byAlias.summary.notAffected], [0, { products: 1, findings: 1 }]);
    assert.deepEqual(byAlias.products.map((p: any) => p.state), ['not_affected']);

    const byPurl = await json(await server.api(`/api/v1/exposure?purl=${encodeURIComponent('pkg:golang/golang.org/x/text@v0.3.7')}`, { role: 'viewer' }), 200);
    assert.deepEqual(byPurl.advisories.map((a: any) => [a.advisoryId, a.affectsVersion]).sort(), [['CVE-2022-32149', 'affected'], ['CVE-2026-56852', 'affected']]);
    assert.equal(byPurl.summary.findings, 2);
    const newer = await json(await server.api(`/api/v1/exposure?purl=${encodeURIComponent('pkg:golang/golang.org/x/text@v0.3.8')}`, { role: 'viewer' }), 200);
    assert.deepEqual(newer.advisories.map((a: any) => a.advisoryId), ['CVE-2026-56852'], 'which advisories affect a version nobody ships yet');
    assert.equal(newer.summary.findings, 0);
    await problem(await server.api('/api/v1/exposure?advisory=CVE-1999-0001', { role: 'viewer' }), 404);
    await problem(await server.api('/api/v1/exposure', { role: 'viewer' }), 400);
    await problem(await server.api('/api/v1/exposure?purl=not-a-purl', { role: 'viewer' }), 400);
  });

  test('exports: CycloneDX VEX and VDR, OpenVEX and CSAF parse back; CSV holds any filtered list', async () => {
    const open = await allFindings(server, `productId=${productId}`);
    const groups = new Set(open.map((f) => f.advisoryGroupId)).size;

    const cdx = await server.api(`/api/v1/products/${productId}/vex`, { role: 'viewer' });
    assert.equal(cdx.status, 200);
    assert.match(cdx.headers.get('content-type') ?? '', /application\/vnd\.cyclonedx\+json/);
    const cdxText = await cdx.text();
    const cdxDoc = JSON.parse(cdxText);
    assert.equal(cdxDoc.metadata.component.version, '3.1.0');
    const parsed = parseCycloneDxVex(cdxText);
    assert.deepEqual(parsed.errors, []);
    const notAffected = parsed.items.find((s) => s.vulnerability === 'CVE-2023-45288')!;
    assert.deepEqual([notAffected.state, notAffected.justification, notAffected.products], ['not_affected', 'code_not_reachable', ['pkg:golang/golang.org/x/net@v0.7.0']]);
    assert.equal(parsed.items.find((s) => s.vulnerability === 'CVE-2023-39325')!.state, 'exploitable');

    const vdr = JSON.parse(await (await server.api(`/api/v1/products/${productId}/vdr?release=3.1.0`, { role: 'viewer' })).text());
    assert.equal(vdr.vulnerabilities.length, groups, 'one VDR vulnerability per advisory group');
    assert.ok(vdr.vulnerabilities.every((v: any) => v.analysis === undefined));

    const openvex = await (await server.api(`/api/v1/products/${productId}/vex?format=openvex`, { role: 'viewer' })).text();
    const ov = parseOpenVex(openvex);
    assert.deepEqual(ov.errors, []);
    assert.equal(ov.items.find((s) => s.vulnerability === 'CVE-2023-45288')!.status, 'not_affected');
    assert.equal(ov.items.find((s) => s.vulnerability === 'CVE-2025-24016')!.status, 'under_investigation');

    const csaf = await (await server.api(`/api/v1/findings/export?format=csaf&productId=${productId}`, { role: 'viewer' })).text();
    const cs = parseCsaf(csaf);
    assert.deepEqual(cs.errors, []);
    assert.equal(cs.advisories.length, groups);
    assert.ok(cs.items.some((s) => s.vulnerability === 'CVE-2023-45288' && s.status === 'not_affected' && s.products.includes('pkg:golang/golang.org/x/net@v0.7.0')));

    const csv = await server.api(`/api/v1/findings/export?format=csv&productId=${productId}&kev=true`, { role: 'viewer' });
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^id,advisory,aliases,summary,severity/);
    assert.match(lines[1], /CVE-2025-24016/);
    await problem(await server.api('/api/v1/findings/export?format=openvex', { role: 'viewer' }), 400);
  });

  test('risk score per product and per vendor: suppressed findings excluded, aliases once, formula stated', async () => {
    const product = await json(await server.api(`/api/v1/products/${productId}/vulnerability-risk`, { role: 'viewer' }), 200);
    const vendor = await json(await server.api(`/api/v1/vendors/${vendorId}/vulnerability-risk`, { role: 'viewer' }), 200);
    assert.deepEqual(vendor.terms, product.terms);
    assert.match(product.formula, /distinct advisory groups/);
    const ids = product.terms.map((t: any) => t.advisoryId);
    assert.equal(new Set(ids).size, ids.length);
    for (const suppressed of ['CVE-2023-45288', 'CVE-2020-28483', 'CVE-2023-29401', 'CVE-2022-3064']) assert.ok(!ids.includes(suppressed), `${suppressed} is suppressed`);
    assert.equal(product.terms.length, EXPECTED_TOTAL - 4);
    const kevTerm = product.terms.find((t: any) => t.advisoryId === 'CVE-2025-24016');
    assert.deepEqual([kevTerm.kev, kevTerm.points], [true, 6], 'unknown severity 3 × KEV 2');
    assert.equal(product.terms.find((t: any) => t.advisoryId === 'CVE-2023-39325').points, 10, 'analyst override: critical');
    const total = product.terms.reduce((s: number, t: any) => s + t.points, 0);
    assert.equal(product.score, Math.round(100 * (1 - Math.exp(-total / 50)) * 10) / 10);
    assert.ok(product.score > 0 && product.score < 100);
    assert.deepEqual(product.findings, { open: EXPECTED_TOTAL, counted: EXPECTED_TOTAL - 4, suppressed: 4, indeterminate: 0 });
  });

  test('the findings policy is a setting: changing an SLA re-prioritises open findings in the background', async () => {
    const policy = await json(await server.api('/api/v1/settings/findings-policy', { role: 'viewer' }), 200);
    assert.equal(policy.slaDays.kev, 7);
    await problem(await server.api('/api/v1/settings/findings-policy', { method: 'PUT', json: { ...policy, epssThreshold: 3 } }), 400);
    await json(await server.api('/api/v1/settings/findings-policy', { method: 'PUT', json: { ...policy, slaDays: { ...policy.slaDays, kev: 3 } } }), 200);
    await createWorker(server.tw, { pollMs: 10 }).drain();
    const kev = (await allFindings(server, `productId=${productId}&kev=true`))[0];
    assert.equal(Date.parse(kev.dueAt) - Date.parse(kev.firstSeenAt), 3 * 86_400_000);
    const audit = await json(await server.api('/api/v1/audit?limit=20', { role: 'auditor' }), 200);
    assert.ok(audit.items.some((e: any) => e.action === 'settings.findings-policy.update'));
  });

  test('a new SBOM of the release replaces the old one\'s findings and keeps the analysts\' decisions', async () => {
    const bumped = MODULES.map(([n, v]): [string, string] => (n === 'golang.org/x/net' ? [n, 'v0.17.0'] : [n, v]));
    await uploadSbom(server, productId, goBom({ name: 'gateway', version: '3.1.0' }, bumped));
    const findings = await allFindings(server, `productId=${productId}`);
    const net = findings.filter((f) => f.component.name === 'golang.org/x/net').map((f) => f.advisoryId);
    assert.ok(!net.includes('CVE-2023-39325') && net.length > 0 && net.length < EXPECTED['golang.org/x/net'].length, `x/net 0.17.0: ${net}`);
    const gin = findings.filter((f) => f.component.name === 'github.com/gin-gonic/gin');
    assert.deepEqual(gin.map((f) => [f.state, f.stateSource]), [['false_positive', 'analyst'], ['false_positive', 'analyst']]);
    const history = await json(await server.api(`/api/v1/findings/${gin[0].id}`, { role: 'viewer' }), 200);
    assert.equal(history.history[0].action, 'carried-over');
    const releases = await json(await server.api(`/api/v1/products/${productId}/releases`, { role: 'viewer' }), 200);
    assert.equal(releases.items.length, 1);

    // Deleting the superseded SBOM takes its findings and their history with it.
    const sboms = await json(await server.api(`/api/v1/products/${productId}/sboms?current=false`, { role: 'viewer' }), 200);
    assert.equal(sboms.items.length, 1);
    const db = server.tw.database.db;
    const count = async (sbomId: string) => Number((await db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).where('sbom_id', '=', sbomId).executeTakeFirstOrThrow()).n);
    assert.equal(await count(sboms.items[0].id), EXPECTED_TOTAL);
    assert.equal((await server.api(`/api/v1/sboms/${sboms.items[0].id}`, { method: 'DELETE' })).status, 204);
    assert.equal(await count(sboms.items[0].id), 0);
    const orphans = await db.selectFrom('findings_history as h').leftJoin('findings as f', 'f.id', 'h.finding_id').select('h.id').where('f.id', 'is', null).execute();
    assert.deepEqual(orphans, []);
    assert.equal((await allFindings(server, `productId=${productId}`)).length, findings.length, 'the current SBOM\'s findings stay');
  });

  test('authorization: a viewer reads findings and advisories but cannot import, triage or export-write', async () => {
    await json(await server.api('/api/v1/findings?limit=1', { role: 'viewer' }), 200);
    await json(await server.api('/api/v1/advisories?limit=1', { role: 'viewer' }), 200);
    // Feed settings (URLs, credentials) are admin-only.
    await problem(await server.api('/api/v1/feeds', { role: 'viewer' }), 403);
    await problem(await server.api('/api/v1/feeds/kev/import', { method: 'POST', role: 'viewer', body: '{}' }), 403);
    await problem(await server.api('/api/v1/findings/triage', { method: 'POST', role: 'viewer', json: { advisory: 'x', state: 'resolved' } }), 403);
    const one = (await allFindings(server, `productId=${productId}`))[0];
    await problem(await server.api(`/api/v1/findings/${one.id}`, { method: 'PATCH', role: 'viewer', json: { state: 'resolved' } }), 403);
    await problem(await server.api(`/api/v1/findings/${one.id}`, { method: 'PATCH', role: 'auditor', json: { state: 'resolved' } }), 403);
    await problem(await fetch(`${server.url}/api/v1/findings`), 401);
    await problem(await server.api('/api/v1/settings/findings-policy', { method: 'PUT', role: 'analyst', json: {} }), 403);
  });
});
