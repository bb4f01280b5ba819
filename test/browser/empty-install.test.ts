/**
 * The dashboard of a new install (an empty database, as `thirdwatch serve` leaves it on first start):
 * instead of blank cards, each card and a "Get started" list say what to do first, with the page to
 * open and the exact CLI command.
 *
 * Needs Chromium at /usr/bin/chromium; without it the suite is skipped, loudly. Builds web/dist when stale.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBrowser } from './support.js';

describeBrowser('empty install', 'empty install', (server, { newContext, shot }) => {
  test('every dashboard card says what to do first, with the page to open and the CLI command', async () => {
    const dashboard = (await (await server.api('/api/v1/dashboard')).json()) as { totalVendors: number };
    assert.equal(dashboard.totalVendors, 0, 'the database is empty');
    const { context, page } = await newContext(server.tokens.admin);
    try {
      await page.goto('/');
      const steps = page.getByTestId('first-steps');
      await steps.getByRole('heading', { name: 'Get started' }).waitFor();
      const text = (await steps.textContent()) ?? '';
      for (const command of ['thirdwatch demo', 'thirdwatch vendor import vendors.csv', 'thirdwatch sbom upload --product estate bom.json', 'thirdwatch feeds import osv all.zip']) {
        assert.ok(text.includes(command), `the first steps show ${command}`);
      }
      const card = (id: string) => page.locator(`section[aria-labelledby="${id}"]`);
      assert.match((await card('by-tier').locator('.empty').textContent()) ?? '', /No vendors yet: import them by CSV, add one, or load the demo with thirdwatch demo/);
      assert.match((await card('due').locator('.empty').textContent()) ?? '', /once vendors exist: import or add vendors first/);
      assert.match((await card('contracts').locator('.empty').textContent()) ?? '', /Contracts are added on a vendor's page/);
      await card('trend-title').locator('.empty').filter({ hasText: 'thirdwatch feeds import osv all.zip' }).waitFor();
      await shot(page, 'dashboard-empty', true);

      // The links lead to the pages that do it.
      await steps.getByRole('link', { name: 'Inventory → Import CSV…' }).click();
      await page.getByRole('button', { name: /Import CSV/ }).waitFor();
      await page.goBack();
      await steps.getByRole('link', { name: 'Add a vendor' }).click();
      await page.getByRole('heading', { level: 1 }).filter({ hasText: /vendor/i }).waitFor();

      // Once there is a vendor, the first steps give way to the figures.
      assert.equal((await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'First Vendor' } })).status, 201);
      await page.goto('/');
      await page.getByRole('heading', { name: 'Vendors by tier' }).waitFor();
      assert.equal(await page.getByTestId('first-steps').count(), 0);
    } finally {
      await context.close();
    }
  });
});
