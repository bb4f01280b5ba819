/**
 * A product's egress endpoints in a real browser against a real server (SQLite, and PostgreSQL
 * when configured): the vendor page's product form takes them (a URL instead of a host name is
 * refused under the field, before anything is sent), the products table lists them, the product
 * page edits them, and egress to one of them is attributed to the product.
 * Screenshots: product-endpoints-form.png, product-endpoints.png.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBrowser } from './support.js';
import { ingest, json } from './egress-support.js';

interface Product {
  id: string;
  name: string;
  endpoints: string[];
}

describeBrowser('product endpoints UI', 'product endpoints UI', (server, { newContext, assertLabelled, shot }) => {
  let vendorId: string;
  let productId: string;

  before(async () => {
    vendorId = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Softphone Co', domains: ['softphone.example'] } }), 201)).id;
  });

  test('an analyst adds a product with endpoints, then edits them on its page; egress to them is attributed to the product', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto(`/vendors/${vendorId}`);
      await page.getByRole('button', { name: 'Add product' }).click();
      const form = page.getByRole('form', { name: 'Add product' });
      await form.getByLabel('Name').fill('Softphone Desktop');
      await form.getByLabel('Type').selectOption('desktop-app');
      const endpoints = form.getByLabel('Egress endpoints');
      await endpoints.fill('API.sp-cloud.example, https://telemetry.sp-cdn.example/v1');
      await form.getByRole('button', { name: 'Add product' }).click();
      await form.getByText('“https://telemetry.sp-cdn.example/v1” is not a host name').waitFor();
      assert.equal(await endpoints.getAttribute('aria-invalid'), 'true');
      await assertLabelled(page);
      await shot(page, 'product-endpoints-form');
      assert.equal((await json<{ items: Product[] }>(await server.api(`/api/v1/vendors/${vendorId}/products`))).items.length, 0, 'nothing was sent');

      await endpoints.fill('API.sp-cloud.example, telemetry.sp-cdn.example');
      await form.getByRole('button', { name: 'Add product' }).click();
      const row = page.locator('#products tbody tr', { hasText: 'Softphone Desktop' });
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /api\.sp-cloud\.example, telemetry\.sp-cdn\.example/);
      const [created] = (await json<{ items: Product[] }>(await server.api(`/api/v1/vendors/${vendorId}/products`))).items;
      assert.deepEqual(created.endpoints, ['api.sp-cloud.example', 'telemetry.sp-cdn.example']);
      productId = created.id;

      await row.getByRole('link', { name: 'Softphone Desktop' }).click();
      await page.getByRole('heading', { name: /^Softphone Desktop/, level: 1 }).waitFor();
      const card = page.getByRole('form', { name: "Set the product's egress endpoints" });
      const input = card.getByLabel('Endpoints');
      assert.equal(await input.inputValue(), 'api.sp-cloud.example, telemetry.sp-cdn.example');
      await input.fill('api.sp-cloud.example bad..host');
      await card.getByRole('button', { name: 'Save endpoints' }).click();
      await card.getByText('“bad..host” is not a host name').waitFor();
      await input.fill('api.sp-cloud.example, updates.sp-cloud.example');
      await card.getByRole('button', { name: 'Save endpoints' }).click();
      await page.getByTestId('product-endpoints').getByText('updates.sp-cloud.example').waitFor();
      assert.equal(await page.getByTestId('product-endpoints').getByText('telemetry.sp-cdn.example').count(), 0);
      await assertLabelled(page);
      await shot(page, 'product-endpoints');
      const saved = await json<Product>(await server.api(`/api/v1/products/${created.id}`));
      assert.deepEqual(saved.endpoints, ['api.sp-cloud.example', 'updates.sp-cloud.example']);
    } finally {
      await context.close();
    }
    // The endpoint names the product: traffic to a host under it is the product's, through its vendor.
    await ingest(server, [{ at: new Date().toISOString(), client: '10.0.0.8', host: 'eu.api.sp-cloud.example', port: 443, method: 'POST', path: '/register', bytesOut: 500 }]);
    const flows = await server.tw.database.db.selectFrom('egress_flows').select(['destination', 'vendor_id', 'product_id']).where('destination', '=', 'sp-cloud.example').execute();
    assert.deepEqual(flows, [{ destination: 'sp-cloud.example', vendor_id: vendorId, product_id: productId }]);
  });
});
