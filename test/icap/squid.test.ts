// The real proxy test (issue 12 §7): Debian's Squid sends every request to Thirdwatch's ICAP
// service; the "internet" is an HTTP server on 127.0.0.1 that Squid reaches through a hosts_file,
// so nothing leaves the machine. Customer e-mails and card numbers to an unknown destination are
// blocked with the explanation page, the same to a vendor approved for them pass, indicator and
// blocklisted destinations are blocked, and every decision is an egress event and part of a flow.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { request as httpRequest, createServer, Agent, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { runDir, runRoot } from '../../bench/icap-harness.js';
import { createIcap } from '../../src/app/thirdwatch.js';
import type { IcapRuntime } from '../../src/modules/icap/icap.runtime.js';
import { importFeed, json } from '../../src/modules/findings/test-support.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { squidMissing, startSquidWithIcap, viaProxy } from '../support/squid.js';

const UNKNOWN = 'upload.filedrop-unknown.net';
const VENDOR = 'api.acme-payroll.com';
const INDICATOR = 'sync.telemetry-c2.net';
const BLOCKED = 'exfil-drop.org';

const CUSTOMERS = JSON.stringify({
  export: 'customers',
  customers: [
    { name: 'Ada Lovelace', email: 'ada.lovelace@example.org', card_number: '4111 1111 1111 1111' },
    { name: 'Alan Turing', email: 'alan.turing@example.org', card_number: '5555 5555 5555 4444' },
    { name: 'Grace Hopper', email: 'grace.hopper@example.org', card_number: '4012 8888 8888 1881' },
    { name: 'Edsger Dijkstra', email: 'e.dijkstra@example.org' },
    { name: 'Barbara Liskov', email: 'b.liskov@example.org' },
    { name: 'Donald Knuth', email: 'd.knuth@example.org' },
  ],
});

const missing = squidMissing();

