import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { systemContext } from '../../platform/context.js';
import { createWorker, startTestServer, type TestServer } from '../../../test/support/server.js';
import type { RunDetail } from './playbooks.service.js';

const SECRET = 'soar-shared-secret-0123456789';
const C2 = ['akamaicontainer.com', 'msstorageazure.com'];
const INSTALLER_SHA256 = 'aa124a4b4df12b34e74ee7f6c683b2ebec4ce9a8edcf9be345823b4fdcf5d868';

async function json<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

/** A STIX bundle as a feed publishes it: the installer hash and the C2 domains together. */
function bundle(): string {
  const indicator = (pattern: string) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: '2023-03-30T00:00:00.000Z', modified: '2023-03-30T00:00:00.000Z', pattern, pattern_type: 'stix', valid_from: '2023-03-30T00:00:00Z' });
  return JSON.stringify({
    type: 'bundle',
    id: `bundle--${randomUUID()}`,
    objects: [indicator(`[file:hashes.'SHA-256' = '${INSTALLER_SHA256}']`), ...C2.map((d) => indicator(`[domain-name:value = '${d}']`))],
  });
}

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describeEachEngine('shipped playbooks', ({ engine }) => {
  describe('on incidents of a T1 software vendor (real blocklist, portal, and a webhook receiver on 127.0.0.1)', () => {
    let server: TestServer;
    let receiver: Server;
    const received: Received[] = [];
    let vendorId: string;
    const drain = () => createWorker(server.tw, { pollMs: 10 }).drain();

    before(async () => {
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const port = (receiver.address() as { port: number }).port;
      server = await startTestServer(engine, { THIRDWATCH_OUTBOUND_ALLOW_PRIVATE: 'true' });
      await json(await server.api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'soar', type: 'webhook', config: { url: `http://127.0.0.1:${port}/hook`, secret: SECRET }, events: ['incident.compromise'] } }), 201);
      const vendor = await json(await server.api('/api/v1/vendors', {
        method: 'POST',
        json: { name: 'Softphone Inc', domains: ['softphone.example'], dataCategories: ['personal'], accessLevel: 'privileged', criticality: 4, substitutability: 4, shipsSoftware: true, autoUpdate: true },
      }), 201);
      vendorId = vendor.id;
      if (vendor.tier !== 'T1') await server.tw.database.db.updateTable('vendors').set({ tier: 'T1' }).where('id', '=', vendorId).execute();
      await json(await server.api(`/api/v1/vendors/${vendorId}/contacts`, { method: 'POST', json: { name: 'PSIRT', email: 'psirt@softphone.example', isPrimary: true } }), 201);
      const imported = await server.api('/api/v1/feeds/stix/import', { method: 'POST', body: bundle(), headers: { 'content-type': 'application/json' } });
      assert.ok([200, 202].includes(imported.status), await imported.text());
      // A large import is a job: run it.
      await drain();
    });
    after(async () => {
      await server?.close();
      await new Promise((resolve) => receiver?.close(resolve));
    });

    async function incidentWithHash(title: string): Promise<string> {
      const { id } = await json<{ id: string }>(await server.api('/api/v1/incidents', { method: 'POST', json: { title, severity: 'critical', vendorIds: [vendorId] } }), 201);
      const hash = (await json(await server.api(`/api/v1/indicators?type=sha256&value=${INSTALLER_SHA256}`), 200)).items[0];
      await json(await server.api(`/api/v1/incidents/${id}/links`, { method: 'POST', json: { kind: 'indicator', targetId: hash.id } }), 201);
      return id;
    }

    test('blocks the C2 domains of the hash\'s source document, tasks five teams, sends the questionnaire and signs the webhook to the channel subscribed to incident.compromise', async () => {
      const id = await incidentWithHash('Trojanized softphone installer');
      await drain();
      const [run] = (await json<{ items: RunDetail[] }>(await server.api(`/api/v1/playbook-runs?incidentId=${id}`), 200)).items;
      assert.equal(run.playbookName, 'Critical vendor software compromise');
      assert.equal(run.status, 'waiting', JSON.stringify(run.steps.map((s) => [s.stepId, s.status, s.error])));
      assert.deepEqual((run.steps.find((s) => s.stepId === 'block-c2')!.output as { added: string[] }).added, C2);
      const blocklist = await (await server.api('/api/v1/egress/blocklist?format=domains')).text();
      for (const domain of C2) assert.match(blocklist, new RegExp(`^${domain.replace('.', '\\.')}$`, 'm'));

      const tasks = (await json(await server.api(`/api/v1/incidents/${id}`), 200)).tasks as Array<{ team: string; stepId: string | null }>;
      assert.deepEqual([...new Set(tasks.filter((t) => t.stepId).map((t) => t.team))].sort(), ['compliance', 'it', 'legal', 'privacy', 'security']);
      const assessments = (await json(await server.api(`/api/v1/assessments?vendorId=${vendorId}`), 200)).items as Array<{ status: string; templateName: string }>;
      assert.equal(assessments.length, 1);
      assert.equal(assessments[0].status, 'sent');

      for (let i = 0; i < 50 && !received.length; i++) {
        await drain();
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(received.length, 1);
      const [hook] = received;
      const timestamp = String(hook.headers['x-thirdwatch-timestamp']);
      const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${hook.body}`).digest('hex')}`;
      assert.equal(hook.headers['x-thirdwatch-signature'], expected);
      assert.equal(hook.headers['x-thirdwatch-event'], 'incident.compromise');
      const message = JSON.parse(hook.body) as { event: string; incidentId: string; data: { incident: { id: string }; summary: string; indicators: Array<{ value: string }>; playbook: { name: string } } };
      assert.equal(message.event, 'incident.compromise');
      assert.equal(message.incidentId, id);
      const payload = message.data;
      assert.equal(payload.incident.id, id);
      assert.equal(payload.summary, 'Softphone Inc software compromise: Trojanized softphone installer');
      assert.equal(payload.playbook.name, 'Critical vendor software compromise');
      assert.deepEqual(payload.indicators.map((i) => i.value).sort(), [...C2, INSTALLER_SHA256].sort());
    });

    test('in a drill the same playbook stages its blocks, captures its webhook and sends nothing', async () => {
      const playbook = (await server.tw.services.playbooks.list()).find((p) => p.key === 'critical-vendor-software-compromise')!;
      // Disabled, it starts on nothing by itself; a drill still runs it.
      await json(await server.api(`/api/v1/playbooks/${playbook.id}/disable`, { method: 'POST' }), 200);
      const id = await incidentWithHash('Drill: trojanized installer');
      await drain();
      const before = { hooks: received.length, assessments: (await json(await server.api(`/api/v1/assessments?vendorId=${vendorId}`), 200)).items.length };
      assert.deepEqual(await server.tw.services.playbooks.runsOf({ incidentId: id }), []);
      const drillId = randomUUID();
      const { runId } = await server.tw.database.db.transaction().execute((trx) => server.tw.services.playbooks.startRun(trx, id, playbook.id, systemContext('test'), { drillId }));
      await drain();
      const run = await json<RunDetail>(await server.api(`/api/v1/playbook-runs/${runId}`), 200);
      assert.equal(run.drillId, drillId);
      assert.equal(run.status, 'waiting');
      assert.deepEqual((run.steps.find((s) => s.stepId === 'vendor-questionnaire')!.output as { sent: unknown[] }).sent, [{ vendorId, assessmentId: null, captured: true }]);
      const captured = await server.tw.services.notifications.captured(drillId);
      assert.ok(captured.some((c) => c.event === 'incident.compromise'), JSON.stringify(captured.map((c) => c.event)));
      await new Promise((r) => setTimeout(r, 300));
      await drain();
      assert.equal(received.length, before.hooks, 'a drill sends no webhook');
      assert.equal((await json(await server.api(`/api/v1/assessments?vendorId=${vendorId}`), 200)).items.length, before.assessments);
    });

    test('the ransomware playbook: the input step branches on the restoration estimate, escalates, and waits for recovery', async () => {
      const { id } = await json<{ id: string }>(await server.api('/api/v1/incidents', { method: 'POST', json: { title: 'Ransomware outage at Softphone Inc', severity: 'high', vendorIds: [vendorId] } }), 201);
      await drain();
      const runs = (await json<{ items: RunDetail[] }>(await server.api(`/api/v1/playbook-runs?incidentId=${id}`), 200)).items;
      const run = runs.find((r) => r.playbookName === 'Vendor ransomware outage')!;
      assert.equal(run.status, 'waiting');
      const input = (await json(await server.api(`/api/v1/incidents/${id}`), 200)).tasks.find((t: { stepId: string; runId: string }) => t.stepId === 'restoration-estimate' && t.runId === run.id);
      assert.deepEqual(input.form.fields.map((f: { id: string }) => f.id), ['restore-hours', 'data-exfiltrated']);
      await json(await server.api(`/api/v1/incidents/${id}/tasks/${input.id}/complete`, { method: 'POST', json: { answer: { 'restore-hours': 36, 'data-exfiltrated': 'no' } } }), 200);
      await drain();
      let detail = await json(await server.api(`/api/v1/incidents/${id}`), 200);
      assert.equal(detail.severity, 'critical', 'more than 24 hours: escalated');
      let now = await json<RunDetail>(await server.api(`/api/v1/playbook-runs/${run.id}`), 200);
      assert.equal(now.steps.find((s) => s.stepId === 'wait-restored')!.status, 'waiting');
      await json(await server.api(`/api/v1/incidents/${id}/status`, { method: 'POST', json: { status: 'recovered' } }), 200);
      await drain();
      now = await json<RunDetail>(await server.api(`/api/v1/playbook-runs/${run.id}`), 200);
      assert.equal(now.status, 'done');
      detail = await json(await server.api(`/api/v1/incidents/${id}`), 200);
      assert.ok(detail.tasks.some((t: { stepId: string; runId: string }) => t.stepId === 'lessons' && t.runId === run.id));
    });
  });
});
