/**
 * Egress alerts in a real browser against a real server (SQLite, and PostgreSQL when configured),
 * traffic loaded through POST /api/v1/egress/events: customer e-mails to a destination no vendor
 * claims raise a personal-data alert; the list filters by rule and status, the alert's page links
 * its flows and destination triage, and a responder acknowledges then resolves it; a viewer cannot.
 * Screenshots: egress-alerts.png, egress-alert.png.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBrowser } from './support.js';
import { json, seedEgress } from './egress-support.js';

interface Alert {
  id: string;
  rule: string;
  destination: string;
  status: string;
  title: string;
}

describeBrowser('egress alerts UI', 'egress alerts UI', (server, { newContext, assertLabelled, shot }) => {
  let alert: Alert;

  before(async () => {
    await seedEgress(server);
    const alerts = await json<{ items: Alert[] }>(await server.api('/api/v1/egress/alerts?rule=personal-data'));
    const found = alerts.items.find((a) => a.destination === 'dropzone-share.net');
    assert.ok(found, `a personal-data alert for dropzone-share.net among ${JSON.stringify(alerts.items.map((a) => [a.rule, a.destination]))}`);
    alert = found;
  });

  test('a responder finds the alert, follows its links, acknowledges and resolves it', async () => {
    const { context, page } = await newContext(server.tokens.responder);
    try {
      await page.goto('/egress');
      await page.getByRole('navigation', { name: 'Egress' }).getByRole('link', { name: 'Alerts' }).click();
      await page.getByRole('heading', { name: 'Egress alerts' }).waitFor();
      const table = page.getByTestId('egress-alerts');
      const row = table.getByRole('row', { name: new RegExp(alert.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /dropzone-share\.net.*unattributed.*E-mail.*open/);

      await page.getByLabel('Rule').selectOption('indicator-contact');
      await row.waitFor({ state: 'detached' });
      await page.getByLabel('Rule').selectOption('personal-data');
      await row.waitFor();
      await assertLabelled(page);
      await shot(page, 'egress-alerts');

      await row.getByRole('link', { name: alert.title }).click();
      await page.getByRole('heading', { name: alert.title }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'its flows' }).getAttribute('href'), '/egress?q=dropzone-share.net&window=all');
      assert.equal(await page.getByRole('link', { name: 'triage the destination' }).getAttribute('href'), '/egress/destinations?q=dropzone-share.net');
      await page.getByRole('button', { name: 'Acknowledge' }).click();
      await page.getByText(/^Acknowledged/).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Acknowledge' }).count(), 0);
      await shot(page, 'egress-alert');
      await page.getByRole('button', { name: 'Resolve' }).click();
      await page.locator('.dl-row', { hasText: 'Resolved' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Resolve' }).count(), 0);
      const stored = await json<Alert>(await server.api(`/api/v1/egress/alerts/${alert.id}`));
      assert.equal(stored.status, 'resolved');

      await page.getByRole('link', { name: 'its flows' }).click();
      await page.getByTestId('dataflows').getByRole('rowheader', { name: 'dropzone-share.net' }).waitFor();
      assert.equal(await page.getByTestId('dataflows').getByRole('rowheader').count(), 1);
    } finally {
      await context.close();
    }
  });

  test('a viewer reads an alert without the buttons', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto(`/egress/alerts/${alert.id}`);
      await page.getByRole('heading', { name: alert.title }).waitFor();
      assert.equal(await page.getByRole('button', { name: /Acknowledge|Resolve/ }).count(), 0);
      await page.goto('/egress/alerts/00000000-0000-4000-8000-000000000000');
      await page.getByRole('alert').waitFor();
    } finally {
      await context.close();
    }
  });
});