describe('Squid in front of the Thirdwatch ICAP service', { skip: missing ?? false }, () => {
  let server: TestServer;
  let icap: IcapRuntime;
  let upstream: Server;
  let upstreamPort: number;
  const received: Array<{ host: string; method: string; path: string; body: string }> = [];
  let proxyPort: number;
  let root: string;
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    server = await startTestServer('sqlite');
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        received.push({ host: (req.headers.host ?? '').split(':')[0], method: req.method ?? '', path: req.url ?? '', body: Buffer.concat(chunks).toString() });
        res.setHeader('content-type', 'application/json');
        res.end('{"stored":true}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamPort = (upstream.address() as { port: number }).port;

    icap = createIcap(server.tw, { port: 0, eventIntervalMs: 50 });
    const url = await icap.start();
    root = runRoot('tw-squid-');
    const squid = await startSquidWithIcap(runDir(root, 'squid'), [UNKNOWN, VENDOR, INDICATOR, BLOCKED], url);
    stops.push(squid.stop);
    proxyPort = squid.port;

    // A vendor approved for personal and payment data, on its own domain.
    await json(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Acme Payroll', domains: ['acme-payroll.com'], dataCategories: ['personal', 'payment'] } }), 201);
    // A threat-intel indicator and a person's block.
    await importFeed(server, 'csv-iocs', `indicator,type\n${INDICATOR},domain\n`, '?source=squid-test');
    await json(await server.api('/api/v1/egress/blocklist', { method: 'POST', role: 'responder', json: { domains: [BLOCKED], reason: 'exfiltration drop seen in incident' } }), 201);
    await icap.threats.reload();
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
    await icap?.close();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const url = (host: string, path = '/upload') => `http://${host}:${upstreamPort}${path}`;

  async function event(id: string) {
    await icap.recorder.flush();
    return server.tw.services.egressIngest.get(id);
  }

  test('customer e-mails and card numbers to an unknown destination are blocked with the explanation page', async () => {
    const before = received.length;
    const res = await viaProxy(proxyPort, url(UNKNOWN), { body: CUSTOMERS, userAgent: 'ExportTool/2.1' });
    assert.equal(res.status, 403, res.body);
    assert.match(res.headers['content-type'] ?? '', /text\/html/);
    assert.match(res.body, /blocked by your organisation's data protection policy/);
    assert.match(res.body, /3 payment card numbers and 6 e-mail addresses/);
    assert.match(res.body, new RegExp(`${UNKNOWN.replace(/\./g, '\\.')}, a destination not attributed to any approved supplier`));
    assert.doesNotMatch(res.body, /4111|ada\.lovelace/, 'the page never repeats the data');
    assert.equal(received.length, before, 'nothing reached the upstream');
    const reference = /<code>([0-9a-f-]{36})<\/code>/.exec(res.body)?.[1];
    assert.ok(reference, 'the page carries a reference');
    const stored = await event(reference);
    assert.equal(stored.decision, 'block');
    assert.equal(stored.source, 'icap');
    assert.equal(stored.host, UNKNOWN);
    assert.equal(stored.method, 'POST');
    assert.equal(stored.path, '/upload');
    assert.equal(stored.status, 403);
    assert.equal(stored.app, 'ExportTool');
    assert.equal(stored.client, '127.0.0.1');
    assert.equal(stored.bytesOut, Buffer.byteLength(CUSTOMERS));
    assert.deepEqual([...stored.dataClasses].sort(), ['email', 'payment_card']);
    assert.match(stored.reason ?? '', /payment card/);
  });

  test('the same request to a vendor approved for personal and payment data passes', async () => {
    const res = await viaProxy(proxyPort, url(VENDOR), { body: CUSTOMERS });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.body, '{"stored":true}');
    assert.deepEqual(received.at(-1), { host: VENDOR, method: 'POST', path: '/upload', body: CUSTOMERS });
  });

  test('indicator and blocklisted destinations are blocked, whatever is sent', async () => {
    const before = received.length;
    const c2 = await viaProxy(proxyPort, url(INDICATOR, '/beacon?id=1'));
    assert.equal(c2.status, 403, c2.body);
    assert.match(c2.body, /matches the threat indicator sync\.telemetry-c2\.net/);
    const dropped = await viaProxy(proxyPort, url(BLOCKED, '/drop'), { body: '{"note":"hello"}' });
    assert.equal(dropped.status, 403, dropped.body);
    assert.match(dropped.body, /on the organisation(&#39;|')s egress blocklist/);
    assert.equal(received.length, before);
    // A clean request to an unknown destination is not stopped.
    const clean = await viaProxy(proxyPort, url(UNKNOWN, '/status'), { body: '{"order":"A-1001","items":2}' });
    assert.equal(clean.status, 200);
  });

  test('record-only mode is one setting: the same export passes and is recorded as what would have been blocked', async () => {
    const current = await json(await server.api('/api/v1/icap/policy'), 200);
    const saved = await json(await server.api('/api/v1/icap/policy', { method: 'PUT', role: 'analyst', json: { policy: { ...current.policy, mode: 'record' }, expectedVersion: current.version } }), 200);
    assert.notEqual(saved.istag, current.istag);
    try {
      const res = await viaProxy(proxyPort, url(UNKNOWN), { body: CUSTOMERS });
      assert.equal(res.status, 200, res.body);
      assert.equal(received.at(-1)?.body, CUSTOMERS);
    } finally {
      await json(await server.api('/api/v1/icap/policy', { method: 'PUT', role: 'analyst', json: { policy: current.policy, expectedVersion: saved.version } }), 200);
    }
    await icap.recorder.flush();
    const status = await json(await server.api('/api/v1/icap/status', { role: 'viewer' }), 200);
    assert.ok(status.lastHour.record >= 1, JSON.stringify(status));
    assert.ok(status.lastHour.block >= 3, JSON.stringify(status));
    assert.ok(status.service.requests >= 6);
  });

  test('every decision is an egress event and part of a data flow', async () => {
    await icap.recorder.flush();
    const flows = await json(await server.api('/api/v1/dataflows?limit=100', { role: 'viewer' }), 200);
    const byDestination = new Map<string, any>(flows.items.map((f: any) => [f.destination, f]));
    const unknown = byDestination.get('filedrop-unknown.net');
    assert.ok(unknown, JSON.stringify(flows.items.map((f: any) => f.destination)));
    assert.equal(unknown.sanction, 'unknown');
    assert.ok(unknown.dataClasses.includes('payment_card'));
    const vendor = byDestination.get('acme-payroll.com');
    assert.equal(vendor?.vendor?.name, 'Acme Payroll');
    assert.equal(vendor?.sanction, 'sanctioned');
    assert.ok(byDestination.get('telemetry-c2.net'));
    assert.ok(byDestination.get('exfil-drop.org'));
  });

  test('throughput through Squid and the ICAP service (1 KB JSON bodies, scanned)', async (t) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const body = JSON.stringify({ order: 'A-1001', items: Array.from({ length: 20 }, (_, i) => ({ sku: `SKU-${i}`, quantity: i + 1, note: 'restock from warehouse' })) }).slice(0, 1024);
    const one = () =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: proxyPort, method: 'POST', path: url(VENDOR, '/orders'), agent, headers: { host: `${VENDOR}:${upstreamPort}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
    const total = 1500;
    let next = 0;
    const statuses: number[] = [];
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < total) {
        next++;
        statuses.push(await one());
      }
    }));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    agent.destroy();
    assert.equal(statuses.filter((s) => s === 200).length, total);
    t.diagnostic(`${total} POSTs through Squid + Thirdwatch ICAP in ${seconds.toFixed(2)} s: ${(total / seconds).toFixed(0)} req/s`);
    await icap.recorder.flush();
    assert.equal(icap.recorder.pending, 0);
  });
});

