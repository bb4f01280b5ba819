/**
 * The header's global search in a real browser over the demo: "3CX" with the keyboard to the
 * vendor, a component's SHA-256 to the SBOM that carries it, and Enter for every result.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBrowser } from './support.js';
import { loadDemo } from '../../src/modules/vendors/demo.js';
import { loadDemoSboms } from '../../src/modules/sboms/sboms.demo.js';
import { systemContext } from '../../src/platform/context.js';
import { createWorker } from '../support/server.js';

describeBrowser('global search UI', 'global search UI', (server, { newContext, assertLabelled, shot }) => {
  before(async () => {
    const ctx = systemContext('test');
    await loadDemo(server.tw.services, ctx);
    await loadDemoSboms(server.tw.services, ctx);
    // The demo's components are indexed by the jobs its uploads queued: the test server runs no worker.
    await createWorker(server.tw).drain();
  });

  test('typing "3CX" lists the vendor, its products and releases by kind; the keys move, Escape closes, Enter opens the vendor', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/');
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      const box = page.getByRole('combobox', { name: 'Search everything' });
      await box.fill('3CX');
      const list = page.getByRole('listbox', { name: 'Results for 3CX' });
      await list.getByRole('group', { name: 'Vendors' }).getByRole('option', { name: /^3CX Vendor/ }).waitFor();
      await list.getByRole('group', { name: 'Products' }).getByRole('option', { name: /^3CX Desktop App Product of 3CX/ }).waitFor();
      await list.getByRole('group', { name: 'Releases' }).getByRole('option', { name: /^3CX Desktop App 18\.12\.416/ }).waitFor();
      await assertLabelled(page);
      await shot(page, 'global-search-3cx');

      const selected = () => list.locator('[role="option"][aria-selected="true"]').textContent();
      await box.press('ArrowDown');
      assert.match((await selected()) ?? '', /^3CX/);
      await box.press('ArrowDown');
      await box.press('ArrowDown');
      await box.press('ArrowUp');
      await box.press('ArrowUp');
      assert.match((await selected()) ?? '', /^3CXVendor/, 'back on the vendor');
      assert.equal(await box.getAttribute('aria-activedescendant'), await list.locator('[role="option"][aria-selected="true"]').getAttribute('id'));

      await box.press('Escape');
      await list.waitFor({ state: 'hidden' });
      assert.equal(await box.getAttribute('aria-expanded'), 'false');
      await box.press('ArrowDown');
      await list.waitFor();
      await box.press('Enter');
      await page.waitForURL(/\/vendors\/[0-9a-f-]{36}$/);
      await page.getByRole('heading', { name: '3CX', level: 1 }).waitFor();
    } finally {
      await context.close();
    }
  });

  test('a SHA-256 finds the SBOM component that carries it, one click from its SBOM', async () => {
    const hit = await server.tw.database.db
      .selectFrom('sbom_component_hashes as h')
      .innerJoin('sbom_components as c', (j) => j.onRef('c.sbom_id', '=', 'h.sbom_id').onRef('c.idx', '=', 'h.idx'))
      .innerJoin('sboms as s', 's.id', 'h.sbom_id')
      .innerJoin('products as p', 'p.id', 's.product_id')
      .select(['h.value', 'c.name', 's.id as sbom_id', 's.release'])
      .where('p.name', '=', '3CX Desktop App')
      .where('s.release', '=', '18.12.416')
      .where('c.name', 'like', '%ffmpeg%')
      .executeTakeFirstOrThrow();
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/');
      const box = page.getByRole('combobox', { name: 'Search everything' });
      await box.fill(hit.value);
      const option = page.getByRole('group', { name: 'File hashes' }).getByRole('option', { name: new RegExp(`^${hit.name}.*SHA-256 of a component in 3CX Desktop App 18\\.12\\.416`) });
      await option.waitFor();
      await shot(page, 'global-search-hash');
      await option.click();
      await page.waitForURL(new RegExp(`/sboms/${hit.sbom_id}\\?q=`));
      assert.equal(await page.getByRole('searchbox', { name: 'Search components' }).inputValue(), hit.name);
      await page.locator('table tbody tr', { hasText: hit.name }).first().waitFor();
    } finally {
      await context.close();
    }
  });

  test('Enter with nothing highlighted shows every result on /search; a CVE-shaped query that matches nothing says so', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/');
      const box = page.getByRole('combobox', { name: 'Search everything' });
      await box.fill('electron');
      await page.getByRole('option', { name: /^electron/ }).first().waitFor();
      await box.press('Enter');
      await page.waitForURL(/\/search\?q=electron$/);
      await page.getByRole('heading', { name: 'Search results for “electron”', level: 1 }).waitFor();
      const components = page.getByRole('region', { name: /Components/ });
      await components.getByRole('link', { name: 'electron', exact: true }).click();
      await page.waitForURL(/\/technologies\/npm%3Aelectron$/);

      await box.fill('CVE-1999-0001');
      await page.getByRole('status').filter({ hasText: 'Nothing found for “CVE-1999-0001”.' }).waitFor();
    } finally {
      await context.close();
    }
  });
});
