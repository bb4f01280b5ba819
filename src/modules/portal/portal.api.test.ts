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
    assert.deepEqual(who, { vendorId: vendor.Acme, vendorName: 'Acme', expiresAt: created.expiresAt, products: [] });

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

  test('a deleted vendor\'s evidence bytes are pruned once no file references them; shared bytes stay', async () => {
    const initech = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Initech' } }), 201)).id;
    const token = await session(initech);
    const upload = (body: Buffer, name: string) => as(token, `/api/v1/portal/files?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(body) });
    const own = await json<{ sha256: string }>(await upload(Buffer.concat([PDF, Buffer.from('initech only')]), 'own.pdf'), 201);
    const shared = await json<{ sha256: string }>(await upload(PDF, 'shared.pdf'), 201);
    const stored = async () => (await server.tw.database.db.selectFrom('portal_blobs').select('sha256').where('sha256', 'in', [own.sha256, shared.sha256]).execute()).map((b) => b.sha256).sort();

    const portal = server.tw.services.portal;
    const ctx = { actor: { type: 'system' as const, id: null, name: 'test', role: 'admin' as const }, requestId: null };
    assert.equal((await server.api(`/api/v1/vendors/${initech}`, { method: 'DELETE' })).status, 204);
    assert.deepEqual((await portal.pruneBlobs(ctx)).removed, 0, 'bytes stored within the grace period stay');
    assert.equal((await stored()).length, 2);
    const later = new Date(Date.now() + 2 * 3_600_000);
    assert.equal((await portal.pruneBlobs(ctx, later)).removed, 1);
    assert.deepEqual(await stored(), [shared.sha256], 'Acme\'s file still references the shared bytes');
    const audit = await server.tw.database.db.selectFrom('audit_events').select('action').where('action', '=', 'portal.blobs.prune').execute();
    assert.equal(audit.length, 1);
  });
});

describeEachEngine('vendor portal: invitations, answers, review and reminders', ({ engine }) => {
  let server: TestServer;
  let smtp: TestSmtp;
  const vendor: Record<string, string> = {};
  const contact: Record<string, string> = {};
  let templateId = '';

  before(async () => {
    smtp = await startTestSmtp();
    server = await startTestServer(engine);
    for (const name of ['Acme', 'Globex']) {
      vendor[name] = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name } }), 201)).id;
      contact[name] = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendor[name]}/contacts`, { method: 'POST', json: { name: `${name} Security`, email: `security@${name.toLowerCase()}.example`, isPrimary: true } }), 201)).id;
    }
    await json(await server.api('/api/v1/settings/smtp', { method: 'PUT', json: { enabled: true, host: smtp.host, port: smtp.port, security: 'none', username: null, password: null, from: 'grc@example.com', timeoutSeconds: 10 } }));
    await json(await server.api('/api/v1/settings/portal', { method: 'PUT', json: { publicUrl: 'https://thirdwatch.example.com/', invitationDays: 14, sessionHours: 12, reminderDaysBefore: 3, overdueEveryDays: 7 } }));
    const templates = await json<{ items: Array<{ id: string; key: string | null }> }>(await server.api('/api/v1/assessments/templates'));
    templateId = templates.items.find((t) => t.key === 'incident-notification')!.id;
  });
  after(async () => {
    await server?.close();
    await smtp?.close();
  });

  const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  const create = async (vendorId: string, dueAt = daysFromNow(30)) =>
    json<{ id: string; status: string }>(await server.api('/api/v1/assessments', { method: 'POST', role: 'analyst', json: { vendorId, templateId, dueAt } }), 201);
  const invite = (id: string, body: Record<string, unknown> = {}) => server.api(`/api/v1/assessments/${id}/invitations`, { method: 'POST', role: 'analyst', json: body });
  const linkIn = (text: string) => /https:\/\/thirdwatch\.example\.com\/portal\/#(twl_[A-Za-z0-9_-]+)/.exec(text)?.[1];
  const open = async (token: string) =>
    (await json<{ token: string }>(await fetch(`${server.url}/api/v1/portal/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) }), 201)).token;
  const as = (token: string, path: string, init: { method?: string; json?: unknown } = {}) =>
    fetch(`${server.url}${path}`, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${token}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) }, body: init.json !== undefined ? JSON.stringify(init.json) : undefined });

  test('an invitation sends the assessment: a single-use link, e-mailed to the primary contact, hashed at rest', async () => {
    const a = await create(vendor.Acme);
    assert.equal(a.status, 'draft');
    const before = smtp.messages.length;
    const created = await json<{ url: string; expiresAt: string; emailedTo: string | null }>(await invite(a.id), 201);
    assert.equal(created.emailedTo, 'security@acme.example');
    assert.match(created.url, /^https:\/\/thirdwatch\.example\.com\/portal\/#twl_[A-Za-z0-9_-]{43}$/);
    const days = (Date.parse(created.expiresAt) - Date.now()) / 86_400_000;
    assert.ok(days > 13.9 && days <= 14, `link lasts ${days} days`);
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    assert.deepEqual(mail.to, ['security@acme.example']);
    assert.match(mail.subject, /Security assessment for Acme: Incident notification/);
    assert.equal(linkIn(mail.text), created.url.split('#')[1], 'the e-mail carries the link');
    assert.equal((await json<{ status: string }>(await server.api(`/api/v1/assessments/${a.id}`))).status, 'sent');

    const stored = await server.tw.database.db.selectFrom('assessment_invitations').selectAll().where('assessment_id', '=', a.id).execute();
    assert.equal(stored.length, 1);
    assert.equal(stored[0].token_hash, hashSecret(created.url.split('#')[1]));
    assert.ok(stored[0].emailed_at);
    const audit = await (await server.api(`/api/v1/audit?entityId=${a.id}`, { role: 'auditor' })).text();
    assert.ok(!audit.includes(created.url.split('#')[1]) && !audit.includes(stored[0].token_hash), 'the audit trail has neither the link nor its hash');

    // Another contact of the vendor, a shorter life; a contact of another vendor is refused.
    const other = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendor.Acme}/contacts`, { method: 'POST', json: { name: 'No Mail' } }), 201)).id;
    const quiet = await json<{ emailedTo: string | null; expiresAt: string }>(await invite(a.id, { contactId: other, expiresInDays: 2 }), 201);
    assert.equal(quiet.emailedTo, null, 'a contact without an e-mail gets no mail');
    assert.ok(Date.parse(quiet.expiresAt) - Date.now() <= 2 * 86_400_000);
    assert.equal((await problem(await invite(a.id, { contactId: contact.Globex }), 400)).errors?.[0].field, '/contactId');
    await problem(await invite(newId()), 404);
    await problem(await server.api(`/api/v1/assessments/${a.id}/invitations`, { method: 'POST', role: 'viewer', json: {} }), 403);
  });

  test('the vendor answers through the portal, scoped to itself; wrong answers are refused naming the question; submit names what is missing', async () => {
    const a = await create(vendor.Acme);
    const hidden = await create(vendor.Acme);
    const theirs = await create(vendor.Globex);
    const before = smtp.messages.length;
    await json(await invite(a.id), 201);
    await json(await invite(theirs.id), 201);
    const mails = (await smtp.waitFor(before + 2)).slice(before);
    const acme = await open(linkIn(mails.find((m) => m.to[0] === 'security@acme.example')!.text)!);
    const globex = await open(linkIn(mails.find((m) => m.to[0] === 'security@globex.example')!.text)!);

    const list = await json<{ items: Array<{ id: string; status: string }> }>(await as(acme, '/api/v1/portal/assessments'));
    assert.ok(list.items.some((x) => x.id === a.id));
    assert.ok(!list.items.some((x) => x.id === hidden.id), 'a draft is not shown to the vendor');
    assert.ok(!list.items.some((x) => x.id === theirs.id), "another vendor's assessment is not listed");
    await problem(await as(acme, `/api/v1/portal/assessments/${hidden.id}`), 404);
    for (const [method, path, body] of [['GET', `/api/v1/portal/assessments/${theirs.id}`, undefined], ['PUT', `/api/v1/portal/assessments/${theirs.id}/answers`, { answers: [{ questionId: 'notify-hours', value: 24 }] }], ['POST', `/api/v1/portal/assessments/${theirs.id}/submit`, undefined]] as const) {
      await problem(await as(acme, path, { method, json: body }), 404);
    }

    const view = await json<{ sections: Array<{ questions: Array<Record<string, unknown>> }>; answers: unknown[]; products: unknown[] }>(await as(acme, `/api/v1/portal/assessments/${a.id}`));
    const questions = view.sections.flatMap((s) => s.questions);
    assert.ok(questions.some((q) => q.id === 'incident-plan-file' && q.type === 'file'));
    assert.ok(questions.every((q) => !('weight' in q) && !('controls' in q) && !('compliant' in q)), 'no scoring rules shown to the vendor');

    // Wrong types: the whole batch is refused, each bad question named, nothing saved.
    const bad = await problem(await as(acme, `/api/v1/portal/assessments/${a.id}/answers`, { method: 'PUT', json: { answers: [{ questionId: 'notify-hours', value: 'soon' }, { questionId: 'incident-plan', value: 'maybe' }, { questionId: 'round-the-clock', value: 'yes' }] } }), 422);
    assert.deepEqual(bad.errors?.map((e) => e.field).sort(), ['incident-plan', 'notify-hours']);
    assert.equal((await json<{ answers: unknown[] }>(await as(acme, `/api/v1/portal/assessments/${a.id}`))).answers.length, 0);

    // Evidence: another vendor's file is not an answer.
    const upload = async (token: string, name: string) =>
      json<{ id: string }>(await fetch(`${server.url}/api/v1/portal/files?name=${name}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf' }, body: new Uint8Array(PDF) }), 201);
    const ours = await upload(acme, 'ir-plan.pdf');
    const foreign = await upload(globex, 'theirs.pdf');
    const answers = [
      { questionId: 'notify-hours', value: 24 },
      { questionId: 'breach-notify-hours', value: 72 },
      { questionId: 'incident-plan', value: 'yes' },
      { questionId: 'incident-plan-file', value: foreign.id },
    ];
    assert.equal((await problem(await as(acme, `/api/v1/portal/assessments/${a.id}/answers`, { method: 'PUT', json: { answers } }), 422)).errors?.[0].field, 'incident-plan-file');
    answers[3].value = ours.id;
    const saved = await json<{ status: string; answers: Array<{ questionId: string; state: string }> }>(await as(acme, `/api/v1/portal/assessments/${a.id}/answers`, { method: 'PUT', json: { answers } }));
    assert.equal(saved.status, 'in_progress');
    assert.equal(saved.answers.length, 4);

    const missing = await problem(await as(acme, `/api/v1/portal/assessments/${a.id}/submit`, { method: 'POST' }), 422);
    assert.deepEqual(missing.errors?.map((e) => e.field).sort(), ['notify-channels', 'notify-contact', 'notify-in-contract', 'post-incident-report', 'round-the-clock', 'supplier-incidents']);

    const rest = [
      { questionId: 'notify-in-contract', value: 'yes' },
      { questionId: 'notify-channels', value: ['Phone call'] },
      { questionId: 'notify-contact', value: 'soc@acme.example, +1 555 0100' },
      { questionId: 'round-the-clock', value: 'partial' },
      { questionId: 'supplier-incidents', value: 'no' },
      { questionId: 'post-incident-report', value: 'A full root-cause report' },
    ];
    await json(await as(acme, `/api/v1/portal/assessments/${a.id}/answers`, { method: 'PUT', json: { answers: rest } }));
    assert.equal((await json<{ status: string }>(await as(acme, `/api/v1/portal/assessments/${a.id}/submit`, { method: 'POST' }))).status, 'submitted');
    await problem(await as(acme, `/api/v1/portal/assessments/${a.id}/answers`, { method: 'PUT', json: { answers: [{ questionId: 'notify-hours', value: 4 }] } }), 409);

    // The reviewer downloads the evidence (an attachment) and rejects one answer: the vendor sees why.
    const file = await server.api(`/api/v1/assessments/${a.id}/files/${ours.id}`, { role: 'viewer' });
    assert.equal(file.status, 200);
    assert.match(file.headers.get('content-disposition') ?? '', /^attachment/);
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), PDF);
    await problem(await server.api(`/api/v1/assessments/${a.id}/files/${foreign.id}`), 404);
    await problem(await server.api(`/api/v1/assessments/${theirs.id}/files/${ours.id}`), 404);
    await json(await server.api(`/api/v1/assessments/${a.id}/review`, { method: 'POST', role: 'analyst', json: { decisions: [{ questionId: 'notify-hours', verdict: 'reject', comment: 'Our contract requires 24 h or less for every incident, not only major ones.' }, { questionId: 'breach-notify-hours', verdict: 'accept', comment: 'internal note' }] } }));
    const back = await json<{ status: string; answers: Array<{ questionId: string; state: string; comment: string | null }> }>(await as(acme, `/api/v1/portal/assessments/${a.id}`));
    assert.equal(back.status, 'in_progress');
    const byId = new Map(back.answers.map((x) => [x.questionId, x]));
    assert.equal(byId.get('notify-hours')?.state, 'rejected');
    assert.match(byId.get('notify-hours')?.comment ?? '', /24 h or less/);
    assert.equal(byId.get('breach-notify-hours')?.comment, null, 'comments on accepted answers stay internal');
  });

  test('per-service questions ask one number for each business service the vendor delivers to us', async () => {
    const service = await json<{ id: string }>(await server.api('/api/v1/business-services', { method: 'POST', role: 'analyst', json: { name: 'Payroll', rtoMinutes: 240, vendorIds: [vendor.Acme] } }), 201);
    await json(await server.api('/api/v1/business-services', { method: 'POST', role: 'analyst', json: { name: 'Not theirs', vendorIds: [vendor.Globex] } }), 201);
    const templates = await json<{ items: Array<{ id: string; key: string | null }> }>(await server.api('/api/v1/assessments/templates'));
    const a = await json<{ id: string }>(await server.api('/api/v1/assessments', { method: 'POST', role: 'analyst', json: { vendorId: vendor.Acme, templateId: templates.items.find((t) => t.key === 'business-resilience')!.id, dueAt: daysFromNow(30) } }), 201);
    const url = (await json<{ url: string }>(await invite(a.id), 201)).url;
    const token = await open(url.split('#')[1]);
    const view = await json<{ services: Array<{ id: string; name: string }>; sections: Array<{ questions: Array<{ id: string; perService?: boolean; unit?: string }> }> }>(await as(token, `/api/v1/portal/assessments/${a.id}`));
    assert.deepEqual(view.services, [{ id: service.id, name: 'Payroll' }]);
    assert.equal(view.sections.flatMap((x) => x.questions).find((q) => q.id === 'rto')?.perService, true);
    const saved = await json<{ answers: Array<{ questionId: string; value: unknown }> }>(await as(token, `/api/v1/portal/assessments/${a.id}/answers`, { method: 'PUT', json: { answers: [{ questionId: 'rto', value: [{ serviceId: service.id, value: 4 }] }] } }));
    assert.deepEqual(saved.answers.find((x) => x.questionId === 'rto')?.value, [{ serviceId: service.id, value: 4 }]);
    await problem(await as(token, `/api/v1/portal/assessments/${a.id}/answers`, { method: 'PUT', json: { answers: [{ questionId: 'rpo', value: 4 }] } }), 422);
  });

  test('reminders: before the due date, then overdue every week, each once, to the invited contact with a fresh link', async () => {
    const soon = await create(vendor.Globex, daysFromNow(2));
    const late = await create(vendor.Globex, daysFromNow(-1));
    const quiet = await create(vendor.Globex, daysFromNow(20));
    for (const a of [soon, late, quiet]) await json(await invite(a.id), 201);
    const before = smtp.messages.length;
    await smtp.waitFor(before);
    const portal = server.tw.services.portal;
    const ctx = { actor: { type: 'system' as const, id: null, name: 'test', role: 'admin' as const }, requestId: null };
    const first = await portal.sendReminders(ctx);
    assert.ok(first.sent >= 2, `sent ${first.sent}`);
    const mails = (await smtp.waitFor(before + first.sent)).slice(before);
    const reminder = mails.find((m) => /^Reminder: .*due \d{4}-\d{2}-\d{2}/.test(m.subject) && m.text.includes(daysFromNow(2)));
    const overdue = mails.find((m) => /^Overdue: /.test(m.subject) && m.text.includes(daysFromNow(-1)));
    assert.ok(reminder && overdue, mails.map((m) => m.subject).join('\n'));
    assert.deepEqual(overdue.to, ['security@globex.example']);
    assert.ok(await open(linkIn(overdue.text)!), 'the reminder carries a working link');
    assert.ok(!mails.some((m) => m.text.includes(daysFromNow(20))), 'nothing for an assessment not yet due');

    // A second run sends nothing new; a week later (its due date moved back a week) the overdue one is reminded again.
    assert.equal((await portal.sendReminders(ctx)).sent, 0);
    const log = await server.tw.database.db.selectFrom('assessment_reminders').select(['assessment_id', 'kind']).where('assessment_id', 'in', [soon.id, late.id, quiet.id]).orderBy('kind').execute();
    assert.deepEqual(log.map((r) => [r.assessment_id === soon.id ? 'soon' : r.assessment_id === late.id ? 'late' : 'quiet', r.kind]).sort(), [['late', 'overdue-0'], ['soon', 'due-soon']]);
    await server.tw.database.db.updateTable('assessments').set({ due_at: daysFromNow(-8) }).where('id', '=', late.id).execute();
    const count = smtp.messages.length;
    assert.equal((await portal.sendReminders(ctx)).sent, 1);
    const [again] = (await smtp.waitFor(count + 1)).slice(count);
    assert.match(again.subject, /^Overdue: /);
    assert.equal((await portal.sendReminders(ctx)).sent, 0);
  });
});
