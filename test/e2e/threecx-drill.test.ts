// The 3CX drill end to end (DESIGN §2), on each engine: the demo organisation (3CX as a T1 vendor
// shipping a softphone), a SOAR webhook channel pointing at a receiver on 127.0.0.1, a worker
// running as in `thirdwatch serve`. Then one STIX 2.1 bundle with the trojanized release's
// installer SHA-256 and the C2 domains is imported, and within seconds: the sighting opened an
// incident (source correlation) for 3CX, the critical-compromise playbook ran (tasks for the five
// teams, the incident-notification questionnaire sent through the portal, the C2 domains on the
// blocklist export, the SOAR webhook received with a valid signature), and the audit trail and the
// risk register have it. The time from the import to the C2 domains in the blocklist is printed.
// Then a POST of customer e-mails to a C2 domain, asked of the ICAP service as a proxy would, is
// blocked with the explanation page, recorded as an egress event and raised as an egress alert.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { demoArtifactBytes, demoInstallerName, loadDemoArtifacts } from '../../src/modules/integrity/integrity.demo.js';
import { loadDemo } from '../../src/modules/vendors/demo.js';
import { loadDemoSboms } from '../../src/modules/sboms/sboms.demo.js';
import { systemContext } from '../../src/platform/context.js';
import { describeEachEngine } from '../../src/platform/db/test-support/engines.js';
import { createIcap } from '../../src/app/thirdwatch.js';
import { IcapTestClient, reqmod } from '../support/icap-client.js';
import { createWorker, startTestServer, type TestServer } from '../support/server.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';

const RELEASE = '18.12.416';
const TAMPERED_SHA256 = createHash('sha256').update(demoArtifactBytes(RELEASE, demoInstallerName(RELEASE), true)).digest('hex');
const C2 = ['msstorageazure.com', 'akamaicontainer.com', 'glcloudservice.com'];
const SECRET = 'soar-secret-0123456789abcdef';

const indicator = (n: number, name: string, pattern: string) => ({
  type: 'indicator', spec_version: '2.1', id: `indicator--7c3b2d0e-0000-4a1e-9f00-00000000000${n}`, created: '2023-03-30T00:00:00.000Z', modified: '2023-03-30T00:00:00.000Z',
  name, pattern, pattern_type: 'stix', valid_from: '2023-03-29T00:00:00.000Z', confidence: 90, labels: ['malicious-activity'],
});
const BUNDLE = JSON.stringify({
  type: 'bundle',
  id: 'bundle--7c3b2d0e-3c00-4a1e-9f00-000000000001',
  objects: [indicator(1, 'Trojanized 3CX Desktop App installer', `[file:hashes.'SHA-256' = '${TAMPERED_SHA256}']`), ...C2.map((d, i) => indicator(i + 2, `3CX supply-chain C2 ${d}`, `[domain-name:value = '${d}']`))],
});

interface Received { headers: Record<string, string>; body: string; at: number }

