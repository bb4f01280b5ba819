/**
 * The built web UI and Swagger UI work under the Content-Security-Policy the server sends: every
 * script, style and image they need is allowed, and the browser reports no violation.
 *
 * Needs Chromium at /usr/bin/chromium (CI installs it); without it the suite is skipped, loudly.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, chromiumMissing, DIST, ensureBuilt, launchChromium, pageKit } from './support.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** Collects the browser's CSP violation reports for a page. */
function watchViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

if (!existsSync(CHROMIUM)) {
  test.skip(chromiumMissing('content security policy'));
} else {
  describe('content security policy in the browser [sqlite]', () => {
    let server: TestServer;
    let browser: Browser;
    const pageErrors: string[] = [];

    before(async () => {
      ensureBuilt();
      server = await startTestServer('sqlite', {}, { webRoot: DIST });
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      assert.deepEqual(pageErrors, [], 'pages threw uncaught errors');
    });

    const { newContext } = pageKit(() => browser, () => server.url, pageErrors);

    test('the web UI signs in and renders with no CSP violation', async () => {
      const { context, page } = await newContext(server.tokens.admin);
      const violations = watchViolations(page);
      try {
        const res = await page.goto('/');
        assert.match((await res!.allHeaders())['content-security-policy'] ?? '', /script-src 'self'/);
        await page.getByRole('link', { name: /Inventory/ }).first().waitFor();
        await page.goto('/vendors/new');
        await page.getByRole('textbox').first().waitFor();
        // A reload revalidates the cached shell (304): the page policy must survive it.
        await page.goto('/');
        await page.reload();
        await page.getByRole('link', { name: /Inventory/ }).first().waitFor();
        assert.deepEqual(violations, []);
      } finally {
        await context.close();
      }
    });

    test('Swagger UI at /api/docs renders the API with no CSP violation', async () => {
      const { context, page } = await newContext();
      const violations = watchViolations(page);
      try {
        await page.goto('/api/docs');
        // Swagger UI renders the whole 300 KB document before its title: seconds on a loaded machine.
        await page.locator('.swagger-ui .info .title').filter({ hasText: 'Thirdwatch API' }).waitFor({ timeout: 60_000 });
        await page.locator('.opblock-tag').first().waitFor();
        assert.deepEqual(violations, []);
      } finally {
        await context.close();
      }
    });
  });
}
