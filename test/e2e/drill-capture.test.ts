// A drill of the shipped critical-compromise playbook with its shipped 3CX scenario, through the
// HTTP API, on each engine: every effect the playbook has is captured in the drill and shown in its
// report (the SOAR webhook as the signed request it would send, the security e-mail, the C2 domains
// staged, the vendor questionnaire recorded) and none of it happened: a real webhook receiver and a
// real SMTP server on 127.0.0.1 (both allowed as targets) get nothing although the worker ran every
// queued job, the real outbox, delivery log, blocklist exports, indicators and the ICAP service's
// threat set stay empty.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ThreatSet } from '../../src/modules/icap/icap.threats.js';
import { describeEachEngine } from '../../src/platform/db/test-support/engines.js';
import { createWorker, startTestServer, type TestServer } from '../support/server.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';

const SECRET = 'soar-secret-0123456789abcdef';
// A few of the 3CX C2 domains of the public reports (CISA, CrowdStrike, SentinelOne) the shipped scenario names.
const C2 = ['msstorageazure.com', 'akamaicontainer.com', 'glcloudservice.com', 'akamaitechcloudservices.com', 'sbmsa.wiki'];

async function startReceiver(): Promise<{ url: string; received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const server: Server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describeEachEngine('a 3CX drill captures its effects and sends nothing', ({ engine }) => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let smtp: TestSmtp;
  const api = async <T = any>(path: string, init: Parameters<TestServer['api']>[1] = {}, status = 200): Promise<T> => {
    const res = await server.api(path, init);
    const text = await res.text();
    assert.equal(res.status, status, `${path}: ${text.slice(0, 800)}`);
    return (text ? JSON.parse(text) : null) as T;
  };

  before(async () => {
    receiver = await startReceiver();
    smtp = await startTestSmtp();
    server = await startTestServer(engine, { THIRDWATCH_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1/32', THIRDWATCH_SMTP_URL: `smtp://127.0.0.1:${smtp.port}?from=grc@example.com` });
  });
  after(async () => {
    await server?.close();
    await receiver?.close();
    await smtp?.close();
  });

  test('webhooks, notifications, blocks and the questionnaire are in the drill report; the receiver, the mailbox, the blocklist and the ICAP threat set get nothing', async () => {
    const vendor = await api('/api/v1/vendors', { method: 'POST', json: { name: '3CX', domains: ['3cx.com'], criticality: 4, shipsSoftware: true, autoUpdate: true, accessLevel: 'privileged', dataCategories: ['personal'] } }, 201);
    assert.equal(vendor.tier, 'T1');
    await api(`/api/v1/vendors/${vendor.id}/contacts`, { method: 'POST', json: { name: 'Vendor Security', email: 'security@3cx.example', isPrimary: true } }, 201);
    const soar = await api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'soar', type: 'webhook', config: { url: `${receiver.url}/soar`, secret: SECRET }, events: ['incident.compromise'] } }, 201);
    const chat = await api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'security chat', type: 'slack', config: { url: `${receiver.url}/slack` }, events: ['playbook.notify'], audiences: ['security'] } }, 201);
    const mail = await api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'security mail', type: 'email', config: { recipients: ['soc@example.com'] }, events: ['playbook.notify'], audiences: ['security'] } }, 201);
    const playbook = (await api<{ items: Array<{ id: string; key: string | null }> }>('/api/v1/playbooks')).items.find((p) => p.key === 'critical-vendor-software-compromise')!;
    assert.ok(playbook, 'the shipped critical-compromise playbook');

    // Only the vendor is given: the rest is the shipped 3CX scenario.
    const started = await api('/api/v1/drills', { method: 'POST', role: 'responder', json: { playbookId: playbook.id, scenario: { vendorId: vendor.id } } }, 201);
    assert.deepEqual([started.scenario.severity, started.scenario.source, started.scenario.vendorId], ['critical', 'correlation', vendor.id]);
    const scenarioDomains = started.scenario.indicators.filter((i: { type: string }) => i.type === 'domain').map((i: { value: string }) => i.value);
    for (const d of C2) assert.ok(scenarioDomains.includes(d), `the scenario names ${d}, refanged: ${scenarioDomains.join(', ')}`);

    // The worker runs everything queued, deliveries included, as `thirdwatch serve` would.
    await createWorker(server.tw, { pollMs: 10 }).drain();
    const drill = await api(`/api/v1/drills/${started.id}`, { role: 'viewer' });
    const step = (id: string) => drill.report.steps.find((s: { stepId: string }) => s.stepId === id);
    assert.deepEqual([step('block-c2').status, step('soar').status, step('notify-security').status, step('vendor-questionnaire').status], ['done', 'done', 'done', 'done']);
    const captured = drill.report.captured as Array<{ kind: string; stepId: string | null; target: string; summary: string; detail: any }>;
    const blocks = captured.filter((c) => c.kind === 'block');
    for (const d of C2) assert.ok(blocks.some((b) => b.target === d), `${d} staged: ${blocks.map((b) => b.target).join(', ')}`);
    assert.ok(blocks.every((b) => b.stepId === 'block-c2' && b.detail.status === 'staged'));
    const webhook = captured.find((c) => c.kind === 'webhook')!;
    assert.equal(webhook.target, 'soar (webhook)');
    assert.equal(webhook.detail.url, `${receiver.url}/soar`, 'the exact request it would have sent');
    assert.match(webhook.detail.headers['x-thirdwatch-signature'], /^sha256=[0-9a-f]{64}$/);
    const notifications = captured.filter((c) => c.kind === 'notification').map((c) => c.target).sort();
    assert.deepEqual(notifications, ['security chat (slack)', 'security mail (email)']);
    assert.ok(captured.some((c) => c.kind === 'questionnaire' && c.target === vendor.id));
    assert.deepEqual([drill.report.summary.blocks, drill.report.summary.webhooks, drill.report.summary.notifications, drill.report.summary.questionnaires], [blocks.length, 1, 2, 1]);

    // The drill's outbox rows are captured, never pending or sent.
    const drillOutbox = await api<{ items: Array<{ status: string }> }>(`/api/v1/notifications/outbox?drillId=${started.id}`);
    assert.equal(drillOutbox.items.length, 3);
    assert.ok(drillOutbox.items.every((m) => m.status === 'captured'), JSON.stringify(drillOutbox.items));

    // Finished, the report keeps them.
    const finished = await api(`/api/v1/drills/${started.id}/finish`, { method: 'POST', role: 'responder' });
    assert.equal(finished.report.summary.blocks, blocks.length);

    // Nothing really happened. The worker has had every chance to deliver; give stray sends a moment more.
    await createWorker(server.tw, { pollMs: 10 }).drain();
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(receiver.received, [], 'no webhook or chat message reached the receiver');
    assert.equal(smtp.messages.length, 0, 'no e-mail was sent (nor the portal invitation)');
    assert.equal((await api('/api/v1/notifications/outbox')).items.length, 0, 'nothing in the real outbox');
    for (const channel of [soar, chat, mail]) assert.equal((await api(`/api/v1/notifications/deliveries?channelId=${channel.id}`)).items.length, 0, `no delivery on ${channel.name}`);
    assert.equal((await api('/api/v1/egress/blocklist')).items.length, 0, 'no real blocklist entry');
    for (const format of ['domains', 'squid', 'rpz']) {
      const text = await (await server.api(`/api/v1/egress/blocklist?format=${format}`)).text();
      for (const d of C2) assert.ok(!text.includes(d), `${d} is not in the ${format} export`);
    }
    assert.equal((await api(`/api/v1/indicators?q=${C2[0]}`)).items.length, 0, 'the scenario made no indicator');
    assert.equal((await api(`/api/v1/assessments?vendorId=${vendor.id}`)).items.length, 0, 'no questionnaire reached the vendor');
    const threats = new ThreatSet(server.tw.database.db);
    await threats.reload();
    for (const d of C2) assert.equal(threats.match(d, '/'), null, `the ICAP service lets ${d} through`);

    // The control: the same receiver does get a real message through the same channel.
    await api(`/api/v1/notifications/channels/${soar.id}/test`, { method: 'POST' });
    assert.deepEqual(receiver.received, ['POST /soar']);
  });
});
