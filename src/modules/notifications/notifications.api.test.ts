import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { createWorker, startTestServer, type TestServer } from '../../../test/support/server.js';
import { startTestSmtp, type TestSmtp } from '../../../test/support/smtp.js';
import type { NotificationMessage } from './notifications.service.js';

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

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on 127.0.0.1 answering with whatever `answer` says for each request. */
async function startReceiver(answer: (req: Received, n: number) => { status: number; headers?: Record<string, string>; body?: string } = () => ({ status: 204 })) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const a = answer(r, received.length);
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A syslog collector on 127.0.0.1: TCP with octet-counted frames, and UDP. */
async function startSyslog() {
  const messages: string[] = [];
  const tcp = net.createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const space = buffer.indexOf(0x20);
        if (space < 0) return;
        const length = Number(buffer.subarray(0, space).toString());
        assert.ok(Number.isInteger(length) && length > 0, `octet count, got ${buffer.subarray(0, space).toString()}`);
        if (buffer.length < space + 1 + length) return;
        messages.push(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
        buffer = buffer.subarray(space + 1 + length);
      }
    });
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg) => messages.push(msg.toString('utf8')));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  return {
    tcpPort: (tcp.address() as net.AddressInfo).port,
    udpPort: udp.address().port,
    messages,
    async waitFor(count: number) {
      for (let i = 0; i < 200 && messages.length < count; i++) await new Promise((r) => setTimeout(r, 10));
      return messages;
    },
    close: async () => {
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      udp.close();
    },
  };
}

const SECRET = 'whsec-0123456789abcdef';
const verify = (r: Received, secret = SECRET) =>
  r.headers['x-thirdwatch-signature'] === `sha256=${createHmac('sha256', secret).update(`${r.headers['x-thirdwatch-timestamp']}.${r.body}`).digest('hex')}`;

