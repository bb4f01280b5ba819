/**
 * Incident reporting in the vendor portal, in a real browser against a real server (SQLite, and
 * PostgreSQL when configured): the vendor reports an incident (products, data, indicators,
 * contact), follows it on its status page, sees an update we shared and never another vendor's
 * report; the report is an incident of ours with source "vendor". Screenshots:
 * portal-incident-report, portal-incident-status.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBrowser } from './support.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

describeBrowser('vendor portal incidents UI', 'vendor portal incidents UI', (server, { newContext, assertLabelled, shot }) => {
  const tokens: Record<string, string> = {};
  let phone = '';

  before(async () => {
    for (const name of ['Acme Telecom', 'Globex']) {
      const vendor = await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name } }), 201);
      const product = await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendor.id}/products`, { method: 'POST', json: { name: `${name} Softphone`, type: 'desktop-app' } }), 201);
      if (name === 'Acme Telecom') phone = product.id;
      tokens[name] = (await json<{ token: string }>(await server.api(`/api/v1/vendors/${vendor.id}/portal-tokens`, { method: 'POST', json: { name: 'status page test' } }), 201)).token;
    }
  });

  const portal = async (token: string) => {
    const { context, page } = await newContext();
    await context.addInitScript((t) => sessionStorage.setItem('thirdwatch.portal', t), token);
    return { context, page };
  };

  test('a vendor reports an incident and follows it; the report is our incident with source vendor', async () => {
    const { context, page } = await portal(tokens['Acme Telecom']);
    try {
      await page.goto('/portal');
      await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Incidents' }).click();
      await page.getByText('No incidents reported or shared with you.').waitFor();
      await page.getByRole('link', { name: 'Report an incident' }).click();
      const form = page.getByRole('form', { name: 'Report an incident' });
      await form.getByRole('button', { name: 'Send the report' }).click();
      await form.locator('.field-error').first().waitFor();

      await form.getByLabel('What happened, in a line').fill('Build server compromised; signed update 18.4 trojanized');
      await form.getByLabel(/^What happened(?!,)/).fill('Our build server was accessed on 3 Dec. Update 18.4 carries a loader.');
      await form.getByLabel('When you detected it').fill('2026-12-05T09:30');
      await form.getByLabel('How severe you consider it').selectOption('critical');
      await form.getByLabel('Acme Telecom Softphone').check();
      await form.getByLabel('Data affected').fill('credentials');
      await form.getByLabel('Indicators').fill('msstorageazure.com\n' + 'a'.repeat(64));
      await form.getByLabel('Your name').fill('Ana Security');
      await form.getByLabel('E-mail').fill('security@acme.example');
      await assertLabelled(page);
      await shot(page, 'portal-incident-report');
      await form.getByRole('button', { name: 'Send the report' }).click();

      await page.getByRole('heading', { name: 'Build server compromised; signed update 18.4 trojanized' }).waitFor();
      await page.getByText('Our build server was accessed on 3 Dec.').first().waitFor();
      const incidents = await json<{ items: Array<{ id: string; source: string; vendorIds: string[]; productIds: string[] }> }>(await server.api('/api/v1/incidents?source=vendor'));
      assert.equal(incidents.items.length, 1);
      assert.deepEqual(incidents.items[0].productIds, [phone]);
      const id = incidents.items[0].id;
      assert.match(page.url(), new RegExp(`/portal/incidents/${id}`));

      // An update we share appears on the vendor's status page.
      await json(await server.api(`/api/v1/incidents/${id}/events`, { method: 'POST', json: { text: 'We blocked the C2 domain at our proxy.', shareable: true } }), 201);
      await page.reload();
      await page.getByText('We blocked the C2 domain at our proxy.').waitFor();
      await shot(page, 'portal-incident-status');
    } finally {
      await context.close();
    }
  });

  test('another vendor sees none of it', async () => {
    const { context, page } = await portal(tokens.Globex);
    try {
      await page.goto('/portal/incidents');
      await page.getByText('No incidents reported or shared with you.').waitFor();
      const id = (await json<{ items: Array<{ id: string }> }>(await server.api('/api/v1/incidents?source=vendor'))).items[0].id;
      await page.goto(`/portal/incidents/${id}`);
      await page.getByRole('alert').waitFor();
      assert.equal(await page.getByText('Build server compromised').count(), 0);
    } finally {
      await context.close();
    }
  });
});
