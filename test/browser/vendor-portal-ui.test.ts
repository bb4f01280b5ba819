/**
 * The vendor page's "Portal and incident readiness" section in a real browser against a real
 * server (SQLite, and PostgreSQL when configured): a portal link for a vendor with no assessment
 * opens the portal (once), API tokens for the vendor's systems are made, listed and revoked, and the
 * drills against the vendor are listed. Screenshot: vendor-portal.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBrowser } from './support.js';

describeBrowser('vendor portal section UI', 'vendor portal section UI', (server, { newContext, assertLabelled, shot }) => {
  let vendorId = '';

  before(async () => {
    const res = await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Acme Telecom', domains: ['acme.example'] } });
    assert.equal(res.status, 201);
    vendorId = ((await res.json()) as { id: string }).id;
  });

  test('an admin hands out a portal link that opens the portal once, and makes and revokes a vendor API token', async () => {
    const { context, page } = await newContext(server.tokens.admin);
    try {
      await page.goto(`/vendors/${vendorId}`);
      const section = page.getByRole('region', { name: 'Portal and incident readiness' });
      await section.getByText('No drill against this vendor yet.').waitFor();
      await section.getByRole('button', { name: 'Create portal link' }).click();
      const shown = section.getByTestId('portal-link');
      await shown.getByText('Not e-mailed: hand it over yourself.').waitFor();
      const url = (await shown.locator('code').textContent()) ?? '';
      assert.match(url, /\/portal\/#twl_/);

      await section.getByRole('button', { name: 'Create token' }).click();
      await section.locator('.field-error').first().waitFor();
      await section.getByLabel('System').fill('Acme SOC');
      await section.getByRole('button', { name: 'Create token' }).click();
      const token = (await section.getByTestId('vendor-token').locator('code').textContent()) ?? '';
      assert.match(token, /^twv_/);
      await section.getByRole('rowheader', { name: 'Acme SOC' }).waitFor();
      const session = await fetch(`${server.url}/api/v1/portal/session`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(session.status, 200);
      await assertLabelled(page);
      await section.scrollIntoViewIfNeeded();
      await shot(page, 'vendor-portal');

      page.once('dialog', (dialog) => void dialog.accept());
      await section.getByRole('button', { name: 'Revoke' }).click();
      await section.getByRole('row', { name: /Acme SOC/ }).getByText('revoked').waitFor();
      assert.equal((await fetch(`${server.url}/api/v1/portal/session`, { headers: { authorization: `Bearer ${token}` } })).status, 401);

      const vendor = await newContext();
      try {
        await vendor.page.goto(new URL(url).pathname + new URL(url).hash);
        await vendor.page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Incidents' }).click();
        await vendor.page.getByRole('link', { name: 'Report an incident' }).waitFor();
      } finally {
        await vendor.context.close();
      }
    } finally {
      await context.close();
    }
  });

  test('a viewer sees the drills but neither the link form nor the tokens', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto(`/vendors/${vendorId}`);
      const section = page.getByRole('region', { name: 'Portal and incident readiness' });
      await section.getByText('No drill against this vendor yet.').waitFor();
      assert.equal(await section.getByRole('button', { name: 'Create portal link' }).count(), 0);
      assert.equal(await section.getByText("API tokens for the vendor's systems").count(), 0);
    } finally {
      await context.close();
    }
  });
});
