// The 3CX path end to end, through the CLI and the API on each engine: `thirdwatch demo` registers
// the softphone's releases and checks a tampered installer; a STIX 2.1 bundle naming that
// installer's SHA-256 and a C2 domain is imported; the sighting links the indicator to the vendor,
// product, release and artifact, the sighting rule opens a risk with that evidence, the product's
// integrity timeline holds the tampered artifact and its alerts, and `thirdwatch artifact check`
// of a file with those bytes answers an indicator-match alert naming the indicator.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { demoArtifactBytes, demoInstallerName } from '../../src/modules/integrity/integrity.demo.js';
import { createTestDatabase, describeEachEngine } from '../../src/platform/db/test-support/engines.js';
import { runCliAsync } from '../support/processes.js';
import { startTestServer, type TestServer } from '../support/server.js';

const RELEASE = '18.12.416';
const INSTALLER = demoInstallerName(RELEASE);
const TAMPERED = demoArtifactBytes(RELEASE, INSTALLER, true);
const TAMPERED_SHA256 = createHash('sha256').update(TAMPERED).digest('hex');
const C2 = 'msstorageazure.com';

const bundle = {
  type: 'bundle',
  id: 'bundle--7c3b2d0e-3c00-4a1e-9f00-000000000001',
  objects: [
    {
      type: 'indicator', spec_version: '2.1', id: 'indicator--7c3b2d0e-0000-4a1e-9f00-000000000002', created: '2023-03-30T00:00:00.000Z', modified: '2023-03-30T00:00:00.000Z',
      name: 'Trojanized 3CX Desktop App installer', pattern: `[file:hashes.'SHA-256' = '${TAMPERED_SHA256}']`, pattern_type: 'stix', valid_from: '2023-03-29T00:00:00.000Z', confidence: 90, labels: ['malicious-activity'],
    },
    {
      type: 'indicator', spec_version: '2.1', id: 'indicator--7c3b2d0e-0000-4a1e-9f00-000000000003', created: '2023-03-30T00:00:00.000Z', modified: '2023-03-30T00:00:00.000Z',
      name: '3CX supply-chain C2', pattern: `[domain-name:value = '${C2}']`, pattern_type: 'stix', valid_from: '2023-03-29T00:00:00.000Z', confidence: 85, labels: ['malicious-activity'],
    },
  ],
};

interface Sighting { id: string; kind: string; indicator: { id: string; type: string; value: string }; vendor: { id: string; name: string } | null; product: { id: string; name: string } | null; release: string | null; artifactId: string | null; evidence: Record<string, unknown>; foundBy: string }
interface Alert { type: string; indicatorId?: string; artifactId: string; version: string }
interface Artifact { id: string; version: string; fileName: string; sha256: string; source: string }

