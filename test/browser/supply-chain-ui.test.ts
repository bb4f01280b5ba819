/**
 * The supply-chain UI in a real browser against a real server (SQLite, and PostgreSQL when
 * configured): uploading an SBOM on the product page, the SBOM page with its components and dependency
 * tree, the diff between two 3CX releases, the "who uses" search, technologies, and findings with bulk
 * triage after importing the Go OSV feed. Screenshots land in test-results/screenshots/.
 *
 * Needs Chromium at /usr/bin/chromium; without it the suite is skipped, loudly. Builds web/dist when
 * stale.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeBrowser, SHARED_DATA } from './support.js';
import { loadDemo, loadDemoSboms } from '../../src/modules/vendors/demo.js';
import { systemContext } from '../../src/platform/context.js';
import { loadDemoNvd } from '../../src/modules/advisories/advisories.demo.js';

const PROTON = join(SHARED_DATA, 'cyclonedx', 'SBOM', 'proton-bridge');
const GO_OSV = join(SHARED_DATA, 'osv', 'Go', 'all.zip');

describeBrowser('supply-chain UI', 'supply-chain UI', (server, { newContext, assertLabelled, shot }) => {
  let threeCx: { id: string };
  let protonProductId: string;

  before(async () => {
    const ctx = systemContext('demo');
    await loadDemo(server.tw.services, ctx);
    await loadDemoSboms(server.tw.services, ctx);
    threeCx = (await server.tw.services.vendors.list({ q: '3CX', limit: 1 })).items[0];
    await loadDemoNvd(server.tw.services, ctx);
    if (existsSync(GO_OSV)) await server.tw.services.feeds.importPath('osv', GO_OSV, {}, ctx);
    const vendor = (await (await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Proton AG', domains: ['proton.me'], criticality: 3, shipsSoftware: true } })).json()) as { id: string };
    assert.ok(vendor.id, 'vendor created');
    const product = (await (await server.api(`/api/v1/vendors/${vendor.id}/products`, { method: 'POST', json: { name: 'Proton Mail Bridge', type: 'desktop-app', version: '1.6.3' } })).json()) as { id: string };
    assert.ok(product.id, 'product created');
    protonProductId = product.id;
  });

  test('uploads SBOMs on the product page, shows per-field errors, and opens the SBOM', async () => {
    const { context, page } = await newContext(server.tokens.admin);
    try {
      // From the vendor page's product table to the product page.
      await page.goto(`/vendors/${threeCx.id}`);
      await page.getByRole('link', { name: '3CX Desktop App' }).first().click();
      await page.getByRole('heading', { name: /3CX Desktop App/, level: 1 }).waitFor();
      await page.getByTestId('sbom-table').locator('tbody th', { hasText: '18.12.407' }).waitFor();

      await page.goto(`/products/${protonProductId}`);
      await page.getByRole('heading', { name: /Proton Mail Bridge/, level: 1 }).waitFor();
      await page.getByText('No SBOMs uploaded for this product yet.').waitFor();
      await assertLabelled(page);

      // A document the server refuses: the problem's field shows up in the error list.
      await page.getByLabel('SBOM file').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"bomFormat":"CycloneDX"}') });
      await page.getByRole('button', { name: 'Upload SBOM' }).click();
      const alert = page.getByRole('alert').filter({ hasText: 'specVersion' });
      await alert.waitFor();
      await alert.locator('code', { hasText: '/specVersion' }).waitFor();

      await page.getByLabel('SBOM file').setInputFiles(join(PROTON, 'proton-bridge-v1.6.3.bom.json'));
      await page.getByRole('textbox', { name: 'Release' }).fill('1.6.3');
      await page.getByRole('button', { name: 'Upload SBOM' }).click();
      await page.getByRole('status').filter({ hasText: /Uploaded: \d+ components in release 1\.6\.3/ }).waitFor();
      await page.getByTestId('sbom-table').locator('tbody th', { hasText: '1.6.3' }).waitFor();

      // The second release through drag and drop onto the drop zone.
      const { readFileSync } = await import('node:fs');
      const text = readFileSync(join(PROTON, 'proton-bridge-v1.8.0.bom.json'), 'utf8');
      await page.getByRole('textbox', { name: 'Release' }).fill('1.8.0');
      const dataTransfer = await page.evaluateHandle((content) => {
        const dt = new DataTransfer();
        dt.items.add(new File([content], 'proton-bridge-v1.8.0.bom.json', { type: 'application/json' }));
        return dt;
      }, text);
      await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer });
      await page.locator('.dropzone').getByText('proton-bridge-v1.8.0.bom.json').waitFor();
      await page.getByRole('button', { name: 'Upload SBOM' }).click();
      await page.getByRole('status').filter({ hasText: /release 1\.8\.0/ }).waitFor();
      await page.getByTestId('sbom-table').locator('tbody th', { hasText: '1.8.0' }).waitFor();
      await page.getByTestId('vulnerability-risk').waitFor();
      await shot(page, 'product', true);

      // The SBOM page: metadata, component search, dependency tree.
      await page.getByRole('link', { name: /SBOM of release 1\.6\.3/ }).click();
      await page.getByRole('heading', { name: /Proton Mail Bridge 1\.6\.3/, level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Download original' }).waitFor();
      const rows = page.getByTestId('components-table').locator('tbody tr');
      await rows.first().waitFor();
      await page.getByRole('searchbox', { name: 'Search components' }).fill('go-crypto');
      await page.waitForFunction(() => {
        const r = [...document.querySelectorAll('[data-testid="components-table"] tbody tr')];
        return r.length > 0 && r.every((tr) => tr.textContent?.includes('go-crypto'));
      });
      const tree = page.getByRole('tree', { name: 'Dependencies' });
      await tree.waitFor();
      const toggle = tree.getByRole('button', { name: /^Collapse / }).first();
      await toggle.click();
      await tree.getByRole('button', { name: /^Expand / }).first().waitFor();
      await tree.getByRole('button', { name: /^Expand / }).first().click();
      await assertLabelled(page);
      await shot(page, 'sbom');

      // Compare with the other release → the diff page.
      await page.getByRole('button', { name: 'Show differences' }).click();
      await page.getByRole('heading', { name: '1.6.3 → 1.8.0', level: 1 }).waitFor();
      await page.getByRole('heading', { name: /^Version changed/ }).waitFor();
    } finally {
      await context.close();
    }
  });

  test('shows the 3CX diff between releases with added, version-changed and hash-changed sections', async () => {
    const { context, page } = await newContext(server.tokens.admin);
    try {
      const product = (await server.tw.services.vendors.list({ q: '3CX', limit: 1 })).items[0];
      const products = (await (await server.api(`/api/v1/vendors/${product.id}/products`)).json()) as { items: Array<{ id: string; name: string }> };
      const desktop = products.items.find((p) => p.name === '3CX Desktop App')!;
      await page.goto(`/products/${desktop.id}`);
      // Only the release in use is marked, not every release's latest SBOM.
      const releases = page.getByTestId('sbom-table');
      await releases.locator('tbody tr').nth(1).waitFor();
      assert.deepEqual(await releases.locator('.tag-accent').allTextContents(), ['in use']);
      await releases.locator('tbody tr', { hasText: '18.12.416' }).locator('.tag-accent').waitFor();
      await page.getByRole('link', { name: /SBOM of release 18\.12\.416/ }).click();
      const compare = page.getByRole('combobox', { name: 'Compare with…' });
      const value = await compare.locator('option', { hasText: '18.12.407' }).getAttribute('value');
      await compare.selectOption(value!);
      await page.getByRole('button', { name: 'Show differences' }).click();
      await page.getByRole('heading', { name: '18.12.407 → 18.12.416', level: 1 }).waitFor();
      const added = page.locator('section.diff-added');
      await added.getByText('electron-context-menu').waitFor();
      await page.locator('section.diff-versionChanged').getByText('0.27.2 → 1.2.1').waitFor();
      const hashes = page.locator('section.diff-hashChanged');
      await hashes.getByText('d3dcompiler_47').waitFor();
      // Hashes are short on screen, whole on demand and copyable.
      const [from, , to] = new URL(page.url()).pathname.split('/').slice(-3);
      const diff = (await (await server.api(`/api/v1/sboms/${from}/diff/${to}`)).json()) as { hashChanged: Array<{ name: string; algorithms: Array<{ from: string; to: string }> }> };
      const full = diff.hashChanged.find((h) => h.name === 'd3dcompiler_47')!.algorithms[0].from;
      const shown = hashes.getByRole('button', { name: /d3dcompiler_47 .* before: show in full/ });
      assert.equal(await shown.textContent(), `${full.slice(0, 12)}…`);
      await shown.click();
      assert.equal(await hashes.getByRole('button', { name: /d3dcompiler_47 .* before: show short/ }).textContent(), full);
      await context.grantPermissions(['clipboard-read', 'clipboard-write']);
      await hashes.getByRole('button', { name: /Copy d3dcompiler_47 .* before/ }).click();
      await hashes.getByRole('button', { name: /Copy d3dcompiler_47 .* before/ }).filter({ hasText: 'Copied' }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), full);
      await page.getByRole('note').filter({ hasText: 'without a version change' }).waitFor();
      await shot(page, 'diff', true);
    } finally {
      await context.close();
    }
  });

  test('"who uses" search from the header lists vendor, product, release and path', async () => {
    const { context, page } = await newContext(server.tokens.admin);
    try {
      await page.goto('/');
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      await page.getByRole('region', { name: 'Vulnerability findings' }).getByRole('link', { name: /Known exploited findings/ }).waitFor();
      await page.getByRole('img', { name: /Open findings went from 0 to \d+ over 30 days/ }).waitFor();
      await shot(page, 'dashboard-findings');
      // The header's global search offers "who uses" for a name or purl.
      const box = page.getByRole('combobox', { name: 'Search everything' });
      await box.fill('electron');
      await page.getByRole('option', { name: 'Who uses “electron”' }).click();
      await page.waitForURL(/\/components\?name=electron/);
      const table = page.getByTestId('who-uses-table');
      const row = table.locator('tbody tr', { hasText: '3CX Desktop App' }).first();
      await row.waitFor();
      await row.getByRole('link', { name: '3CX', exact: true }).waitFor();
      await row.getByText('3cx-desktop-app@').waitFor();
      assert.ok((await table.locator('tbody tr').count()) >= 2);

      // A purl gives exact matches.
      await box.fill('pkg:npm/electron@19.0.8');
      await page.getByRole('option', { name: 'Who uses “pkg:npm/electron@19.0.8”' }).click();
      await page.waitForURL(/purl=/);
      // The rows of the name search stay until the purl's answer replaces them: wait for that answer.
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('[data-testid="who-uses-table"] tbody tr')].map((r) => r.textContent ?? '');
        return rows.length > 0 && rows.every((r) => r.includes('19.0.8'));
      });
      await table.locator('tbody tr', { hasText: '18.12.407' }).waitFor();
      assert.equal(await table.locator('tbody tr', { hasText: '18.12.416' }).count(), 0);
      await shot(page, 'who-uses');
    } finally {
      await context.close();
    }
  });

  test('technologies: ranked table, chart, detail and the vendor stack', async () => {
    const { context, page } = await newContext(server.tokens.admin);
    try {
      await page.goto('/technologies');
      await page.getByRole('heading', { name: 'Technologies', level: 1 }).waitFor();
      await page.getByRole('img', { name: /Vendors per technology/ }).waitFor();
      await page.getByTestId('portfolio').waitFor();
      await page.getByTestId('technologies-table').getByRole('link', { name: 'electron', exact: true }).waitFor();
      await shot(page, 'technologies', true);
      await page.getByTestId('technologies-table').getByRole('link', { name: 'electron', exact: true }).click();
      await page.getByRole('heading', { name: /electron/, level: 1 }).waitFor();
      await page.getByRole('link', { name: '3CX Desktop App' }).first().waitFor();

      await page.goto(`/vendors/${threeCx.id}`);
      await page.getByRole('heading', { name: 'Technology stack' }).waitFor();
      await page.locator('#technologies').getByRole('link', { name: /electron/ }).first().waitFor();
    } finally {
      await context.close();
    }
  });

  test('findings: filters, bulk triage and the advisory exposure page', async () => {
    if (!existsSync(GO_OSV)) return;
    const { context, page } = await newContext(server.tokens.admin);
    try {
      await page.goto('/findings');
      await page.getByRole('heading', { name: 'Findings', level: 1 }).waitFor();
      const table = page.getByTestId('findings-table');
      await table.locator('tbody tr').first().waitFor();
      await assertLabelled(page);
      await page.getByRole('combobox', { name: 'Vendor' }).selectOption({ label: 'Datadog' });
      await page.waitForURL(/vendorId=/);
      await table.locator('tbody tr', { hasText: 'Datadog Agent' }).first().waitFor();
      // Go records carry no CVSS: the most urgent Go findings are rated by the NVD record of their CVE, and say so.
      await table.locator('tbody tr').first().getByTestId('severity-label').filter({ hasText: /\d — NVD \(CVSS 3\.1\)/ }).waitFor();
      const before = (await (await server.api(`/api/v1/findings?state=not_affected&limit=500`)).json()) as { items: unknown[] };

      await table.getByRole('checkbox').nth(1).check();
      await table.getByRole('checkbox').nth(2).check();
      await page.getByText('2 findings selected').waitFor();
      await page.getByRole('combobox', { name: 'Set state to' }).selectOption('not_affected');
      await page.getByRole('combobox', { name: 'Justification' }).selectOption('code_not_reachable');
      await page.getByRole('button', { name: 'Apply to selected…' }).click();
      // Bulk triage asks first, with the count the change will touch.
      await page.getByRole('dialog', { name: 'Change findings?' }).getByRole('button', { name: 'Change 2 findings' }).click();
      await page.getByRole('status').filter({ hasText: /set to not affected/ }).waitFor();
      const after = (await (await server.api(`/api/v1/findings?state=not_affected&limit=500`)).json()) as { items: unknown[] };
      assert.equal(after.items.length, before.items.length + 2);
      await shot(page, 'findings', true);

      await table.locator('tbody tr th a').first().click();
      await page.waitForURL(/\/advisories\//);
      // Datadog's two findings were just set to not affected: it is listed in one of the two tables.
      await page.locator('[data-testid="exposure-table"], [data-testid="not-affected-table"]').getByRole('link', { name: 'Datadog' }).first().waitFor();
      await page.getByTestId('advisory-severity').filter({ hasText: /NVD \(CVSS 3\.1\).*from record CVE-/ }).waitFor();
      // What the API knows about the advisory is on the page: affected ranges, fix versions, references.
      const id = decodeURIComponent(page.url().split('/advisories/')[1]);
      const advisory = (await (await server.api(`/api/v1/advisories/${encodeURIComponent(id)}`)).json()) as { packages: Array<{ name: string; fixed: string[] }>; records: Array<{ references: string[] }> };
      const affected = page.getByTestId('affected-table');
      for (const p of advisory.packages) await affected.locator('tbody tr', { hasText: p.name }).first().waitFor();
      const fixes = advisory.packages.flatMap((p) => p.fixed);
      if (fixes.length) await affected.getByText(fixes[0], { exact: false }).first().waitFor();
      const refs = advisory.records.flatMap((r) => r.references ?? []);
      if (refs.length) await page.getByRole('link', { name: refs[0] }).first().waitFor();
      // The headline counts the products the exposure table shows; not-affected ones are left out of it.
      const headline = await page.getByTestId('exposure-headline').textContent();
      const rowCount = await page.getByTestId('exposure-table').locator('tbody tr').count();
      if (rowCount) assert.match(headline ?? '', new RegExp(`in ${rowCount} products?\\b`));
      else assert.match(headline ?? '', /Not used by any product that is still exposed/);
      await shot(page, 'advisory', true);
    } finally {
      await context.close();
    }
  });
});
