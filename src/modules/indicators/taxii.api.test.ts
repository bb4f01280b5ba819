import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { json, problem } from '../findings/test-support.js';

const PASSWORD = 's3cret-taxii-password';
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const indicator = (n: number, domain: string) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${uuid(n)}`, created: '2023-03-30T00:00:00.000Z', modified: '2023-03-30T00:00:00.000Z', pattern: `[domain-name:value = '${domain}']`, pattern_type: 'stix', valid_from: '2023-03-30T00:00:00Z' });

/**
 * A small TAXII 2.1 server: one collection of objects with their date_added; added_after and limit
 * filter, a `next` token pages, and (as some servers do) the page after the first says more with
 * no next, leaving the client to page on with X-TAXII-Date-Added-Last.
 */
function taxiiServer(objects: Array<{ added: string; object: unknown }>) {
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    requests.push(req.url!);
    const url = new URL(req.url!, 'http://x');
    if (req.headers.authorization !== `Basic ${Buffer.from(`reader:${PASSWORD}`).toString('base64')}`) {
      res.writeHead(401, { 'content-type': 'application/taxii+json;version=2.1' }).end('{"title":"unauthorised"}');
      return;
    }
    if (url.pathname !== '/api1/collections/c1/objects/' || !(req.headers.accept ?? '').includes('application/taxii+json;version=2.1')) {
      res.writeHead(404).end();
      return;
    }
    const after = url.searchParams.get('added_after');
    const limit = Number(url.searchParams.get('limit') ?? 100);
    const offset = Number(url.searchParams.get('next') ?? 0);
    const matching = objects.filter((o) => !after || o.added > after);
    const page = matching.slice(offset, offset + limit);
    const more = offset + limit < matching.length;
    const body = { more, ...(more && offset === 0 ? { next: String(offset + limit) } : {}), objects: page.map((o) => o.object) };
    res.writeHead(200, { 'content-type': 'application/taxii+json;version=2.1', ...(page.length ? { 'x-taxii-date-added-first': page[0].added, 'x-taxii-date-added-last': page[page.length - 1].added } : {}) }).end(JSON.stringify(body));
  });
  return { server, requests };
}

describeEachEngine('TAXII 2.1 polling against a TAXII server started by the test', ({ engine }) => {
  let server: TestServer;
  let taxii: ReturnType<typeof taxiiServer>;
  let base: string;
  const objects = Array.from({ length: 7 }, (_, i) => ({ added: `2026-12-0${1 + Math.floor(i / 3)}T00:00:0${i}.000Z`, object: indicator(i + 1, `c2-${i + 1}.example.net`) }));

  before(async () => {
    server = await startTestServer(engine, { THIRDWATCH_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1/32' });
    taxii = taxiiServer(objects);
    await new Promise<void>((resolve) => (taxii.server as Server).listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(taxii.server.address() as AddressInfo).port}/api1/collections/c1/`;
  });
  after(async () => {
    await server?.close();
    await new Promise((resolve) => taxii?.server.close(resolve));
  });

  test('configured collections: credentials are write-only and never logged; a poll pages with next, then by X-TAXII-Date-Added-Last, then resumes from where it stopped', async () => {
    const settings = { collections: [{ name: 'partner', url: base, username: 'reader', password: PASSWORD, enabled: true, intervalMinutes: 60, pageSize: 2 }], timeoutSeconds: 30 };
    const put = await json(await server.api('/api/v1/settings/taxii', { method: 'PUT', json: settings }), 200);
    assert.equal(put.collections[0].password, '***');
    const shown = await json(await server.api('/api/v1/settings/taxii'), 200);
    assert.equal(shown.collections[0].password, '***');
    // Written back as shown: the stored password is kept.
    await json(await server.api('/api/v1/settings/taxii', { method: 'PUT', json: shown }), 200);
    assert.equal((await server.api('/api/v1/settings/taxii', { role: 'analyst' })).status, 403);

    const first = await server.tw.services.taxii.poll('partner', systemContext('test'));
    assert.deepEqual([first.objects, first.imported, first.errors.length, first.source], [7, 7, 0, 'taxii:partner']);
    assert.equal(first.addedAfter, objects[6].added);
    const paths = taxii.requests.map((r) => decodeURIComponent(r.slice(r.indexOf('?') + 1)));
    assert.deepEqual(paths.slice(0, 2), ['limit=2', 'next=2&limit=2']);
    assert.ok(paths.slice(2).every((p) => p.startsWith('added_after=')), `then by time: ${paths.join(' | ')}`);

    objects.push({ added: '2026-12-05T00:00:00.000Z', object: indicator(8, 'c2-8.example.net') });
    taxii.requests.length = 0;
    const second = await server.tw.services.taxii.poll('partner', systemContext('test'));
    assert.deepEqual([second.objects, second.imported], [1, 1]);
    assert.deepEqual(taxii.requests.map((r) => decodeURIComponent(r)), [`/api1/collections/c1/objects/?added_after=${objects[6].added}&limit=2`]);

    const status = await json(await server.api('/api/v1/taxii/collections'), 200);
    assert.deepEqual([status[0].name, status[0].addedAfter, status[0].lastError, status[0].lastResult.imported], ['partner', '2026-12-05T00:00:00.000Z', null, 1]);
    const listed = await json(await server.api('/api/v1/indicators?source=taxii:partner', { role: 'viewer' }), 200);
    assert.equal(listed.items.length, 8);
    assert.ok(!server.logs().includes(PASSWORD), 'the password never reaches the logs');
  });

  test('a failing collection keeps its position and records the error; a poll request queues jobs; bad settings are refused', async () => {
    const settings = { collections: [{ name: 'partner', url: base, username: 'reader', password: 'wrong', enabled: true, intervalMinutes: 60 }], timeoutSeconds: 30 };
    await json(await server.api('/api/v1/settings/taxii', { method: 'PUT', json: settings }), 200);
    await assert.rejects(server.tw.services.taxii.poll('partner', systemContext('test')), /HTTP 401 \(check the credentials\)/);
    const [status] = await json(await server.api('/api/v1/taxii/collections'), 200);
    assert.deepEqual([status.addedAfter, /401/.test(status.lastError)], ['2026-12-05T00:00:00.000Z', true]);

    const queued = await json(await server.api('/api/v1/taxii/poll', { method: 'POST', role: 'analyst', json: { names: ['partner'] } }), 202);
    assert.deepEqual(queued.enqueued, ['partner']);
    const twice = { collections: [settings.collections[0], settings.collections[0]], timeoutSeconds: 30 };
    assert.match((await problem(await server.api('/api/v1/settings/taxii', { method: 'PUT', json: twice }), 400)).detail, /used twice/);
    const starred = { collections: [{ ...settings.collections[0], name: 'other', password: '***' }], timeoutSeconds: 30 };
    assert.match((await problem(await server.api('/api/v1/settings/taxii', { method: 'PUT', json: starred }), 400)).detail, /no password is stored/);
  });
});
