/**
 * Settings → Notifications in a real browser against a real server (SQLite, and PostgreSQL when
 * configured) and a real webhook receiver on 127.0.0.1: add a webhook channel, send a test message
 * (received with a valid signature), see a failing channel's test fail, retry a dead message from
 * the outbox, read the delivery log, edit a channel keeping its stored secret. Screenshot:
 * test-results/screenshots/notifications-settings.png.
 *
 * Needs Chromium at /usr/bin/chromium; without it the suite is skipped, loudly.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { systemContext } from '../../src/platform/context.js';
import { createWorker } from '../support/server.js';
import { describeBrowser } from './support.js';

const SECRET = 'ui-test-secret-0123456789';

describeBrowser(
  'notifications UI',
  'notifications UI',
  (server, { newContext, assertLabelled, shot }) => {
    const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
    let receiver: http.Server;
    let port = 0;
    let closedPort = 0;

    before(async () => {
      receiver = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
          res.writeHead(200).end('ok');
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      port = (receiver.address() as AddressInfo).port;
      // A port nothing listens on: a channel that is down.
      const probe = http.createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      closedPort = (probe.address() as AddressInfo).port;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
    });
    after(async () => {
      await new Promise<void>((resolve) => receiver?.close(() => resolve()));
    });

    test('channels: add, test (signed), a failing test, retry from the outbox, delivery log, edit keeps the secret', async () => {
      const { context, page } = await newContext(server.tokens.admin);
      try {
        await page.goto('/settings');
        await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Notifications' }).click();
        await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
        await page.getByText('No channels yet.').waitFor();

        await page.getByRole('button', { name: 'Add channel' }).click();
        let form = page.getByRole('form', { name: 'New channel' });
        await form.getByLabel('Name').fill('SOAR');
        await form.getByLabel('URL').fill(`http://127.0.0.1:${port}/hook`);
        await form.getByLabel('Signing secret').fill('short');
        await form.getByLabel('Events').fill('incident.created, clock.breached');
        await form.getByLabel('Security').check();
        await assertLabelled(page);
        await form.getByRole('button', { name: 'Add channel' }).click();
        await form.getByText(/secret/i).first().waitFor();
        await form.getByLabel('Signing secret').fill(SECRET);
        await form.getByRole('button', { name: 'Add channel' }).click();
        const table = page.getByTestId('notify-channels');
        const soar = table.getByTestId('notify-channel-row').filter({ hasText: 'SOAR' });
        await soar.getByText(`http://127.0.0.1:${port}/hook`).waitFor();
        await soar.getByText('Teams: Security').waitFor();

        await soar.getByRole('button', { name: 'Send a test message through SOAR' }).click();
        await soar.getByText(/Test sent \(HTTP 200\) in \d+ ms\./).waitFor();
        const hit = received.at(-1)!;
        assert.equal(hit.headers['x-thirdwatch-event'], 'notification.test');
        assert.equal(hit.headers['x-thirdwatch-signature'], `sha256=${createHmac('sha256', SECRET).update(`${hit.headers['x-thirdwatch-timestamp']}.${hit.body}`).digest('hex')}`);

        // A channel that is down: its test fails and says why.
        await page.getByRole('button', { name: 'Add channel' }).click();
        form = page.getByRole('form', { name: 'New channel' });
        await form.getByLabel('Name').fill('Ticketing');
        await form.getByLabel('URL').fill(`http://127.0.0.1:${closedPort}/tickets`);
        await form.getByLabel('Signing secret').fill(SECRET);
        await form.getByLabel('Events').fill('incident.created');
        await form.getByRole('button', { name: 'Add channel' }).click();
        const ticketing = table.getByTestId('notify-channel-row').filter({ hasText: 'Ticketing' });
        await ticketing.getByRole('button', { name: 'Send a test message through Ticketing' }).click();
        await ticketing.getByText(/Test failed: .*ECONNREFUSED/).waitFor();

        // A real message: SOAR takes it, Ticketing fails until it is given up; Retry puts it back.
        await server.tw.database.db.transaction().execute((trx) =>
          server.tw.services.notifications.enqueue(trx, { event: 'incident.created', subject: 'New incident', text: '3CX desktop app compromised', data: { incident: { title: '3CX desktop app compromised', severity: 'critical', source: 'correlation' } } }, systemContext('test')),
        );
        await server.tw.database.db.updateTable('notification_outbox').set({ max_attempts: 1 }).where('channel_name', '=', 'Ticketing').where('status', '=', 'pending').execute();
        await createWorker(server.tw).drain();
        await page.reload();
        const outbox = page.getByTestId('notify-outbox');
        const dead = outbox.getByRole('row').filter({ hasText: '[Thirdwatch] New critical incident: 3CX desktop app compromised' });
        await dead.getByText('dead').waitFor();
        await dead.getByText(/ECONNREFUSED/).waitFor();
        const log = page.getByTestId('notify-deliveries');
        await log.getByRole('row').filter({ hasText: 'SOAR' }).filter({ hasText: '3CX desktop app compromised' }).getByText('HTTP 200').waitFor();
        await shot(page, 'notifications-settings', true);
        await dead.getByRole('button', { name: /^Retry / }).click();
        await page.getByLabel('Show').selectOption('pending');
        await outbox.getByRole('row').filter({ hasText: '3CX desktop app compromised' }).getByText('pending').waitFor();

        // Editing without typing a secret keeps the stored one.
        await soar.getByRole('button', { name: 'Edit SOAR' }).click();
        const edit = page.getByRole('form', { name: 'Edit SOAR' });
        await edit.getByLabel('Events').fill('*');
        await edit.getByRole('button', { name: 'Save channel' }).click();
        await soar.getByText('*', { exact: true }).waitFor();
        const stored = await server.tw.database.db.selectFrom('notification_channels').select('config').where('name', '=', 'SOAR').executeTakeFirstOrThrow();
        assert.equal(JSON.parse(stored.config).secret, SECRET);
      } finally {
        await context.close();
      }
    });

    test('non-admins have no notification settings', async () => {
      const { context, page } = await newContext(server.tokens.analyst);
      try {
        await page.goto('/settings');
        await page.getByRole('heading', { name: 'Risk model', level: 1 }).waitFor();
        assert.equal(await page.getByRole('navigation', { name: 'Settings' }).count(), 0);
        await page.goto('/settings/notifications');
        await page.getByText(/Not allowed: .*settings:write/).first().waitFor();
      } finally {
        await context.close();
      }
    });
  },
  { env: { THIRDWATCH_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1/32' } },
);
