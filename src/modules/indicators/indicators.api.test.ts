import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { importFeed, json, problem, uploadSbom } from '../findings/test-support.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const FFMPEG = sha256('trojanized ffmpeg.dll');
const D3D = sha256('d3dcompiler_47.dll with padding');
const CLEAN = sha256('electron.dll');

function stixIndicator(n: number, pattern: string, extra: Record<string, unknown> = {}) {
  return { type: 'indicator', spec_version: '2.1', id: `indicator--${uuid(n)}`, created: '2023-03-30T00:00:00.000Z', modified: '2023-03-30T00:00:00.000Z', pattern, pattern_type: 'stix', valid_from: '2023-03-30T00:00:00Z', ...extra };
}
const bundle = (objects: unknown[]) => JSON.stringify({ type: 'bundle', id: `bundle--${uuid(0)}`, objects });

function softphoneBom(version: string, files: Array<[string, string]>) {
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { component: { type: 'application', name: '3CXDesktopApp', version, 'bom-ref': 'root' } },
    components: files.map(([name, hash]) => ({ type: 'file', name, version, 'bom-ref': name, hashes: [{ alg: 'SHA-256', content: hash }] })),
    dependencies: [{ ref: 'root', dependsOn: files.map(([name]) => name) }],
  });
}

