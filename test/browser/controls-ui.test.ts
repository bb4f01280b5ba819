/**
 * The controls page in a real browser against a real server (SQLite, and PostgreSQL when
 * configured), with NIST SP 800-53 rev5, the MODERATE baseline and our C-SCRM profile imported:
 * search, family and profile filters kept in the address, and a control's page with its statement,
 * SP 800-161 levels and ISO/IEC 27036 ids. Screenshots: test-results/screenshots/controls-*.png.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { systemContext } from '../../src/platform/context.js';
import { describeBrowser, SHARED_DATA } from './support.js';

const CSCRM = new URL('../../content/oscal/thirdwatch-cscrm-baseline-profile.json', import.meta.url);

describeBrowser('controls UI', 'controls UI', (server, { newContext, assertLabelled, shot }) => {
  let cscrmId = '';

  before(async () => {
    const controls = server.tw.services.controls;
    const ctx = systemContext('test');
    for (const name of ['NIST_SP-800-53_rev5.0.1_catalog.json', 'NIST_SP-800-53_rev5_MODERATE-baseline_profile.json']) {
      await controls.import(readFileSync(join(SHARED_DATA, 'oscal', name)), { sourceName: name }, ctx);
    }
    cscrmId = (await controls.import(readFileSync(CSCRM), {}, ctx)).id;
  });

  test('search, filter by family and profile, open a control', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/controls');
      await page.getByRole('heading', { level: 1, name: 'Controls' }).waitFor();
      const table = page.getByTestId('controls');
      await table.getByRole('link', { name: 'AC-1', exact: true }).waitFor();
      await assertLabelled(page);

      const filters = page.getByRole('form', { name: 'Filter controls' });
      await filters.getByLabel('Family').selectOption('SR');
      await filters.getByLabel('Profile').selectOption(cscrmId);
      await filters.getByLabel('Search').fill('genuine');
      await filters.getByLabel('Search').press('Enter');
      // The filters live in the address; the table follows once all three apply.
      await page.waitForURL((url) => ['family', 'profile', 'q'].every((k) => url.searchParams.has(k)));
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=controls] tbody tr').length === 1);
      assert.deepEqual(await table.locator('tbody th').allInnerTexts(), ['SR-4(3)']);
      await filters.getByLabel('Search').fill('');
      await filters.getByLabel('Search').press('Enter');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=controls] tbody tr').length === 27);
      await shot(page, 'controls-list', true);

      await table.getByRole('link', { name: 'SR-4(3)', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'SR-4(3) Validate as Genuine and Not Altered' }).waitFor();
      assert.match(await page.getByTestId('statement').innerText(), /\[Assignment: organization-defined controls\]/);
      const about = page.getByRole('region', { name: 'About' });
      assert.match(await about.innerText(), /mission, operational/);
      assert.match(await about.innerText(), /27036-3:6\.4/);
      await page.getByRole('link', { name: 'Thirdwatch C-SCRM baseline (NIST SP 800-161r1 on SP 800-53r5)' }).waitFor();
      await shot(page, 'controls-detail', true);

      await page.getByRole('link', { name: 'SR-4', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'SR-4 Provenance' }).waitFor();
      assert.deepEqual(await page.getByRole('region', { name: 'Enhancements' }).getByRole('link').allInnerTexts(), ['SR-4(1)', 'SR-4(2)', 'SR-4(3)', 'SR-4(4)']);
    } finally {
      await context.close();
    }
  });
});