describeEachEngine('the 3CX path: demo, a STIX bundle, a sighting, a risk, an artifact check', ({ engine }) => {
  let server: TestServer;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'tw-3cx-path-'));
  const json = async <T>(path: string): Promise<T> => {
    const res = await server.api(path);
    assert.equal(res.status, 200, `${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  const cli = async (args: string[], expect = 0) => {
    const run = await runCliAsync(['--json', ...args], env);
    assert.equal(run.status, expect, `${args.join(' ')}: ${run.stderr}`);
    return JSON.parse(run.stdout) as Record<string, unknown> & { alerts?: Alert[] };
  };

  before(async () => {
    const database = await createTestDatabase(engine);
    await database.close();
    env = { THIRDWATCH_DATABASE_URL: database.url, THIRDWATCH_DATA_DIR: dir };
    server = await startTestServer(engine, {}, { database });
  });
  after(() => server?.close());

  test('the whole path holds, link by link', async () => {
    const demo = await cli(['demo']);
    assert.deepEqual([demo.artifacts, demo.integrityAlerts], [3, 2]);
    const vendor = (await json<{ items: Array<{ id: string; name: string }> }>('/api/v1/vendors?q=3CX')).items.find((v) => v.name === '3CX')!;
    const product = (await json<{ items: Array<{ id: string; name: string }> }>(`/api/v1/vendors/${vendor.id}/products`)).items.find((p) => p.name === '3CX Desktop App')!;
    assert.ok(product, 'the demo has the softphone product');

    // The demo's check of the tampered installer: observed, with its alerts, on the product's timeline.
    const timeline = await json<{ releases: Array<{ version: string; artifacts: Artifact[]; alerts: Alert[] }> }>(`/api/v1/products/${product.id}/integrity`);
    const release = timeline.releases.find((r) => r.version === RELEASE)!;
    const observed = release.artifacts.find((a) => a.source === 'observed')!;
    assert.deepEqual([observed.fileName, observed.sha256], [INSTALLER, TAMPERED_SHA256]);
    assert.ok(release.artifacts.some((a) => a.source === 'registered' && a.fileName === INSTALLER && a.sha256 !== TAMPERED_SHA256), 'the vendor-published installer is registered beside it');
    assert.deepEqual(release.alerts.filter((a) => a.artifactId === observed.id).map((a) => a.type).sort(), ['hash-mutation', 'quarantine']);

    // The bundle: two indicators, one sighting (the artifact); the C2 domain names no vendor.
    const file = join(dir, 'bundle.json');
    writeFileSync(file, JSON.stringify(bundle));
    const report = await cli(['feeds', 'import', 'stix', file]);
    assert.deepEqual([report.imported, report.sightings, report.errors], [2, 1, []]);
    const [hashIndicator] = (await json<{ items: Array<{ id: string; sightingCount: number }> }>(`/api/v1/indicators?type=sha256&value=${TAMPERED_SHA256}`)).items;
    const [domainIndicator] = (await json<{ items: Array<{ id: string; sightingCount: number }> }>(`/api/v1/indicators?type=domain&value=${C2}`)).items;
    assert.deepEqual([hashIndicator.sightingCount, domainIndicator.sightingCount], [1, 0]);

    // The sighting: indicator → vendor → product → release → artifact.
    const sightings = (await json<{ items: Sighting[] }>(`/api/v1/sightings?indicatorId=${hashIndicator.id}`)).items;
    assert.equal(sightings.length, 1);
    const [sighting] = sightings;
    assert.deepEqual(
      { kind: sighting.kind, indicator: sighting.indicator.id, vendor: sighting.vendor?.id, product: sighting.product?.id, release: sighting.release, artifact: sighting.artifactId, foundBy: sighting.foundBy },
      { kind: 'artifact', indicator: hashIndicator.id, vendor: vendor.id, product: product.id, release: RELEASE, artifact: observed.id, foundBy: 'indicator' },
    );
    assert.deepEqual([sighting.evidence.fileName, sighting.evidence.hash, sighting.evidence.algorithm], [INSTALLER, TAMPERED_SHA256, 'sha256']);
    assert.deepEqual((await json<{ items: Sighting[] }>(`/api/v1/sightings?vendorId=${vendor.id}`)).items.map((s) => s.id), [sighting.id]);

    // The risk the sighting rule opened, with the indicator and the sighting as evidence.
    const risks = (await json<{ items: Array<{ id: string; vendors: Array<{ id: string }>; products: Array<{ id: string }> }> }>(`/api/v1/risks?source=sighting&vendorId=${vendor.id}`)).items;
    assert.equal(risks.length, 1);
    assert.deepEqual([risks[0].vendors.map((v) => v.id), risks[0].products.map((p) => p.id)], [[vendor.id], [product.id]]);
    const risk = await json<{ source: string; evidence: Array<{ type: string; id: string }> }>(`/api/v1/risks/${risks[0].id}`);
    assert.deepEqual(risk.evidence.map((e) => `${e.type}:${e.id}`).sort(), [`indicator:${hashIndicator.id}`, `sighting:${sighting.id}`].sort());

    // Checking a file with those bytes: an indicator-match alert naming the indicator, on the timeline and in the alerts.
    const suspect = join(dir, INSTALLER);
    writeFileSync(suspect, TAMPERED);
    const check = await cli(['artifact', 'check', suspect, '--product', product.id, '--version', RELEASE]);
    assert.equal(check.sha256, TAMPERED_SHA256);
    const match = check.alerts!.find((a) => a.type === 'indicator-match');
    assert.ok(match, `alerts: ${check.alerts!.map((a) => a.type).join(', ')}`);
    assert.equal(match.indicatorId, hashIndicator.id);
    const alerts = (await json<{ items: Alert[] }>(`/api/v1/integrity/alerts?productId=${product.id}&type=indicator-match`)).items;
    assert.deepEqual(alerts.map((a) => [a.indicatorId, a.artifactId, a.version]), [[hashIndicator.id, observed.id, RELEASE]]);
    const after = await json<{ releases: Array<{ version: string; alerts: Alert[] }> }>(`/api/v1/products/${product.id}/integrity`);
    assert.ok(after.releases.find((r) => r.version === RELEASE)!.alerts.some((a) => a.type === 'indicator-match' && a.indicatorId === hashIndicator.id));
    // The same artifact seen again is the same sighting, not a second one.
    assert.equal((await json<{ items: Sighting[] }>(`/api/v1/sightings?indicatorId=${hashIndicator.id}`)).items.length, 1);
    const integrityRisks = (await json<{ items: Array<{ id: string }> }>(`/api/v1/risks?source=integrity-alert&productId=${product.id}`)).items;
    const evidence = await Promise.all(integrityRisks.map((r) => json<{ evidence: Array<{ type: string; id: string }> }>(`/api/v1/risks/${r.id}`)));
    assert.ok(evidence.some((r) => r.evidence.some((e) => e.type === 'indicator' && e.id === hashIndicator.id)), 'the indicator-match alert raised its risk');
  });
});
