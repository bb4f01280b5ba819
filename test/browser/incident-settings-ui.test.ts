/**
 * The incident clocks' settings in a real browser against a real server (SQLite, and PostgreSQL
 * when configured): a refused SLA target is shown under its own box (the problem+json field), a
 * saved one is used by the next incident's clock, on the board and in the API. Screenshot
 * incident-settings in test-results/screenshots/.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeBrowser } from './support.js';

describeBrowser('incident clock settings UI', 'incident clock settings UI', (server, { newContext, assertLabelled, shot }) => {
  test('an SLA target changed in Settings: a bad value is refused at its field, a good one times the next incident', async () => {
    const { context, page } = await newContext(server.tokens.admin);
    try {
      await page.goto('/settings');
      const form = page.getByRole('form', { name: 'Incident SLA targets' });
      const box = form.getByLabel('Acknowledge (critical)');
      assert.equal(await box.inputValue(), '15');
      await box.fill('0');
      await form.getByRole('button', { name: 'Save SLA targets' }).click();
      // The server's problem+json names /critical/acknowledgeMinutes: its message is under that box.
      const field = form.locator('.field.has-error');
      await field.waitFor();
      assert.equal(await field.count(), 1);
      assert.match((await field.textContent()) ?? '', /Acknowledge \(critical\).*(>=|at least|minimum|1)/);
      assert.equal(await box.getAttribute('aria-invalid'), 'true');
      await assertLabelled(page);

      await box.fill('45');
      await form.getByRole('button', { name: 'Save SLA targets' }).click();
      await form.getByText('SLA targets saved.').waitFor();
      assert.equal(await form.locator('.field.has-error').count(), 0);
      await shot(page, 'incident-settings');
      const stored = await (await server.api('/api/v1/settings/incident-sla')).json();
      assert.equal(stored.critical.acknowledgeMinutes, 45);

      const created = await (await server.api('/api/v1/incidents', { method: 'POST', json: { title: 'Clock after the settings change', severity: 'critical' } })).json();
      const clocks = (await (await server.api(`/api/v1/incidents/${created.id}/clocks`)).json()) as { items: Array<{ kind: string; startedAt: string; dueAt: string }> };
      const list = clocks.items;
      const ack = list.find((c) => c.kind === 'sla-acknowledge')!;
      assert.ok(ack, JSON.stringify(list));
      assert.equal(Date.parse(ack.dueAt) - Date.parse(ack.startedAt), 45 * 60_000);
      await page.goto('/incidents');
      const card = page.getByTestId('incident-card').filter({ hasText: 'Clock after the settings change' });
      assert.match((await card.getByTestId('countdown').textContent()) ?? '', /^Acknowledge \(SLA\): 4[45] min \d\d s left$/);
    } finally {
      await context.close();
    }
  });
});
