import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

describeEachEngine('pii api', ({ engine }) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(engine);
  });
  after(async () => {
    await server?.close();
  });

  const scan = (body: unknown, role: 'admin' | 'viewer' = 'viewer') => server.api('/api/v1/pii/scan', { method: 'POST', json: body, role });

  test('a sample is scanned as text or as a compressed body; the answer holds masked previews only', async () => {
    const text = 'Mail jane.roe@example.org, card 4111 1111 1111 1111';
    const res = await json(await scan({ text }));
    assert.deepEqual(res.detections.map((d: any) => d.type), ['email', 'payment_card']);
    assert.deepEqual(res.summary, [{ type: 'email', tier: 'high', count: 1 }, { type: 'payment_card', tier: 'high', count: 1 }]);
    const raw = JSON.stringify(res);
    assert.ok(!raw.includes('jane.roe') && !raw.includes('4111 1111 1111 1111'), raw);

    const body = gzipSync(Buffer.from(JSON.stringify({ customer: { email: 'a@example.com' } }))).toString('base64');
    const viaBody = await json(await scan({ body, contentType: 'application/json', contentEncoding: 'gzip' }));
    assert.equal(viaBody.format, 'json');
    assert.equal(viaBody.detections[0].field, 'customer.email');

    const bad = await json(await scan({ text: 'x', body: 'eA==' }), 400);
    assert.equal(bad.errors[0].field, '/text');
    await json(await scan({ body: 'not base64!' }), 400);
    await json(await scan({ text: 'x', extra: 1 }), 400);
  });

  test('custom patterns: saved by egress writers, vetted for linear time, applied to scans at once, audited', async () => {
    assert.deepEqual(await json(await server.api('/api/v1/pii/patterns', { role: 'viewer' })), { patterns: [] });
    const patterns = [{ name: 'employee-id', pattern: 'EMP-\\d{6}', confidence: 0.9, description: 'HR numbers' }, { name: 'project', pattern: '\\bproj(?:ect)? [a-z]{3,12}\\b', caseInsensitive: true }];
    const denied = await server.api('/api/v1/pii/patterns', { method: 'PUT', json: { patterns }, role: 'viewer' });
    assert.equal(denied.status, 403);
    const saved = await json(await server.api('/api/v1/pii/patterns', { method: 'PUT', json: { patterns }, role: 'responder' }));
    assert.equal(saved.patterns.length, 2);
    assert.deepEqual(await json(await server.api('/api/v1/pii/patterns')), saved);

    const res = await json(await scan({ text: 'staff EMP-123456 on Project Falcon' }));
    assert.deepEqual(res.detections.map((d: any) => [d.type, d.subtype, d.tier]), [['custom', 'employee-id', 'high'], ['custom', 'project', 'high']]);

    const refused = await json(await server.api('/api/v1/pii/patterns', { method: 'PUT', json: { patterns: [{ name: 'slow', pattern: '(a+)+b' }, { name: 'ok', pattern: 'x{1,3}' }, { name: 'ok', pattern: 'y' }, { name: 'wide', pattern: '\\d{0,40}\\d{0,40}' }] } }), 400);
    assert.deepEqual(refused.errors.map((e: any) => e.field), ['/patterns/0/pattern', '/patterns/2/name', '/patterns/3/pattern']);
    assert.match(refused.errors[0].reason, /non-capturing|unbounded/);
    assert.match(refused.errors[2].reason, /too many ways/);
    // Nothing of the refused list was saved.
    assert.equal((await json(await server.api('/api/v1/pii/patterns'))).patterns.length, 2);

    const audit = await server.tw.database.db.selectFrom('audit_events').select(['action']).where('entity_type', '=', 'pii_patterns').execute();
    assert.equal(audit.length, 1);
    await json(await server.api('/api/v1/pii/patterns', { method: 'PUT', json: { patterns: [] } }));
    assert.equal((await json(await scan({ text: 'EMP-123456' }))).detections.length, 0);
  });
});
