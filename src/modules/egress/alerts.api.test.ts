import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { systemContext } from '../../platform/context.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { importFeed, json as jsonOf, problem } from '../findings/test-support.js';
import type { DetectionSummary, DetectionType } from '../pii/pii.model.js';
import type { EgressEvent } from './egress.model.js';
import type { EgressAlert, EgressAlertSettings } from './alerts.schemas.js';

const json = <T = any>(res: Response, status = 200) => jsonOf<T>(res, status);

const T0 = Date.parse('2026-03-02T08:00:00.000Z');
const HOUR = 3_600_000;
const THREECX_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) 3CXDesktopApp/18.12.416 Chrome/102.0.5005.167 Electron/19.1.9 Safari/537.36';
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

function event(at: number, host: string, fields: Partial<EgressEvent> = {}): EgressEvent {
  return {
    at: new Date(at).toISOString(),
    source: 'jsonl',
    client: '10.0.0.10',
    app: null,
    method: 'GET',
    host,
    port: 443,
    path: '/',
    status: 200,
    bytesOut: 500,
    bytesIn: 1000,
    contentType: null,
    dataClasses: [],
    detections: [],
    decision: null,
    reason: null,
    ...fields,
  };
}

const carrying = (type: DetectionType, tier: 'low' | 'medium' | 'high' = 'high', count = 3): Pick<EgressEvent, 'dataClasses' | 'detections' | 'method'> => ({
  method: 'POST',
  dataClasses: [type],
  detections: [{ type, tier, count }] satisfies DetectionSummary,
});

