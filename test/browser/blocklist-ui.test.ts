/**
 * The egress blocklist page in a real browser against a real server (SQLite, and PostgreSQL when
 * configured): block domains with a reason (defanged and URL spellings taken, a public suffix
 * refused naming the field), see who/why/when, remove one, download the Squid ACL; a viewer reads
 * without the form. Screenshot: test-results/screenshots/egress-blocklist.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBrowser } from './support.js';

describeBrowser('egress blocklist UI', 'egress blocklist UI', (server, { newContext, assertLabelled, shot }) => {
  test('a responder blocks, sees and removes domains; the export files hold the live set', async () => {
    const { context, page } = await newContext(server.tokens.responder);
    try {
      await page.goto('/incidents');
      await page.getByRole('navigation', { name: 'Incident response' }).getByRole('link', { name: 'Blocklist' }).click();
      await page.getByRole('heading', { name: 'Egress blocklist' }).waitFor();
      const form = page.getByRole('form', { name: 'Block domains' });

      await form.getByLabel('Domains').fill('co.uk');
      await form.getByLabel('Why').fill('test');
      await form.getByRole('button', { name: 'Block' }).click();
      await form.locator('.field-error').first().waitFor();

      await form.getByLabel('Domains').fill('msstorageazure[.]com, https://akamaicontainer.com/path');
      await form.getByLabel('Why').fill('3CX C2 domains (CISA AA23-…)');
      await form.getByRole('button', { name: 'Block' }).click();
      await form.getByRole('status').getByText('Blocked akamaicontainer.com, msstorageazure.com.').or(form.getByRole('status').getByText('Blocked msstorageazure.com, akamaicontainer.com.')).waitFor();
      const table = page.getByTestId('blocklist');
      await table.getByRole('rowheader', { name: 'msstorageazure.com' }).waitFor();
      await table.getByRole('rowheader', { name: 'akamaicontainer.com' }).waitFor();
      assert.match((await table.getByRole('row', { name: /msstorageazure\.com/ }).textContent()) ?? '', /3CX C2 domains.*token:test-responder.*until removed.*active/);

      const squid = await (await server.api('/api/v1/egress/blocklist?format=squid')).text();
      assert.match(squid, /^\.msstorageazure\.com$/m);

      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: 'Stop blocking akamaicontainer.com' }).click();
      await table.getByRole('rowheader', { name: 'akamaicontainer.com' }).waitFor({ state: 'detached' });
      const domains = await (await server.api('/api/v1/egress/blocklist?format=domains')).text();
      assert.deepEqual(domains.trim().split('\n').filter((l) => l && !l.startsWith('#')), ['msstorageazure.com']);
      await assertLabelled(page);
      await shot(page, 'egress-blocklist');
    } finally {
      await context.close();
    }
  });

  test('a viewer reads the blocklist without the form or remove buttons', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/egress/blocklist');
      await page.getByTestId('blocklist').getByRole('rowheader', { name: 'msstorageazure.com' }).waitFor();
      assert.equal(await page.getByRole('form', { name: 'Block domains' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: /Stop blocking/ }).count(), 0);
      assert.equal(await page.getByRole('link', { name: 'Squid ACL' }).getAttribute('href'), '/api/v1/egress/blocklist?format=squid');
    } finally {
      await context.close();
    }
  });
});
