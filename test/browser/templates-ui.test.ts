/**
 * The questionnaire template editor in a real browser against a real server (SQLite, and PostgreSQL
 * when configured): the shipped templates listed, a template edited (a conditional question added,
 * reordered, one removed) and saved as a new version while the old one stays, a malformed edit
 * refused with the question marked, labels the imported catalog lacks pointed out, export and import
 * of the JSON file, a template created from scratch, and a viewer's read-only view. Screenshots land in test-results/screenshots/
 * (templates-list, template-editor, template-error).
 *
 * Needs Chromium at /usr/bin/chromium; without it the suite is skipped, loudly. Builds web/dist when
 * stale.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeBrowser, SHARED_DATA } from './support.js';
import { systemContext } from '../../src/platform/context.js';
import type { TemplateSummary } from '../../src/modules/questionnaires/questionnaires.service.js';

describeBrowser('questionnaire template editor', 'template editor', (server, { newContext, assertLabelled, shot }) => {
  const templates = async () => ((await (await server.api('/api/v1/assessments/templates')).json()) as { items: TemplateSummary[] }).items;

  test('edit a shipped template: add a conditional question, reorder questions and sections, remove, save as version 2', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/assessments/templates');
      await page.getByRole('heading', { name: 'Questionnaire templates', level: 1 }).waitFor();
      const table = page.getByTestId('templates-table');
      await table.getByRole('link', { name: 'Business resilience and continuity' }).waitFor();
      assert.equal(await table.getByTestId('template-row').count(), 4);
      await assertLabelled(page);
      await shot(page, 'templates-list');

      await table.getByRole('link', { name: 'Business resilience and continuity' }).click();
      await page.getByRole('heading', { name: 'Business resilience and continuity', level: 1 }).waitFor();
      await page.getByTestId('template-version').getByText(/^Version 1 · 15 questions · 11 controls/).waitFor();
      const plans = page.getByRole('region', { name: 'Section 2: Continuity plans and tests' });

      // A new yes/no question, shown only when there is a continuity plan.
      await plans.getByRole('button', { name: 'Add question to section 2' }).click();
      const added = plans.getByTestId('template-question').last();
      await added.getByLabel('Question id').fill('failover-automated');
      await added.getByLabel('Question text').fill('Does failover to the alternate site happen automatically?');
      await added.getByLabel('Weight').fill('2');
      await added.getByLabel('Controls').fill('CP-7, CP-10');
      await added.getByLabel('Show only when').selectOption('continuity-plan');
      await added.getByRole('group', { name: '…is answered with' }).getByLabel('yes').check();
      await added.getByRole('group', { name: /^Compliant answers/ }).getByLabel('yes').check();
      await assertLabelled(page);
      await shot(page, 'template-editor', true);

      // Up two places, above hosting and alternate-site; then hosting goes.
      await plans.getByRole('button', { name: 'Move failover-automated up' }).click();
      await plans.getByRole('button', { name: 'Move failover-automated up' }).click();
      await plans.getByRole('button', { name: 'Remove hosting' }).click();
      // Sections reorder too: the critical suppliers before the crisis contacts.
      await page.getByRole('button', { name: 'Move section 4 up' }).click();
      await page.getByRole('region', { name: 'Section 3: Your critical suppliers' }).waitFor();
      await page.getByRole('button', { name: 'Save as new version' }).click();
      await page.getByRole('status').getByText('Saved as version 2').waitFor();
      await page.getByTestId('template-version').getByText(/^Version 2 · 15 questions/).waitFor();
      await page.getByTestId('template-versions').getByRole('link', { name: 'Version 1' }).waitFor();

      const saved = (await templates()).find((t) => t.key === 'business-resilience')!;
      assert.equal(saved.version, 2);
      assert.deepEqual(saved.sections.map((x) => x.title), ['Recovery targets', 'Continuity plans and tests', 'Your critical suppliers', 'Crisis contacts']);
      const ids = saved.sections[1].questions.map((q) => q.id);
      assert.deepEqual(ids.slice(-2), ['failover-automated', 'alternate-site']);
      assert.ok(!ids.includes('hosting'));
      const failover = saved.sections[1].questions.find((q) => q.id === 'failover-automated')!;
      assert.deepEqual(
        { type: failover.type, controls: failover.controls, weight: failover.weight, required: failover.required, showWhen: failover.showWhen, compliant: failover.compliant },
        { type: 'yesno', controls: ['CP-7', 'CP-10'], weight: 2, required: true, showWhen: { questionId: 'continuity-plan', anyOf: ['yes'] }, compliant: { anyOf: ['yes'] } },
      );
      const v1 = await server.tw.services.questionnaires.getVersion(saved.id, 1);
      assert.ok(v1.sections[1].questions.some((q) => q.id === 'hosting'), 'version 1 keeps its questions');

      // The old version is still there to read.
      await page.getByTestId('template-versions').getByRole('link', { name: 'Version 1' }).click();
      await page.getByText('You are looking at version 1.').waitFor();
    } finally {
      await context.close();
    }
  });

  test('a malformed edit is refused with the question marked, and nothing is saved', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      const incident = (await templates()).find((t) => t.key === 'incident-notification')!;
      await page.goto(`/assessments/templates/${incident.id}`);
      await page.getByRole('heading', { name: 'Incident notification', level: 1 }).waitFor();
      const first = page.getByTestId('template-question').first();
      await first.getByRole('button', { name: 'Edit notify-hours' }).click();
      await first.getByLabel('Controls').fill('IR-6, SR 8');
      await page.getByRole('button', { name: 'Save as new version' }).click();
      await first.getByRole('alert').getByText(/controls › 1: is not valid: expected an SP 800-53 control label/).waitFor();
      await page.getByRole('alert').filter({ hasText: 'The questions concerned are marked below' }).waitFor();
      await shot(page, 'template-error');
      assert.equal((await templates()).find((t) => t.id === incident.id)!.version, 1);
    } finally {
      await context.close();
    }
  });

  test('labels the imported catalog does not hold are pointed out', async () => {
    await server.tw.services.controls.import(readFileSync(join(SHARED_DATA, 'oscal', 'NIST_SP-800-53_rev5.0.1_catalog.json')), {}, systemContext('test'));
    const res = await server.api('/api/v1/assessments/templates', {
      method: 'POST',
      json: { name: 'Typo check', sections: [{ title: 'S', questions: [{ id: 'a', text: 'A?', type: 'yesno', controls: ['SR-4', 'SR-44'], weight: 1, required: true }] }] },
    });
    assert.equal(res.status, 201);
    const { id } = (await res.json()) as { id: string };
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto(`/assessments/templates/${id}`);
      await page.getByTestId('unknown-controls').getByText(/Not in the imported control catalog: SR-44\./).waitFor();
      const shipped = (await templates()).find((t) => t.key === 'supply-chain-baseline')!;
      await page.goto(`/assessments/templates/${shipped.id}`);
      await page.getByRole('heading', { name: 'Supply-chain security baseline', level: 1 }).waitFor();
      assert.equal(await page.getByTestId('unknown-controls').count(), 0);
    } finally {
      await context.close();
    }
  });

  test('export a template as JSON and import it back as a new template', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      const supplier = (await templates()).find((t) => t.key === 'software-supplier')!;
      await page.goto(`/assessments/templates/${supplier.id}`);
      await page.getByRole('heading', { name: 'Software supplier', level: 1 }).waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
      assert.equal(download.suggestedFilename(), 'Software-supplier-v1.json');
      const file = await download.path();
      const exported = JSON.parse(readFileSync(file, 'utf8')) as { format: string; sections: unknown };
      assert.equal(exported.format, 'thirdwatch-questionnaire');

      await page.goto('/assessments/templates');
      await page.getByLabel('Import a template from a JSON file').setInputFiles(file);
      await page.getByRole('status').getByText('Imported “Software supplier” as a new template').waitFor();
      await page.getByTestId('template-version').getByText(/^Version 1 · 22 questions/).waitFor();
      const copies = (await templates()).filter((t) => t.name === 'Software supplier');
      assert.equal(copies.length, 2);
      assert.deepEqual(copies[0].sections, copies[1].sections);
      assert.deepEqual(copies.map((c) => c.key).sort(), [null, 'software-supplier'].sort());

      // Not JSON at all: said so, nothing imported.
      await page.goto('/assessments/templates');
      await page.getByLabel('Import a template from a JSON file').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('not json') });
      await page.getByRole('alert').getByText(/notes\.json is not JSON/).waitFor();
      assert.equal((await templates()).length, 6);
    } finally {
      await context.close();
    }
  });

  test('create a template from scratch: a choice question and a follow-up that survives a rename', async () => {
    const { context, page } = await newContext(server.tokens.admin);
    try {
      await page.goto('/assessments/templates');
      await page.getByRole('link', { name: 'New template' }).click();
      await page.getByRole('heading', { name: 'New questionnaire template', level: 1 }).waitFor();
      await page.getByLabel('Name').fill('Cloud hosting');
      await page.getByLabel('Section 1 title').fill('Data location');
      const q = page.getByTestId('template-question').first();
      await q.getByLabel('Question id').fill('region');
      await q.getByLabel('Question text').fill('Where is our data stored?');
      await q.getByLabel('Answer type').selectOption('choice');
      await q.getByLabel('Options').fill('In the EU\nIn the US\nElsewhere');
      await q.getByRole('group', { name: /^Compliant answers/ }).getByLabel('In the EU').check();
      await q.getByLabel('Controls').fill('SA-9(5)');
      // A follow-up shown for data outside the EU; renaming the first question keeps it pointing there.
      await page.getByRole('button', { name: 'Add question to section 1' }).click();
      const follow = page.getByTestId('template-question').nth(1);
      await follow.getByLabel('Question id').fill('transfer-safeguards');
      await follow.getByLabel('Question text').fill('Which safeguards cover the transfer?');
      await follow.getByLabel('Answer type').selectOption('text');
      await follow.getByLabel('Show only when').selectOption('region');
      await follow.getByRole('group', { name: '…is answered with' }).getByLabel('In the US').check();
      await follow.getByRole('group', { name: '…is answered with' }).getByLabel('Elsewhere').check();
      await q.getByLabel('Question id').fill('data-region');
      await page.getByRole('button', { name: 'Create template' }).click();
      await page.getByRole('heading', { name: 'Cloud hosting', level: 1 }).waitFor();
      await page.getByRole('status').getByText('Saved as version 1').waitFor();
      const created = (await templates()).find((t) => t.name === 'Cloud hosting')!;
      assert.deepEqual(created.sections, [
        {
          title: 'Data location',
          questions: [
            { id: 'data-region', text: 'Where is our data stored?', type: 'choice', controls: ['SA-9(5)'], weight: 1, required: true, options: ['In the EU', 'In the US', 'Elsewhere'], compliant: { anyOf: ['In the EU'] } },
            { id: 'transfer-safeguards', text: 'Which safeguards cover the transfer?', type: 'text', controls: [], weight: 1, required: true, showWhen: { questionId: 'data-region', anyOf: ['In the US', 'Elsewhere'] } },
          ],
        },
      ]);
    } finally {
      await context.close();
    }
  });

  test('a viewer reads templates but cannot change them', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/assessments/templates');
      await page.getByTestId('templates-table').getByRole('link', { name: 'Supply-chain security baseline' }).click();
      await page.getByRole('heading', { name: 'Supply-chain security baseline', level: 1 }).waitFor();
      assert.equal(await page.getByRole('button', { name: /Save/ }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Add section' }).count(), 0);
      assert.ok(await page.getByLabel('Name').isDisabled());
      await page.getByRole('button', { name: 'Export JSON' }).waitFor();
      await page.goto('/assessments/templates');
      await page.getByTestId('templates-table').waitFor();
      assert.equal(await page.getByRole('link', { name: 'New template' }).count(), 0);
    } finally {
      await context.close();
    }
  });
});
