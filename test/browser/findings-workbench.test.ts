/**
 * The findings workbench in a real browser against a real server (SQLite, and PostgreSQL when
 * configured): search, sorting by a column, grouping by advisory and expanding a group, saving a
 * view and loading it again after a reload, bulk triage through the confirmation (with the dry
 * run's count) and its undo, the finding page's sections, the advisory page's exposure answer,
 * and the vendor page's badges and who-uses counts. Screenshots land in test-results/screenshots/.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { describeBrowser } from './support.js';
import { createProduct, goBom, importFeed, osvRecord, uploadSbom } from '../../src/modules/findings/test-support.js';

const CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const MEDIUM = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N';

describeBrowser('findings workbench UI', 'findings workbench UI', (server, { newContext, assertLabelled, shot }) => {
  let acmeId: string;

  before(async () => {
    const records = [
      osvRecord('GO-2099-1001', 'example.org/alpha', '1.2.0', {
        aliases: ['CVE-2099-1001'],
        severity: [{ type: 'CVSS_V3', score: CRITICAL }],
        details: 'A crafted request makes alpha run attacker-chosen code.',
        references: [{ type: 'ADVISORY', url: 'https://example.org/advisories/alpha-1' }],
      }),
      osvRecord('GO-2099-1002', 'example.org/beta', '1.5.0', { aliases: ['CVE-2099-1002'], severity: [{ type: 'CVSS_V3', score: MEDIUM }] }),
      osvRecord('GO-2099-1003', 'example.org/gamma', '2.0.0'),
    ];
    for (const record of records) await importFeed(server, 'osv', JSON.stringify(record));
    const edge = await createProduct(server, 'Acme Networks', 'Edge Gateway');
    acmeId = edge.vendorId;
    const zeta = await createProduct(server, 'Zeta Soft', 'Zeta Desk');
    const beta = await createProduct(server, 'Beta Labs', 'Beta Agent');
    await uploadSbom(server, edge.productId, goBom({ name: 'edge', version: '3.1.0' }, [['example.org/alpha', 'v1.0.0'], ['example.org/beta', 'v1.0.0'], ['example.org/gamma', 'v1.0.0']]));
    await uploadSbom(server, zeta.productId, goBom({ name: 'zeta', version: '2.0.0' }, [['example.org/alpha', 'v1.1.0'], ['example.org/beta', 'v1.4.0']]));
    await uploadSbom(server, beta.productId, goBom({ name: 'beta', version: '0.9.0' }, [['example.org/alpha', 'v1.0.0']]));
  });

  const rows = (page: Page, testId = 'findings-table') => page.getByTestId(testId).locator('tbody tr');
  const search = (page: Page) => page.getByRole('form', { name: 'Filter findings' }).getByRole('searchbox', { name: 'Search' });

  test('search, sort by a column, group by advisory and expand a group', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/findings');
      await rows(page).nth(5).waitFor();
      await page.getByTestId('findings-totals').getByText('6 findings').waitFor();
      await assertLabelled(page);
      await shot(page, 'workbench', true);

      await search(page).fill('zeta');
      await search(page).press('Enter');
      await page.getByTestId('findings-totals').getByText('2 findings').waitFor();
      await page.waitForFunction(() => {
        const r = [...document.querySelectorAll('[data-testid="findings-table"] tbody tr')];
        return r.length === 2 && r.every((tr) => tr.textContent?.includes('Zeta Desk'));
      });
      assert.match(page.url(), /q=zeta/);

      await search(page).fill('');
      await search(page).press('Enter');
      await rows(page).nth(5).waitFor();
      const severity = page.getByRole('columnheader', { name: /Severity/ });
      await severity.getByRole('button').click();
      await page.waitForURL(/sort=severity/);
      assert.equal(await severity.getAttribute('aria-sort'), 'ascending');
      await page.waitForFunction(() => document.querySelector('[data-testid="findings-table"] tbody tr:last-child')?.textContent?.includes('unknown'));
      await severity.getByRole('button').click();
      await page.waitForURL(/sort=-severity/);
      assert.equal(await severity.getAttribute('aria-sort'), 'descending');
      await page.waitForFunction(() => document.querySelector('[data-testid="findings-table"] tbody tr')?.textContent?.includes('unknown'));

      await page.getByLabel('Group by').selectOption('advisory');
      const groups = page.getByTestId('groups-table');
      await groups.locator('tbody').nth(2).waitFor();
      const alpha = groups.locator('tbody').filter({ hasText: 'CVE-2099-1001' }).locator('tr').first();
      assert.deepEqual(await alpha.locator('td.num').allTextContents(), ['3', '3', '3'], 'findings, products, vendors');
      await page.getByRole('button', { name: 'Expand CVE-2099-1001' }).click();
      await rows(page, 'group-findings-CVE-2099-1001').nth(2).waitFor();
      assert.equal(await rows(page, 'group-findings-CVE-2099-1001').count(), 3);
      assert.equal(await page.getByRole('button', { name: 'Collapse CVE-2099-1001' }).getAttribute('aria-expanded'), 'true');
      await assertLabelled(page);
      await shot(page, 'workbench-grouped', true);
    } finally {
      await context.close();
    }
  });

  test('a saved view comes back after a reload', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/findings?q=alpha&group=advisory&sort=-findings');
      await page.getByTestId('groups-table').waitFor();
      await page.getByRole('button', { name: 'Save view…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Save this view' });
      await dialog.getByLabel('Name').fill('Alpha everywhere');
      await dialog.getByLabel('Share with everyone').check();
      await shot(page, 'workbench-save-view');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'hidden' });

      await page.goto('/findings');
      await page.reload();
      await rows(page).first().waitFor();
      await page.getByLabel('Saved view').selectOption({ label: 'Alpha everywhere (shared)' });
      await page.waitForURL(/q=alpha/);
      assert.match(page.url(), /group=advisory/);
      assert.match(page.url(), /sort=-findings/);
      await page.getByTestId('groups-table').waitFor();
      assert.equal(await search(page).inputValue(), 'alpha');
      await page.getByTestId('findings-totals').getByText('3 findings').waitFor();
    } finally {
      await context.close();
    }
  });

  test('bulk triage asks for confirmation with the count, and the change can be undone', async () => {
    const { context, page } = await newContext(server.tokens.responder);
    try {
      await page.goto('/findings?q=example.org/beta&sort=product');
      await rows(page).nth(1).waitFor();
      await page.getByRole('checkbox', { name: 'Select all findings on this page' }).check();
      await page.getByText('2 findings selected').waitFor();
      await page.getByLabel('Set state to').selectOption('exploitable');
      await page.getByLabel('Note').fill('reachable from the login form');
      await page.getByRole('button', { name: 'Apply to selected…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Change findings?' });
      await dialog.getByTestId('triage-confirm-count').getByText('2 findings will be set to exploitable.').waitFor();
      await shot(page, 'workbench-confirm');
      // Cancel changes nothing.
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await rows(page).filter({ hasText: 'exploitable' }).count(), 0);

      await page.getByRole('button', { name: 'Apply to selected…' }).click();
      await dialog.getByRole('button', { name: 'Change 2 findings' }).click();
      await page.getByRole('status').filter({ hasText: '2 findings set to exploitable.' }).waitFor();
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="findings-table"] tbody tr')].filter((tr) => tr.textContent?.includes('exploitable')).length === 2);

      await page.getByRole('status').getByRole('button', { name: 'Undo' }).click();
      await page.getByRole('status').filter({ hasText: 'Undone: 2 findings back to their previous state.' }).waitFor();
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="findings-table"] tbody tr')].every((tr) => tr.textContent?.includes('in triage')));
      const trail = page.getByTestId('recent-batches');
      await trail.locator('summary').click();
      await trail.getByText(/undone by token:test-responder/).waitFor();
      await shot(page, 'workbench-undone', true);
    } finally {
      await context.close();
    }
  });

  test('a finding page shows the advisory, ranges, fixes, references, the dependency path and the history', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/findings?q=zeta&sort=severity');
      await page.getByRole('link', { name: /^Finding CVE-2099-1001 in example.org\/alpha/ }).click();
      await page.getByRole('heading', { level: 1, name: /CVE-2099-1001 in example.org\/alpha/ }).waitFor();
      for (const name of ['Finding', 'Dependency path', 'Advisory', 'Affected packages', 'References', 'History']) await page.getByRole('heading', { level: 2, name }).waitFor();
      const path = page.getByTestId('dependency-path').locator('li');
      assert.deepEqual((await path.allTextContents()).map((t) => t.split(/\s/)[0]), ['zeta', 'example.org/alpha']);
      await page.getByTestId('affected-table').getByText('< 1.2.0').waitFor();
      await page.getByRole('link', { name: 'https://example.org/advisories/alpha-1' }).waitFor();
      await page.getByText('A crafted request makes alpha run attacker-chosen code.').waitFor();

      const form = page.getByRole('form', { name: 'Triage this finding' });
      await form.getByLabel('State').selectOption('not_affected');
      await form.getByLabel('Justification').selectOption('code_not_reachable');
      await form.getByRole('button', { name: 'Save decision' }).click();
      await page.getByTestId('finding-history').locator('tbody tr').filter({ hasText: 'in triage → not affected' }).filter({ hasText: 'token:test-analyst' }).waitFor();
      await assertLabelled(page);
      await shot(page, 'finding', true);
    } finally {
      await context.close();
    }
  });

  test('the advisory page answers who is exposed, not-affected products apart; vendor badges and who-uses counts', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/advisories/CVE-2099-1001');
      const headline = page.getByTestId('exposure-headline');
      await headline.getByText(/Used by 2 vendors in 2 products/).waitFor();
      assert.equal(await rows(page, 'exposure-table').count(), 2, 'the headline agrees with the rows');
      assert.equal(await rows(page, 'not-affected-table').count(), 1);
      await rows(page, 'not-affected-table').filter({ hasText: 'Zeta Desk' }).getByText('not affected (VEX)', { exact: true }).waitFor();
      await rows(page, 'exposure-table').first().getByText('under investigation', { exact: true }).waitFor();
      await shot(page, 'advisory-exposure', true);

      await page.goto(`/vendors/${acmeId}`);
      const badges = page.getByTestId('finding-badges');
      await badges.getByRole('link', { name: '3 open findings' }).waitFor();
      await shot(page, 'vendor-finding-badges');
      await badges.getByRole('link', { name: '1 critical' }).click();
      await page.waitForURL(/severity=critical/);
      await page.getByTestId('findings-totals').getByText('1 finding').waitFor();

      await page.goto('/components?name=example.org/alpha');
      const uses = page.getByTestId('who-uses-table');
      await uses.locator('tbody tr').nth(2).waitFor();
      assert.deepEqual(await uses.locator('tbody tr td:last-child').allTextContents(), ['1', '1', '1']);
      await shot(page, 'who-uses-findings');
    } finally {
      await context.close();
    }
  });
});
