/**
 * The threat-intel UI in a real browser against a real server (SQLite, and PostgreSQL when
 * configured): the demo (3CX Desktop App releases and their registered installers), then a STIX
 * bundle imported through the API that names the 18.12.416 installer's SHA-256 and a host on 3CX's
 * domain. In Chromium: the indicator found by search, its page with its sources and its sighting
 * linking to the vendor, product, release and the risk opened from it, the sightings page and its
 * filters, the vendor page's sightings section, and no page wider than a 1024 px window. An empty
 * install shows how to import instead. Screenshots land in test-results/screenshots/ (intel-*.png).
 *
 * Needs Chromium at /usr/bin/chromium; without it the suite is skipped, loudly. Builds web/dist when
 * stale.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describeBrowser } from './support.js';
import { loadDemo, loadDemoSboms } from '../../src/modules/vendors/demo.js';
import { demoArtifactBytes, demoInstallerName, loadDemoArtifacts } from '../../src/modules/integrity/integrity.demo.js';
import { systemContext } from '../../src/platform/context.js';

const INSTALLER_SHA256 = createHash('sha256').update(demoArtifactBytes('18.12.416', demoInstallerName('18.12.416'))).digest('hex');
const HOST = 'download.3cx.com';
const CERT = 'Example CERT (test)';
const stamp = '2023-03-30T00:00:00.000Z';
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const BUNDLE = JSON.stringify({
  type: 'bundle',
  id: `bundle--${uuid(1)}`,
  objects: [
    { type: 'identity', spec_version: '2.1', id: `identity--${uuid(2)}`, created: stamp, modified: stamp, name: CERT },
    {
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--${uuid(3)}`,
      created: stamp,
      modified: stamp,
      name: 'Trojanised 3CX Desktop App 18.12.416 installer',
      pattern: `[file:hashes.'SHA-256' = '${INSTALLER_SHA256.toUpperCase()}']`,
      pattern_type: 'stix',
      valid_from: '2023-03-29T00:00:00Z',
      confidence: 90,
      labels: ['malicious-activity'],
      kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'initial-access' }],
      created_by_ref: `identity--${uuid(2)}`,
      object_marking_refs: ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82'],
    },
    {
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--${uuid(4)}`,
      created: stamp,
      modified: stamp,
      name: 'Update host that served the trojanised build',
      pattern: `[domain-name:value = '${HOST}']`,
      pattern_type: 'stix',
      valid_from: '2023-03-29T00:00:00Z',
      confidence: 70,
      created_by_ref: `identity--${uuid(2)}`,
      object_marking_refs: ['marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da'],
    },
    { type: 'indicator', spec_version: '2.1', id: `indicator--${uuid(5)}`, created: stamp, modified: stamp, pattern: "[process:name = '3CXDesktopApp.exe']", pattern_type: 'stix', valid_from: '2023-03-29T00:00:00Z', created_by_ref: `identity--${uuid(2)}` },
  ],
});

/** Nothing on the page is wider than the window (no sideways scrolling). */
async function assertFits(page: Page, what: string): Promise<void> {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${what} fits ${inner} px (content ${scroll} px wide)`);
}

describeBrowser('threat-intel UI', 'threat-intel UI', (server, { newContext, assertLabelled, shot }) => {
  let vendorId: string;
  let productId: string;

  before(async () => {
    const ctx = systemContext('demo');
    await loadDemo(server.tw.services, ctx);
    await loadDemoSboms(server.tw.services, ctx);
    await loadDemoArtifacts(server.tw.services, ctx);
    vendorId = (await server.tw.services.vendors.list({ q: '3CX', limit: 1 })).items[0].id;
    productId = (await server.tw.services.vendors.listProducts(vendorId)).find((p) => p.name === '3CX Desktop App')!.id;
    const res = await server.api('/api/v1/feeds/stix/import?wait=true', { method: 'POST', role: 'analyst', headers: { 'content-type': 'application/octet-stream' }, body: BUNDLE });
    const report = (await res.json()) as { imported: number; unsupported: number; sightings: number; errors: unknown[] };
    assert.equal(res.status, 200, JSON.stringify(report));
    assert.deepEqual([report.imported, report.unsupported, report.sightings], [3, 1, 2], 'the installer and the host sighted, the process name kept unmatched');
  });

  test('search finds the indicator by part of its hash; its page shows every field, its source and the sighting with its links', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Intel' }).click();
      await page.getByRole('heading', { name: 'Threat intel', level: 1 }).waitFor();
      await page.getByTestId('intel-totals').getByText('2 indicators from 1 source · 2 sightings · 1 pattern kept but not matchable').waitFor();
      const unsupported = page.getByTestId('unsupported');
      await unsupported.getByText("[process:name = '3CXDesktopApp.exe']").waitFor();
      await unsupported.getByText(/process:name is not a matchable property/).waitFor();

      // Keyboard: the search box applies on Enter.
      const search = page.getByRole('searchbox', { name: 'Search' });
      await search.focus();
      await page.keyboard.type(INSTALLER_SHA256.slice(10, 30));
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/indicators\?q=/);
      const table = page.getByTestId('indicators-table');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="indicators-table"] tbody tr').length === 1);
      const row = table.locator('tbody tr');
      // The value is whole, never cut short, and can be copied.
      await row.getByRole('link', { name: INSTALLER_SHA256, exact: true }).waitFor();
      await row.getByRole('button', { name: `Copy sha256 ${INSTALLER_SHA256}` }).waitFor();
      assert.match(await row.innerText(), new RegExp(`sha256[\\s\\S]*${CERT.replace(/[()]/g, '\\$&')}[\\s\\S]*90[\\s\\S]*TLP:AMBER[\\s\\S]*2023-03-29[\\s\\S]*no end[\\s\\S]*1`));
      await assertLabelled(page);
      await shot(page, 'intel-indicators', true);

      // The type filter and the exact-value lookup (any spelling).
      await page.goto('/indicators');
      await page.getByLabel('Type').selectOption('domain');
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="indicators-table"] tbody th a')].map((a) => a.textContent).join('|') === 'download.3cx.com');
      await page.goto(`/indicators?value=${encodeURIComponent('download[.]3CX[.]com')}`);
      await table.getByRole('link', { name: HOST, exact: true }).waitFor();

      await page.goto(`/indicators?q=${INSTALLER_SHA256.slice(0, 16)}`);
      await table.getByRole('link', { name: INSTALLER_SHA256, exact: true }).click();
      await page.getByRole('heading', { name: INSTALLER_SHA256, level: 1 }).waitFor();
      const details = page.locator('section[aria-labelledby="indicator-details"]');
      for (const text of ['90 of 100', 'TLP:AMBER', 'malicious-activity', 'initial-access', 'mitre-attack', '2023']) await details.getByText(text).first().waitFor();
      const sources = page.getByTestId('indicator-sources');
      await sources.getByRole('rowheader', { name: new RegExp(CERT.replace(/[()]/g, '\\$&')) }).waitFor();
      await sources.getByText(`indicator--${uuid(3)}`).waitFor();
      await sources.getByText(/^first /).waitFor();

      const sighting = page.getByTestId('sightings-table').locator('tbody tr');
      await sighting.getByRole('rowheader', { name: /3CXDesktopApp-18\.12\.416\.msi/ }).waitFor();
      assert.equal(await sighting.count(), 1);
      assert.equal(await sighting.getByRole('link', { name: '3CX', exact: true }).getAttribute('href'), `/vendors/${vendorId}`);
      assert.equal(await sighting.getByRole('link', { name: '3CX Desktop App', exact: true }).getAttribute('href'), `/products/${productId}`);
      assert.equal(await sighting.getByRole('link', { name: '18.12.416', exact: true }).getAttribute('href'), `/products/${productId}/integrity`);
      const risk = page.getByTestId('indicator-risks').getByRole('link', { name: /seen at 3CX/ });
      await risk.waitFor();
      await assertLabelled(page);
      await assertFits(page, 'the indicator page at 1360 px');
      await shot(page, 'intel-indicator', true);

      // The risk opened from the sighting lists it as evidence.
      const indicatorPath = new URL(page.url()).pathname;
      await sighting.getByRole('link', { name: /Open risk/ }).click();
      await page.getByRole('heading', { name: /seen at 3CX/, level: 1 }).waitFor();
      const evidence = page.getByTestId('evidence');
      await evidence.getByText('sighting').first().waitFor();
      // Sighting and indicator evidence lead back to the indicator's page, where the sighting is listed.
      const links = await evidence.locator('li').evaluateAll((items) => items.map((li) => [li.querySelector('.tag')?.textContent, li.querySelector('a')?.getAttribute('href') ?? null]));
      for (const type of ['indicator', 'sighting']) assert.deepEqual(links.filter(([t]) => t === type).map(([, href]) => href), [indicatorPath], `${type} evidence links to ${indicatorPath}: ${JSON.stringify(links)}`);
      await evidence.locator('li', { has: page.locator('.tag', { hasText: /^indicator$/ }) }).getByRole('link').click();
      await page.getByRole('heading', { name: INSTALLER_SHA256, level: 1 }).waitFor();
    } finally {
      await context.close();
    }
  });

  test('the sightings page: filters by vendor and indicator type, each sighting linked to indicator, vendor, product, release and risk', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/indicators');
      await page.getByRole('link', { name: 'Sightings', exact: true }).click();
      await page.getByRole('heading', { name: 'Sightings', level: 1 }).waitFor();
      const rows = page.getByTestId('sightings-table').locator('tbody tr');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="sightings-table"] tbody tr').length === 2);
      const domain = rows.filter({ hasText: HOST });
      assert.match((await domain.getByRole('link', { name: HOST, exact: true }).getAttribute('href')) ?? '', /^\/indicators\/[0-9a-f-]{36}$/);
      assert.equal(await domain.getByRole('link', { name: '3CX', exact: true }).getAttribute('href'), `/vendors/${vendorId}`);
      await domain.getByText('on 3cx.com').waitFor();
      await domain.getByRole('link', { name: /Open risk/ }).waitFor();
      const installer = rows.filter({ hasText: INSTALLER_SHA256 });
      assert.match((await installer.getByRole('link', { name: INSTALLER_SHA256, exact: true }).getAttribute('href')) ?? '', /^\/indicators\//);
      assert.equal(await installer.getByRole('link', { name: '3CX', exact: true }).getAttribute('href'), `/vendors/${vendorId}`);
      assert.equal(await installer.getByRole('link', { name: '18.12.416', exact: true }).getAttribute('href'), `/products/${productId}/integrity`);
      await assertLabelled(page);
      await shot(page, 'intel-sightings', true);

      await page.getByLabel('Indicator type').selectOption('domain');
      await page.waitForURL(/indicatorType=domain/);
      await page.waitForFunction(() => {
        const found = [...document.querySelectorAll('[data-testid="sightings-table"] tbody tr')];
        return found.length === 1 && found[0].textContent!.includes('download.3cx.com');
      });
      await page.getByLabel('Vendor').selectOption({ label: '1Password' });
      await page.getByText(/No sightings match/).waitFor();
    } finally {
      await context.close();
    }
  });

  test("the vendor page's sightings section", async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto(`/vendors/${vendorId}`);
      await page.getByRole('navigation', { name: 'Sections of this vendor' }).getByRole('link', { name: 'Sightings' }).click();
      const section = page.locator('section#sightings');
      await section.getByRole('heading', { name: 'Threat-intel sightings' }).waitFor();
      await section.getByRole('link', { name: INSTALLER_SHA256, exact: true }).waitFor();
      await section.getByRole('link', { name: HOST, exact: true }).waitFor();
      assert.equal(await section.getByRole('columnheader', { name: 'Vendor' }).count(), 0, 'the vendor is the page');
      assert.equal(await section.getByRole('link', { name: 'All sightings of this vendor' }).getAttribute('href'), `/sightings?vendorId=${vendorId}`);
      await section.scrollIntoViewIfNeeded();
      await shot(page, 'intel-vendor-sightings');
    } finally {
      await context.close();
    }
  });

  test('at 1024 px: the header stays one row and no intel page scrolls sideways', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.setViewportSize({ width: 1024, height: 800 });
      const indicatorId = ((await (await server.api(`/api/v1/indicators?value=${INSTALLER_SHA256}`)).json()) as { items: Array<{ id: string }> }).items[0].id;
      for (const [path, heading] of [
        ['/indicators', 'Threat intel'],
        [`/indicators/${indicatorId}`, INSTALLER_SHA256],
        ['/sightings', 'Sightings'],
      ]) {
        await page.goto(path);
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await page.locator('tbody tr').first().waitFor();
        await assertFits(page, `${path} at 1024 px`);
        const bar = await page.locator('.topbar').boundingBox();
        assert.ok(bar && bar.height <= 50, `one header row at 1024 px (height ${bar?.height})`);
        const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Intel' });
        const box = await link.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 1024, 'Intel is in view');
      }
      await shot(page, 'intel-sightings-1024');
    } finally {
      await context.close();
    }
  });
});

describeBrowser('threat-intel UI on an empty install', 'threat-intel UI (empty install)', (server, { newContext, shot }) => {
  test('with no indicators the page says how to import them: the CLI command and the API route', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/indicators');
      const hint = page.getByTestId('import-hint');
      await hint.getByRole('heading', { name: 'No indicators yet' }).waitFor();
      const text = (await hint.textContent()) ?? '';
      assert.ok(text.includes('thirdwatch feeds import stix|misp|csv-iocs PATH'), text);
      assert.ok(text.includes('POST /api/v1/feeds/{stix|misp|csv-iocs}/import'), text);
      assert.equal(await page.getByTestId('indicators-table').count(), 0);
      assert.equal(await page.getByTestId('unsupported').count(), 0, 'no empty panel either');
      await shot(page, 'intel-empty', true);
      await page.goto('/sightings');
      await page.getByText(/No sightings match/).waitFor();
    } finally {
      await context.close();
    }
  });
});
