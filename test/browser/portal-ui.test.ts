/**
 * The vendor portal's front door at phone width (390 px): a link opens the portal once and leaves
 * the address bar; a used, expired or mangled link, or no link at all, is a clear page saying what
 * to do, never an error dump. The whole answer-and-review loop is test/browser/assessment-loop.test.ts.
 *
 * Needs Chromium at /usr/bin/chromium (CI installs it); without it the suite is skipped, loudly.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { hashSecret, newSecret } from '../../src/platform/auth/secrets.js';
import { newId } from '../../src/platform/ids.js';
import { PortalRepository } from '../../src/modules/portal/portal.repository.js';
import { describeBrowser } from './support.js';

const PHONE = { width: 390, height: 844 };

describeBrowser('vendor portal front door', 'vendor portal', (server, { newContext, assertLabelled, shot }) => {
  let vendorId = '';
  before(async () => {
    const res = await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Northwind Payroll Services' } });
    vendorId = ((await res.json()) as { id: string }).id;
  });

  /** A link as an invitation stores it (invitations themselves need an assessment: see the loop test). */
  async function link(expiresAt = new Date(Date.now() + 86_400_000).toISOString()): Promise<string> {
    const token = newSecret('twl');
    await new PortalRepository(server.tw.database.db).insertInvitation({
      id: newId(), token_hash: hashSecret(token), assessment_id: newId(), vendor_id: vendorId, contact_id: null, email: null, emailed_at: null,
      expires_at: expiresAt, used_at: null, created_by: 'test', created_at: new Date().toISOString(),
    });
    return token;
  }

  test('a link opens the portal once, without sign-in; used, expired, mangled and missing links get a clear page', async () => {
    const { context, page } = await newContext();
    try {
      await page.setViewportSize(PHONE);
      const token = await link();
      await page.goto(`/portal/#${token}`);
      await page.getByRole('heading', { name: 'Assessments for Northwind Payroll Services' }).waitFor();
      assert.equal(new URL(page.url()).hash, '', 'the secret leaves the address bar');
      assert.match(await page.locator('.portal-bar').innerText(), /Vendor portal · Northwind Payroll Services/);
      assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'no analyst shell');
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'nothing wider than the phone');
      await shot(page, 'portal-list-phone');
      // Reloading the page keeps the session the link opened.
      await page.reload();
      await page.getByRole('heading', { name: 'Assessments for Northwind Payroll Services' }).waitFor();
    } finally {
      await context.close();
    }

    const { context: other, page: second } = await newContext();
    try {
      await second.setViewportSize(PHONE);
      const used = await link();
      await fetch(`${server.url}/api/v1/portal/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: used }) });
      const expired = await link(new Date(Date.now() - 60_000).toISOString());
      const cases: Array<[string, string]> = [
        [`/portal/#${used}`, 'This link has already been used'],
        [`/portal?token=${expired}`, 'This link has expired'],
        [`/portal/#${newSecret('twl').slice(0, 30)}`, 'This link is not valid'],
        ['/portal', 'Open the link from your e-mail'],
      ];
      for (const [path, heading] of cases) {
        await second.goto(path);
        await second.getByRole('heading', { name: heading }).waitFor();
        assert.match(await second.getByTestId('portal-closed').innerText(), /ask your contact|Ask your contact/);
        assert.ok(!(await second.content()).includes('stack'), 'no error dump');
      }
      await second.goto(`/portal/#${used}`);
      await second.getByRole('heading', { name: 'This link has already been used' }).waitFor();
      await shot(second, 'portal-link-used-phone');
      // The ?token= form reaches the server in the page request: its log line (debug here) leaves it out.
      assert.match(server.logs(), /"url":"\/portal\?token=\*\*\*"/);
      assert.ok(!server.logs().includes(expired), 'the link secret is not logged');
    } finally {
      await other.close();
    }
  });

  test('admins set up e-mail and the portal on the settings page; the SMTP password is write-only', async () => {
    const { context, page } = await newContext(server.tokens.admin);
    try {
      await page.goto('/settings');
      const mail = page.getByRole('form', { name: 'E-mail (SMTP)' });
      await mail.getByLabel('Send e-mail').check();
      await mail.getByLabel('Server').fill('smtp.example.com');
      await mail.getByLabel('Port').fill('587');
      await mail.getByLabel('Sender address').fill('grc@example.com');
      await mail.getByLabel('User name').fill('grc');
      await mail.getByLabel('Password').fill('app-password-123456');
      await assertLabelled(page);
      await mail.getByRole('button', { name: 'Save e-mail settings' }).click();
      await mail.getByText('E-mail settings saved.').waitFor();
      await mail.getByText('A password is stored: leave empty to keep it.').waitFor();
      assert.equal(await mail.getByLabel('Password').inputValue(), '', 'the password is not shown again');
      // Saving again without typing it keeps it.
      await mail.getByLabel('Port').fill('2525');
      await mail.getByRole('button', { name: 'Save e-mail settings' }).click();
      await mail.getByText('E-mail settings saved.').waitFor();
      const stored = await server.tw.services.mailer.settings();
      assert.deepEqual([stored.enabled, stored.host, stored.port, stored.security, stored.username, stored.password], [true, 'smtp.example.com', 2525, 'starttls', 'grc', 'app-password-123456']);

      const portal = page.getByRole('form', { name: 'Vendor portal' });
      await portal.getByLabel('Public address').fill('https://thirdwatch.example.com');
      await portal.getByLabel('Links valid for (days)').fill('7');
      await portal.getByRole('button', { name: 'Save portal settings' }).click();
      await portal.getByText('Portal settings saved.').waitFor();
      const settings = await server.tw.services.portal.settings();
      assert.deepEqual([settings.publicUrl, settings.invitationDays], ['https://thirdwatch.example.com', 7]);
      await portal.getByLabel('Public address').fill('not a url');
      await portal.getByRole('button', { name: 'Save portal settings' }).click();
      await portal.locator('.field-error').first().waitFor();
      await shot(page, 'settings-mail-portal', true);
    } finally {
      await context.close();
    }
  });
}, { env: { THIRDWATCH_LOG_LEVEL: 'debug' } });
