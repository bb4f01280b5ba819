import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { newId } from '../../platform/ids.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

const EMAILS = Array.from({ length: 6 }, (_, i) => `customer${i}@example-shop.com`);
const BODY = Buffer.from(JSON.stringify({ customers: EMAILS.map((email) => ({ email })) })).toString('base64');

describeEachEngine('egress events API', ({ engine }) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(engine);
  });
  after(async () => {
    await server?.close();
  });

  const post = (text: string, role: 'admin' | 'analyst' | 'viewer' = 'analyst', type = 'application/x-ndjson') =>
    server.api('/api/v1/egress/events', { method: 'POST', role, headers: { 'content-type': type }, body: text });

  test('NDJSON in: good lines stored, bad ones answered with line, field and reason; bodies scanned and never stored', async () => {
    const lines = [
      JSON.stringify({ at: '2026-12-01T10:00:00Z', url: 'https://upload.unknown-saas.example/api/import?list=customers', client: '10.0.0.7', method: 'POST', contentType: 'application/json', body: BODY }),
      '{"at":"2026-12-01T10:00:01Z","host":"cdn.api-test.example","port":443,"bytesOut":12}',
      '{"at":"2026-12-01T10:00:02Z","url":"not a url"}',
      '',
      'not json',
      '{"at":"2026-12-01T10:00:03Z","host":"api-test.example","status":700}',
      '{"at":"2026-12-01T10:00:04Z","host":"last.api-test.example"}', // no trailing newline: the request ended, so it is whole
    ].join('\n');
    const result = await json(await post(lines));
    assert.equal(result.accepted, 3);
    assert.equal(result.skipped, 1);
    assert.equal(result.rejectedCount, 3);
    assert.deepEqual(result.rejected.map((r: any) => [r.line, r.field]), [[3, 'url'], [5, 'line'], [6, 'status']]);
    assert.match(result.rejected[2].reason, /HTTP status/);

    const page = await json(await server.api('/api/v1/egress/events?host=unknown-saas.example', { role: 'viewer' }));
    assert.equal(page.items.length, 1);
    const stored = page.items[0];
    assert.equal(stored.path, '/api/import');
    assert.ok(stored.dataClasses.includes('email'), JSON.stringify(stored));
    assert.ok(stored.detections.some((d: any) => d.type === 'email' && d.count >= 6));
    assert.equal(stored.source, 'jsonl');
    assert.equal(stored.scanTruncated, false);
    assert.deepEqual(await json(await server.api(`/api/v1/egress/events/${stored.id}`)), stored);

    // Neither the body, the detected values nor the query is anywhere in the table.
    const raw = JSON.stringify(await server.tw.database.db.selectFrom('egress_events').selectAll().execute());
    for (const secret of [EMAILS[0], 'list=customers', BODY.slice(0, 20)]) assert.ok(!raw.includes(secret), secret);
    const audit = await server.tw.database.db.selectFrom('audit_events').select(['action', 'after']).where('action', '=', 'egress.events.ingested').execute();
    assert.ok(audit.length >= 1);
  });

  test('a body larger than the scan cap: scanned up to the cap, and the event says so', async () => {
    const capped = await startTestServer(engine, { THIRDWATCH_PII_MAX_SCAN_BYTES: '1024' });
    try {
      const body = (text: string) => Buffer.from(text).toString('base64');
      const late = JSON.stringify({ padding: 'x'.repeat(2000), customers: EMAILS.map((email) => ({ email })) });
      const early = JSON.stringify({ customers: EMAILS.map((email) => ({ email })) });
      const lines = [
        JSON.stringify({ at: '2026-12-01T10:00:00Z', url: 'https://capped.example/late', method: 'POST', contentType: 'application/json', body: body(late) }),
        JSON.stringify({ at: '2026-12-01T10:00:01Z', url: 'https://capped.example/early', method: 'POST', contentType: 'application/json', body: body(early) }),
      ].join('\n');
      await json(await capped.api('/api/v1/egress/events', { method: 'POST', role: 'analyst', headers: { 'content-type': 'application/x-ndjson' }, body: lines }));
      const page = await json(await capped.api('/api/v1/egress/events?host=capped.example'));
      assert.deepEqual(page.items.map((e: any) => [e.path, e.dataClasses, e.scanTruncated]), [['/early', ['email'], false], ['/late', [], true]]);
    } finally {
      await capped.close();
    }
  });

  test('lists page newest first and filter by host (with subdomains), vendor, source, decision and time', async () => {
    const vendor = await json(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Filter Vendor', domains: ['filter-vendor.example'] } }), 201);
    await json(await post([
      '{"at":"2026-12-02T10:00:00Z","host":"a.filter-vendor.example"}',
      '{"at":"2026-12-02T11:00:00Z","host":"filter-vendor.example"}',
      '{"at":"2026-12-02T12:00:00Z","host":"notfilter-vendor.example"}',
    ].join('\n') + '\n'));
    const byVendor = await json(await server.api(`/api/v1/egress/events?vendorId=${vendor.id}`));
    assert.deepEqual(byVendor.items.map((e: any) => e.host), ['filter-vendor.example', 'a.filter-vendor.example']);
    const byHost = await json(await server.api('/api/v1/egress/events?host=filter-vendor.example&limit=1'));
    assert.equal(byHost.items[0].host, 'filter-vendor.example');
    const next = await json(await server.api(`/api/v1/egress/events?host=filter-vendor.example&limit=1&cursor=${byHost.nextCursor}`));
    assert.deepEqual([next.items[0].host, next.nextCursor], ['a.filter-vendor.example', null]);
    const window = await json(await server.api('/api/v1/egress/events?from=2026-12-02T10:30:00Z&to=2026-12-02T11:30:00Z'));
    assert.deepEqual(window.items.map((e: any) => e.host), ['filter-vendor.example']);
    assert.equal((await json(await server.api('/api/v1/egress/events?decision=block&host=filter-vendor.example'))).items.length, 0);
    assert.equal((await json(await server.api('/api/v1/egress/events?source=squid&host=filter-vendor.example'))).items.length, 0);
  });

  test('OCSF exports: HTTP Activity lines for events, a Data Security Finding per data class', async () => {
    const res = await server.api('/api/v1/egress/events?format=ocsf&host=unknown-saas.example', { role: 'viewer' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
    const events = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(events.length, 1);
    const [activity] = events;
    assert.deepEqual([activity.class_uid, activity.category_uid, activity.activity_id, activity.type_uid], [4002, 4, 6, 400206]);
    assert.equal(activity.http_request.http_method, 'POST');
    assert.deepEqual(activity.http_request.url, { hostname: 'upload.unknown-saas.example', port: 443, path: '/api/import' });
    assert.equal(activity.dst_endpoint.hostname, 'upload.unknown-saas.example');
    assert.equal(activity.src_endpoint.ip, '10.0.0.7');
    assert.equal(typeof activity.time, 'number');
    assert.equal(activity.metadata.version, '1.4.0');

    const findings = (await (await server.api('/api/v1/egress/detections?format=ocsf')).text()).trim().split('\n').map((l) => JSON.parse(l));
    const email = findings.find((f) => f.finding_info.types[0] === 'email');
    assert.ok(email, JSON.stringify(findings));
    assert.deepEqual([email.class_uid, email.category_uid, email.type_uid, email.data_security.category_id, email.data_security.data_lifecycle_state_id], [2006, 2, 200601, 1, 2]);
    assert.ok(email.data_security.total >= 6);
    assert.equal(email.finding_info.related_events[0].uid, activity.metadata.uid);
    assert.ok(!JSON.stringify(findings).includes(EMAILS[0]));
    const listed = await json(await server.api('/api/v1/egress/detections'));
    assert.deepEqual(listed.items.map((e: any) => e.host), ['upload.unknown-saas.example']);
  });

  test('bad requests: other roles, other media types, bad filters, unknown ids', async () => {
    assert.equal((await post('{"at":"2026-12-01T10:00:00Z","host":"x.example"}', 'viewer')).status, 403);
    assert.equal((await post('{"at":"2026-12-01T10:00:00Z","host":"x.example"}', 'analyst', 'application/json')).status, 415);
    assert.equal((await server.api('/api/v1/egress/events?host=not%20a%20host')).status, 400);
    assert.equal((await server.api('/api/v1/egress/events?from=yesterday')).status, 400);
    assert.equal((await server.api('/api/v1/egress/events?cursor=abc')).status, 400);
    assert.equal((await server.api('/api/v1/egress/events?format=csv')).status, 400);
    assert.equal((await server.api(`/api/v1/egress/events/${newId()}`)).status, 404);
    // A huge line is refused by itself; the lines around it are stored.
    const huge = `{"at":"2026-12-01T10:00:00Z","host":"huge.example","app":"${'x'.repeat(6 * 1024 * 1024)}"}`;
    const result = await json(await post(`{"at":"2026-12-01T10:00:00Z","host":"before-huge.example"}\n${huge}\n{"at":"2026-12-01T10:00:00Z","host":"after-huge.example"}\n`));
    assert.deepEqual([result.accepted, result.rejected[0]?.line, result.rejected[0]?.field], [2, 2, 'line']);
  });
});