async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/soar`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeEachEngine('the 3CX drill end to end', ({ engine }) => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let smtp: TestSmtp;
  let worker: ReturnType<typeof createWorker>;
  const get = async <T = any>(path: string): Promise<T> => {
    const res = await server.api(path);
    assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`);
    return (await res.json()) as T;
  };

  before(async () => {
    receiver = await startReceiver();
    smtp = await startTestSmtp();
    server = await startTestServer(engine, { THIRDWATCH_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1/32', THIRDWATCH_SMTP_URL: `smtp://127.0.0.1:${smtp.port}?from=grc@example.com` });
    const ctx = systemContext('e2e');
    await loadDemo(server.tw.services, ctx);
    await loadDemoSboms(server.tw.services, ctx);
    await loadDemoArtifacts(server.tw.services, ctx);
    const channel = await server.api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'soar', type: 'webhook', config: { url: receiver.url, secret: SECRET }, events: ['incident.compromise'] } });
    assert.equal(channel.status, 201, await channel.text());
    worker = createWorker(server.tw, { pollMs: 20 });
    worker.start();
  });
  after(async () => {
    await worker?.stop();
    await server?.close();
    await receiver?.close();
    await smtp?.close();
  });

  test('a STIX bundle with the 3CX hashes and C2 domains: incident, playbook, questionnaire, blocklist, webhook, audit, risk', async () => {
    const vendor = (await get<{ items: Array<{ id: string; name: string; tier: string }> }>('/api/v1/vendors?q=3CX')).items.find((v) => v.name === '3CX')!;
    assert.equal(vendor.tier, 'T1');

    const started = Date.now();
    const imported = await server.api('/api/v1/feeds/stix/import', { method: 'POST', body: BUNDLE, headers: { 'content-type': 'application/json' } });
    assert.ok([200, 201, 202].includes(imported.status), `${imported.status} ${await imported.clone().text()}`);
    const blocked = await until('the C2 domains in the blocklist export', async () => {
      const res = await server.api('/api/v1/egress/blocklist?format=domains');
      const text = await res.text();
      return C2.every((d) => text.split('\n').some((line) => line.replace(/^\./, '') === d)) ? text : null;
    });
    const elapsedMs = Date.now() - started;
    console.log(`3CX drill [${engine}]: STIX import → C2 domains on the blocklist in ${(elapsedMs / 1000).toFixed(2)} s (target < 10 s)`);
    assert.ok(elapsedMs < 10_000, `import → blocklist took ${elapsedMs} ms`);
    assert.ok(blocked.length > 0);

    // One incident, from the correlation, for 3CX.
    const incidents = await get<{ items: Array<{ id: string; source: string; vendorIds: string[]; severity: string }> }>(`/api/v1/incidents?vendorId=${vendor.id}`);
    const ours = incidents.items.filter((i) => i.source === 'correlation');
    assert.equal(ours.length, 1, JSON.stringify(incidents.items));
    const incidentId = ours[0].id;

    // The critical-compromise playbook ran on it: tasks for the five teams.
    const runs = await get<{ items: Array<{ id: string; playbookName: string; status: string; steps: Array<{ stepId: string; status: string; output: any }> }> }>(`/api/v1/playbook-runs?incidentId=${incidentId}`);
    const run = runs.items.find((r) => r.playbookName === 'Critical vendor software compromise')!;
    assert.ok(run, `runs: ${runs.items.map((r) => r.playbookName).join(', ')}`);
    const incident = await until('the five teams\' tasks', async () => {
      const detail = await get<{ tasks: Array<{ team: string; runId: string | null }> }>(`/api/v1/incidents/${incidentId}`);
      const teams = new Set(detail.tasks.filter((t) => t.runId === run.id).map((t) => t.team));
      return ['it', 'security', 'legal', 'privacy', 'compliance'].every((t) => teams.has(t)) ? detail : null;
    });
    assert.ok(incident);

    // The questionnaire went to the vendor through the portal: an assessment sent, its link e-mailed.
    const assessment = await until('the incident-notification questionnaire sent', async () => {
      const list = await get<{ items: Array<{ id: string; status: string; templateName: string }> }>(`/api/v1/assessments?vendorId=${vendor.id}`);
      return list.items.find((a) => a.status === 'sent');
    });
    assert.ok(assessment.templateName.length > 0);
    const invitation = await server.tw.database.db.selectFrom('assessment_invitations').select(['vendor_id']).where('assessment_id', '=', assessment.id).executeTakeFirst();
    assert.equal(invitation?.vendor_id, vendor.id, 'a portal invitation to the vendor');

    // The SOAR webhook arrived, signed.
    const hook = await until('the SOAR webhook', async () => receiver.received.find((r) => r.headers['x-thirdwatch-event'] === 'incident.compromise'));
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${hook.headers['x-thirdwatch-timestamp']}.${hook.body}`).digest('hex')}`;
    assert.equal(hook.headers['x-thirdwatch-signature'], expected);
    assert.match(hook.body, /3CX/);

    // The audit trail and the risk register have it.
    const audit = await get<{ items: Array<{ action: string }> }>(`/api/v1/audit?limit=500`);
    const actions = new Set(audit.items.map((e) => e.action));
    for (const action of ['incident.create', 'playbook-run.start']) assert.ok(actions.has(action), `audit has ${action}: ${[...actions].join(', ')}`);
    assert.ok([...actions].some((a) => a.startsWith('egress') || a.startsWith('blocklist')), `a blocklist event in the audit: ${[...actions].join(', ')}`);
    const risks = await get<{ items: Array<{ vendor?: { id: string } | null; vendorId?: string | null }> }>(`/api/v1/risks?vendorId=${vendor.id}`);
    assert.ok(risks.items.length > 0, 'the risk register has a risk for 3CX');
  });

  test('later, customer e-mails POSTed to a C2 domain are blocked at the proxy, recorded and alerted', async () => {
    const icap = createIcap(server.tw, { port: 0, eventIntervalMs: 20 });
    const url = await icap.start();
    const client = await IcapTestClient.connect(Number(/:(\d+)\//.exec(url)![1]));
    try {
      await icap.threats.reload();
      const customers = JSON.stringify({ customers: ['ana', 'ben', 'cy', 'dee', 'eve', 'fay'].map((n) => ({ email: `${n}@customer-mail.example` })) });
      client.write(reqmod({ url: `http://${C2[0]}/upload`, body: customers, headers: { 'Content-Type': 'application/json' } }).head);
      const answer = await client.read();
      assert.equal(answer.status, 200, 'a final answer carrying the block page');
      const page = answer.body?.toString() ?? '';
      // The playbook put it on the blocklist, and it is a threat indicator: either reason blocks it.
      const domain = C2[0].replace(/\./g, '\\.');
      assert.match(page, new RegExp(`threat indicator ${domain}|egress blocklist \\(blocked domain ${domain}\\)`));
      assert.doesNotMatch(page, /customer-mail\.example/, 'the page never repeats the data');
      const reference = /<code>([0-9a-f-]{36})<\/code>/.exec(page)?.[1];
      assert.ok(reference, page);
      await icap.recorder.flush();
      const event = await server.tw.services.egressIngest.get(reference);
      assert.deepEqual([event.decision, event.host, event.source, event.dataClasses], ['block', C2[0], 'icap', ['email']]);
      const alerts = await get<{ items: Array<{ rule: string; destination: string }> }>('/api/v1/egress/alerts?rule=indicator-contact');
      assert.ok(alerts.items.some((a) => a.destination === C2[0]), JSON.stringify(alerts.items));
    } finally {
      client.close();
      await icap.close();
    }
  });
});