async function count(server: TestServer, table: 'indicators' | 'indicator_sources' | 'sightings' | 'indicator_unsupported') {
  return Number((await server.tw.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
}

describeEachEngine('indicators: import, de-duplication, correlation both ways, sightings, risks, hostile input', ({ engine }) => {
  let server: TestServer;
  let vendorId: string;
  let productId: string;

  before(async () => {
    server = await startTestServer(engine);
    const vendor = await json(await server.api('/api/v1/vendors', { method: 'POST', json: { name: '3CX', domains: ['3cx.com'], criticality: 4, shipsSoftware: true, autoUpdate: true } }), 201);
    vendorId = vendor.id;
    productId = (await json(await server.api(`/api/v1/vendors/${vendorId}/products`, { method: 'POST', json: { name: 'Desktop App', type: 'desktop-app' } }), 201)).id;
    await uploadSbom(server, productId, softphoneBom('18.12.416', [['ffmpeg.dll', FFMPEG], ['electron.dll', CLEAN]]));
  });
  after(async () => {
    await server?.close();
  });

  test('a STIX bundle: indicators stored and normalised, correlated at once with component hashes and vendor domains, a risk raised', async () => {
    const report = await importFeed(server, 'stix', bundle([
      { type: 'identity', spec_version: '2.1', id: `identity--${uuid(50)}`, created: '2023-03-30T00:00:00.000Z', modified: '2023-03-30T00:00:00.000Z', name: 'Example CERT' },
      stixIndicator(1, `[file:hashes.'SHA-256' = '${FFMPEG.toUpperCase()}']`, { confidence: 90, created_by_ref: `identity--${uuid(50)}`, object_marking_refs: ['marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da'], kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'initial-access' }] }),
      stixIndicator(2, "[domain-name:value = 'MSStorageAzure.com'] OR [url:value = 'https://download.3cx.com/electron/update.zip']", { confidence: 70 }),
      stixIndicator(3, "[process:name = '3CXDesktopApp.exe']"),
    ]));
    assert.deepEqual([report.imported, report.updated, report.skipped, report.errors.length], [4, 0, 0, 0]);
    assert.equal((report as any).unsupported, 1);
    assert.equal((report as any).sightings, 2, 'the ffmpeg.dll hash in the SBOM and the URL on the vendor domain');
    assert.equal((report as any).source, 'Example CERT');

    const found = await json(await server.api(`/api/v1/indicators?type=sha256&value=${FFMPEG.toUpperCase()}`, { role: 'viewer' }), 200);
    assert.equal(found.items.length, 1);
    const ind = found.items[0];
    assert.deepEqual([ind.type, ind.value, ind.confidence, ind.tlp, ind.sightingCount], ['sha256', FFMPEG, 90, 'green', 1]);
    assert.deepEqual(ind.sources.map((s: any) => [s.name, s.ref]), [['Example CERT', `indicator--${uuid(1)}`]]);
    assert.deepEqual(ind.killChainPhases, [{ killChainName: 'mitre-attack', phaseName: 'initial-access' }]);
    const domain = await json(await server.api('/api/v1/indicators?value=msstorageazure[.]com', { role: 'viewer' }), 200);
    assert.deepEqual(domain.items.map((i: any) => [i.type, i.value]), [['domain', 'msstorageazure.com']]);

    const sightings = await json(await server.api(`/api/v1/sightings?vendorId=${vendorId}`, { role: 'viewer' }), 200);
    const byKind = Object.fromEntries(sightings.items.map((s: any) => [s.kind, s]));
    assert.deepEqual(Object.keys(byKind).sort(), ['sbom-component', 'vendor-domain']);
    assert.deepEqual([byKind['sbom-component'].product.id, byKind['sbom-component'].release, byKind['sbom-component'].component.name, byKind['sbom-component'].foundBy], [productId, '18.12.416', 'ffmpeg.dll', 'indicator']);
    assert.equal(byKind['sbom-component'].evidence.hash, FFMPEG);
    assert.deepEqual([byKind['vendor-domain'].vendor.name, byKind['vendor-domain'].evidence.vendorDomain, byKind['vendor-domain'].evidence.host], ['3CX', '3cx.com', 'download.3cx.com']);

    const detail = await json(await server.api(`/api/v1/indicators/${ind.id}`, { role: 'viewer' }), 200);
    assert.deepEqual(detail.sightings.map((s: any) => s.kind), ['sbom-component']);
    const unsupported = await json(await server.api('/api/v1/indicators/unsupported', { role: 'viewer' }), 200);
    assert.deepEqual(unsupported.items.map((u: any) => [u.pattern, u.source]), [["[process:name = '3CXDesktopApp.exe']", 'Example CERT']]);
    assert.match(unsupported.items[0].reason, /process:name is not a matchable property/);

    const risks = await json(await server.api(`/api/v1/risks?source=sighting`, { role: 'viewer' }), 200);
    assert.equal(risks.items.length, 2, 'one risk per indicator and vendor');
    const { tier } = await json(await server.api(`/api/v1/vendors/${vendorId}`, { role: 'viewer' }), 200);
    const impact = { T1: 5, T2: 4, T3: 3, T4: 2 }[tier as 'T1'];
    assert.ok(risks.items.every((r: any) => r.source === 'sighting' && r.inherent.impact === impact), `impact follows the vendor's tier ${tier}`);
    assert.deepEqual(risks.items.map((r: any) => r.inherent.likelihood).sort(), [4, 5], 'likelihood follows confidence 90 and 70');
    // Each sighting names the risk it opened; the domain sighting's risk is not the hash sighting's.
    const riskIds = new Set(risks.items.map((r: any) => r.id));
    assert.ok(riskIds.has(byKind['sbom-component'].riskId) && riskIds.has(byKind['vendor-domain'].riskId), JSON.stringify(sightings.items.map((s: any) => s.riskId)));
    assert.notEqual(byKind['sbom-component'].riskId, byKind['vendor-domain'].riskId);
    const risk = await json(await server.api(`/api/v1/risks/${byKind['sbom-component'].riskId}`, { role: 'viewer' }), 200);
    assert.ok(risk.evidence.some((e: any) => e.type === 'sighting' && e.id === byKind['sbom-component'].id));

    // By the indicator's type.
    const urls = await json(await server.api(`/api/v1/sightings?indicatorType=url&vendorId=${vendorId}`, { role: 'viewer' }), 200);
    assert.deepEqual(urls.items.map((s: any) => [s.kind, s.indicator.type]), [['vendor-domain', 'url']]);
    assert.equal((await json(await server.api('/api/v1/sightings?indicatorType=email', { role: 'viewer' }), 200)).items.length, 0);
    assert.equal((await server.api('/api/v1/sightings?indicatorType=sha3', { role: 'viewer' })).status, 400);
  });

  test('the same indicator from another source is one indicator with two sources; re-imports are skipped; nothing is matched twice', async () => {
    const before = { sightings: await count(server, 'sightings'), indicators: await count(server, 'indicators') };
    const csv = `indicator,type,confidence,tlp\n${FFMPEG},FileHash-SHA256,95,amber\nhxxps://download[.]3cx[.]com/electron/update.zip,URL,,\n`;
    const report = await importFeed(server, 'csv-iocs', csv, '?source=vendor-list');
    assert.deepEqual([report.imported, report.updated, report.skipped, report.errors.length, (report as any).sightings], [0, 2, 0, 0, 0]);
    const [ind] = (await json(await server.api(`/api/v1/indicators?value=${FFMPEG}`, { role: 'viewer' }), 200)).items;
    assert.deepEqual(ind.sources.map((s: any) => s.name).sort(), ['Example CERT', 'vendor-list']);
    assert.deepEqual([ind.confidence, ind.tlp], [95, 'amber'], 'highest confidence, strictest TLP');
    assert.equal(await count(server, 'indicators'), before.indicators);
    assert.equal(await count(server, 'sightings'), before.sightings);

    const again = await importFeed(server, 'csv-iocs', csv, '?source=vendor-list');
    assert.deepEqual([again.imported, again.updated, again.skipped], [0, 0, 2]);
    const bySource = await json(await server.api('/api/v1/indicators?source=vendor-list', { role: 'viewer' }), 200);
    assert.equal(bySource.items.length, 2);
    const overview = await json(await server.api('/api/v1/indicators/overview', { role: 'viewer' }), 200);
    assert.deepEqual(overview.sources.map((s: any) => s.name), ['Example CERT', 'vendor-list']);
  });

  test('a new SBOM is matched against existing indicators (found by the SBOM), only its own hashes', async () => {
    await importFeed(server, 'misp', JSON.stringify({ Event: { uuid: uuid(70), info: '3CX', Orgc: { name: 'CIRCL' }, Attribute: [{ uuid: uuid(71), type: 'sha256', category: 'Payload delivery', value: D3D, to_ids: true }] } }));
    await uploadSbom(server, productId, softphoneBom('18.12.417', [['ffmpeg.dll', FFMPEG], ['d3dcompiler_47.dll', D3D], ['electron.dll', CLEAN]]));
    const items = (await json(await server.api(`/api/v1/sightings?productId=${productId}&kind=sbom-component`, { role: 'viewer' }), 200)).items;
    const newer = items.filter((s: any) => s.release === '18.12.417');
    assert.deepEqual(newer.map((s: any) => [s.component.name, s.foundBy]).sort(), [['d3dcompiler_47.dll', 'sbom'], ['ffmpeg.dll', 'sbom']]);
  });

  test('artifacts: a checked file with an indicator hash raises an indicator-match alert and a sighting; a new indicator finds an artifact checked before', async () => {
    const malicious = 'MZ trojanized installer';
    await importFeed(server, 'csv-iocs', `${sha256(malicious)}\n`, '?source=installer-hashes');
    const check = await json(await server.api(`/api/v1/artifacts/check?productId=${productId}&version=18.12.416&filename=3CXDesktopApp-18.12.416.msi`, { method: 'POST', role: 'analyst', headers: { 'content-type': 'application/octet-stream' }, body: malicious }), 200);
    const alert = check.alerts.find((a: any) => a.type === 'indicator-match');
    assert.ok(alert?.indicatorId, JSON.stringify(check.alerts));
    const artifactSightings = (await json(await server.api(`/api/v1/sightings?indicatorId=${alert.indicatorId}`, { role: 'viewer' }), 200)).items;
    assert.deepEqual(artifactSightings.map((s: any) => [s.kind, s.foundBy, s.release, s.evidence.fileName, s.riskId]), [['artifact', 'artifact', '18.12.416', '3CXDesktopApp-18.12.416.msi', null]], 'the alert opens its own risk, not the sighting');

    const later = 'MZ installer that turns out bad';
    await json(await server.api(`/api/v1/artifacts/check?productId=${productId}&version=18.12.418&filename=3CXDesktopApp-18.12.418.msi`, { method: 'POST', role: 'analyst', headers: { 'content-type': 'application/octet-stream' }, body: later }), 200);
    const report = await importFeed(server, 'stix', bundle([stixIndicator(9, `[file:hashes.SHA256 = '${sha256(later)}']`)]));
    assert.equal((report as any).sightings, 1);
    const [s] = (await json(await server.api(`/api/v1/sightings?kind=artifact&productId=${productId}`, { role: 'viewer' }), 200)).items;
    assert.deepEqual([s.indicator.value, s.foundBy, s.release], [sha256(later), 'indicator', '18.12.418']);
  });

  test('hostile and malformed input: a clear 400 or a per-record error, nothing half-imported', async () => {
    const before = { indicators: await count(server, 'indicators'), sources: await count(server, 'indicator_sources'), sightings: await count(server, 'sightings') };
    const bad: Array<[string, string, RegExp]> = [
      ['stix', '{"type":"bundle",', /not valid JSON/],
      ['stix', '{"type":"bundle","id":"nope","objects":[]}', /not a STIX bundle/],
      ['misp', '{"Event": 3}', /not a MISP event/],
      ['misp', 'PK\u0003\u0004 not really a zip', /zip/],
      ['csv-iocs', 'indicator\n"unterminated,evil-c2.net\n', /cannot be read/],
      ['csv-iocs', 'name,comment\nx,y\n', /no indicator column/],
    ];
    for (const [kind, body, reason] of bad) {
      const p = await problem(await server.api(`/api/v1/feeds/${kind}/import?wait=true`, { method: 'POST', role: 'analyst', headers: { 'content-type': 'application/octet-stream' }, body }), 400);
      assert.match(p.detail, reason, `${kind}: ${body.slice(0, 30)}`);
    }
    const columns = await problem(await server.api('/api/v1/feeds/csv-iocs/import?columns=colour%3D1&wait=true', { method: 'POST', role: 'analyst', headers: { 'content-type': 'text/csv' }, body: 'a\nb\n' }), 400);
    assert.match(columns.detail, /FIELD=COLUMN/);
    const big = `{"type":"bundle","id":"bundle--${uuid(1)}","objects":[${Array(600_000).fill('{}').join(',')}]}`;
    const tooMany = await server.api('/api/v1/feeds/stix/import?wait=true', { method: 'POST', role: 'analyst', headers: { 'content-type': 'application/octet-stream' }, body: big });
    assert.match((await problem(tooMany, 400)).detail, /over the limit of 500000/);

    const partial = await server.api('/api/v1/feeds/stix/import?wait=true', {
      method: 'POST',
      role: 'analyst',
      headers: { 'content-type': 'application/octet-stream' },
      body: bundle([stixIndicator(20, "[domain-name:value = 'good-c2.net']"), stixIndicator(21, "[domain-name:value = 'x'"), stixIndicator(22, "[domain-name:value = 'y.net']", { confidence: 'high' })]),
    });
    const report = await json(partial, 207);
    assert.deepEqual([report.imported, report.errors.map((e: any) => e.record)], [1, [`indicator--${uuid(21)}`, `indicator--${uuid(22)}`]]);
    assert.equal(await count(server, 'indicators'), before.indicators + 1);
    assert.equal(await count(server, 'indicator_sources'), before.sources + 1);
    assert.equal(await count(server, 'sightings'), before.sightings);
    assert.equal((await server.api('/api/v1/feeds/stix/import', { method: 'POST', role: 'viewer', body: '{}' })).status, 403);
    assert.equal((await server.api('/api/v1/indicators?type=sha3', { role: 'viewer' })).status, 400);
    assert.match((await problem(await server.api('/api/v1/indicators?value=hello', { role: 'viewer' }), 400)).detail, /not a hash/);
  });
});
