// HTTPS inspection through Debian's Squid (the squid-openssl build) and the ICAP service. The test
// makes its own CA with openssl, gives the local HTTPS "internet" a certificate from it and lets
// Squid mint site certificates from it with security_file_certgen. With ssl_bump, the POST inside
// the tunnel reaches the ICAP service, which finds the card numbers and blocks it; on a Squid that
// does not bump, the service sees only the CONNECT (the destination), and the same body goes through.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { runDir, runRoot, startSquid, SQUID } from '../../bench/icap-harness.js';
import { startIcapProcess, type IcapProcess } from './icap-process.js';
import { createCa, issueServerCert, type TestCa } from './tls-ca.js';
import { bumpingPort, CERTGEN, curlPost, initSslDb, startHttpsUpstream } from './tls-support.js';

const UNSANCTIONED = 'upload.unsanctioned.example';
const CARDS = JSON.stringify({ customers: [{ name: 'Ada Lovelace', card: '4111 1111 1111 1111' }, { name: 'Alan Turing', card_number: '5555555555554444' }], note: 'card payment export' });
const CLEAN = JSON.stringify({ order: 'A-1001', items: [{ sku: 'SKU-1', quantity: 2 }], note: 'restock' });

describe('HTTPS inspection with ssl_bump (squid-openssl)', () => {
  let root: string;
  let ca: TestCa;
  let upstream: Awaited<ReturnType<typeof startHttpsUpstream>>;
  let icap: IcapProcess;
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    assert.ok(existsSync(SQUID), `${SQUID} is missing: install Debian's squid-openssl`);
    assert.ok(existsSync(CERTGEN), `${CERTGEN} is missing: Squid must be the squid-openssl build (Debian package squid-openssl) for ssl_bump`);
    root = runRoot('tw-tls-');
    ca = createCa(root);
    upstream = await startHttpsUpstream(issueServerCert(ca, root, 'upstream', [UNSANCTIONED]));
    icap = await startIcapProcess();
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
    await upstream?.close();
    await icap?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function squid(bump: boolean) {
    const dir = runDir(root, bump ? 'squid-bump' : 'squid-plain');
    const listen = bump ? bumpingPort(ca, await initSslDb(dir)) : undefined;
    const s = await startSquid({ dir, hosts: [UNSANCTIONED], icap: `icap://127.0.0.1:${icap.port}/reqmod`, listen });
    stops.push(s.stop);
    return s;
  }

  test('bumped: the POST inside the tunnel reaches the ICAP service, card numbers are blocked with its page, clean data passes', async () => {
    const s = await squid(true);
    const url = `https://${UNSANCTIONED}:${upstream.port}/upload`;
    const seenBefore = icap.seen().length;
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

    // Each curl: the CONNECT, then the request inside the tunnel, path and body included.
    const seen = icap.seen().slice(seenBefore);
    assert.deepEqual(
      seen.map((r) => [r.method, r.host, r.port, r.path, r.bodyBytes]),
      [
        ['CONNECT', UNSANCTIONED, upstream.port, null, 0],
        ['POST', UNSANCTIONED, upstream.port, '/upload', Buffer.byteLength(CARDS)],
        ['CONNECT', UNSANCTIONED, upstream.port, null, 0],
        ['POST', UNSANCTIONED, upstream.port, '/upload', Buffer.byteLength(CLEAN)],
      ],
    );
    assert.ok(seen[1].types.includes('payment_card'), JSON.stringify(seen[1]));
  });

  test('not bumped: the ICAP service sees only the CONNECT destination, so the card numbers go through', async () => {
    const s = await squid(false);
    const seenBefore = icap.seen().length;
    const cards = await curlPost(s.port, `https://${UNSANCTIONED}:${upstream.port}/upload`, CARDS, ca.cert);
    assert.equal(cards.connectStatus, 200);
    assert.equal(cards.status, 200, 'the encrypted body is invisible to the proxy and to the ICAP service');
    assert.deepEqual(upstream.received.at(-1), { method: 'POST', path: '/upload', body: CARDS });
    assert.deepEqual(
      icap.seen().slice(seenBefore).map((r) => [r.method, r.host, r.port, r.path, r.bodyBytes]),
      [['CONNECT', UNSANCTIONED, upstream.port, null, 0]],
    );
  });
});
