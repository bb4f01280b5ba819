/**
 * The update-integrity UI in a real browser against a real server (SQLite, and PostgreSQL when
 * configured): the demo 3CX Desktop App's timeline (registered releases, the tampered installer's
 * alerts, the signer), then a signed PE with bytes hidden after its signature dropped on the check
 * zone, which answers its alerts. Screenshots land in test-results/screenshots/
 * (integrity-timeline.png, integrity-check.png).
 *
 * Needs Chromium at /usr/bin/chromium; without it the suite is skipped, loudly. Builds web/dist when
 * stale.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { describeBrowser } from './support.js';
import { loadDemo, loadDemoSboms } from '../../src/modules/vendors/demo.js';
import { loadDemoArtifacts } from '../../src/modules/integrity/integrity.demo.js';
import { systemContext } from '../../src/platform/context.js';
import { buildPe, makeSigner, signPe } from '../../src/modules/integrity/test-support/pe-builder.js';

describeBrowser('update-integrity UI', 'update-integrity UI', (server, { newContext, assertLabelled, shot }) => {
  let productId: string;

  before(async () => {
    const ctx = systemContext('demo');
    await loadDemo(server.tw.services, ctx);
    await loadDemoSboms(server.tw.services, ctx);
    const summary = await loadDemoArtifacts(server.tw.services, ctx);
    assert.deepEqual(summary, { registered: 2, checked: 1, alerts: 2, skipped: false });
    const vendor = (await server.tw.services.vendors.list({ q: '3CX', limit: 1 })).items[0];
    productId = (await server.tw.services.vendors.listProducts(vendor.id)).find((p) => p.name === '3CX Desktop App')!.id;
  });

  test('the product page leads to the integrity timeline: releases, hashes, signer, alerts', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto(`/products/${productId}`);
      await page.getByRole('link', { name: /Update integrity/ }).click();
      await page.getByRole('heading', { name: 'Update integrity: 3CX Desktop App' }).waitFor();
      const timeline = page.getByTestId('timeline');
      await timeline.getByRole('heading', { name: /Release 18\.12\.416/ }).waitFor();
      const releases = await timeline.locator('h3').allInnerTexts();
      assert.match(releases[0], /^Release 18\.12\.416/, 'newest release first');
      assert.match(releases[1], /^Release 18\.12\.407/);
      const alerts = await page.getByTestId('alerts').first().innerText();
      assert.match(alerts, /hash-mutation/);
      assert.match(alerts, /quarantine/);
      assert.match(await page.getByTestId('signers').innerText(), /3CX Ltd/);
      assert.equal(await timeline.getByText('registered', { exact: true }).count(), 2);
      await assertLabelled(page);
      await shot(page, 'integrity-timeline', true);
    } finally {
      await context.close();
    }
  });

  test('dropping a padded signed PE on the check zone answers its alerts and adds it to the timeline', async () => {
    const signer = await makeSigner('3CX Ltd');
    const padded = await signPe(buildPe({ body: Buffer.from('d3dcompiler_47 look-alike') }), signer, { padding: Buffer.from('hidden encrypted payload '.repeat(12)) });
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto(`/products/${productId}/integrity`);
      await page.getByRole('textbox', { name: 'Release' }).fill('18.12.416');
      const drop = page.getByTestId('artifact-drop');
      const transfer = await page.evaluateHandle((bytes) => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(bytes)], 'd3dcompiler_47.dll', { type: 'application/octet-stream' }));
        return data;
      }, [...padded]);
      await drop.dispatchEvent('drop', { dataTransfer: transfer });
      assert.equal(await page.getByRole('textbox', { name: 'Published file name' }).inputValue(), 'd3dcompiler_47.dll');
      await page.getByRole('button', { name: 'Check artifact' }).click();
      const result = page.getByTestId('check-result');
      await result.waitFor();
      const text = await result.innerText();
      assert.match(text, /signature-padding/);
      assert.match(text, /Authenticode valid by .*3CX Ltd/);
      assert.match(text, /not registered by the vendor/);
      await page.getByTestId('timeline').getByRole('rowheader', { name: /d3dcompiler_47\.dll/ }).waitFor();
      await shot(page, 'integrity-check', true);
    } finally {
      await context.close();
    }
  });
});
