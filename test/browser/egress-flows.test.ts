/**
 * The data-flow map and destination triage in a real browser against a real server (SQLite, and
 * PostgreSQL when configured), traffic loaded through POST /api/v1/egress/events: the graph draws
 * sources → vendors → destinations with the unattributed destination marked, the table sorts and
 * filters; an unattributed destination is assigned to a vendor (its flows follow) and another is
 * blocked (the Squid export holds it); a viewer sees no triage buttons.
 * Screenshots: egress-flows.png, egress-destinations.png, egress-destination-assign.png.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBrowser } from './support.js';
import { json, seedEgress } from './egress-support.js';

describeBrowser('egress data flows UI', 'egress data flows UI', (server, { newContext, assertLabelled, shot }) => {
  before(async () => {
    await seedEgress(server);
  });

  test('the map draws who sends what to whom, the table sorts and filters', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Egress' }).click();
      await page.getByRole('heading', { name: 'Data flows' }).waitFor();
      const graph = page.getByTestId('flow-graph');
      await graph.waitFor();
      // The unattributed destination hangs off the "Unattributed" stand-in, dashed.
      const drop = graph.locator('[data-testid="flow-node-destination"][data-label="dropzone-share.net"]');
      assert.match((await drop.getAttribute('class')) ?? '', /egress-node-unattributed/);
      assert.match((await drop.getAttribute('class')) ?? '', /egress-node-unknown/);
      await graph.locator('[data-testid="flow-node-vendor"][data-label="Unattributed"]').waitFor();
      await graph.locator('[data-testid="flow-node-vendor"][data-label="Acme CRM"]').waitFor();
      await graph.locator('[data-testid="flow-node-source"]').first().waitFor();
      // The card number to PayCo is an unsanctioned (red) line naming its data class.
      const toPay = graph.locator('[data-testid="flow-edge"][data-to="payco.io"]');
      assert.match((await toPay.getAttribute('class')) ?? '', /egress-edge-unsanctioned/);
      assert.match((await toPay.locator('title').textContent()) ?? '', /Payment card/);
      const toAcme = graph.locator('[data-testid="flow-edge"][data-to="acmecrm.com"]');
      assert.match((await toAcme.getAttribute('class')) ?? '', /egress-edge-sanctioned/);
      // Wider line for more bytes: 820 kB to dropzone against 9 kB to PayCo.
      const width = async (selector: string) => Number(await graph.locator(selector).first().getAttribute('stroke-width'));
      assert.ok((await width('[data-testid="flow-edge"][data-to="dropzone-share.net"]')) > (await width('[data-testid="flow-edge"][data-to="payco.io"]')));

      const table = page.getByTestId('dataflows');
      const row = (name: string) => table.getByRole('row', { name: new RegExp(name.replace(/\./g, '\\.')) });
      await row('dropzone-share.net').waitFor();
      assert.match((await row('dropzone-share.net').textContent()) ?? '', /unattributed.*Unknown.*E-mail/);
      assert.match((await row('payco.io').textContent()) ?? '', /PayCo.*Unsanctioned.*Payment card/);
      assert.match((await row('acmecrm.com').textContent()) ?? '', /Acme CRM.*Sanctioned.*E-mail/);
      // Sorted by bytes sent, most first, by default; then by destination.
      const firstColumn = async () => (await table.locator('tbody th').allTextContents()).map((t) => t.trim());
      assert.deepEqual((await firstColumn())[0], 'dropzone-share.net');
      await table.getByRole('button', { name: /Destination/ }).click();
      assert.deepEqual(await firstColumn(), ['acmecrm.com', 'dropzone-share.net', 'payco.io', 'quietcdn.net']);
      await page.waitForFunction(() => new URL(location.href).searchParams.get('sort') === 'destination');

      await page.getByLabel('Sanction').selectOption('unsanctioned');
      await table.getByRole('rowheader', { name: 'acmecrm.com' }).waitFor({ state: 'detached' });
      assert.deepEqual(await firstColumn(), ['payco.io']);
      await page.getByLabel('Sanction').selectOption('');
      await table.getByRole('rowheader', { name: 'acmecrm.com' }).waitFor();
      await assertLabelled(page);
      await shot(page, 'egress-flows', true);

      // A destination box filters the table to it.
      await drop.click();
      await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'dropzone-share.net');
      await table.getByRole('rowheader', { name: 'acmecrm.com' }).waitFor({ state: 'detached' });
    } finally {
      await context.close();
    }
  });

  test('an analyst assigns an unattributed destination and a responder blocks one', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/egress');
      await page.getByRole('navigation', { name: 'Egress' }).getByRole('link', { name: 'Destinations' }).click();
      await page.getByRole('heading', { name: 'Destinations' }).waitFor();
      const table = page.getByTestId('destinations');
      await table.getByRole('rowheader', { name: /dropzone-share\.net/ }).waitFor();
      await table.getByRole('rowheader', { name: /quietcdn\.net/ }).waitFor();
      assert.equal(await table.getByRole('rowheader', { name: /acmecrm\.com/ }).count(), 0);
      await assertLabelled(page);
      await shot(page, 'egress-destinations');

      await page.getByRole('button', { name: 'Assign dropzone-share.net' }).click();
      const dialog = page.getByRole('dialog', { name: 'Assign dropzone-share.net' });
      await dialog.getByLabel('Vendor').fill('DropZone Inc');
      await dialog.getByLabel('Product').and(page.locator(':enabled')).waitFor();
      await dialog.getByLabel('Sanction').selectOption('unsanctioned');
      await assertLabelled(page);
      await shot(page, 'egress-destination-assign');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').getByText('dropzone-share.net is now attributed to DropZone Inc').waitFor();
      await table.getByRole('rowheader', { name: /dropzone-share\.net/ }).waitFor({ state: 'detached' });
      const flows = await json<{ items: Array<{ destination: string; vendor: { name: string } | null; sanction: string }> }>(await server.api('/api/v1/dataflows?q=dropzone'));
      assert.deepEqual(flows.items.map((f) => [f.destination, f.vendor?.name, f.sanction]), [['dropzone-share.net', 'DropZone Inc', 'unsanctioned']]);

      await page.getByLabel('Show').selectOption('all');
      await table.getByRole('row', { name: /dropzone-share\.net.*DropZone Inc.*assigned/ }).waitFor();
    } finally {
      await context.close();
    }

    const responder = await newContext(server.tokens.responder);
    try {
      const p = responder.page;
      await p.goto('/egress/destinations');
      await p.getByRole('button', { name: 'Block quietcdn.net' }).click();
      const dialog = p.getByRole('dialog', { name: 'Block quietcdn.net' });
      await dialog.getByLabel('Why').fill('Tracking pixel host nobody owns');
      await dialog.getByRole('button', { name: 'Block' }).click();
      await p.getByRole('status').getByText('quietcdn.net is on the blocklist.').waitFor();
      await p.getByTestId('destinations').getByRole('row', { name: /quietcdn\.net/ }).getByText('blocked').waitFor();
      const squid = await (await server.api('/api/v1/egress/blocklist?format=squid')).text();
      assert.match(squid, /^\.quietcdn\.net$/m);
    } finally {
      await responder.context.close();
    }
  });

  test('a viewer reads flows and destinations without triage buttons', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/egress/destinations?status=all');
      await page.getByTestId('destinations').getByRole('rowheader', { name: /quietcdn\.net/ }).waitFor();
      assert.equal(await page.getByRole('button', { name: /^(Assign|Block) / }).count(), 0);
    } finally {
      await context.close();
    }
  });
});
