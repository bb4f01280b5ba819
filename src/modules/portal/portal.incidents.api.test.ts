import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashSecret, newSecret } from '../../platform/auth/secrets.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { newId } from '../../platform/ids.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { PortalRepository } from './portal.repository.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

async function problem(res: Response, status: number) {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  return JSON.parse(text) as { detail: string; errors?: Array<{ field: string }> };
}

describeEachEngine('vendor incident reporting', ({ engine }) => {
  let server: TestServer;
  const vendor: Record<string, string> = {};
  const token: Record<string, string> = {};
  let product = '';

  before(async () => {
    server = await startTestServer(engine);
    for (const name of ['Acme', 'Globex']) vendor[name] = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name } }), 201)).id;
    product = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendor.Acme}/products`, { method: 'POST', json: { name: 'Acme Phone', type: 'desktop-app' } }), 201)).id;
  });
  after(async () => {
    await server?.close();
  });

  const as = (bearer: string, path: string, init: RequestInit & { json?: unknown } = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${bearer}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });
  const report = (title: string, extra: Record<string, unknown> = {}) => ({
    title,
    description: 'Our signed desktop installer was trojanized through the build pipeline; it beacons to a C2 domain.',
    detectedAt: '2026-12-01T08:00:00Z',
    productIds: [product],
    dataCategories: ['personal'],
    indicators: [{ type: 'domain', value: 'c2-acme-report[.]example' }],
    contact: { name: 'Ann Acme', email: 'ann@acme.example' },
    ...extra,
  });

  test('vendor API tokens: admins issue them (the secret once, twv_), list them without secrets, revoke them; other roles cannot', async () => {
    await problem(await server.api(`/api/v1/vendors/${vendor.Acme}/portal-tokens`, { method: 'POST', json: { name: 'SOAR' }, role: 'analyst' }), 403);
    await problem(await server.api(`/api/v1/vendors/${newId()}/portal-tokens`, { method: 'POST', json: { name: 'SOAR' } }), 404);
    for (const name of ['Acme', 'Globex']) {
      const created = await json<{ token: string; record: { prefix: string; vendorId: string } }>(await server.api(`/api/v1/vendors/${vendor[name]}/portal-tokens`, { method: 'POST', json: { name: `${name} SOAR` } }), 201);
      assert.match(created.token, /^twv_/);
      assert.equal(created.record.vendorId, vendor[name]);
      assert.equal(created.token.slice(0, 10), created.record.prefix);
      token[name] = created.token;
    }
    const list = await json<{ items: Array<Record<string, unknown>> }>(await server.api(`/api/v1/vendors/${vendor.Acme}/portal-tokens`));
    assert.equal(list.items.length, 1);
    assert.ok(!JSON.stringify(list).includes(token.Acme));
    const session = await json(await as(token.Acme, '/api/v1/portal/session'));
    assert.deepEqual(session, { vendorId: vendor.Acme, vendorName: 'Acme', expiresAt: null, products: [{ id: product, name: 'Acme Phone' }] });
  });

  test('portal access without an assessment: a single-use link opens a session that reports incidents and lists no assessment; analysts may issue it, viewers not', async () => {
    const initech = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Initech' } }), 201)).id;
    await problem(await server.api(`/api/v1/vendors/${initech}/portal-access`, { method: 'POST', json: {}, role: 'viewer' }), 403);
    await problem(await server.api(`/api/v1/vendors/${newId()}/portal-access`, { method: 'POST', json: {} }), 404);
    await problem(await server.api(`/api/v1/vendors/${initech}/portal-access`, { method: 'POST', json: { contactId: newId() } }), 400);
    const link = await json<{ url: string; emailedTo: string | null; expiresAt: string }>(await server.api(`/api/v1/vendors/${initech}/portal-access`, { method: 'POST', json: { expiresInDays: 2 }, role: 'responder' }), 201);
    assert.equal(link.emailedTo, null, 'no contact with an e-mail: handed to the analyst only');
    assert.ok(Date.parse(link.expiresAt) < Date.now() + 2 * 86_400_000 + 60_000);
    const secret = link.url.split('#')[1]!;
    const opened = await json<{ token: string; vendorId: string }>(await fetch(`${server.url}/api/v1/portal/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: secret }) }), 201);
    assert.equal(opened.vendorId, initech);
    await problem(await fetch(`${server.url}/api/v1/portal/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: secret }) }), 410);
    assert.deepEqual((await json<{ items: unknown[] }>(await as(opened.token, '/api/v1/portal/assessments'))).items, []);
    const reported = await json<{ incident: { id: string } }>(await as(opened.token, '/api/v1/portal/incidents', { method: 'POST', json: report('Initech mail relay abused', { productIds: [], indicators: [] }) }), 201);
    assert.deepEqual((await json(await server.api(`/api/v1/incidents/${reported.incident.id}`))).vendorIds, [initech]);
    const audit = await json<{ items: Array<{ action: string }> }>(await server.api(`/api/v1/audit?entityType=vendor&entityId=${initech}`, { role: 'auditor' }));
    assert.deepEqual(audit.items.map((e) => e.action).sort(), ['portal.session.open', 'vendor.create', 'vendor.portal-access']);
  });

  test('a vendor reports an incident with its token: an incident (source vendor) opens, the vendor sees only its view; a second alike report is a duplicate', async () => {
    const first = await json<{ incident: any; duplicateOf: string | null }>(await as(token.Acme, '/api/v1/portal/incidents', { method: 'POST', json: report('Trojanized installer of Acme Phone') }), 201);
    assert.equal(first.duplicateOf, null);
    const id = first.incident.id;
    assert.equal(first.incident.reports.length, 1);
    const internal = await json(await server.api(`/api/v1/incidents/${id}`));
    assert.equal(internal.source, 'vendor');
    assert.deepEqual(internal.vendorIds, [vendor.Acme]);
    assert.deepEqual(internal.productIds, [product]);

    const again = await json<{ incident: any; duplicateOf: string | null }>(await as(token.Acme, '/api/v1/portal/incidents', { method: 'POST', json: report('Acme Phone installer trojanized (update)') }), 201);
    assert.equal(again.duplicateOf, id);
    assert.equal(again.incident.reports.length, 2);

    const mine = await json<{ items: any[] }>(await as(token.Acme, '/api/v1/portal/incidents'));
    assert.deepEqual(mine.items.map((i) => i.id), [id]);
    const one = await json(await as(token.Acme, `/api/v1/portal/incidents/${id}`));
    assert.equal(one.id, id);
    // Nothing but what is shared: internal fields never reach the vendor.
    for (const key of ['participants', 'createdBy', 'links', 'evidence', 'sharedFields']) assert.ok(!(key in one), key);
  });

  test('a portal token never reads another vendor\'s incident (404), nor anything outside the portal (403), nor a product of another vendor', async () => {
    const acme = await json<{ items: any[] }>(await as(token.Acme, '/api/v1/portal/incidents'));
    const id = acme.items[0].id;
    await problem(await as(token.Globex, `/api/v1/portal/incidents/${id}`), 404);
    assert.deepEqual((await json<{ items: any[] }>(await as(token.Globex, '/api/v1/portal/incidents'))).items, []);
    await problem(await as(token.Globex, `/api/v1/portal/incidents/${newId()}`), 404);
    await problem(await as(token.Acme, `/api/v1/incidents/${id}`), 403);
    await problem(await as(token.Acme, '/api/v1/incidents'), 403);
    await problem(await as(token.Acme, '/api/v1/vendors'), 403);
    await problem(await as(token.Acme, `/api/v1/vendors/${vendor.Acme}/portal-tokens`), 403);
    const foreign = await problem(await as(token.Globex, '/api/v1/portal/incidents', { method: 'POST', json: report('Globex claims Acme product', { indicators: [] }) }), 400);
    assert.deepEqual(foreign.errors?.map((e) => e.field), ['/productIds/0']);
    // Staff tokens are not portal principals.
    await problem(await server.api('/api/v1/portal/incidents'), 403);
  });

  test('bad reports are refused naming the field; a revoked or unknown token is a 401 at once', async () => {
    await problem(await as(token.Acme, '/api/v1/portal/incidents', { method: 'POST', json: { ...report('x'), contact: undefined } }), 400);
    await problem(await as(token.Acme, '/api/v1/portal/incidents', { method: 'POST', json: { ...report('x'), detectedAt: 'yesterday' } }), 400);
    await problem(await as(token.Acme, '/api/v1/portal/incidents', { method: 'POST', json: { ...report('x'), extra: true } }), 400);
    await problem(await as(`twv_${'A'.repeat(43)}`, '/api/v1/portal/incidents'), 401);
    const [record] = (await json<{ items: Array<{ id: string }> }>(await server.api(`/api/v1/vendors/${vendor.Globex}/portal-tokens`))).items;
    await problem(await server.api(`/api/v1/vendors/${vendor.Acme}/portal-tokens/${record.id}`, { method: 'DELETE' }), 404);
    const revoked = await json(await server.api(`/api/v1/vendors/${vendor.Globex}/portal-tokens/${record.id}`, { method: 'DELETE' }));
    assert.ok(revoked.revokedAt);
    await problem(await as(token.Globex, '/api/v1/portal/incidents'), 401);
    const audit = await server.tw.database.db.selectFrom('audit_events').select('action').where('action', 'like', 'portal.token.%').execute();
    assert.deepEqual(audit.map((a) => a.action).sort(), ['portal.token.create', 'portal.token.create', 'portal.token.revoke']);
  });

  test('a portal session opened from a link reports and lists the same way', async () => {
    const link = newSecret('twl');
    await new PortalRepository(server.tw.database.db).insertInvitation({
      id: newId(), token_hash: hashSecret(link), assessment_id: newId(), vendor_id: vendor.Acme, contact_id: null, email: null, emailed_at: null,
      expires_at: new Date(Date.now() + 86_400_000).toISOString(), used_at: null, created_by: 'test', created_at: new Date().toISOString(),
    });
    const session = await json<{ token: string }>(await fetch(`${server.url}/api/v1/portal/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: link }) }), 201);
    const created = await json<{ incident: any; duplicateOf: string | null }>(await as(session.token, '/api/v1/portal/incidents', { method: 'POST', json: report('Unrelated outage of the Acme licence server', { description: 'Licence checks time out for every customer since Tuesday.', indicators: [], detectedAt: '2026-11-01T00:00:00Z' }) }), 201);
    assert.equal(created.duplicateOf, null);
    const listed = await json<{ items: any[] }>(await as(session.token, '/api/v1/portal/incidents'));
    assert.equal(listed.items.length, 2);
  });
});
