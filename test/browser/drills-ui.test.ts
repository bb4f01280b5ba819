/**
 * The playbook editor and the drills in a real browser against a real server (SQLite): the shipped
 * 3CX playbook with its step flow; a broken edit shows schema and server problems with their
 * paths; a saved change is a new version with its diff; a drill started from the launcher, its
 * task answered, its report. Screenshots: test-results/screenshots/playbook-*.png, drill-*.png.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createWorker } from '../support/server.js';
import { describeBrowser } from './support.js';

describeBrowser(
  'playbooks and drills UI',
  'playbooks and drills UI',
  (server, { newContext, assertLabelled, shot }) => {
    let compromise = '';
    before(async () => {
      const res = await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Softphone Ltd', criticality: 4, shipsSoftware: true, autoUpdate: true, accessLevel: 'privileged', dataCategories: ['personal'] } });
      assert.equal(res.status, 201);
      compromise = (await server.tw.services.playbooks.list()).find((p) => p.key === 'critical-vendor-software-compromise')!.id;
    });

    test('the playbook editor: step flow, live problems with paths, a new version and its diff', async () => {
      const { context, page } = await newContext(server.tokens.analyst);
      try {
        await page.goto('/playbooks');
        await page.getByRole('link', { name: 'Critical vendor software compromise' }).click();
        await page.getByRole('heading', { level: 1, name: 'Critical vendor software compromise' }).waitFor();
        const flow = page.getByTestId('playbook-flow');
        await flow.waitFor();
        assert.equal(await flow.locator('g.playbook-step').count(), 11);
        await page.getByText('Valid playbook.').waitFor();
        await assertLabelled(page);
        await shot(page, 'playbook-editor', true);

        const editor = page.getByLabel('Playbook YAML');
        const yaml = await editor.inputValue();
        await editor.fill(yaml.replace('type: approval', 'type: teleport').replace('next: mark-contained', 'next: nowhere'));
        await page.getByTestId('playbook-problems').getByText('/steps/9/type').waitFor();
        await shot(page, 'playbook-editor-problems');

        await editor.fill(yaml.replace('due: 2h', 'due: 1h'));
        await page.getByText('Valid playbook.').waitFor();
        await page.getByRole('button', { name: 'Save as new version' }).click();
        await page.getByText('Saved as version 2.').waitFor();
        const diff = page.getByTestId('playbook-diff');
        await diff.waitFor();
        assert.match(await diff.innerText(), /-\s+due: 2h[\s\S]*\+\s+due: 1h/);
        await shot(page, 'playbook-versions', true);
      } finally {
        await context.close();
      }
    });

    test('a drill from the launcher, a task answered, the report', async () => {
      const { context, page } = await newContext(server.tokens.admin);
      try {
        await page.goto(`/drills?playbookId=${compromise}`);
        await page.getByRole('heading', { level: 1, name: 'Drills' }).waitFor();
        await assertLabelled(page);
        await page.getByRole('button', { name: 'Start drill' }).click();
        await page.getByRole('heading', { level: 1, name: 'Drill: Critical vendor software compromise' }).waitFor();
        const id = page.url().split('/').pop()!;
        await createWorker(server.tw).drain();
        const drill = await server.tw.services.drills.get(id);
        const it = drill.report.responses.find((r) => r.team === 'it')!;
        const done = await server.api(`/api/v1/incidents/${drill.incidentId}/tasks/${it.taskId}/complete`, { method: 'POST', role: 'responder', json: {} });
        assert.equal(done.status, 200);
        await page.getByRole('button', { name: 'Refresh' }).click();
        await page.getByTestId('drill-responses').getByText('token:test-responder').waitFor();
        assert.match(await page.getByTestId('drill-steps').innerText(), /isolate-hosts/);
        await shot(page, 'drill-report', true);
        await page.getByRole('button', { name: 'Finish and keep the report' }).click();
        await page.getByTestId('drill-summary').getByText('finished', { exact: true }).waitFor();
        await page.goto('/drills');
        await page.getByTestId('drills').getByText('finished').waitFor();
        await shot(page, 'drill-launcher', true);
      } finally {
        await context.close();
      }
    });
  },
  { engines: ['sqlite'] },
);
