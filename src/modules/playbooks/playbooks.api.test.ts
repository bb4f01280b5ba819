import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import YAML from 'yaml';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { shippedPlaybooks } from './playbooks.service.js';

const MINIMAL = `name: Minimal
on: [incident.created]
when: incident.severity == 'critical'
steps:
  - id: first
    type: task
    team: security
    title: Look at {{incident.title}}
    due: 1h
`;

async function json<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

describeEachEngine('playbooks API', ({ engine }) => {
  describe('documents, versions and validation', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(engine);
    });
    after(async () => {
      await server?.close();
    });

    test('the four shipped playbooks are there at start, enabled, at version 1, and validate against the served schema', async () => {
      const list = await json<{ items: Array<{ id: string; key: string; enabled: boolean; version: number; stepTypes: string[] }> }>(await server.api('/api/v1/playbooks', { role: 'viewer' }), 200);
      assert.deepEqual(list.items.map((p) => p.key).sort(), ['critical-vendor-software-compromise', 'malicious-package-in-sbom', 'vendor-data-breach-personal-data', 'vendor-ransomware-outage']);
      assert.ok(list.items.every((p) => p.enabled && p.version === 1));
      const compromise = list.items.find((p) => p.key === 'critical-vendor-software-compromise')!;
      for (const type of ['task', 'questionnaire', 'block', 'webhook', 'approval', 'set', 'notify']) assert.ok(compromise.stepTypes.includes(type), type);
      // The editor's view: the served JSON Schema accepts every shipped document and refuses a broken one.
      const schema = await json(await server.api('/api/v1/playbooks/schema', { role: 'viewer' }), 200);
      const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
      for (const { key, yaml } of shippedPlaybooks()) assert.ok(validate(YAML.parse(yaml)), `${key}: ${JSON.stringify(validate.errors)}`);
      assert.equal(validate({ name: 'x', on: ['incident.created'], steps: [{ id: 'a', type: 'teleport' }] }), false);
      // A second start changes nothing (the shipped content is already applied).
      assert.deepEqual(await server.tw.services.playbooks.syncShipped({ actor: { type: 'system', id: null, name: 'test', role: 'admin' }, requestId: null }), { created: [], updated: [], kept: [] });
    });

    test('create from JSON or raw YAML, every changed save a new version, unchanged saves none, diff between versions', async () => {
      const created = await json(await server.api('/api/v1/playbooks', { method: 'POST', role: 'analyst', json: { yaml: MINIMAL } }), 201);
      assert.equal(created.version, 1);
      assert.equal(created.name, 'Minimal');
      assert.equal(created.document.steps[0].id, 'first');
      assert.deepEqual(created.edges, [{ from: 'first', to: 'end', when: null, kind: 'next' }]);
      const raw = await json(await server.api('/api/v1/playbooks', { method: 'POST', body: MINIMAL.replace('Minimal', 'Raw'), headers: { 'content-type': 'text/yaml' } }), 201);
      assert.equal(raw.name, 'Raw');

      const v2yaml = MINIMAL.replace("'critical'", "'high'").replace('due: 1h', 'due: 2h');
      const v2 = await json(await server.api(`/api/v1/playbooks/${created.id}`, { method: 'PUT', role: 'analyst', json: { yaml: v2yaml, baseVersion: 1 } }), 200);
      assert.equal(v2.version, 2);
      const same = await json(await server.api(`/api/v1/playbooks/${created.id}`, { method: 'PUT', json: { yaml: v2yaml } }), 200);
      assert.equal(same.version, 2, 'an unchanged save writes no version');
      const stale = await server.api(`/api/v1/playbooks/${created.id}`, { method: 'PUT', json: { yaml: MINIMAL, baseVersion: 1 } });
      assert.equal(stale.status, 409);

      const versions = await json(await server.api(`/api/v1/playbooks/${created.id}/versions`, { role: 'viewer' }), 200);
      assert.deepEqual(versions.items.map((v: { version: number }) => v.version), [2, 1]);
      const old = await json(await server.api(`/api/v1/playbooks/${created.id}?version=1`), 200);
      assert.equal(old.yaml, MINIMAL);
      const diff = await json(await server.api(`/api/v1/playbooks/${created.id}/diff?from=1&to=2`, { role: 'viewer' }), 200);
      assert.equal(diff.diff, [
        '--- Minimal v1',
        '+++ Minimal v2',
        '@@ -1,9 +1,9 @@',
        ' name: Minimal',
        ' on: [incident.created]',
        "-when: incident.severity == 'critical'",
        "+when: incident.severity == 'high'",
        ' steps:',
        '   - id: first',
        '     type: task',
        '     team: security',
        '     title: Look at {{incident.title}}',
        '-    due: 1h',
        '+    due: 2h',
        '',
      ].join('\n'));
      assert.equal((await server.api(`/api/v1/playbooks/${created.id}/diff?from=1&to=9`)).status, 400);

      const disabled = await json(await server.api(`/api/v1/playbooks/${created.id}/disable`, { method: 'POST', role: 'analyst' }), 200);
      assert.equal(disabled.enabled, false);
      assert.equal((await server.api(`/api/v1/playbooks/${created.id}/enable`, { method: 'POST', role: 'responder' })).status, 403);
      assert.equal((await server.api('/api/v1/playbooks', { method: 'POST', role: 'responder', json: { yaml: MINIMAL } })).status, 403);

      const audit = await json(await server.api(`/api/v1/audit?entityType=playbook&entityId=${created.id}`), 200);
      assert.deepEqual(audit.items.map((e: { action: string }) => e.action).sort(), ['playbook.create', 'playbook.disable', 'playbook.version']);
    });

    test('invalid playbooks are refused with the path (and YAML line) of each error, and nothing is saved', async () => {
      const before = (await server.tw.services.playbooks.list()).length;
      const cases: Array<[string, string, RegExp]> = [
        [MINIMAL.replace('type: task', 'type: teleport'), '/steps/0/type', /must be one of task, notify/],
        [MINIMAL.replace("when: incident.severity == 'critical'", 'when: incident.severity =='), '/when', /not a valid expression.*end of expression/],
        [`${MINIMAL}  - id: second\n    type: wait\n    when: eval('x')\n    for: 1h\n`, '/steps/1/when', /unknown function eval\(\)/],
        [`${MINIMAL}    next: nowhere\n`, '/steps/0/next', /names no step: "nowhere"/],
        [`${MINIMAL}    next: second\n  - id: second\n    type: set\n    severity: low\n    next: first\n`, '/steps/1/next', /makes a cycle: first → second → first/],
        [`${MINIMAL}  - id: first\n    type: set\n    severity: low\n`, '/steps/1/id', /repeats the id of step 0/],
        [MINIMAL.replace('Look at {{incident.title}}', 'Look at {{process.env}}'), '/steps/0/title', /unknown placeholder/],
        [MINIMAL.replace('due: 1h', 'due: soon'), '/steps/0/due', /duration such as 30m/],
        [`${MINIMAL}  - id: ask\n    type: questionnaire\n    template: no-such-template\n`, '/steps/1/template', /names no questionnaire template/],
        [`${MINIMAL}  - id: hold\n    type: wait\n`, '/steps/1/until', /needs until/],
        ['name: [unclosed', '/', /not valid YAML \(line 1/],
        ['name: a\nname: b\non: [incident.created]\nsteps: []\n', '/', /not valid YAML.*unique/i],
      ];
      for (const [yaml, field, reason] of cases) {
        const res = await server.api('/api/v1/playbooks', { method: 'POST', json: { yaml } });
        const problem = await json(res, 400);
        assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
        const hit = problem.errors.find((e: { field: string }) => e.field === field);
        assert.ok(hit, `${field}: ${JSON.stringify(problem.errors)}`);
        assert.match(hit.reason, reason);
        // The editor's live check gives the same problems without saving.
        const checked = await json(await server.api('/api/v1/playbooks/validate', { method: 'POST', role: 'viewer', json: { yaml } }), 200);
        assert.equal(checked.valid, false);
        assert.ok(checked.problems.some((p: { field: string }) => p.field === field));
      }
      const located = await json(await server.api('/api/v1/playbooks', { method: 'POST', json: { yaml: MINIMAL.replace('due: 1h', 'due: soon') } }), 400);
      assert.match(located.errors[0].reason, /\(line 9\)$/);
      assert.equal((await server.tw.services.playbooks.list()).length, before);
    });

    test('hostile YAML: alias bombs, deep nesting, huge documents and prototype keys are refused cleanly', async () => {
      const laughs = ['name: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `l${i}: &l${i} [*${i ? `l${i - 1}` : 'a'}, *${i ? `l${i - 1}` : 'a'}, *${i ? `l${i - 1}` : 'a'}]`), 'on: [incident.created]', 'steps: []'].join('\n');
      const deep = `name: x\non: [incident.created]\nsteps: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
      const huge = `name: x\ndescription: ${'a'.repeat(300 * 1024)}\n`;
      const proto = `__proto__: {admin: true}\nconstructor: {prototype: {x: 1}}\n${MINIMAL}`;
      for (const yaml of [laughs, deep, proto]) {
        const res = await server.api('/api/v1/playbooks', { method: 'POST', json: { yaml } });
        assert.ok([400, 413].includes(res.status), `${res.status} ${(await res.text()).slice(0, 200)}`);
      }
      const big = await server.api('/api/v1/playbooks', { method: 'POST', body: huge, headers: { 'content-type': 'text/yaml' } });
      assert.ok([400, 413].includes(big.status), String(big.status));
      assert.equal(({} as Record<string, unknown>).admin, undefined);
    });
  });
});
