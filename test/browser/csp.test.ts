/**
 * The built web UI and Swagger UI work under the Content-Security-Policy the server sends: every
 * script, style and image they need is allowed, and the browser reports no violation.
 *
 * Needs Chromium at /usr/bin/chromium (CI installs it); without it the suite is skipped, loudly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { describeBrowser } from './support.js';

/** Collects the browser's CSP violation reports for a page. */
function watchViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

// The headers and the built bundle are the same whatever the database: one engine is enough.
describeBrowser('content security policy in the browser', 'content security policy', (server, { newContext }) => {
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
}, { engines: ['sqlite'] });
