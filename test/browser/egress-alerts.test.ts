/**
 * Egress alerts in a real browser against a real server (SQLite, and PostgreSQL when configured),
 * traffic loaded through POST /api/v1/egress/events: customer e-mails to a destination no vendor
 * claims raise a personal-data alert; the list filters by rule and status, the alert's page links
 * its flows and destination triage, and a responder acknowledges then resolves it; a viewer cannot.
 * An indicator contact shows on the sightings page as egress traffic linked to its alert, and on its
 * risk as labelled egress-alert evidence. Screenshots: egress-alerts.png, egress-alert.png,
 * egress-sighting.png, egress-risk-evidence.png.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBrowser } from './support.js';
import { importFeed } from '../../src/modules/findings/test-support.js';
import { ingest, json, seedEgress } from './egress-support.js';

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
  test('contact with an indicator domain: the sighting reads "egress traffic" and links its alert; the risk labels its egress-alert evidence and links it', async () => {
    const feed = await importFeed(server, 'csv-iocs', 'indicator,type,confidence\nc2relay-drill[.]com,domain,90\n', '?source=drill-iocs');
    assert.deepEqual([feed.imported, feed.errors], [1, []]);
    await ingest(server, [{ at: new Date().toISOString(), client: '10.0.0.44', app: 'softphone', method: 'POST', host: 'cdn.c2relay-drill.com', port: 443, path: '/beacon', status: 200, bytesOut: 400, bytesIn: 90 }]);
    const [contact] = (await json<{ items: Array<Alert & { riskId: string; sightingId: string }> }>(await server.api('/api/v1/egress/alerts?rule=indicator-contact'))).items;
    assert.ok(contact?.riskId && contact.sightingId, 'the indicator-contact rule opens a risk and records a sighting');
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/sightings');
      await page.getByLabel('Seen in').selectOption('egress');
      const row = page.getByTestId('sightings-table').locator('tbody tr');
      await row.getByText('egress traffic · from softphone on 10.0.0.44').waitFor();
      assert.equal(await row.count(), 1);
      assert.match((await row.textContent()) ?? '', /found in egress traffic/);
      const link = row.getByRole('link', { name: 'cdn.c2relay-drill.com/beacon' });
      assert.equal(await link.getAttribute('href'), `/egress/alerts/${contact.id}`);
      await assertLabelled(page);
      await shot(page, 'egress-sighting');
      await link.click();
      await page.getByRole('heading', { name: contact.title }).waitFor();

      await page.goto(`/risks/${contact.riskId}`);
      const evidence = page.getByTestId('evidence');
      await evidence.waitFor();
      const items = await evidence.locator('li').evaluateAll((list) => list.map((li) => [li.querySelector('.tag')?.textContent, li.querySelector('a')?.getAttribute('href') ?? null]));
      assert.deepEqual(items.find(([tag]) => tag === 'egress alert'), ['egress alert', `/egress/alerts/${contact.id}`]);
      assert.ok(!items.some(([tag]) => tag?.includes('-')), `no raw evidence type: ${JSON.stringify(items)}`);
      await shot(page, 'egress-risk-evidence');
      await page.goto('/risks');
      await page.getByLabel('Source').selectOption('egress-alert');
      await page.getByRole('link', { name: `Egress: ${contact.title}` }).waitFor();
    } finally {
      await context.close();
    }
  });
});
