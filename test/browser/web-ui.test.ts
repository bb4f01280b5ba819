/**
 * The web UI in a real browser against a real server (SQLite, and PostgreSQL when configured): sign-in
 * both ways, the dashboard, inventory filtering and paging, creating a vendor and reading its
 * explained score, inline form errors, and the CSV import dry run. Screenshots land in
 * test-results/screenshots/.
 *
 * Needs Chromium at /usr/bin/chromium (CI installs it); without it the suite is skipped, loudly.
 * Builds web/dist first when it is missing or older than the sources.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describeBrowser } from './support.js';
import { createWorker } from '../support/server.js';
import type { Worker } from '../../src/platform/jobs/worker.js';
import { loadDemo } from '../../src/modules/vendors/demo.js';
import { systemContext } from '../../src/platform/context.js';

const CSV_WITH_ERRORS = [
  'name,domains,criticality,data_categories,team',
  'Good Vendor Ltd,good-vendor.example,2,personal,it',
  ',nodomain,9,personal,it',
  'Broken Domains Inc,ok.example;bad domain,3,secret-stuff,',
  'Good Vendor Ltd,dup.example,2,,',
].join('\n');

const CSV_VALID = ['name,domains,criticality,data_categories,team,ships_software,auto_update', 'Imported Widgets GmbH,widgets.example,3,personal;payment,security,yes,yes'].join('\n');

describeBrowser('web UI', 'web UI', (server, { newContext, assertLabelled, shot }) => {
  let worker: Worker | undefined;
  before(async () => {
    const ctx = systemContext('demo');
    await loadDemo(server.tw.services, ctx);
    // One T1 vendor whose last review was long ago, so "overdue" shows up on the dashboard and in the inventory.
    const threeCx = (await server.tw.services.vendors.list({ q: '3CX', limit: 1 })).items[0];
    await server.tw.services.vendors.markReviewed(threeCx.id, { reviewedAt: new Date(Date.now() - 120 * 86_400_000).toISOString(), note: 'annual review' }, ctx);
    await server.tw.services.vendors.flagOverdueReviews(systemContext('review scheduler'));
    // Imports run as jobs: a worker runs them, as in `thirdwatch serve`.
    worker = createWorker(server.tw, { pollMs: 100 });
    worker.start();
  });
  after(async () => {
    await worker?.stop();
  });

  test('signs in with an API token and shows the dashboard', async () => {
    const { context, page } = await newContext();
    try {
      await page.goto('/');
      await page.getByRole('heading', { name: 'Sign in to Thirdwatch' }).waitFor();
      await page.getByRole('textbox', { name: 'API token' }).fill('tw_not-a-real-token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();

      await page.getByRole('textbox', { name: 'API token' }).fill(server.tokens.admin);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      assert.match((await page.getByTestId('actor').textContent()) ?? '', /token:test-admin/);

      const dashboard = (await (await server.api('/api/v1/dashboard')).json()) as { vendorsByTier: Record<string, number>; reviewsOverdue: number };
      const t1 = page.getByRole('link', { name: new RegExp(`^T1 Critical: ${dashboard.vendorsByTier.T1} vendors`) });
      await t1.waitFor();
      assert.ok(dashboard.reviewsOverdue >= 1);
      await page.getByRole('link', { name: /Reviews overdue/ }).filter({ hasText: String(dashboard.reviewsOverdue) }).waitFor();
      await page.locator('.row-overdue', { hasText: '3CX' }).waitFor();
      await page.getByText('Recent activity').waitFor();
      await shot(page, 'dashboard');

      // The token survives a reload of this tab.
      await page.reload();
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    } finally {
      await context.close();
    }
  });

  test('signs in with e-mail and password; writes carry the CSRF token; signs out', async () => {
    await server.tw.services.access.createUser({ email: 'ana@example.com', name: 'Ana Analyst', role: 'analyst', password: 'correct horse battery' }, systemContext('test'));
    const { context, page } = await newContext();
    try {
      await page.goto('/vendors');
      await page.getByRole('tab', { name: 'E-mail and password' }).click();
      await page.getByLabel('E-mail address').fill('ana@example.com');
      await page.getByLabel('Password', { exact: true }).fill('wrong password!!');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'not correct' }).waitFor();
      await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
      assert.match((await page.getByTestId('actor').textContent()) ?? '', /Ana Analyst\s*analyst/);
      const cookies = await context.cookies();
      assert.ok(cookies.some((c) => c.name === 'tw_session' && c.httpOnly), 'the session lives in an HttpOnly cookie');
      assert.equal(await page.evaluate(() => sessionStorage.getItem('thirdwatch.token')), null);

      // A write with the cookie session: the client must send X-CSRF-Token or the API answers 403.
      await page.getByRole('link', { name: '3CX', exact: true }).click();
      await page.getByRole('heading', { name: /^3CX/, level: 1 }).waitFor();
      await page.getByLabel('Add a comment').fill('Softphone is on every desk; confirm the update channel with IT.');
      await page.getByRole('button', { name: 'Post comment' }).click();
      await page.locator('.comments li', { hasText: 'confirm the update channel' }).getByText('Ana Analyst').waitFor();

      // The cookie session survives a reload (no token in storage).
      await page.reload();
      await page.getByRole('heading', { name: /^3CX/, level: 1 }).waitFor();
      await page.locator('#fourth-parties svg').waitFor();
      await page.locator('#history tbody tr').first().waitFor();
      await shot(page, 'vendor-page', true);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to Thirdwatch' }).waitFor();
      const ended = await fetch(`${server.url}/api/v1/auth/session`, { headers: { cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } });
      assert.equal(ended.status, 401, 'signing out ends the server session');
    } finally {
      await context.close();
    }
  });

  test('filters the inventory by tier and pages with Next/Previous', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/vendors');
      await page.locator('.table-vendors tbody tr').first().waitFor();
      const t1 = (await (await server.api('/api/v1/vendors?tier=T1&limit=500')).json()) as { items: Array<{ name: string }> };
      assert.ok(t1.items.length > 1);

      await page.getByRole('group', { name: 'Tier' }).getByLabel('T1').check();
      await page.waitForURL(/\/vendors\?tier=T1$/);
      await page.waitForFunction((n) => document.querySelectorAll('.table-vendors tbody tr').length === n, t1.items.length);
      const tiers = await page.locator('.table-vendors tbody tr td:nth-child(2) .tier').allTextContents();
      assert.equal(tiers.length, t1.items.length);
      for (const t of tiers) assert.match(t, /^T1/);
      const names = await page.locator('.table-vendors tbody .cell-name a').allTextContents();
      assert.deepEqual(names, t1.items.map((v) => v.name));
      await page.locator('.table-vendors tbody tr.row-overdue', { hasText: '3CX' }).getByText('Overdue').waitFor();
      // Viewers read but do not write: no create or import actions.
      assert.equal(await page.getByRole('link', { name: 'New vendor' }).count(), 0);

      // Two tiers, highest score first.
      await page.getByRole('group', { name: 'Tier' }).getByLabel('T2').check();
      await page.getByLabel('Sort by').selectOption('-riskScore');
      await page.waitForURL((url) => url.search.includes('sort=-riskScore') && url.search.includes('tier=T2'));
      // The tier and the sort are two requests: wait for the rows of the second (T2 present, scores descending).
      await page.waitForFunction(() => {
        const scores = [...document.querySelectorAll('.table-vendors tbody .score-num')].map((e) => Number(e.textContent));
        const hasT2 = [...document.querySelectorAll('.table-vendors tbody tr .tier')].some((e) => e.textContent?.startsWith('T2'));
        return hasT2 && scores.every((score, i) => i === 0 || scores[i - 1] >= score);
      });
      const scoreTexts = await page.locator('.table-vendors tbody .score-num').allTextContents();
      assert.ok(scoreTexts.every((t) => /^\d+\.\d$/.test(t)), `one decimal everywhere: ${scoreTexts.join(' ')}`);
      const scores = scoreTexts.map(Number);
      assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
      await shot(page, 'inventory');
      await assertLabelled(page);

      // Export downloads with the bearer token (a plain link could not send it).
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
      assert.equal(download.suggestedFilename(), 'vendors.csv');
      const csv = readFileSync(await download.path(), 'utf8');
      assert.match(csv.split('\n')[0], /^name,aliases,domains,.*,tier,tier_provisional,missing_factors,risk_score,next_review_at\r?$/);
      // The export is what the filtered list shows (T1 and T2, highest score first, T3/T4 left out), every page of it, scores as on screen.
      const rows = csv.trim().split(/\r?\n/).slice(1).map((line) => line.split(','));
      const shown = ((await (await server.api('/api/v1/vendors?tier=T1&tier=T2&sort=-riskScore&limit=500')).json()) as { items: Array<{ tier: string; inherentRisk: { score: number } }> }).items;
      assert.deepEqual(rows.map((r) => r.at(-5)), shown.map((v) => v.tier));
      assert.deepEqual(new Set(rows.map((r) => r.at(-5))), new Set(['T1', 'T2']));
      assert.deepEqual(rows.map((r) => r.at(-2)), shown.map((v) => v.inherentRisk.score.toFixed(1)));
      assert.deepEqual(rows.slice(0, scores.length).map((r) => r.at(-2)), scores.map((n) => n.toFixed(1)));

      // "/" focuses the search box.
      await page.locator('h1').click();
      await page.keyboard.press('/');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-q');

      // Cursor paging: 25 a page over 47 vendors.
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await page.getByLabel('Per page').selectOption('25');
      await page.waitForURL(/limit=25/);
      await page.getByRole('status').filter({ hasText: 'Page 1 · 25 vendors shown' }).waitFor();
      const firstPage = await page.locator('.table-vendors tbody .cell-name a').first().textContent();
      const total = ((await (await server.api('/api/v1/vendors?limit=500')).json()) as { items: unknown[] }).items.length;
      assert.ok(total > 25, 'the demo data spans more than one page');
      await page.getByRole('button', { name: 'Next →' }).click();
      await page.getByRole('status').filter({ hasText: `Page 2 · ${Math.min(25, total - 25)} vendor${total - 25 === 1 ? '' : 's'} shown` }).waitFor();
      assert.notEqual(await page.locator('.table-vendors tbody .cell-name a').first().textContent(), firstPage);
      assert.equal(await page.getByRole('button', { name: 'Next →' }).isDisabled(), total <= 50);
      await page.getByRole('button', { name: '← Previous' }).click();
      await page.getByRole('status').filter({ hasText: 'Page 1 · 25 vendors shown' }).waitFor();
      assert.equal(await page.locator('.table-vendors tbody .cell-name a').first().textContent(), firstPage);
    } finally {
      await context.close();
    }
  });

  test('the header fits at 1024 px and the navigation is reachable at 390 px; no focus frame after navigating', async () => {
    const { context, page } = await newContext(server.tokens.admin);
    try {
      for (const width of [1280, 1024, 390]) {
        await page.setViewportSize({ width, height: 800 });
        await page.goto('/vendors');
        await page.getByRole('heading', { name: 'Inventory', level: 1 }).waitFor();
        const signOut = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
        assert.ok(signOut && signOut.x >= 0 && signOut.x + signOut.width <= width, `Sign out fully visible at ${width} px`);
        const nav = page.getByRole('navigation', { name: 'Main' });
        for (const name of ['Dashboard', 'Inventory', 'Technologies', 'Findings', 'Risks', 'Assessments', 'Incidents', 'Intel', 'Risk model']) {
          const link = nav.getByRole('link', { name });
          await link.scrollIntoViewIfNeeded();
          const box = await link.boundingBox();
          assert.ok(box && box.x >= 0 && box.x + box.width <= width + 1, `${name} reachable at ${width} px`);
        }
        if (width === 1024) {
          const bar = await page.locator('.topbar').boundingBox();
          assert.ok(bar && bar.height <= 50, `one row at 1024 px (height ${bar?.height})`);
        }
        await shot(page, `header-${width}`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'main', 'focus moves to the new page');
      assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle), 'none', 'without a frame around the whole page');
    } finally {
      await context.close();
    }
  });

  test('error pages: a bad link or a missing item says so once, without Retry; a terminated vendor has no review date', async () => {
    const { context, page } = await newContext(server.tokens.admin);
    try {
      await page.goto('/vendors/not-a-vendor-id');
      const alert = page.getByRole('alert');
      await alert.filter({ hasText: 'Nothing exists at this address' }).waitFor();
      assert.doesNotMatch((await alert.textContent()) ?? '', /params|expected format/);
      assert.equal(await alert.getByRole('button', { name: 'Retry' }).count(), 0);
      await page.goto('/vendors/00000000-0000-7000-8000-000000000000');
      await page.getByRole('alert').filter({ hasText: 'does not exist' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Retry' }).count(), 0);
      assert.equal(await page.locator('.spinner').count(), 0, 'no spinner under the error');
      await page.goto('/advisories/NO-SUCH-ADVISORY');
      await page.getByRole('alert').first().waitFor();
      await page.waitForTimeout(300);
      assert.equal(await page.getByRole('alert').count(), 1, 'the advisory 404 is said once');
      assert.equal(await page.getByRole('button', { name: 'Retry' }).count(), 0);

      const terminated = (await server.tw.services.vendors.list({ status: ['terminated'], limit: 1 })).items[0];
      assert.ok(terminated, 'the demo has a terminated vendor');
      await page.goto(`/vendors?status=terminated`);
      const row = page.locator('.table-vendors tbody tr', { hasText: terminated.name });
      await row.waitFor();
      assert.equal((await row.locator('td').last().textContent())?.trim(), '—');
    } finally {
      await context.close();
    }
  });

  test('risk model settings: a threshold out of order is flagged on that threshold; the total says how far off it is', async () => {
    const { context, page } = await newContext(server.tokens.admin);
    try {
      await page.goto('/settings');
      const form = page.getByRole('form', { name: 'Risk model' });
      await form.getByLabel('T2 (high) from').fill('75');
      await form.getByLabel('Data sensitivity').fill(String(Number(await form.getByLabel('Data sensitivity').inputValue()) + 15));
      await form.getByRole('button', { name: 'Save and rescore' }).click();
      const t2 = form.locator('.field', { has: page.getByLabel('T2 (high) from') });
      await t2.locator('.field-error').filter({ hasText: 'must be below the T1 threshold (70)' }).waitFor();
      assert.equal(await form.locator('.field', { has: page.getByLabel('T1 (critical) from') }).locator('.field-error').count(), 0);
      assert.equal((await form.locator('.weights-sum').textContent())?.trim(), 'Total: 115 of 100 (15 too many)');
      await shot(page, 'settings-errors', true);
      // The server names the same field when a client check is bypassed.
      const res = await server.api('/api/v1/settings/risk-model', { method: 'PUT', json: { ...(await (await server.api('/api/v1/settings/risk-model')).json()), tierThresholds: { T1: 70, T2: 75, T3: 25 } } });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { errors: Array<{ field: string }> }).errors[0].field, '/tierThresholds/T2');
    } finally {
      await context.close();
    }
  });

  test('shows inline errors next to the right field (client checks and API field pointers)', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/vendors/new');
      await page.getByRole('heading', { name: 'New vendor' }).waitFor();
      await page.getByLabel('Name').fill('Softphone Ltd');
      await page.getByLabel('Domains').fill('softphone.example, bad_domain');
      await page.getByLabel('Website').fill('softphone.example');
      await page.getByRole('button', { name: 'Create vendor' }).click();

      const domains = page.getByLabel('Domains');
      await page.waitForFunction(() => document.activeElement?.getAttribute('aria-invalid') === 'true');
      assert.equal(await domains.getAttribute('aria-invalid'), 'true');
      const domainError = page.locator(`#${(await domains.getAttribute('aria-describedby'))!.split(' ')[0]}`);
      assert.match((await domainError.textContent()) ?? '', /“bad_domain” is not a valid domain name/);
      assert.match((await page.locator('.field', { has: page.getByLabel('Website') }).locator('.field-error').textContent()) ?? '', /https:\/\//);
      await page.getByRole('alert').filter({ hasText: 'Please correct the highlighted fields' }).waitFor();
      await shot(page, 'create-form-errors', true);
      await assertLabelled(page);
      // The summary's entries take the keyboard to their field.
      await page.getByRole('alert').getByRole('button', { name: 'Website' }).click();
      assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), 'website');

      // Fixing the field clears its message as you type.
      await domains.fill('softphone.example');
      await page.getByLabel('Website').fill('https://softphone.example');
      await page.waitForFunction(() => !document.querySelector('.field-error'));

      // A rule only the API knows (the name is taken) comes back as /name and lands under Name.
      await page.getByLabel('Name').fill('3cx');
      await page.getByRole('button', { name: 'Create vendor' }).click();
      const nameField = page.locator('.field', { has: page.getByLabel('Name') });
      await nameField.locator('.field-error', { hasText: 'is taken' }).waitFor();
      assert.equal(await page.getByLabel('Name').getAttribute('aria-invalid'), 'true');
      assert.match(page.url(), /\/vendors\/new$/);
    } finally {
      await context.close();
    }
  });

  test('creates a vendor and explains its inherent risk score on the vendor page', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/vendors');
      await page.getByRole('link', { name: 'New vendor' }).click();
      await page.getByLabel('Name').fill('Acme Softphone');
      await page.getByLabel('Domains').fill('acme-softphone.example, *.acmecdn.example');
      await page.getByLabel('Country').fill('de');
      await page.getByLabel('Owning team').selectOption('it');
      await page.getByRole('group', { name: 'Data shared' }).getByLabel('personal').check();
      await page.getByLabel('Access level').selectOption('privileged');
      await page.getByLabel('Business criticality', { exact: true }).selectOption('4');
      await page.getByLabel('Substitutability').selectOption('2');
      await page.getByLabel('Software', { exact: true }).selectOption('auto');
      await page.getByLabel('Regulatory scope').fill('GDPR, NIS2');
      // The preview follows the answers before anything is saved.
      await page.locator('.preview').getByTestId('risk-score').filter({ hasText: '80.4' }).waitFor();
      await page.getByRole('button', { name: 'Create vendor' }).click();

      await page.waitForURL(/\/vendors\/[0-9a-f-]{36}$/);
      await page.getByRole('heading', { name: /^Acme Softphone/, level: 1 }).waitFor();
      await page.getByRole('status').filter({ hasText: 'Created Acme Softphone' }).waitFor();
      const id = page.url().split('/').pop()!;
      const vendor = (await (await server.api(`/api/v1/vendors/${id}`)).json()) as { tier: string; country: string; inherentRisk: { score: number; terms: Array<{ factor: string; points: number; value: string }> } };
      assert.equal(vendor.country, 'DE');

      const risk = page.locator('.card', { has: page.getByRole('heading', { name: 'Inherent risk, explained' }) });
      assert.equal(await risk.getByTestId('risk-score').textContent(), `${vendor.inherentRisk.score} / 100`);
      assert.equal(await risk.getByTestId('risk-total').textContent(), vendor.inherentRisk.score.toFixed(1));
      assert.match((await page.getByRole('heading', { level: 1 }).textContent()) ?? '', new RegExp(`${vendor.tier}`));
      const rows = risk.locator('tbody tr');
      assert.equal(await rows.count(), 7);
      let sum = 0;
      for (const term of vendor.inherentRisk.terms) {
        const row = risk.locator(`tbody tr[data-factor="${term.factor}"]`);
        assert.equal(Number(await row.locator('td.num strong').textContent()), term.points);
        assert.equal(await row.locator('.risk-value').textContent(), term.value);
        sum += term.points;
      }
      assert.ok(Math.abs(sum - vendor.inherentRisk.score) < 0.11, 'the terms add up to the score');
      assert.equal(vendor.inherentRisk.score, 80.4, 'personal 18.8 + privileged 20 + criticality 20 + substitutability 3.3 + auto-updating software 15 + GDPR/NIS2 3.3');
      assert.equal(vendor.tier, 'T1');

      // Add a product and mark the vendor reviewed from the page.
      await page.getByRole('button', { name: 'Add product' }).click();
      await page.getByRole('form', { name: 'Add product' }).getByLabel('Name').fill('Acme Desktop');
      await page.getByRole('form', { name: 'Add product' }).getByLabel('Type').selectOption('desktop-app');
      await page.getByRole('form', { name: 'Add product' }).getByRole('button', { name: 'Add product' }).click();
      await page.locator('#products tbody tr', { hasText: 'Acme Desktop' }).waitFor();
      await page.getByRole('button', { name: 'Mark reviewed' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Mark reviewed' }).click();
      await page.locator('.dl-row', { hasText: 'Last reviewed' }).getByText('just now').waitFor();
      await page.locator('#history tbody tr', { hasText: 'reviewed' }).first().waitFor();
      await page.getByRole('button', { name: 'Add contract' }).click();
      await assertLabelled(page);
      await shot(page, 'vendor-created', true);
    } finally {
      await context.close();
    }
  });

  test('a vendor created with a name only is provisional, queued for triage on the dashboard and inventory, and leaves the queue once answered', async () => {
    const created = await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Unassessed Newco' } });
    assert.equal(created.status, 201);
    const triage = async () => ((await (await server.api('/api/v1/dashboard')).json()) as { needsTriage: number }).needsTriage;
    const queued = await triage();
    assert.ok(queued >= 1);
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/');
      const tile = page.getByRole('link', { name: /Needs triage/ });
      await tile.filter({ hasText: String(queued) }).waitFor();
      await tile.click();
      await page.waitForURL(/\/vendors\?needsTriage=true$/);
      assert.equal(await page.getByLabel('Needs triage').isChecked(), true);
      const row = page.locator('.table-vendors tbody tr', { hasText: 'Unassessed Newco' });
      await row.waitFor();
      await page.waitForFunction((n) => document.querySelectorAll('.table-vendors tbody tr').length === n, queued);
      assert.equal(await row.locator('.tier').textContent(), 'T2· provisional');
      assert.equal(await row.locator('.tier-t4, .tier-t3').count(), 0, 'never shown with a low-risk badge');
      await shot(page, 'inventory-needs-triage');

      await row.getByRole('link', { name: 'Unassessed Newco' }).click();
      await page.getByRole('heading', { name: /^Unassessed Newco/, level: 1 }).waitFor();
      assert.match((await page.getByRole('heading', { level: 1 }).locator('.tier').textContent()) ?? '', /provisional/);
      const panel = page.locator('.card', { has: page.getByRole('heading', { name: 'Needs triage' }) });
      assert.deepEqual(await panel.getByRole('list', { name: 'Missing factors' }).getByRole('listitem').allTextContents(), [
        'Data sensitivity',
        'Access level',
        'Business criticality',
        'Substitutability',
        'Software supply',
      ]);
      const risk = page.locator('.card', { has: page.getByRole('heading', { name: 'Inherent risk, explained' }) });
      assert.equal(await risk.locator('tbody tr[data-factor="criticality"] .risk-value').textContent(), 'not answered');
      await assertLabelled(page);
      await shot(page, 'vendor-needs-triage', true);

      const form = panel.getByRole('form', { name: 'Answer missing risk factors' });
      await form.getByRole('group', { name: /Data shared/ }).getByLabel('internal').check();
      await form.getByLabel('Access level').selectOption('network');
      await form.getByLabel('Business criticality').selectOption('2');
      await form.getByLabel('Substitutability').selectOption('1');
      await form.getByLabel('Software').selectOption('no');
      await form.getByRole('button', { name: 'Save answers' }).click();
      await panel.waitFor({ state: 'detached' });
      assert.doesNotMatch((await page.getByRole('heading', { level: 1 }).locator('.tier').textContent()) ?? '', /provisional/);
      const vendor = (await (await server.api(`/api/v1/vendors/${((await created.json()) as { id: string }).id}`)).json()) as { tierProvisional: boolean; inherentRisk: { missing: string[] } };
      assert.deepEqual([vendor.tierProvisional, vendor.inherentRisk.missing], [false, []]);
      assert.equal(await triage(), queued - 1);
      await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
      await page.getByRole('link', { name: /Needs triage/ }).filter({ hasText: String(queued - 1) }).waitFor();
    } finally {
      await context.close();
    }
  });

  test('CSV import: the dry run lists every error with its line, then a clean file imports', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/vendors');
      await page.getByRole('button', { name: 'Import CSV…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Import vendors from CSV' });
      await dialog.getByLabel(/Choose a CSV file/).setInputFiles({ name: 'vendors.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV_WITH_ERRORS) });
      await dialog.getByTestId('import-summary').filter({ hasText: 'Dry run' }).waitFor();

      const rows = await dialog.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      const at = (line: number, field: string) => rows.find(([l, f]) => l === String(line) && f === field);
      assert.ok(at(3, 'name'), `line 3 name is reported: ${JSON.stringify(rows)}`);
      assert.match(at(3, 'domains')?.[2] ?? '', /not a valid domain name/);
      assert.match(at(3, 'criticality')?.[2] ?? '', /at most 4/);
      assert.ok(at(4, 'domains'), 'line 4 domains is reported');
      assert.ok(at(4, 'data_categories'), 'line 4 data_categories is reported');
      assert.match(at(5, 'name')?.[2] ?? '', /duplicates line 2/);
      assert.ok(await dialog.getByRole('button', { name: /^Import/ }).isDisabled(), 'a file with errors cannot be imported');
      await shot(page, 'import-errors');

      await dialog.getByLabel(/Choose a CSV file/).setInputFiles({ name: 'clean.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV_VALID) });
      await dialog.getByTestId('import-summary').filter({ hasText: 'is ready' }).waitFor();
      assert.equal(await dialog.locator('tbody tr').count(), 0);
      await dialog.getByRole('button', { name: 'Import 1 vendor' }).click();
      await dialog.getByTestId('import-summary').filter({ hasText: '1 vendor created' }).waitFor();
      await dialog.getByRole('button', { name: 'Done' }).click();
      await page.getByLabel('Search', { exact: true }).fill('widgets');
      await page.locator('.table-vendors tbody .cell-name', { hasText: 'Imported Widgets GmbH' }).waitFor();
      const imported = (await (await server.api('/api/v1/vendors?q=widgets')).json()) as { items: Array<{ tier: string; team: { key: string } }> };
      assert.equal(imported.items[0].team.key, 'security');
    } finally {
      await context.close();
    }
  });

  /** A file large enough that its job takes seconds: the dialog shows it move. */
  const largeCsv = (prefix: string, rows: number) =>
    ['name,domains,criticality,data_categories', ...Array.from({ length: rows }, (_, i) => `${prefix} ${String(i).padStart(5, '0')},v${i}.${prefix.toLowerCase().replaceAll(' ', '-')}.example,${1 + (i % 4)},personal`)].join('\n');
  const countNamed = async (prefix: string) => Number((await server.tw.database.db.selectFrom('vendors').select((eb) => eb.fn.countAll().as('n')).where('name', 'like', `${prefix} %`).executeTakeFirstOrThrow()).n);

  /** Waits until the dialog shows progress past `min` rows in a phase matching `phase`. */
  const progressPast = async (dialog: ReturnType<Page['getByRole']>, phase: RegExp, min: number) => {
    const seen: string[] = [];
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      const text = (await dialog.getByTestId('import-phase').textContent().catch(() => '')) ?? '';
      if (text && seen.at(-1) !== text) seen.push(text);
      const done = Number(/: ([\d,]+) of/.exec(text)?.[1]?.replaceAll(',', '') ?? 0);
      if (phase.test(text) && done >= min) return seen;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no progress past ${min} in ${phase}: saw ${JSON.stringify(seen)}`);
  };

  test('CSV import of a large file: the dialog follows the job\'s progress, and Cancel leaves nothing imported', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/vendors');
      await page.getByRole('button', { name: 'Import CSV…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Import vendors from CSV' });
      await dialog.getByLabel(/Choose a CSV file/).setInputFiles({ name: 'large.csv', mimeType: 'text/csv', buffer: Buffer.from(largeCsv('Cancelled Large', 20_000)) });
      await dialog.getByTestId('import-progress').waitFor();
      const checking = await progressPast(dialog, /Checking rows/, 1);
      await dialog.getByTestId('import-summary').filter({ hasText: 'is ready' }).waitFor({ timeout: 180_000 });
      assert.ok(checking.length >= 1, `the dry run showed its progress: ${JSON.stringify(checking)}`);

      // Staging is held once 1,500 vendors are staged, until the cancel is answered: on a fast
      // machine the job would otherwise reach publishing, where a cancel is rightly refused, before
      // the click. Counted in vendors, not staged rows: a row is one publish step of several vendors.
      const queue = server.tw.services.jobs;
      const stage = queue.stage.bind(queue);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let vendorsStaged = 0;
      queue.stage = async (jobId, firstSeq, rows) => {
        if (vendorsStaged >= 1500) await held;
        for (const row of rows) vendorsStaged += (row as { vendors?: unknown[] }).vendors?.length ?? 0;
        return stage(jobId, firstSeq, rows);
      };
      try {
        await dialog.getByRole('button', { name: 'Import 20000 vendors' }).click();
        const moving = await progressPast(dialog, /staging/, 1000);
        assert.ok(moving.length >= 1, JSON.stringify(moving));
        assert.ok(await dialog.getByRole('progressbar', { name: 'Import progress' }).isVisible());
        await shot(page, 'import-progress');
        await dialog.getByRole('button', { name: 'Cancel import' }).click();
        await dialog.getByRole('button', { name: 'Cancelling…' }).waitFor();
      } finally {
        release();
        queue.stage = stage;
      }
      await dialog.getByText('Import cancelled. Nothing was written.').waitFor({ timeout: 60_000 });
      assert.equal(await countNamed('Cancelled Large'), 0, 'nothing of the cancelled import is in the inventory');
      const jobs = (await (await server.api('/api/v1/jobs?kind=vendors.import&status=cancelled')).json()) as { items: Array<{ status: string }> };
      assert.ok(jobs.items.length >= 1, 'the job ended cancelled');
    } finally {
      await context.close();
    }
  });

  test('CSV import of a large file runs to its end with progress, then reports what it created', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/vendors');
      await page.getByRole('button', { name: 'Import CSV…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Import vendors from CSV' });
      await dialog.getByLabel(/Choose a CSV file/).setInputFiles({ name: 'complete.csv', mimeType: 'text/csv', buffer: Buffer.from(largeCsv('Completed Large', 5_000)) });
      await dialog.getByTestId('import-summary').filter({ hasText: 'is ready' }).waitFor({ timeout: 180_000 });
      await dialog.getByRole('button', { name: 'Import 5000 vendors' }).click();
      await dialog.getByTestId('import-progress').waitFor();
      await dialog.getByTestId('import-summary').filter({ hasText: '5000 vendors created' }).waitFor({ timeout: 180_000 });
      assert.equal(await countNamed('Completed Large'), 5000);
      await dialog.getByRole('button', { name: 'Done' }).click();
    } finally {
      await context.close();
    }
  });
});
