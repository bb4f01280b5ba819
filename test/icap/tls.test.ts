// HTTPS inspection through Debian's Squid (the squid-openssl build) and Thirdwatch's ICAP service.
// The test makes its own CA with openssl, gives the local HTTPS "internet" a certificate from it and
// lets Squid mint site certificates from it with security_file_certgen. With ssl_bump, the POST
// inside the tunnel reaches Thirdwatch and card numbers are blocked with its page; on a Squid that
// does not bump, Thirdwatch sees only the CONNECT (the destination), so the same body goes through —
// but a blocked destination is still refused at the CONNECT.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { runDir, runRoot, startSquid, SQUID } from '../../bench/icap-harness.js';
import { IcapRuntime } from '../../src/modules/icap/icap.runtime.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { createCa, issueServerCert, type TestCa } from './tls-ca.js';
import { bumpingPort, CERTGEN, curlPost, initSslDb, startHttpsUpstream } from './tls-support.js';

const UNSANCTIONED = 'upload.unsanctioned.example';
const BLOCKED = 'exfil.blocked.example';
const CARDS = JSON.stringify({ customers: [{ name: 'Ada Lovelace', card: '4111 1111 1111 1111' }, { name: 'Alan Turing', card_number: '5555555555554444' }], note: 'card payment export' });
const CLEAN = JSON.stringify({ order: 'A-1001', items: [{ sku: 'SKU-1', quantity: 2 }], note: 'restock' });

describe('HTTPS inspection with ssl_bump (squid-openssl)', () => {
  let root: string;
  let ca: TestCa;
  let upstream: Awaited<ReturnType<typeof startHttpsUpstream>>;
  let server: TestServer;
  let icap: IcapRuntime;
  let icapUrl: string;
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    assert.ok(existsSync(SQUID), `${SQUID} is missing: install Debian's squid-openssl`);
    assert.ok(existsSync(CERTGEN), `${CERTGEN} is missing: Squid must be the squid-openssl build (Debian package squid-openssl) for ssl_bump`);
    root = runRoot('tw-tls-');
    ca = createCa(root);
    upstream = await startHttpsUpstream(issueServerCert(ca, root, 'upstream', [UNSANCTIONED, BLOCKED]));
    server = await startTestServer('sqlite');
    const blocked = await server.api('/api/v1/egress/blocklist', { method: 'POST', json: { domains: [BLOCKED], reason: 'exfiltration endpoint' } });
    assert.equal(blocked.status, 201, await blocked.text());
    const { services } = server.tw;
    icap = new IcapRuntime(
      { db: server.tw.database.db, policies: services.icapPolicies, attribution: services.attribution, scanBody: (b, h) => services.pii.scanBody(b, h), ingest: (e, ctx) => services.egressIngest.ingest(e, ctx), failMode: 'closed', logger: server.tw.logger },
      { port: 0, threatRefreshMs: 200, eventIntervalMs: 50 },
    );
    services.icap.useRuntime(icap);
    icapUrl = await icap.start();
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
    await upstream?.close();
    await icap?.close();
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** The ICAP events recorded for a host, once `count` of them are stored (they are written in batches, off the response path). */
  async function icapEvents(host: string, count: number) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const page = await server.tw.services.egressIngest.list({ host, source: 'icap', limit: 100 });
      if (page.items.length >= count || Date.now() > deadline) return page.items;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function squid(bump: boolean) {
    const dir = runDir(root, bump ? 'squid-bump' : 'squid-plain');
    const listen = bump ? bumpingPort(ca, await initSslDb(dir)) : undefined;
    const s = await startSquid({ dir, hosts: [UNSANCTIONED, BLOCKED], icap: icapUrl, listen });
    stops.push(s.stop);
    return s;
  }

  test('bumped: the POST inside the tunnel reaches Thirdwatch, card numbers are blocked with the explanation page, clean data passes', async () => {
    const s = await squid(true);
    const url = `https://${UNSANCTIONED}:${upstream.port}/upload`;
    const receivedBefore = upstream.received.length;

    const cards = await curlPost(s.port, url, CARDS, ca.cert);
    assert.equal(cards.exit, 0, `curl failed: ${JSON.stringify(cards)}`);
    assert.equal(cards.connectStatus, 200, 'the tunnel itself is allowed');
    assert.equal(cards.status, 403, cards.body);
    assert.match(cards.body, /payment card/i);
    assert.equal(upstream.received.length, receivedBefore, 'nothing of the blocked POST reached the upstream');

    const clean = await curlPost(s.port, url, CLEAN, ca.cert);
    assert.equal(clean.status, 200, clean.body);
    assert.equal(clean.body, 'stored\n');
    assert.deepEqual(upstream.received.at(-1), { method: 'POST', path: '/upload', body: CLEAN });

    // Thirdwatch recorded each request inside the tunnel, path and data classes included.
    const events = await icapEvents(UNSANCTIONED, 4);
    const posts = events.filter((e) => e.method === 'POST');
    assert.equal(posts.length, 2, JSON.stringify(events.map((e) => [e.method, e.path, e.decision])));
    const blocked = posts.find((e) => e.decision === 'block');
    assert.ok(blocked, 'the blocked POST is recorded');
    assert.equal(blocked.path, '/upload');
    assert.ok(blocked.dataClasses.includes('payment_card'), JSON.stringify(blocked.dataClasses));
    assert.ok(cards.body.includes(blocked.id), 'the block page gives the event id as its reference');
    assert.ok(posts.some((e) => e.decision === 'allow' && e.dataClasses.length === 0), JSON.stringify(posts));
  });

  test('not bumped: Thirdwatch sees only the CONNECT destination, so the body goes through; a blocked destination is refused at the CONNECT', async () => {
    const s = await squid(false);
    const earlier = await icapEvents(UNSANCTIONED, 0);
    const cards = await curlPost(s.port, `https://${UNSANCTIONED}:${upstream.port}/upload`, CARDS, ca.cert);
    assert.equal(cards.connectStatus, 200);
    assert.equal(cards.status, 200, 'the encrypted body is invisible to the proxy and to Thirdwatch');
    assert.deepEqual(upstream.received.at(-1), { method: 'POST', path: '/upload', body: CARDS });

    // What Thirdwatch saw of that tunnel: one CONNECT with its destination, no path, no data classes.
    const seen = (await icapEvents(UNSANCTIONED, earlier.length + 1)).filter((e) => !earlier.some((x) => x.id === e.id));
    assert.equal(seen.length, 1, JSON.stringify(seen.map((e) => [e.method, e.path])));
    assert.equal(seen[0].method, 'CONNECT');
    assert.equal(seen[0].port, upstream.port);
    assert.equal(seen[0].path, null);
    assert.deepEqual(seen[0].dataClasses, []);

    const receivedBefore = upstream.received.length;
    const refused = await curlPost(s.port, `https://${BLOCKED}:${upstream.port}/upload`, CLEAN, ca.cert);
    assert.equal(refused.connectStatus, 403, JSON.stringify(refused));
    assert.notEqual(refused.exit, 0, 'curl gets no tunnel');
    assert.equal(upstream.received.length, receivedBefore, 'nothing reached the blocked destination');
    const refusedEvents = await icapEvents(BLOCKED, 1);
    assert.ok(refusedEvents.some((e) => e.method === 'CONNECT' && e.decision === 'block'), JSON.stringify(refusedEvents));
  });
});