describeEachEngine('egress alerts', ({ engine }) => {
  let server: TestServer;
  const vendor: Record<string, { id: string; name: string; tier: string }> = {};
  let productId: string;

  const ingest = (events: EgressEvent[]) => server.tw.services.egressIngest.ingest(events, systemContext('test ingest'));
  const alerts = async (query: string): Promise<EgressAlert[]> => (await json<{ items: EgressAlert[] }>(await server.api(`/api/v1/egress/alerts?limit=500&${query}`, { role: 'viewer' }))).items;

  before(async () => {
    server = await startTestServer(engine);
    for (const [name, body] of [
      ['3CX', { domains: ['3cx.com'], criticality: 4, shipsSoftware: true, autoUpdate: true, dataCategories: ['personal'] }],
      ['Payroll Co', { domains: ['payroll.example'], dataCategories: ['personal'] }],
      ['Backups Ltd', { domains: ['backups-ltd.example'], dataCategories: ['personal', 'confidential'] }],
    ] as const) {
      vendor[name] = await json(await server.api('/api/v1/vendors', { method: 'POST', json: { name, ...body } }), 201);
    }
    productId = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendor['3CX'].id}/products`, { method: 'POST', json: { name: 'Desktop App', type: 'desktop-app' } }), 201)).id;
    const settings = await json<EgressAlertSettings>(await server.api('/api/v1/egress/alerts/settings'));
    assert.equal(settings.newDestination.learningHours, 72, 'defaults until changed');
    const tuned: EgressAlertSettings = {
      ...settings,
      personalData: { ...settings.personalData, openRisk: true },
      newDestination: { ...settings.newDestination, learningHours: 1 },
      volumeAnomaly: { ...settings.volumeAnomaly, windowHours: 48, minSamples: 4, minBytes: 50_000, threshold: 6 },
    };
    assert.equal((await server.api('/api/v1/egress/alerts/settings', { method: 'PUT', role: 'viewer', json: tuned })).status, 403);
    const bad = await problem(await server.api('/api/v1/egress/alerts/settings', { method: 'PUT', role: 'analyst', json: { ...tuned, volumeAnomaly: { ...tuned.volumeAnomaly, threshold: -1 } } }), 400);
    assert.match(JSON.stringify(bad), /threshold/);
    assert.deepEqual(await json(await server.api('/api/v1/egress/alerts/settings', { method: 'PUT', role: 'analyst', json: tuned })), tuned);
  });
  after(async () => {
    await server?.close();
  });

  test('personal data to an unknown or unsanctioned destination alerts (de-duplicated, with a risk); the sanctioned vendor, low-confidence and IP-only data do not', async () => {
    await ingest([
      event(T0, 'collect.unknown-analytics.example', { ...carrying('email', 'high', 6), path: '/v1/upload' }),
      event(T0 + 60_000, 'api.unknown-analytics.example', { ...carrying('phone', 'medium') }),
      event(T0 + 120_000, 'hr.payroll.example', { ...carrying('email') }),
      event(T0 + 180_000, 'hr.payroll.example', { ...carrying('payment_card') }),
      event(T0 + 240_000, 'weak.example.org', { ...carrying('email', 'low') }),
      event(T0 + 300_000, 'logs.example.org', { ...carrying('ip_address', 'high') }),
    ]);
    const found = await alerts('rule=personal-data');
    assert.deepEqual(found.map((a) => [a.destination, a.sanction, a.vendor?.name ?? null, a.count, a.severity, a.dataClasses]).sort(), [
      ['payroll.example', 'unsanctioned', 'Payroll Co', 1, 'high', ['payment_card']],
      ['unknown-analytics.example', 'unknown', null, 2, 'medium', ['email', 'phone']],
    ]);
    const unknown = found.find((a) => a.destination === 'unknown-analytics.example')!;
    assert.equal(unknown.firstSeen, new Date(T0).toISOString());
    assert.equal(unknown.lastSeen, new Date(T0 + 60_000).toISOString());
    assert.ok(unknown.riskId, 'personal-data was configured to open a risk');
    const risk = await json<{ source: string; evidence: Array<{ type: string; ref?: string; id?: string }> }>(await server.api(`/api/v1/risks/${unknown.riskId}`));
    assert.equal(risk.source, 'egress-alert');
    assert.ok(risk.evidence.some((e) => e.type === 'egress-alert'));
    assert.match(unknown.links.flows, /^\/api\/v1\/dataflows\?q=unknown-analytics\.example/);
    assert.match(unknown.links.events, /host=collect\.unknown-analytics\.example/);

    // A recurrence within the window grows the alert; after it is resolved, a recurrence opens a new one.
    await ingest([event(T0 + 2 * HOUR, 'collect.unknown-analytics.example', carrying('date_of_birth'))]);
    const grown = await json<EgressAlert>(await server.api(`/api/v1/egress/alerts/${unknown.id}`));
    assert.deepEqual([grown.count, grown.lastSeen, grown.dataClasses], [3, new Date(T0 + 2 * HOUR).toISOString(), ['date_of_birth', 'email', 'phone']]);
    assert.equal((await json<EgressAlert>(await server.api(`/api/v1/egress/alerts/${unknown.id}/resolve`, { method: 'POST', role: 'analyst' }))).status, 'resolved');
    await ingest([event(T0 + 3 * HOUR, 'collect.unknown-analytics.example', carrying('email'))]);
    const again = await alerts('rule=personal-data&destination=unknown-analytics.example');
    assert.deepEqual(again.map((a) => [a.status, a.count]), [['open', 1], ['resolved', 3]]);
  });

  test('a vendor\'s software contacting a new destination alerts after its learning period; on GitHub the path owner is what is new', async () => {
    const base = T0 + 10 * HOUR;
    const app = THREECX_UA;
    await ingest([
      // First sight of the product (its learning starts), its own vendor's domain, a destination learnt silently.
      event(base, 'update.3cx.com', { app, path: '/desktop/latest.json' }),
      event(base + 10 * 60_000, 'cdn.learnt.example', { app, path: '/a.js' }),
      // The same owner on GitHub before the learning ended: learnt, never alerted.
      event(base + 20 * 60_000, 'raw.githubusercontent.com', { app, path: '/3cx/desktop/main/config.json' }),
    ]);
    assert.deepEqual(await alerts('rule=new-destination'), [], 'learning');
    await ingest([
      event(base + 2 * HOUR, 'raw.githubusercontent.com', { app, path: '/IconStorages/images/main/icon12.ico' }),
      event(base + 2 * HOUR + 1000, 'cdn.learnt.example', { app, path: '/b.js' }),
      event(base + 2 * HOUR + 2000, 'sbmsa.3cx.com', { app, path: '/' }),
      // The same host as the new owner, the learnt owner: not new.
      event(base + 2 * HOUR + 3000, 'raw.githubusercontent.com', { app, path: '/3cx/desktop/main/other.json' }),
      // A browser (no product) fetching from a new owner: not a vendor's software.
      event(base + 2 * HOUR + 4000, 'raw.githubusercontent.com', { app: BROWSER_UA, path: '/someone-else/x/main/y' }),
    ]);
    // The same owner through another GitHub host, and the same host again: nothing new.
    await ingest([
      event(base + 3 * HOUR, 'github.com', { app: '3CXDesktopApp.exe', path: '/IconStorages/images/releases/download/v1/icon13.ico' }),
      event(base + 3 * HOUR + 1000, 'raw.githubusercontent.com', { app, path: '/IconStorages/images/main/icon14.ico' }),
    ]);
    const found = await alerts(`rule=new-destination&vendorId=${vendor['3CX'].id}`);
    assert.deepEqual(found.map((a) => [a.pathOwner, a.host, a.count, a.severity, a.productId]), [['github:iconstorages', 'raw.githubusercontent.com', 1, 'high', productId]]);
    assert.match(found[0].title, /3CX Desktop App contacted a new destination: github:iconstorages on raw\.githubusercontent\.com/);
    assert.equal(found[0].destination, 'raw.githubusercontent.com', 'linked to the flow of its destination (githubusercontent.com is a private suffix)');
    assert.equal((await alerts('rule=new-destination')).length, 1);

    // A destination outside shared hosting after learning: judged on its registrable domain.
    await ingest([event(base + 4 * HOUR, 'files.newhost.example', { app, path: '/x' }), event(base + 4 * HOUR + 1000, 'www.newhost.example', { app, path: '/y' })]);
    const plain = await alerts('rule=new-destination&destination=newhost.example');
    assert.deepEqual(plain.map((a) => [a.pathOwner, a.count, a.severity]), [[null, 1, 'medium']]);
  });

  test('a flow sending far more than its median + MAD baseline alerts; one within its bound, below minBytes or without enough history does not', async () => {
    const base = T0 + 30 * HOUR;
    const hours = [60_000, 66_000, 54_000, 63_000, 57_000];
    for (const [i, bytes] of hours.entries()) {
      await ingest([
        event(base + i * HOUR, 'vault.backups-ltd.example', { client: '10.0.0.5', method: 'PUT', bytesOut: bytes / 2 }),
        event(base + i * HOUR + 60_000, 'vault.backups-ltd.example', { client: '10.0.0.5', method: 'PUT', bytesOut: bytes / 2 }),
        event(base + i * HOUR, 'vault.backups-ltd.example', { client: '10.0.0.6', method: 'PUT', bytesOut: bytes }),
        event(base + i * HOUR, 'tiny.backups-ltd.example', { client: '10.0.0.7', bytesOut: 100 }),
      ]);
    }
    assert.deepEqual(await alerts('rule=volume-anomaly'), [], 'no anomaly while building the baseline');
    const spike = base + hours.length * HOUR;
    await ingest([
      event(spike, 'vault.backups-ltd.example', { client: '10.0.0.5', method: 'PUT', bytesOut: 400_000 }),
      // Within median + 6 × 1.4826 × MAD (60,000 + 6 × 4,448 ≈ 86,700).
      event(spike, 'vault.backups-ltd.example', { client: '10.0.0.6', method: 'PUT', bytesOut: 80_000 }),
      // Thirty times its usual, but under minBytes.
      event(spike, 'tiny.backups-ltd.example', { client: '10.0.0.7', bytesOut: 3_000 }),
      // A new flow: no history.
      event(spike, 'fresh.backups-ltd.example', { client: '10.0.0.8', bytesOut: 900_000 }),
    ]);
    const found = await alerts('rule=volume-anomaly');
    assert.deepEqual(found.map((a) => [a.source, a.destination, a.vendor?.name]), [['10.0.0.5', 'backups-ltd.example', 'Backups Ltd']]);
    assert.deepEqual(found[0].evidence, { hour: new Date(spike).toISOString(), bytesOut: 400_000, median: 60_000, mad: 3_000, bound: 60_000 + 6 * (1.4826 * 3_000), samples: 5, threshold: 6 });
    // More of the same hour in the next batch: the same alert counts it.
    await ingest([event(spike + 60_000, 'vault.backups-ltd.example', { client: '10.0.0.5', method: 'PUT', bytesOut: 1_000 })]);
    assert.equal((await alerts('rule=volume-anomaly'))[0].count, 2);
  });

  test('contact with an indicator domain, URL or IP alerts, records a sighting and opens an incident for the vendor; near misses do not', async () => {
    const report = await importFeed(server, 'csv-iocs', 'indicator,type,confidence\nmsstorageboxes[.]com,domain,90\nhxxps://raw.githubusercontent[.]com/IconStorages/images/main/icon15.ico,URL,90\n203.0.113.66,ip,80\n', '?source=3cx-iocs');
    assert.equal(report.errors.length, 0);
    const base = T0 + 50 * HOUR;
    await ingest([
      event(base, 'www.msstorageboxes.com', { app: THREECX_UA, path: '/api/v1' }),
      event(base + 1000, 'msstorageboxes.com', { app: THREECX_UA, path: '/api/v2' }),
      event(base + 2000, 'raw.githubusercontent.com', { app: THREECX_UA, path: '/IconStorages/images/main/icon15.ico' }),
      event(base + 3000, '203.0.113.66', { client: '10.0.0.99', app: null, path: null, method: null, port: 443 }),
      // Near misses: a look-alike domain, another file of the URL's repository, an unbumped TLS connection to the URL's host.
      event(base + 4000, 'notmsstorageboxes.com', { app: THREECX_UA }),
      event(base + 5000, 'raw.githubusercontent.com', { app: THREECX_UA, path: '/IconStorages/images/main/icon16.ico' }),
      event(base + 6000, 'raw.githubusercontent.com', { client: '10.0.0.98', path: null, method: null }),
    ]);
    const found = await alerts('rule=indicator-contact');
    assert.deepEqual(found.map((a) => [a.host, a.vendor?.name ?? null, a.count, a.severity]).sort(), [
      ['203.0.113.66', null, 1, 'critical'],
      ['msstorageboxes.com', '3CX', 1, 'critical'],
      ['raw.githubusercontent.com', '3CX', 1, 'critical'],
      ['www.msstorageboxes.com', '3CX', 1, 'critical'],
    ]);
    const c2 = found.find((a) => a.host === 'www.msstorageboxes.com')!;
    assert.ok(c2.indicatorId && c2.sightingId && c2.riskId);

    const sightings = await server.tw.database.db.selectFrom('sightings').select(['id', 'kind', 'vendor_id', 'match_key', 'found_by']).where('kind', '=', 'egress').execute();
    assert.equal(sightings.length, 4, 'one per indicator, vendor and host');
    assert.ok(sightings.every((s) => s.found_by === 'egress'));

    const incidents = await json<{ items: Array<{ id: string }> }>(await server.api(`/api/v1/incidents?source=correlation&vendorId=${vendor['3CX'].id}`));
    assert.equal(incidents.items.length, 1, `3CX is ${vendor['3CX'].tier}: correlation opens one incident`);
    const incident = await json<{ links: Array<{ kind: string; targetId: string }> }>(await server.api(`/api/v1/incidents/${incidents.items[0].id}`));
    assert.ok(incident.links.some((l) => l.kind === 'sighting' && l.targetId === c2.sightingId));

    // The same contacts again: the alerts count, no new sighting.
    await ingest([event(base + HOUR, 'www.msstorageboxes.com', { app: THREECX_UA, path: '/api/v1' })]);
    assert.equal((await json<EgressAlert>(await server.api(`/api/v1/egress/alerts/${c2.id}`))).count, 2);
    assert.equal((await server.tw.database.db.selectFrom('sightings').select('id').where('kind', '=', 'egress').execute()).length, 4);
  });

  test('alerts are worked: acknowledge then resolve (egress:write, audited, 409 when already there), filters, paging and 404s', async () => {
    const [first] = await alerts('rule=indicator-contact&status=open');
    assert.equal((await server.api(`/api/v1/egress/alerts/${first.id}/acknowledge`, { method: 'POST', role: 'viewer' })).status, 403);
    const acked = await json<EgressAlert>(await server.api(`/api/v1/egress/alerts/${first.id}/acknowledge`, { method: 'POST', role: 'responder' }));
    assert.equal(acked.status, 'acknowledged');
    assert.ok(acked.acknowledgedAt && acked.acknowledgedBy);
    await problem(await server.api(`/api/v1/egress/alerts/${first.id}/acknowledge`, { method: 'POST', role: 'analyst' }), 409);
    assert.ok((await alerts('status=unresolved')).some((a) => a.id === first.id));
    assert.ok((await alerts('status=acknowledged')).every((a) => a.status === 'acknowledged'));
    const resolved = await json<EgressAlert>(await server.api(`/api/v1/egress/alerts/${first.id}/resolve`, { method: 'POST', role: 'analyst' }));
    assert.equal(resolved.status, 'resolved');
    await problem(await server.api(`/api/v1/egress/alerts/${first.id}/resolve`, { method: 'POST', role: 'analyst' }), 409);
    const audit = await server.tw.database.db.selectFrom('audit_events').select('action').where('entity_id', '=', first.id).execute();
    assert.deepEqual(audit.map((a) => a.action).sort(), ['egress.alert.acknowledge', 'egress.alert.open', 'egress.alert.resolve']);

    await problem(await server.api('/api/v1/egress/alerts/01900000-0000-7000-8000-00000000dead'), 404);
    await problem(await server.api('/api/v1/egress/alerts/not-an-id'), 400);
    await problem(await server.api('/api/v1/egress/alerts?rule=nonsense'), 400);

    const all = await alerts('');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: EgressAlert[]; nextCursor: string | null } = await json(await server.api(`/api/v1/egress/alerts?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, all.map((a) => a.id));
  });

  test('a rule switched off raises nothing', async () => {
    const settings = await json<EgressAlertSettings>(await server.api('/api/v1/egress/alerts/settings'));
    await json(await server.api('/api/v1/egress/alerts/settings', { method: 'PUT', role: 'analyst', json: { ...settings, personalData: { ...settings.personalData, enabled: false } } }));
    const before = (await alerts('rule=personal-data')).length;
    await ingest([event(T0 + 80 * HOUR, 'elsewhere-unknown.example', carrying('payment_card'))]);
    assert.equal((await alerts('rule=personal-data')).length, before);
  });
});