describeEachEngine('notifications', ({ engine }) => {
  let server: TestServer;
  let smtp: TestSmtp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let syslog: Awaited<ReturnType<typeof startSyslog>>;
  let worker: ReturnType<typeof createWorker>;
  let failNext = 0;

  before(async () => {
    smtp = await startTestSmtp();
    syslog = await startSyslog();
    receiver = await startReceiver(() => (failNext-- > 0 ? { status: 503, body: 'down for maintenance' } : { status: 200, body: 'ok' }));
    server = await startTestServer(engine, { THIRDWATCH_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1/32' });
    worker = createWorker(server.tw);
  });
  after(async () => {
    await server?.close();
    await smtp?.close();
    await receiver?.close();
    await syslog?.close();
  });

  const ctx = systemContext('test');
  const enqueue = (msg: NotificationMessage) => server.tw.database.db.transaction().execute((trx) => server.tw.services.notifications.enqueue(trx, msg, ctx));
  const create = async (body: Record<string, unknown>) => json<{ id: string; name: string; config: Record<string, unknown> }>(await server.api('/api/v1/notifications/channels', { method: 'POST', json: body }), 201);
  const outbox = async (id: string) => (await server.tw.database.db.selectFrom('notification_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  /** Makes a scheduled retry due now, as time passing would. */
  const due = async () => server.tw.database.db.updateTable('jobs').set({ run_at: new Date(Date.now() - 1000).toISOString() }).where('kind', '=', 'notifications.deliver').where('status', '=', 'queued').execute();

  test('channels: created, listed with secrets write-only, *** keeps a secret, names unique, config checked per type', async () => {
    const hook = await create({ name: 'SOAR', type: 'webhook', config: { url: `${receiver.url}/soar?token=abc123`, secret: SECRET }, events: ['incident.created', 'clock.breached'], audiences: ['security'] });
    assert.equal(hook.config.secret, '***');
    assert.equal(hook.config.url, `${receiver.url}/soar?token=***`);
    const listed = await json<{ items: Array<{ name: string; config: Record<string, unknown> }> }>(await server.api('/api/v1/notifications/channels'));
    assert.ok(!JSON.stringify(listed).includes(SECRET) && !JSON.stringify(listed).includes('abc123'));
    // Written back as shown: the stored secret and URL stay.
    await json(await server.api(`/api/v1/notifications/channels/${hook.id}`, { method: 'PATCH', json: { config: hook.config } }));
    const stored = await server.tw.database.db.selectFrom('notification_channels').select('config').where('id', '=', hook.id).executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(stored.config), { url: `${receiver.url}/soar?token=abc123`, secret: SECRET });

    const dup = await problem(await server.api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'SOAR', type: 'email', config: { recipients: ['a@example.com'] }, events: ['*'] } }), 409);
    assert.equal(dup.errors?.[0].field, '/name');
    const wrong = await problem(await server.api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'x', type: 'syslog', config: { recipients: ['a@example.com'] }, events: [] } }), 400);
    assert.ok(wrong.errors?.some((e) => e.field.startsWith('/config')), JSON.stringify(wrong));
    const weak = await problem(await server.api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'y', type: 'webhook', config: { url: receiver.url, secret: 'short' }, events: [] } }), 400);
    assert.ok(weak.errors?.some((e) => e.field === '/config/secret'), JSON.stringify(weak));
    await problem(await server.api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'z', type: 'webhook', config: { url: 'ftp://example.com/', secret: SECRET }, events: [] } }), 400);
    await problem(await server.api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'z', type: 'slack', config: { url: 'https://hooks.example.com/***' }, events: [] } }), 400);
    await problem(await server.api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'z', type: 'email', config: { recipients: ['a@example.com'] }, events: ['Not An Event'] } }), 400);
    await problem(await server.api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'z', type: 'email', config: { recipients: ['a@example.com'] }, events: [], audiences: ['marketing'] } }), 400);
    await problem(await server.api('/api/v1/notifications/channels', { role: 'analyst', method: 'POST', json: { name: 'z', type: 'email', config: { recipients: ['a@example.com'] }, events: [] } }), 403);

    const audit = await (await server.api(`/api/v1/audit?entityId=${hook.id}`, { role: 'auditor' })).text();
    assert.match(audit, /notifications\.channel\.create/);
    assert.ok(!audit.includes(SECRET), 'the audit trail never shows the secret');
  });

  test('a webhook is signed, retried with backoff while the receiver is down, logged per attempt, and never blocks the caller', async () => {
    const before = receiver.received.length;
    failNext = 1;
    const { outboxIds, unrouted } = await enqueue({ event: 'incident.created', subject: 'New incident', text: 'Something happened', data: { incident: { title: '3CX compromise', severity: 'critical' } }, incidentId: '01900000-0000-7000-8000-0000000000aa' });
    assert.equal(unrouted, false);
    assert.equal(outboxIds.length, 1);
    assert.equal((await outbox(outboxIds[0])).status, 'pending');

    await worker.drain();
    let row = await outbox(outboxIds[0]);
    assert.equal(row.status, 'failed');
    assert.equal(Number(row.attempts), 1);
    assert.match(row.last_error ?? '', /HTTP 503: down for maintenance/);
    assert.ok(Date.parse(row.next_attempt_at!) > Date.now(), 'the next attempt waits');
    assert.equal(await worker.drain(), 0, 'nothing is due before the backoff');

    await due();
    await worker.drain();
    row = await outbox(outboxIds[0]);
    assert.equal(row.status, 'sent');
    const [first, second] = receiver.received.slice(before);
    assert.equal(receiver.received.length - before, 2);
    for (const r of [first, second]) {
      assert.equal(r.method, 'POST');
      assert.equal(r.url, '/soar?token=abc123');
      assert.ok(verify(r), 'valid HMAC-SHA256 over "<timestamp>.<body>"');
      assert.equal(r.headers['x-thirdwatch-event'], 'incident.created');
      assert.equal(r.headers['x-thirdwatch-delivery'], outboxIds[0]);
      assert.ok(Math.abs(Number(r.headers['x-thirdwatch-timestamp']) - Date.now() / 1000) < 60);
    }
    const body = JSON.parse(second.body);
    assert.equal(body.id, outboxIds[0]);
    assert.equal(body.event, 'incident.created');
    assert.equal(body.subject, '[Thirdwatch] New critical incident: 3CX compromise');
    assert.match(body.text, /Something happened/);
    assert.equal(body.data.incident.title, '3CX compromise');
    assert.equal(first.body, second.body, 'a retry sends the same body');

    const log = await json<{ items: Array<{ attempt: number; outcome: string; statusCode: number | null; error: string | null; durationMs: number; target: string }> }>(await server.api(`/api/v1/notifications/deliveries?outboxId=${outboxIds[0]}`));
    assert.deepEqual(log.items.map((d) => [d.attempt, d.outcome, d.statusCode]), [[2, 'sent', 200], [1, 'failed', 503]]);
    assert.ok(log.items.every((d) => d.durationMs >= 0 && d.target.endsWith('/soar?token=***')));

    // A channel nobody can reach: the caller's transaction commits at once, the attempts fail until dead.
    const closed = await startReceiver();
    await closed.close();
    await create({ name: 'Down', type: 'webhook', config: { url: `${closed.url}/`, secret: SECRET }, events: ['test.down'] });
    const started = Date.now();
    const down = await enqueue({ event: 'test.down', subject: 'x', data: {} });
    assert.ok(Date.now() - started < 2000);
    await server.tw.database.db.updateTable('notification_outbox').set({ max_attempts: 2 }).where('id', '=', down.outboxIds[0]).execute();
    await worker.drain();
    await due();
    await worker.drain();
    const dead = await outbox(down.outboxIds[0]);
    assert.equal(dead.status, 'dead');
    assert.match(dead.last_error ?? '', /ECONNREFUSED/);
    // Retried by hand: another round.
    const retried = await json<{ status: string }>(await server.api(`/api/v1/notifications/outbox/${down.outboxIds[0]}/retry`, { method: 'POST' }));
    assert.equal(retried.status, 'pending');
    assert.deepEqual(await server.tw.services.notifications.deliver(down.outboxIds[0], { attempt: 2 }), { outcome: 'skipped' }, 'a job for an attempt already made does nothing');
    await worker.drain();
    const third = await outbox(down.outboxIds[0]);
    assert.deepEqual([third.status, Number(third.attempts)], ['failed', 3]);
    await problem(await server.api(`/api/v1/notifications/outbox/${down.outboxIds[0]}/retry`, { method: 'POST' }), 409);
    await problem(await server.api(`/api/v1/notifications/outbox/${outboxIds[0]}/retry`, { method: 'POST' }), 409);
    const dead2 = await json<{ items: Array<{ id: string }> }>(await server.api('/api/v1/notifications/outbox?status=failed'));
    assert.ok(dead2.items.some((i) => i.id === down.outboxIds[0]));
  });

  test('routing: by name, by event or "*", by audience; disabled channels and unknown names are unrouted', async () => {
    const all = await create({ name: 'Everything', type: 'slack', config: { url: `${receiver.url}/services/T000/B000/XXXX` }, events: ['*'] });
    const legal = await create({ name: 'Legal mail', type: 'email', config: { recipients: ['legal@example.com'] }, events: [], audiences: ['legal'] });
    const off = await create({ name: 'Off', type: 'email', config: { recipients: ['off@example.com'] }, events: ['*'], enabled: false });
    const channelsOf = async (ids: string[]) => (await Promise.all(ids.map(outbox))).map((r) => r.channel_name).sort();

    assert.deepEqual(await channelsOf((await enqueue({ event: 'routing.check', subject: 's', data: {} })).outboxIds), ['Everything']);
    assert.deepEqual(await channelsOf((await enqueue({ event: 'routing.check', subject: 's', data: {}, audience: 'legal' })).outboxIds), ['Everything', 'Legal mail']);
    assert.deepEqual(await channelsOf((await enqueue({ event: 'clock.breached', subject: 's', data: {} })).outboxIds), ['Everything', 'SOAR']);
    assert.deepEqual(await channelsOf((await enqueue({ event: 'anything', subject: 's', data: {}, channel: 'Legal mail' })).outboxIds), ['Legal mail']);
    assert.deepEqual(await enqueue({ event: 'anything', subject: 's', data: {}, channel: 'Off' }), { outboxIds: [], unrouted: true });
    assert.deepEqual(await enqueue({ event: 'anything', subject: 's', data: {}, channel: 'No such channel' }), { outboxIds: [], unrouted: true });
    for (const id of [all.id, legal.id, off.id]) assert.equal((await server.api(`/api/v1/notifications/channels/${id}`, { method: 'DELETE' })).status, 204);
    await server.tw.database.db.updateTable('notification_outbox').set({ status: 'dead' }).where('status', '=', 'pending').execute();
  });

  test('Slack, e-mail and syslog (TCP and UDP) deliver with the event template; values are escaped where markup could form', async () => {
    await json(await server.api('/api/v1/settings/smtp', { method: 'PUT', json: { enabled: true, host: smtp.host, port: smtp.port, security: 'none', username: null, password: null, from: 'alerts@example.com', timeoutSeconds: 10 } }));
    const slack = await create({ name: 'Slack', type: 'slack', config: { url: `${receiver.url}/services/T000/B000/XXXX` }, events: ['clock.breached'] });
    assert.equal(slack.config.url, `${receiver.url}/***`);
    await create({ name: 'Mail', type: 'email', config: { recipients: ['dpo@example.com', 'ciso@example.com'] }, events: ['clock.breached'] });
    await create({ name: 'SIEM TCP', type: 'syslog', config: { host: '127.0.0.1', port: syslog.tcpPort, transport: 'tcp', facility: 4, appName: 'thirdwatch' }, events: ['clock.breached'] });
    await create({ name: 'SIEM UDP', type: 'syslog', config: { host: '127.0.0.1', port: syslog.udpPort, transport: 'udp', facility: 16, appName: 'thirdwatch' }, events: ['clock.breached'] });
    const before = { http: receiver.received.length, mail: smtp.messages.length, syslog: syslog.messages.length };
    const { outboxIds } = await enqueue({
      event: 'clock.breached',
      subject: 'GDPR deadline missed',
      text: 'The 72-hour clock ran out.',
      data: { incident: { title: 'Breach at <b>Acme</b> & "Co"', severity: 'critical' }, clock: { kind: 'gdpr-72h', dueAt: '2026-12-06T10:00:00.000Z' } },
      incidentId: '01900000-0000-7000-8000-0000000000bb',
    });
    assert.equal(outboxIds.length, 5, 'SOAR subscribes to clock.breached too');
    await worker.drain();
    for (const id of outboxIds) assert.equal((await outbox(id)).status, 'sent', `${(await outbox(id)).channel_name}: ${(await outbox(id)).last_error}`);

    const slackPost = receiver.received.slice(before.http).find((r) => r.url === '/services/T000/B000/XXXX')!;
    const message = JSON.parse(slackPost.body);
    assert.equal(message.text, '[Thirdwatch] Deadline missed: gdpr-72h on Breach at &lt;b&gt;Acme&lt;/b&gt; &amp; "Co"');
    assert.equal(message.blocks[0].type, 'header');
    assert.equal(message.blocks[1].type, 'section');
    assert.match(message.blocks[1].text.text, /Clock: gdpr-72h\nDue: 2026-12-06T10:00:00\.000Z\nhttp:\/\/127\.0\.0\.1:\d+\/incidents\/01900000-0000-7000-8000-0000000000bb/);
    assert.equal(slackPost.headers['x-thirdwatch-signature'], undefined, 'Slack gets no signature: its URL is the secret');

    const [mail] = (await smtp.waitFor(before.mail + 1)).slice(before.mail);
    assert.deepEqual(mail.to.sort(), ['ciso@example.com', 'dpo@example.com']);
    assert.equal(mail.subject, '[Thirdwatch] Deadline missed: gdpr-72h on Breach at <b>Acme</b> & "Co"');
    assert.match(mail.text, /Incident: Breach at <b>Acme<\/b> & "Co" \(critical\)/);
    assert.match(mail.raw, /text\/html/);
    assert.match(mail.raw.replace(/=\r\n/g, '').replace(/=3D/g, '='), /Breach at &lt;b&gt;Acme&lt;\/b&gt; &amp; &quot;Co&quot;/);
    assert.ok(!/<b>Acme<\/b>/.test(mail.raw.split(/text\/html/)[1]), 'no live markup from a value in the HTML part');

    const lines = (await syslog.waitFor(before.syslog + 2)).slice(before.syslog);
    const rfc5424 = /^<(\d+)>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) thirdwatch (\d+) clock\.breached \[thirdwatch@32473 event="clock\.breached" delivery="[0-9a-f-]{36}" incident="01900000-0000-7000-8000-0000000000bb"\] \uFEFF(.*)$/;
    const pris = lines.map((l) => Number(rfc5424.exec(l)?.[1])).sort((a, b) => a - b);
    assert.deepEqual(pris, [4 * 8 + 2, 16 * 8 + 2], lines.join('\n'));
    for (const line of lines) assert.match(rfc5424.exec(line)![5], /^\[Thirdwatch\] Deadline missed: gdpr-72h on Breach at <b>Acme<\/b> & "Co" — The 72-hour clock ran out\. Incident:/);
  });

  test('templates: shipped defaults, replaced and reset; placeholders reach only the data', async () => {
    const shipped = await json<{ subject: string; shipped: boolean }>(await server.api('/api/v1/notifications/templates/incident.status'));
    assert.equal(shipped.shipped, true);
    const generic = await json<{ subject: string; body: string }>(await server.api('/api/v1/notifications/templates/custom.event'));
    assert.deepEqual([generic.subject, generic.body], ['{{subject}}', '{{text}}']);
    // An event named like an Object.prototype key has no shipped template, and sends as given.
    const proto = await json<{ subject: string; default: unknown }>(await server.api('/api/v1/notifications/templates/constructor'));
    assert.deepEqual([proto.subject, proto.default], ['{{subject}}', null]);
    await create({ name: 'Proto', type: 'email', config: { recipients: ['p@example.com'] }, events: ['constructor'] });
    const sent = await enqueue({ event: 'constructor', subject: 'plain subject', text: 'plain text', data: {} });
    assert.deepEqual([(await outbox(sent.outboxIds[0])).subject, (await outbox(sent.outboxIds[0])).body], ['plain subject', 'plain text']);
    const list = await json<{ items: Array<{ event: string }> }>(await server.api('/api/v1/notifications/templates'));
    assert.ok(['clock.breached', 'incident.created', 'notification.test'].every((e) => list.items.some((t) => t.event === e)));

    const put = await json<{ shipped: boolean; updatedBy: string }>(
      await server.api('/api/v1/notifications/templates/custom.event', { method: 'PUT', json: { subject: 'Vendor {{vendor.name}} {{constructor}}{{__proto__}}{{vendor.name.length}}', body: 'Tier {{vendor.tier}}; {{missing.value}}|{{ vendor.tags }}' } }),
    );
    assert.equal(put.shipped, false);
    await create({ name: 'Custom', type: 'webhook', config: { url: `${receiver.url}/custom`, secret: SECRET }, events: ['custom.event'] });
    const { outboxIds } = await enqueue({ event: 'custom.event', subject: 'ignored', data: { vendor: { name: '3CX', tier: 'T1', tags: ['voip', 'desktop'] } } });
    const row = await outbox(outboxIds[0]);
    assert.equal(row.subject, 'Vendor 3CX');
    assert.equal(row.body, 'Tier T1; |voip, desktop');
    await problem(await server.api('/api/v1/notifications/templates/Bad Event', { method: 'PUT', json: { subject: 'x', body: 'y' } }), 400);
    await problem(await server.api('/api/v1/notifications/templates/custom.event', { method: 'PUT', json: { subject: '', body: 'y' } }), 400);
    const reset = await json<{ subject: string; shipped: boolean }>(await server.api('/api/v1/notifications/templates/custom.event', { method: 'DELETE' }));
    assert.deepEqual([reset.subject, reset.shipped], ['{{subject}}', true]);
    await worker.drain();
  });

  test('drills: messages are captured with the exact signed request, never sent, and kept out of the real outbox', async () => {
    const before = receiver.received.length;
    const drillId = '01900000-0000-7000-8000-00000000d011';
    const ctxDrill = systemContext('drill');
    const result = await server.tw.database.db.transaction().execute(async (trx) => {
      const n = server.tw.services.notifications;
      const sent = await n.enqueue(trx, { event: 'incident.created', subject: 'Drill incident', data: { incident: { title: 'Drill', severity: 'high' } }, drillId }, ctxDrill);
      const hook = await n.webhook(trx, { channel: 'SOAR', event: 'playbook.webhook', payload: { ticket: { title: 'Block C2' }, domains: ['msstorageazure.com'] }, drillId }, ctxDrill);
      return { sent, hook };
    });
    assert.ok(result.hook.outboxId);
    await worker.drain();
    assert.equal(receiver.received.length, before, 'nothing was sent');
    const captured = await server.tw.services.notifications.captured(drillId);
    assert.ok(captured.length >= 2);
    assert.ok(captured.every((c) => c.status === 'captured' && c.drillId === drillId));
    const call = captured.find((c) => c.id === result.hook.outboxId)!;
    assert.equal(call.request?.body, JSON.stringify({ ticket: { title: 'Block C2' }, domains: ['msstorageazure.com'] }));
    assert.equal(call.request?.url, `${receiver.url}/soar?token=***`);
    assert.ok(verify({ method: 'POST', url: '', headers: call.request!.headers, body: call.request!.body }), 'the captured request carries a valid signature');
    assert.equal(call.request?.headers['x-thirdwatch-event'], 'playbook.webhook');
    const real = await json<{ items: Array<{ drillId: string | null }> }>(await server.api('/api/v1/notifications/outbox?limit=500'));
    assert.ok(real.items.every((i) => i.drillId === null));
    const drill = await json<{ items: Array<{ id: string }> }>(await server.api(`/api/v1/notifications/outbox?drillId=${drillId}`));
    assert.equal(drill.items.length, captured.length);

    // The real call: the payload is the body, exactly.
    const real2 = await server.tw.database.db.transaction().execute((trx) => server.tw.services.notifications.webhook(trx, { channel: 'SOAR', event: 'playbook.webhook', payload: { a: 1 } }, ctx));
    await worker.drain();
    const got = receiver.received.slice(before).find((r) => r.headers['x-thirdwatch-delivery'] === real2.outboxId)!;
    assert.equal(got.body, '{"a":1}');
    assert.ok(verify(got));
    assert.deepEqual(await server.tw.database.db.transaction().execute((trx) => server.tw.services.notifications.webhook(trx, { channel: 'Nope', event: 'x', payload: {} }, ctx)), { outboxId: null });
  });

  test('the test button sends now, also through a disabled channel, and reports failures without retrying them', async () => {
    const ok = await create({ name: 'Test me', type: 'webhook', config: { url: `${receiver.url}/test`, secret: SECRET }, events: [], enabled: false });
    const result = await json<{ outcome: string; statusCode: number }>(await server.api(`/api/v1/notifications/channels/${ok.id}/test`, { method: 'POST' }));
    assert.deepEqual([result.outcome, result.statusCode], ['sent', 200]);
    const got = receiver.received.at(-1)!;
    assert.equal(got.url, '/test');
    assert.equal(got.headers['x-thirdwatch-event'], 'notification.test');
    assert.match(JSON.parse(got.body).subject, /Test message for Test me/);

    failNext = 1;
    const bad = await json<{ outcome: string; statusCode: number; error: string; outboxId: string }>(await server.api(`/api/v1/notifications/channels/${ok.id}/test`, { method: 'POST' }));
    assert.deepEqual([bad.outcome, bad.statusCode], ['failed', 503]);
    assert.equal((await outbox(bad.outboxId)).status, 'dead');
    const listed = await json<{ lastDelivery: { outcome: string } }>(await server.api(`/api/v1/notifications/channels/${ok.id}`));
    assert.equal(listed.lastDelivery.outcome, 'failed');
    await problem(await server.api(`/api/v1/notifications/channels/01900000-0000-7000-8000-000000000000/test`, { method: 'POST' }), 404);
  });
});
