import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashSecret, newSecret } from '../../platform/auth/secrets.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { newId } from '../../platform/ids.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { startTestSmtp, type TestSmtp } from '../../../test/support/smtp.js';
import { PortalRepository } from './portal.repository.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

async function problem(res: Response, status: number): Promise<{ type: string; detail: string; errors?: Array<{ field: string; reason: string }> }> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  return JSON.parse(text);
}

const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32, 7)]);

describeEachEngine('vendor portal', ({ engine }) => {
  let server: TestServer;
  let smtp: TestSmtp;
  const vendor: Record<string, string> = {};

  before(async () => {
    smtp = await startTestSmtp();
    server = await startTestServer(engine, { THIRDWATCH_MAX_EVIDENCE_MB: '1' });
    for (const name of ['Acme', 'Globex']) {
      vendor[name] = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name } }), 201)).id;
    }
  });
  after(async () => {
    await server?.close();
    await smtp?.close();
  });

  /** A link as an invitation stores it (the invitation route itself needs an assessment: see the assessment loop tests). */
  async function link(vendorId: string, expiresAt = new Date(Date.now() + 86_400_000).toISOString()): Promise<string> {
    const token = newSecret('twl');
    await new PortalRepository(server.tw.database.db).insertInvitation({
      id: newId(), token_hash: hashSecret(token), assessment_id: newId(), vendor_id: vendorId, contact_id: null, email: null, emailed_at: null,
      expires_at: expiresAt, used_at: null, created_by: 'test', created_at: new Date().toISOString(),
    });
    return token;
  }
  const open = (token: string) => fetch(`${server.url}/api/v1/portal/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  async function session(vendorId: string): Promise<string> {
    return (await json<{ token: string }>(await open(await link(vendorId)), 201)).token;
  }
  const as = (token: string, path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });

  test('SMTP settings: admins only, the password is write-only, *** keeps it, e-mail goes through the configured server', async () => {
    assert.equal((await json(await server.api('/api/v1/settings/smtp'))).enabled, false);
    await problem(await server.api('/api/v1/settings/smtp', { role: 'analyst' }), 403);
    const settings = { enabled: true, host: smtp.host, port: smtp.port, security: 'none', username: 'mailer', password: 's3cret-smtp-password', from: 'risk@example.com', timeoutSeconds: 10 };
    const stored = await json(await server.api('/api/v1/settings/smtp', { method: 'PUT', json: settings }));
    assert.equal(stored.password, '***');
    assert.equal((await json(await server.api('/api/v1/settings/smtp'))).password, '***');
    await json(await server.api('/api/v1/settings/smtp', { method: 'PUT', json: { ...settings, password: '***', from: 'grc@example.com' } }));
    assert.equal((await server.tw.services.mailer.settings()).password, 's3cret-smtp-password', '*** kept the stored password');
    const bad = await problem(await server.api('/api/v1/settings/smtp', { method: 'PUT', json: { ...settings, host: ' ' } }), 400);
    assert.equal(bad.errors?.[0].field, '/host');
    await problem(await server.api('/api/v1/settings/smtp', { method: 'PUT', json: { ...settings, from: 'not an address' } }), 400);
    const audit = await (await server.api('/api/v1/audit?entityId=smtp', { role: 'auditor' })).text();
    assert.ok(!audit.includes('s3cret-smtp-password'), 'the audit trail never shows the password');

    const before = smtp.messages.length;
    assert.equal(await server.tw.services.mailer.send({ to: 'someone@vendor.example', subject: 'Grüße — test', text: 'line one\nhttps://example.com/portal/#twl_' + 'x'.repeat(60) }), true);
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    assert.deepEqual(mail.to, ['someone@vendor.example']);
    assert.equal(mail.from, 'grc@example.com');
    assert.equal(mail.user, 'mailer:s3cret-smtp-password');
    assert.equal(mail.subject, 'Grüße — test');
    assert.match(mail.text, /https:\/\/example\.com\/portal\/#twl_x{60}/);
  });

  test('a link opens one portal session, once; used, expired and unknown links are clear problems', async () => {
    const token = await link(vendor.Acme);
    const created = await json<{ token: string; vendorId: string; expiresAt: string }>(await open(token), 201);
    assert.match(created.token, /^twp_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.vendorId, vendor.Acme);
    const hours = (Date.parse(created.expiresAt) - Date.now()) / 3_600_000;
    assert.ok(hours > 11.9 && hours <= 12, `session lasts ${hours} h`);
    const who = await json(await as(created.token, '/api/v1/portal/session'));
    assert.deepEqual(who, { vendorId: vendor.Acme, vendorName: 'Acme', expiresAt: created.expiresAt });

    const again = await problem(await open(token), 410);
    assert.equal(again.type, 'https://thirdwatch.dev/problems/link-used');
    assert.match(again.detail, /used already/);
    const expired = await problem(await open(await link(vendor.Acme, new Date(Date.now() - 1000).toISOString())), 410);
    assert.equal(expired.type, 'https://thirdwatch.dev/problems/link-expired');
    await problem(await open(newSecret('twl')), 401);
    await problem(await open(''), 400);

    // Two racing uses of one link: exactly one session.
    const raced = await link(vendor.Acme);
    const statuses = (await Promise.all([open(raced), open(raced), open(raced)])).map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 410, 410]);

    // Stored hashed only; an expired session is refused.
    const rows = await server.tw.database.db.selectFrom('portal_sessions').selectAll().execute();
    assert.ok(rows.every((r) => r.token_hash !== created.token && r.token_hash.length === 64));
    await server.tw.database.db.updateTable('portal_sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('token_hash', '=', hashSecret(created.token)).execute();
    await problem(await as(created.token, '/api/v1/portal/session'), 401);
    await problem(await as(`twp_${'A'.repeat(43)}`, '/api/v1/portal/session'), 401);
  });

  test('a portal session is no user: every internal route answers 403, users and tokens get 403 on portal routes', async () => {
    const token = await session(vendor.Acme);
    for (const [method, path] of [['GET', '/api/v1/vendors'], ['GET', `/api/v1/vendors/${vendor.Globex}`], ['GET', '/api/v1/auth/session'], ['POST', '/api/v1/vendors'], ['GET', '/api/v1/settings/smtp'], ['GET', '/api/v1/audit']]) {
      const p = await problem(await as(token, path, { method }), 403);
      assert.match(p.detail, /role portal lacks the/);
    }
    for (const role of ['admin', 'analyst', 'viewer'] as const) {
      const p = await problem(await server.api('/api/v1/portal/session', { role }), 403);
      assert.match(p.detail, /lacks the portal permission/);
    }
  });

  test('evidence files: sniffed type, stored once by content hash, mislabelled, active and oversized files refused, other vendors see 404', async () => {
    const acme = await session(vendor.Acme);
    const globex = await session(vendor.Globex);
    const upload = (token: string, body: Buffer | string, name: string, type = 'application/octet-stream') =>
      as(token, `/api/v1/portal/files?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : new Uint8Array(body) });

    const pdf = await json<{ id: string; mediaType: string; sizeBytes: number; sha256: string; name: string }>(await upload(acme, PDF, 'SOC 2 report.pdf', 'application/pdf'), 201);
    assert.equal(pdf.mediaType, 'application/pdf');
    assert.equal(pdf.sizeBytes, PDF.length);
    const same = await json<{ id: string }>(await upload(acme, PDF, 'copy.pdf'), 201);
    assert.equal(same.id, pdf.id, 'the same bytes are the same file');
    const globexPdf = await json<{ id: string }>(await upload(globex, PDF, 'report.pdf'), 201);
    assert.notEqual(globexPdf.id, pdf.id, 'each vendor has its own file');
    const blobs = await server.tw.database.db.selectFrom('portal_blobs').select('sha256').where('sha256', '=', pdf.sha256).execute();
    assert.equal(blobs.length, 1, 'the bytes are stored once');

    const png = await json<{ mediaType: string }>(await upload(acme, PNG, 'diagram.png'), 201);
    assert.equal(png.mediaType, 'image/png');
    const csv = await json<{ mediaType: string }>(await upload(acme, 'control,status\nSR-3,met\n', 'controls.csv', 'text/csv'), 201);
    assert.equal(csv.mediaType, 'text/plain');

    // Mislabelled: the name or the Content-Type says another type than the content.
    assert.match((await problem(await upload(acme, PNG, 'report.pdf'), 415)).detail, /named \.pdf but its content is image\/png/);
    assert.match((await problem(await upload(acme, PDF, 'report', 'image/png'), 415)).detail, /labelled image\/png but its content is application\/pdf/);
    // Never HTML or SVG, whatever the label.
    for (const [body, name] of [['<!DOCTYPE html><script>alert(1)</script>', 'notes.txt'], ['<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 'logo.xml'], ['<html><body>hi</body></html>', 'page']] as const) {
      await problem(await upload(acme, body, name, 'text/plain'), 415);
    }
    await problem(await upload(acme, Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0xff, 0xfe]), 'setup.exe'), 415);
    await problem(await upload(acme, Buffer.alloc(0), 'empty.pdf'), 400);
    const big = Buffer.concat([PDF, Buffer.alloc(1024 * 1024)]);
    assert.match((await problem(await upload(acme, big, 'big.pdf'), 413)).detail, /1048576 bytes/);
    await problem(await as(acme, '/api/v1/portal/files', { method: 'POST', body: new Uint8Array(PDF) }), 400);

    // Downloads are attachments, never rendered; another vendor's file does not exist for it.
    const got = await as(acme, `/api/v1/portal/files/${pdf.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'application/pdf');
    assert.match(got.headers.get('content-disposition') ?? '', /^attachment; filename="SOC 2 report\.pdf"/);
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), PDF);
    await problem(await as(globex, `/api/v1/portal/files/${pdf.id}`), 404);
    await problem(await as(acme, `/api/v1/portal/files/${globexPdf.id}`), 404);
    await problem(await as(acme, `/api/v1/portal/files/not-a-uuid`), 400);
  });
});
