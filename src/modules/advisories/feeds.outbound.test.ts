import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { systemContext } from '../../platform/context.js';
import { lookup, type LookupAddress } from 'node:dns';
import { outboundGet, redactUrl, refusalOf } from '../../platform/outbound.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { json, KEV_JSON, problem } from '../findings/test-support.js';

const SECRET = 'feed-s3cret-pa55word';

/** A feed origin on this machine that records every request it gets. */
async function startOrigin(handler: (req: IncomingMessage) => { status: number; headers?: Record<string, string>; body?: Buffer | string }) {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    const answer = handler(req);
    res.writeHead(answer.status, answer.headers).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

const settingsWith = (sources: Array<{ name: string; url: string }>) => ({
  sources: sources.map((s) => ({ ...s, kind: 'kev', enabled: true })),
  intervalHours: 6,
  timeoutSeconds: 5,
  maxBytes: 50 * 1024 * 1024,
});

describe('outbound policy: which addresses are refused', () => {
  test('loopback, private, link-local, shared, multicast and mapped addresses are refused; public ones pass', () => {
    const strict = { allowPrivate: false };
    for (const address of ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'fc00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::a9fe:a9fe']) {
      assert.ok(refusalOf(address, strict), `${address} is refused`);
    }
    for (const address of ['8.8.8.8', '151.101.1.69', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(refusalOf(address, strict), null, `${address} is public`);
    }
    assert.equal(refusalOf('10.20.3.4', { allowPrivate: ['10.20.0.0/16'] }), null);
    assert.ok(refusalOf('10.21.3.4', { allowPrivate: ['10.20.0.0/16'] }));
    assert.equal(refusalOf('127.0.0.1', { allowPrivate: true }), null);
  });
});

describe('outbound policy: DNS rebinding', () => {
  /** A resolver whose answer changes: the public address first, then loopback (a rebinding name). */
  function rebinding(first: string[], then: string[]) {
    const calls: string[] = [];
    const resolve = ((hostname: string, _options: unknown, callback: (error: null, addresses: LookupAddress[]) => void) => {
      calls.push(hostname);
      const addresses = (calls.length === 1 ? first : then).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      process.nextTick(() => callback(null, addresses));
    }) as unknown as typeof lookup;
    return { resolve, calls };
  }

  test('a name that resolved to a public address and resolves to 127.0.0.1 on the connection\'s lookup is refused', async () => {
    const origin = await startOrigin(() => ({ status: 200, body: 'should never be served' }));
    try {
      const dns = rebinding(['93.184.216.34'], ['127.0.0.1']);
      // An earlier resolution (what a check-then-fetch design would have trusted) says public.
      const earlier = await new Promise<LookupAddress[]>((resolve) => dns.resolve('rebind.example', { all: true }, (_e, a) => resolve(a as unknown as LookupAddress[])));
      assert.equal(refusalOf(earlier[0].address, { allowPrivate: false }), null, 'the first answer passes the policy');
      // The connection resolves again and gets loopback: that answer is the one checked.
      await assert.rejects(
        outboundGet(`http://rebind.example:${origin.port}/kev.json`, { policy: { allowPrivate: false }, lookup: dns.resolve }),
        /rebind\.example resolves to 127\.0\.0\.1 is a loopback address/,
      );
      assert.equal(dns.calls.length, 2, 'one lookup per connection, and it is the one checked');
      // A name answering with a public and a loopback address at once is refused as well.
      const mixed = rebinding(['93.184.216.34', '127.0.0.1'], []);
      await assert.rejects(outboundGet(`http://mixed.example:${origin.port}/`, { policy: { allowPrivate: false }, lookup: mixed.resolve }), /resolves to 127\.0\.0\.1 is a loopback/);
      assert.equal(origin.requests.length, 0, 'the loopback origin was never contacted');
    } finally {
      await origin.close();
    }
  });
});

describe('credentials in URLs are redacted', () => {
  test('user info and credential query parameters are shown as ***; other parameters are left as they are', () => {
    assert.equal(redactUrl('https://u:p@feeds.example/kev.json'), 'https://***:***@feeds.example/kev.json');
    assert.equal(
      redactUrl('https://feeds.example/kev.json?apikey=A1&api_key=A2&X-Api-Key=A3&token=T&access_token=T2&key=K&password=P&secret=S&sig=G&X-Amz-Signature=Z&X-Amz-Credential=C&page=2&format=json'),
      'https://feeds.example/kev.json?page=2&format=json&apikey=***&api_key=***&X-Api-Key=***&token=***&access_token=***&key=***&password=***&secret=***&sig=***&X-Amz-Signature=***&X-Amz-Credential=***',
    );
    assert.equal(redactUrl('https://feeds.example/kev.json?page=2&keyword=x'), 'https://feeds.example/kev.json?page=2&keyword=x', 'nothing to hide: unchanged');
    assert.equal(redactUrl('not a url ?token=abc&page=1'), 'not a url ?token=***&page=1');
  });
});

describeEachEngine('feed sources: private targets refused, credentials write-only', ({ engine }) => {
  describe('default policy', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(engine);
    });
    after(async () => {
      await server?.close();
    });

    test('sources on loopback, link-local or private addresses are never contacted, before or after DNS', async () => {
      const origin = await startOrigin(() => ({ status: 200, body: readFileSync(KEV_JSON) }));
      try {
        const sources = [
          { name: 'loopback-ip', url: `http://127.0.0.1:${origin.port}/kev.json` },
          { name: 'loopback-name', url: `http://localhost:${origin.port}/kev.json` },
          { name: 'loopback-v6', url: `http://[::1]:${origin.port}/kev.json` },
          { name: 'mapped-v6', url: `http://[::ffff:127.0.0.1]:${origin.port}/kev.json` },
          { name: 'metadata', url: 'http://169.254.169.254/latest/meta-data/' },
          { name: 'private', url: 'http://10.0.0.1/kev.json' },
        ];
        await json(await server.api('/api/v1/settings/feeds', { method: 'PUT', json: settingsWith(sources) }), 200);
        for (const { name } of sources) {
          await assert.rejects(server.tw.services.feeds.fetchAndImport(name, systemContext('test')), /refused: .* is a (loopback|link-local|private) address/);
        }
        assert.equal(origin.requests.length, 0, 'the origin was never contacted');
        const overview = await json(await server.api('/api/v1/feeds'), 200);
        const error = (name: string) => overview.feeds.find((f: { name: string }) => f.name === name).lastError as string;
        assert.match(error('loopback-name'), /^cannot fetch http:\/\/localhost:\d+\/kev\.json: refused: localhost resolves to (127\.0\.0\.1|::1) is a loopback address/);
        assert.match(error('metadata'), /169\.254\.169\.254 is a link-local address \(allow it with THIRDWATCH_OUTBOUND_ALLOW_PRIVATE\)/);
      } finally {
        await origin.close();
      }
    });
  });

  describe('private targets allowed for one network', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(engine, { THIRDWATCH_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1/32' });
    });
    after(async () => {
      await server?.close();
    });

    test('every redirect is checked: one to a refused address is not followed', async () => {
      const origin = await startOrigin((req) => ({ status: 302, headers: { location: req.url === '/hop' ? `http://127.0.0.2:${req.socket.localPort}/kev.json` : '/hop' } }));
      try {
        await json(await server.api('/api/v1/settings/feeds', { method: 'PUT', json: settingsWith([{ name: 'redirected', url: `http://127.0.0.1:${origin.port}/start` }]) }), 200);
        await assert.rejects(server.tw.services.feeds.fetchAndImport('redirected', systemContext('test')), /refused: 127\.0\.0\.2 is a loopback address/);
        assert.deepEqual(origin.requests.map((r) => r.url), ['/start', '/hop'], 'the allowed hops were followed, the refused one not');
      } finally {
        await origin.close();
      }
    });

    test('credentials in a source URL are used, but never shown, stored in status, audited or logged', async () => {
      const kev = readFileSync(KEV_JSON);
      let fail = false;
      const origin = await startOrigin(() => (fail ? { status: 503 } : { status: 200, headers: { 'content-type': 'application/json' }, body: kev }));
      try {
        const url = `http://feeduser:${SECRET}@127.0.0.1:${origin.port}/kev.json`;
        const queryUrl = `http://127.0.0.1:${origin.port}/kev.json?format=json&apikey=${SECRET}-q&sig=${SECRET}-sig`;
        const shownQuery = `http://127.0.0.1:${origin.port}/kev.json?format=json&apikey=***&sig=***`;
        const written = await json(await server.api('/api/v1/settings/feeds', { method: 'PUT', json: settingsWith([{ name: 'private-kev', url }, { name: 'query-kev', url: queryUrl }]) }), 200);
        assert.equal(written.sources[0].url, `http://***:***@127.0.0.1:${origin.port}/kev.json`);
        assert.equal(written.sources[1].url, shownQuery);
        await server.tw.services.feeds.fetchAndImport('private-kev', systemContext('test'));
        assert.equal(origin.requests.at(-1)!.headers.authorization, `Basic ${Buffer.from(`feeduser:${SECRET}`).toString('base64')}`);
        await server.tw.services.feeds.fetchAndImport('query-kev', systemContext('test'));
        assert.equal(origin.requests.at(-1)!.url, `/kev.json?format=json&apikey=${SECRET}-q&sig=${SECRET}-sig`, 'the real query credentials are sent');

        // Read back and written back as shown: the stored credentials are kept.
        const shown = await json(await server.api('/api/v1/settings/feeds'), 200);
        assert.equal(shown.sources[0].url, `http://***:***@127.0.0.1:${origin.port}/kev.json`);
        assert.equal(shown.sources[1].url, shownQuery);
        await json(await server.api('/api/v1/settings/feeds', { method: 'PUT', json: shown }), 200);
        fail = true;
        await assert.rejects(server.tw.services.feeds.fetchAndImport('private-kev', systemContext('test')), /answered HTTP 503/);
        assert.equal(origin.requests.at(-1)!.headers.authorization, `Basic ${Buffer.from(`feeduser:${SECRET}`).toString('base64')}`);
        await assert.rejects(server.tw.services.feeds.fetchAndImport('query-kev', systemContext('test')), (error: Error) => {
          assert.match(error.message, /fetching http:\/\/127\.0\.0\.1:\d+\/kev\.json\?format=json&apikey=\*\*\*&sig=\*\*\* answered HTTP 503/);
          return true;
        });
        assert.equal(origin.requests.at(-1)!.url, `/kev.json?format=json&apikey=${SECRET}-q&sig=${SECRET}-sig`, 'kept through the round trip');
        // *** for a source that has no stored credentials is refused, not sent.
        await problem(await server.api('/api/v1/settings/feeds', { method: 'PUT', json: settingsWith([{ name: 'other', url: 'https://***:***@example.org/kev.json' }]) }), 400);
        await problem(await server.api('/api/v1/settings/feeds', { method: 'PUT', json: settingsWith([{ name: 'other', url: 'https://example.org/kev.json?token=***' }]) }), 400);

        const overview = await server.api('/api/v1/feeds');
        const audit = await server.api('/api/v1/audit?entityType=settings', { role: 'auditor' });
        const texts = [await overview.text(), await audit.text(), await (await server.api('/api/v1/settings/feeds')).text(), server.logs()];
        assert.ok(texts[0].includes('***:***@127.0.0.1'), texts[0].slice(0, 300));
        assert.ok(server.logs().includes('feed sync failed'), 'the failure was logged at warn');
        for (const text of texts) assert.ok(!text.includes(SECRET), `the secret is in: ${text.slice(0, 200)}`);
        const rows = await server.tw.database.db.selectFrom('feed_status').select(['url', 'last_error']).execute();
        assert.ok(!JSON.stringify(rows).includes(SECRET), 'the feed status rows hold no secret');

        // Feed settings and status are for admins only.
        for (const role of ['analyst', 'responder', 'viewer', 'auditor'] as const) {
          await problem(await server.api('/api/v1/feeds', { role }), 403);
          await problem(await server.api('/api/v1/settings/feeds', { role }), 403);
        }
      } finally {
        await origin.close();
      }
    });
  });
});
