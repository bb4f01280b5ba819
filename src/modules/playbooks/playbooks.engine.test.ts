import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { domainsOf } from './playbooks.engine.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { systemContext } from '../../platform/context.js';
import { createWorker, startTestServer, type TestServer } from '../../../test/support/server.js';
import { startTestSmtp, type TestSmtp } from '../../../test/support/smtp.js';
import type { RunDetail } from './playbooks.service.js';

const ENGINE_PLAYBOOK = `name: Engine test
on: [incident.created, incident.updated]
when: "vendor.name == 'Engine Vendor' and incident.severity in ['critical', 'high']"
steps:
  - id: triage
    type: task
    team: security
    title: "Triage {{incident.title}} at {{vendor.name}}"
    due: 1h
  - id: only-low
    type: task
    team: it
    when: incident.severity == 'low'
    title: Never for a critical incident
  - id: approve
    type: approval
    team: security
    title: Contain?
    branches:
      - when: answer.approved == true
        next: note
      - next: end
  - id: note
    type: set
    summary: "Approved: {{answer.comment}}"
  - id: hold
    type: wait
    until: incident.status == 'contained'
    timeout: 1w
  - id: legal
    type: task
    team: legal
    title: Legal review
`;

async function json<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

describeEachEngine('playbook runs', ({ engine }) => {
  describe('triggers, steps, approvals, waits, versions and failures', () => {
    let server: TestServer;
    let smtp: TestSmtp;
    let vendorId: string;
    let playbookId: string;
    const drain = () => createWorker(server.tw, { pollMs: 10 }).drain();
    const runsOf = async (incidentId: string) => (await json<{ items: RunDetail[] }>(await server.api(`/api/v1/playbook-runs?incidentId=${incidentId}`, { role: 'viewer' }), 200)).items;
    const incident = async (severity = 'critical', title = 'Engine incident') =>
      json<{ id: string }>(await server.api('/api/v1/incidents', { method: 'POST', json: { title, severity, vendorIds: [vendorId] } }), 201);

    before(async () => {
      smtp = await startTestSmtp();
      server = await startTestServer(engine);
      await json(await server.api('/api/v1/settings/smtp', { method: 'PUT', json: { enabled: true, host: smtp.host, port: smtp.port, security: 'none', username: null, from: 'ir@example.com', timeoutSeconds: 10 } }), 200);
      // Only this test's playbook may start: the shipped ones are switched off.
      for (const p of await server.tw.services.playbooks.list()) await server.tw.services.playbooks.setEnabled(p.id, false, systemContext('test'));
      vendorId = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Engine Vendor' } }), 201)).id;
      playbookId = (await json<{ id: string }>(await server.api('/api/v1/playbooks', { method: 'POST', json: { yaml: ENGINE_PLAYBOOK } }), 201)).id;
    });
    after(async () => {
      await server?.close();
      await smtp?.close();
    });

    test('a matching incident starts the playbook once; steps run as jobs; the approval branches on the answer; the wait resumes on the status', async () => {
      const { id } = await incident();
      await json(await server.api(`/api/v1/incidents/${id}`, { method: 'PATCH', json: { summary: 'edited' } }), 200);
      assert.equal((await runsOf(id)).length, 1, 'an update of an incident the playbook already runs on starts nothing');
      await drain();
      let [run] = await runsOf(id);
      assert.equal(run.status, 'waiting');
      assert.equal(run.playbookVersion, 1);
      assert.deepEqual(run.steps.map((s) => [s.stepId, s.status]), [['triage', 'done'], ['only-low', 'skipped'], ['approve', 'waiting'], ['note', 'not reached'], ['hold', 'not reached'], ['legal', 'not reached']]);
      const detail = await json(await server.api(`/api/v1/incidents/${id}`), 200);
      const triage = detail.tasks.find((t: { stepId: string }) => t.stepId === 'triage');
      assert.equal(triage.title, 'Triage Engine incident at Engine Vendor');
      assert.equal(triage.team, 'security');
      assert.ok(Math.abs(Date.parse(triage.dueAt) - Date.parse(run.startedAt) - 3_600_000) < 60_000);
      const approval = detail.tasks.find((t: { stepId: string }) => t.stepId === 'approve');
      assert.deepEqual(approval.form.fields.map((f: { id: string }) => f.id), ['approved', 'comment']);

      // A new version while the run waits: the run keeps version 1.
      const v1 = await json(await server.api(`/api/v1/playbooks/${playbookId}`), 200);
      assert.deepEqual(v1.edges.filter((e: { from: string }) => e.from === 'approve'), [
        { from: 'approve', to: 'note', when: 'answer.approved == true', kind: 'branch' },
        { from: 'approve', to: 'end', when: null, kind: 'branch' },
        { from: 'approve', to: 'note', when: null, kind: 'next' },
      ]);
      await json(await server.api(`/api/v1/playbooks/${playbookId}`, { method: 'PUT', json: { yaml: v1.yaml.replace('title: Legal review', 'title: Legal review (v2)') } }), 200);

      await json(await server.api(`/api/v1/incidents/${id}/tasks/${approval.id}/complete`, { method: 'POST', json: { answer: { approved: true, comment: 'go ahead' } } }), 200);
      await drain();
      [run] = await runsOf(id);
      assert.deepEqual(run.steps.map((s) => [s.stepId, s.status]).slice(2), [['approve', 'done'], ['note', 'done'], ['hold', 'waiting'], ['legal', 'not reached']]);
      assert.equal((await json(await server.api(`/api/v1/incidents/${id}`), 200)).summary, 'Approved: go ahead');

      await json(await server.api(`/api/v1/incidents/${id}/status`, { method: 'POST', json: { status: 'contained' } }), 200);
      await drain();
      [run] = await runsOf(id);
      assert.equal(run.status, 'done');
      assert.equal(run.playbookVersion, 1);
      assert.ok(run.finishedAt);
      const tasks = (await json(await server.api(`/api/v1/incidents/${id}`), 200)).tasks as Array<{ stepId: string | null; title: string }>;
      assert.deepEqual(tasks.filter((t) => t.stepId).map((t) => t.stepId).sort(), ['approve', 'legal', 'triage']);
      assert.equal(tasks.find((t) => t.stepId === 'legal')!.title, 'Legal review', 'the run kept the version it started with');
      const one = await json<RunDetail>(await server.api(`/api/v1/playbook-runs/${run.id}`, { role: 'viewer' }), 200);
      assert.ok(one.steps.every((s) => s.durationMs !== null && s.durationMs >= 0));
    });

    test('a wait for a duration keeps the run waiting until the time has passed, then the run goes on', async () => {
      const waiting = await json<{ id: string }>(await server.api('/api/v1/playbooks', {
        method: 'POST',
        json: { yaml: "name: Wait a minute\non: [incident.created]\nwhen: \"incident.title == 'Wait a minute'\"\nsteps:\n  - id: pause\n    type: wait\n    for: 1m\n  - id: after\n    type: task\n    team: it\n    title: After the pause\n" },
      }), 201);
      const { id } = await incident('medium', 'Wait a minute');
      await drain();
      const [run] = (await runsOf(id)).filter((r) => r.playbookId === waiting.id);
      assert.deepEqual(run.steps.map((s) => [s.stepId, s.status]), [['pause', 'waiting'], ['after', 'not reached']]);
      const { forUntil } = run.steps[0].output as { forUntil: string };
      assert.equal(Date.parse(forUntil) - Date.parse(run.steps[0].startedAt!), 60_000);
      const db = server.tw.database.db;
      const wake = await db.selectFrom('jobs').select(['id', 'run_at', 'status']).where('kind', '=', 'playbooks.step').where('idempotency_key', 'like', `playbook-wake:${run.id}:pause:%`).execute();
      assert.deepEqual(wake.map((j) => [j.run_at, j.status]), [[forUntil, 'queued']], 'the step is looked at again when its minute is up');

      // Looked at early (the incident changed, or a job ran again), the step keeps waiting.
      await json(await server.api(`/api/v1/incidents/${id}`, { method: 'PATCH', json: { summary: 'still waiting' } }), 200);
      await server.tw.services.jobs.enqueue('playbooks.step', { runId: run.id, stepId: 'pause' });
      await drain();
      const early = (await runsOf(id)).find((r) => r.id === run.id)!;
      assert.deepEqual(early.steps.map((s) => [s.stepId, s.status]), [['pause', 'waiting'], ['after', 'not reached']]);

      // The minute passes: the step's deadline and its wake-up job are moved a minute into the past
      // instead of the test sleeping for it; the queued wake-up then finds the time up.
      const past = (iso: string) => new Date(Date.parse(iso) - 61_000).toISOString();
      const output = JSON.stringify({ forUntil: past(forUntil) });
      await db.updateTable('playbook_run_steps').set({ output, wake_at: past(forUntil) }).where('run_id', '=', run.id).where('step_id', '=', 'pause').execute();
      await db.updateTable('jobs').set({ run_at: past(forUntil) }).where('id', '=', wake[0]!.id).execute();
      await drain();
      const done = (await runsOf(id)).find((r) => r.id === run.id)!;
      assert.deepEqual(done.steps.map((s) => [s.stepId, s.status]), [['pause', 'done'], ['after', 'done']]);
      assert.equal((done.steps[0].output as { reason: string }).reason, 'its time has come');
      assert.equal(done.status, 'done');
      const tasks = (await json(await server.api(`/api/v1/incidents/${id}`), 200)).tasks as Array<{ stepId: string | null }>;
      assert.deepEqual(tasks.map((t) => t.stepId), ['after']);
    });

    test('a rejected approval takes the other branch and ends the run; a low-severity incident starts nothing', async () => {
      const { id } = await incident('high', 'Rejected');
      assert.equal((await runsOf((await incident('low', 'Too low')).id)).length, 0);
      await drain();
      const approval = (await json(await server.api(`/api/v1/incidents/${id}`), 200)).tasks.find((t: { stepId: string }) => t.stepId === 'approve');
      await json(await server.api(`/api/v1/incidents/${id}/tasks/${approval.id}/complete`, { method: 'POST', json: { answer: { approved: false } } }), 200);
      await drain();
      const [run] = await runsOf(id);
      assert.equal(run.status, 'done');
      assert.deepEqual(run.steps.filter((s) => s.status !== 'not reached').map((s) => s.stepId), ['triage', 'only-low', 'approve']);
    });

    test('a step job run twice does its effects once (the step row and its effects commit together)', async () => {
      const { id } = await incident('critical', 'Twice');
      const [run] = await runsOf(id);
      // A second job for the same step, as after a worker that died between commit and completion.
      await server.tw.services.jobs.enqueue('playbooks.step', { runId: run.id, stepId: 'triage' });
      await drain();
      const tasks = (await json(await server.api(`/api/v1/incidents/${id}`), 200)).tasks as Array<{ stepId: string | null }>;
      assert.equal(tasks.filter((t) => t.stepId === 'triage').length, 1);
    });

    test('a step that fails for good fails the run with its error; a drill run carries its drillId', async () => {
      const failing = await json<{ id: string }>(await server.api('/api/v1/playbooks', {
        method: 'POST',
        json: { yaml: 'name: Failing\non: [incident.created]\nwhen: "incident.title == \'never\'"\nsteps:\n  - id: close\n    type: set\n    status: contained\n  - id: back\n    type: set\n    status: new\n' },
      }), 201);
      const { id } = await incident('medium', 'Will fail');
      const drillId = '01900000-0000-7000-8000-00000000d1a1';
      const { runId } = await server.tw.database.db.transaction().execute((trx) => server.tw.services.playbooks.startRun(trx, id, failing.id, systemContext('test'), { drillId }));
      await drain();
      const run = await json<RunDetail>(await server.api(`/api/v1/playbook-runs/${runId}`), 200);
      assert.equal(run.status, 'failed');
      assert.equal(run.drillId, drillId);
      assert.equal(run.trigger, 'drill');
      assert.deepEqual(run.steps.map((s) => [s.stepId, s.status]), [['close', 'done'], ['back', 'failed']]);
      assert.match(run.steps[1].error!, /contained/);
      assert.match(run.error!, /^step back: /);
      assert.deepEqual((await server.tw.services.playbooks.runsOf({ drillId })).map((r) => r.id), [runId]);
      const timeline = (await json(await server.api(`/api/v1/incidents/${id}`), 200)).events as Array<{ text: string; kind: string }>;
      assert.ok(timeline.some((e) => e.kind === 'playbook' && e.text === 'Playbook Failing v1 started (drill)'));
      assert.ok(timeline.some((e) => /Playbook step back failed/.test(e.text)));
    });

    test('a questionnaire step sends the template to the vendor through the portal (an e-mailed invitation); in a drill it only records', async () => {
      const contact = await json(await server.api(`/api/v1/vendors/${vendorId}/contacts`, { method: 'POST', json: { name: 'Vendor Security', email: 'security@vendor.example', isPrimary: true } }), 201);
      assert.ok(contact.id);
      const asking = await json<{ id: string }>(await server.api('/api/v1/playbooks', {
        method: 'POST',
        json: { yaml: "name: Ask\non: [incident.created]\nwhen: \"incident.title == 'Ask the vendor'\"\nsteps:\n  - id: ask\n    type: questionnaire\n    template: incident-notification\n    due: 2d\n" },
      }), 201);
      const { id } = await incident('high', 'Ask the vendor');
      await drain();
      const [run] = (await runsOf(id)).filter((r) => r.playbookId === asking.id);
      assert.equal(run.status, 'done');
      const output = run.steps[0].output as { template: string; sent: Array<{ vendorId: string; assessmentId: string; captured: boolean }> };
      assert.equal(output.sent.length, 1);
      assert.equal(output.sent[0].captured, false);
      const assessment = await json(await server.api(`/api/v1/assessments/${output.sent[0].assessmentId}`), 200);
      assert.equal(assessment.vendorId, vendorId);
      assert.equal(assessment.status, 'sent');
      assert.equal(assessment.dueAt, new Date(Date.parse(run.steps[0].startedAt!) + 2 * 86_400_000).toISOString().slice(0, 10));
      const [mail] = await smtp.waitFor(1);
      assert.deepEqual(mail.to, ['security@vendor.example']);
      assert.match(mail.text, /\/portal\/#twl_/);

      const drillIncident = await incident('high', 'Drill: ask the vendor');
      const drillId = '01900000-0000-7000-8000-00000000d1a2';
      const before = (await json(await server.api(`/api/v1/assessments?vendorId=${vendorId}`), 200)).items.length;
      const { runId } = await server.tw.database.db.transaction().execute((trx) => server.tw.services.playbooks.startRun(trx, drillIncident.id, asking.id, systemContext('test'), { drillId }));
      await drain();
      const drillRun = await json<RunDetail>(await server.api(`/api/v1/playbook-runs/${runId}`), 200);
      assert.deepEqual((drillRun.steps[0].output as { sent: unknown[] }).sent, [{ vendorId, assessmentId: null, captured: true }]);
      assert.equal((await json(await server.api(`/api/v1/assessments?vendorId=${vendorId}`), 200)).items.length, before, 'a drill creates no assessment');
      assert.equal(smtp.messages.length, 1, 'and sends nothing');
    });
  });
});

test('block steps take registrable domains only: URL hosts yes, IP addresses, bare public suffixes and junk no', () => {
  const i = (type: string, value: string) => ({ id: value, type, value, source: null });
  const indicators = [i('domain', 'MSStorageAzure.com.'), i('url', 'https://akamaicontainer.com/path?x=1'), i('url', 'http://203.0.113.7/x'), i('domain', 'co.uk'), i('url', 'not a url'), i('domain', 'msstorageazure.com'), i('sha256', 'ab'.repeat(32))];
  assert.deepEqual(domainsOf(indicators, ['domain', 'url']), ['akamaicontainer.com', 'msstorageazure.com']);
  assert.deepEqual(domainsOf(indicators, ['domain']), ['msstorageazure.com']);
});
