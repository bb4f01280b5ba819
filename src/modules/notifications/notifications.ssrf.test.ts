import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { lookup, LookupAddress } from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import type { OutboundPolicy } from '../../platform/outbound.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { NotificationService } from './notifications.service.js';

const SECRET = 'ssrf-test-secret-0123456789';

interface Hit {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function startReceiver(answer: (path: string) => { status: number; headers?: Record<string, string> }) {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      const a = answer(req.url ?? '');
      res.writeHead(a.status, a.headers ?? {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, hits, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A resolver with fixed answers, as a hostile or split-horizon DNS would give; it counts its calls. */
function resolver(answers: Record<string, string>) {
  const calls: string[] = [];
  const resolve = ((hostname: string, _options: unknown, callback: (e: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) => {
    calls.push(hostname);
    const address = answers[hostname];
    if (!address) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
  }) as unknown as typeof lookup;
  return { resolve, calls };
}

describeEachEngine('notifications: webhook targets (SSRF)', ({ engine }) => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let second: Awaited<ReturnType<typeof startReceiver>>;

  before(async () => {
    // No THIRDWATCH_OUTBOUND_ALLOW_PRIVATE: public targets only, the default.
    server = await startTestServer(engine);
    second = await startReceiver(() => ({ status: 200 }));
    receiver = await startReceiver((path) => {
      if (path === '/to-metadata') return { status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data/' } };
      if (path === '/to-private') return { status: 308, headers: { location: 'http://10.20.30.40/admin' } };
      if (path === '/to-allowed') return { status: 307, headers: { location: `http://127.0.0.1:${second.port}/final` } };
      if (path === '/see-other') return { status: 302, headers: { location: `http://127.0.0.1:${second.port}/final` } };
      return { status: 200 };
    });
  });
  after(async () => {
    await server?.close();
    await receiver?.close();
    await second?.close();
  });

  const ctx = systemContext('test');
  const create = (name: string, url: string, type = 'webhook') =>
    server.api('/api/v1/notifications/channels', { method: 'POST', json: { name, type, config: type === 'webhook' ? { url, secret: SECRET } : { url }, events: [] } });
  const enqueue = (channel: string) =>
    server.tw.database.db.transaction().execute((trx) => server.tw.services.notifications.enqueue(trx, { event: 'ssrf.check', subject: 'x', data: {}, channel }, ctx));
  const row = (id: string) => server.tw.database.db.selectFrom('notification_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  /** The production service over the same database, with another resolver or policy: what a deployment configured so would do. */
  const service = (options: { lookup?: typeof lookup; policy?: OutboundPolicy }) =>
    new NotificationService(server.tw.database.db, { jobs: server.tw.services.jobs, mailer: server.tw.services.mailer, logger: server.tw.logger, policy: options.policy ?? { allowPrivate: false }, lookup: options.lookup });

  test('address literals in special ranges are refused when the channel is saved', async () => {
    for (const [url, reason] of [
      [`http://127.0.0.1:${receiver.port}/`, /127\.0\.0\.1 is a loopback address/],
      ['http://[::1]/', /::1 is a loopback address/],
      ['http://[::ffff:127.0.0.1]/', /is a loopback address/],
      ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local address/],
      ['http://10.0.0.5/', /10\.0\.0\.5 is a private address/],
      ['http://[fd00::1]/', /is a private \(unique local\) address/],
      ['http://0.0.0.0/', /0\.0\.0\.0 is a .*this network/],
    ] as const) {
      for (const type of ['webhook', 'slack']) {
        const res = await create(`literal ${type} ${url}`, url, type);
        const text = await res.text();
        assert.equal(res.status, 400, `${type} ${url}: ${text}`);
        assert.match(text, reason);
        assert.match(text, /"field":"\/config\/url"/);
      }
    }
  });

  test('a name that resolves to loopback is refused at delivery, after DNS; nothing reaches the target', async () => {
    const res = await create('Localhost', `http://localhost:${receiver.port}/hook`);
    assert.equal(res.status, 201, await res.text());
    const { outboxIds } = await enqueue('Localhost');
    const outcome = await server.tw.services.notifications.deliver(outboxIds[0]);
    assert.equal(outcome.outcome, 'failed');
    assert.match((await row(outboxIds[0])).last_error ?? '', /localhost resolves to 127\.0\.0\.1 is a loopback address/);
    assert.equal(receiver.hits.length, 0);
  });

  test('names resolving to private and link-local addresses are refused (the connection uses the checked answer)', async () => {
    const dns = resolver({ 'intranet.example': '10.1.2.3', 'metadata.example': '169.254.169.254', 'v6.example': 'fe80::1' });
    const checked = service({ lookup: dns.resolve });
    for (const [name, reason] of [
      ['intranet.example', /intranet\.example resolves to 10\.1\.2\.3 is a private address/],
      ['metadata.example', /metadata\.example resolves to 169\.254\.169\.254 is a link-local address/],
      ['v6.example', /v6\.example resolves to fe80::1 is a link-local address/],
    ] as const) {
      assert.equal((await create(name, `http://${name}/hook`)).status, 201);
      const { outboxIds } = await enqueue(name);
      assert.equal((await checked.deliver(outboxIds[0])).outcome, 'failed');
      assert.match((await row(outboxIds[0])).last_error ?? '', reason);
    }
    assert.deepEqual(dns.calls, ['intranet.example', 'metadata.example', 'v6.example']);
  });

  test('redirects: each hop is checked; 307/308 are followed with the signed body; other redirects are not followed', async () => {
    // A deployment that allows its own loopback receiver (THIRDWATCH_OUTBOUND_ALLOW_PRIVATE=127.0.0.1/32).
    const allowing = service({ policy: { allowPrivate: ['127.0.0.1/32'] } });
    const send = async (name: string, path: string) => {
      await server.tw.database.db.insertInto('notification_channels').values({
        id: (await import('../../platform/ids.js')).newId(), name, type: 'webhook', enabled: 1, config: JSON.stringify({ url: `http://127.0.0.1:${receiver.port}${path}`, secret: SECRET }),
        events: '[]', audiences: '[]', created_by: 'test', created_at: new Date().toISOString(), updated_at: new Date().toISOString(),
      }).execute();
      const { outboxIds } = await enqueue(name);
      await allowing.deliver(outboxIds[0]);
      return row(outboxIds[0]);
    };
    const metadata = await send('Redirect to metadata', '/to-metadata');
    assert.equal(metadata.status, 'failed');
    assert.match(metadata.last_error ?? '', /169\.254\.169\.254 is a link-local address/);
    const privateHop = await send('Redirect to private', '/to-private');
    assert.match(privateHop.last_error ?? '', /10\.20\.30\.40 is a private address/);
    assert.equal(second.hits.length, 0);

    const followed = await send('Redirect allowed', '/to-allowed');
    assert.equal(followed.status, 'sent', followed.last_error ?? '');
    const [hit] = second.hits;
    assert.equal(hit.url, '/final');
    assert.equal(hit.headers['x-thirdwatch-signature'], `sha256=${createHmac('sha256', SECRET).update(`${hit.headers['x-thirdwatch-timestamp']}.${hit.body}`).digest('hex')}`);
    assert.equal(JSON.parse(hit.body).id, followed.id);

    const found = await send('Redirect 302', '/see-other');
    assert.equal(found.status, 'failed');
    assert.match(found.last_error ?? '', /^HTTP 302/);
    assert.equal(second.hits.length, 1, 'a 302 is not followed: a POST would turn into a GET elsewhere');
  });
});
