/**
 * The risk register and mentions UI in a real browser against a real server (SQLite, and PostgreSQL
 * when configured): the register with its heat map and filters, a risk's page with its evidence links,
 * assessment and the two-person acceptance, mentions triage raising a risk, and the vendor page's risk
 * section. Screenshots land in test-results/screenshots/ (risks-register, risk-page, mentions, vendor-
 * risks).
 *
 * Needs Chromium at /usr/bin/chromium; without it the suite is skipped, loudly. Builds web/dist when
 * stale.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { describeBrowser } from './support.js';
import { loadDemo } from '../../src/modules/vendors/demo.js';
import { systemContext } from '../../src/platform/context.js';

describeBrowser('risk register and mentions UI', 'risk UI', (server, { newContext, assertLabelled, shot }) => {
  let threeCx: { id: string; name: string };
  let riskId: string;

  before(async () => {
    const ctx = systemContext('test');
    await loadDemo(server.tw.services, ctx);
    const vendors = server.tw.services.vendors;
    threeCx = (await vendors.list({ q: '3CX', limit: 1 })).items[0];
    const product = (await vendors.listProducts(threeCx.id))[0];
    const other = (await vendors.list({ limit: 3 })).items.find((v) => v.id !== threeCx.id)!;
    const risks = server.tw.services.risks;
    const raised = await risks.raiseAutomatic(
      {
        source: 'sighting',
        sourceKey: 'demo:3cx-installer',
        title: 'Known-bad installer hash in the 3CX Desktop App',
        description: 'The 18.12.416 MSI matches a SHA-256 published as an indicator of the 3CX supply-chain attack.',
        likelihood: 5,
        impact: 5,
        vendorIds: [threeCx.id],
        productIds: [product.id],
        evidence: [
          { type: 'sighting', id: 'sighting-1', label: 'SHA-256 aa1f… seen in 3CX Desktop App 18.12.416' },
          { type: 'document', id: 'https://www.3cx.com/blog/news/desktopapp-security-alert/', label: '3CX security alert' },
        ],
      },
      ctx,
    );
    riskId = raised.risk.id;
    await risks.create({ title: 'Shared telephony and CRM outage', likelihood: 2, impact: 4, vendorIds: [threeCx.id, other.id], dueDate: '2026-01-15' }, ctx);
    await risks.create({ title: 'Payroll provider single point of failure', likelihood: 3, impact: 3, vendorIds: [other.id] }, ctx);
    await server.tw.services.feeds.importBuffer(
      'mentions',
      Buffer.from(
        [
          { source: 'leak-forum', id: 't-1', title: '3CX customer list posted', text: 'A user claims to sell a customer export taken from a portal at portal.3cx.com.', published: '2026-12-02', names: ['3CX Ltd'], domains: ['portal.3cx.com'] },
          { source: 'paste', id: 't-2', title: 'Generic phishing kit', text: 'Nothing about anyone in particular.' },
        ]
          .map((m) => JSON.stringify(m))
          .join('\n'),
      ),
      {},
      ctx,
    );
  });

  test('the register: tiles, heat map cells filter the list, filters and CSV export', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/risks');
      await page.getByRole('heading', { name: 'Risk register', level: 1 }).waitFor();
      const table = page.getByTestId('risks-table');
      await table.getByRole('link', { name: 'Known-bad installer hash in the 3CX Desktop App' }).waitFor();
      assert.equal(await table.locator('tbody tr').count(), 3);
      await page.getByTestId('risk-tiles').getByText('Active risks').waitFor();
      await assertLabelled(page);
      await shot(page, 'risks-register', true);

      // Cell likelihood 5 × impact 5 holds the sighting risk only.
      await page.getByRole('button', { name: /^Likelihood 5 \(Almost certain\) × impact 5 \(Severe\): 1 risk, critical$/ }).click();
      await page.waitForURL(/likelihood=5&impact=5/);
      await table.locator('tbody tr').first().waitFor();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="risks-table"] tbody tr').length === 1);
      await page.getByRole('button', { name: 'Clear cell filter' }).click();
      // Medium, highest score first: 3 × 3 = 9, then 2 × 4 = 8.
      await page.getByLabel('Level').selectOption('medium');
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="risks-table"] tbody th a')].map((a) => a.textContent).join('|') === 'Payroll provider single point of failure|Shared telephony and CRM outage');

      // The per-vendor roll-up counts the shared risk for both vendors.
      const byVendor = page.getByTestId('risk-vendors');
      await byVendor.getByRole('button', { name: '3CX' }).waitFor();

      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Export CSV' }).click();
      const file = await download;
      assert.equal(file.suggestedFilename(), 'risks.csv');
    } finally {
      await context.close();
    }
  });

  test('a risk page: evidence links, assessment, and acceptance asked by one person and approved by another', async () => {
    const analyst = await newContext(server.tokens.analyst);
    try {
      const page = analyst.page;
      await page.goto(`/risks/${riskId}`);
      await page.getByRole('heading', { name: 'Known-bad installer hash in the 3CX Desktop App', level: 1 }).waitFor();
      const evidence = page.getByTestId('evidence');
      await evidence.getByRole('link', { name: '3CX security alert' }).waitFor();
      assert.equal(await evidence.getByRole('link', { name: '3CX security alert' }).getAttribute('href'), 'https://www.3cx.com/blog/news/desktopapp-security-alert/');
      await page.getByRole('link', { name: '3CX Desktop App' }).first().waitFor();
      await assertLabelled(page);

      await page.getByLabel('Residual likelihood').selectOption('3');
      await page.getByLabel('Residual impact').selectOption('5');
      await page.getByLabel('Owner', { exact: true }).fill('Dana Reyes');
      await page.getByLabel('Team', { exact: true }).selectOption('security');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('.dl-row', { hasText: 'Residual' }).getByText('high 15').waitFor();

      await page.getByText('Ask to accept this risk').click();
      await page.getByLabel('Justification').fill('Installers blocked at the proxy until the vendor ships a clean build.');
      const expiry = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
      await page.getByLabel('Accepted until').fill(expiry);
      await page.getByRole('button', { name: 'Ask for approval' }).click();
      await page.getByTestId('risk-status').getByText('pending acceptance').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Approve acceptance' }).count(), 0, 'an analyst cannot approve');
    } finally {
      await analyst.context.close();
    }
    const admin = await newContext(server.tokens.admin);
    try {
      const page = admin.page;
      await page.goto(`/risks/${riskId}`);
      await page.getByRole('button', { name: 'Approve acceptance' }).click();
      await page.getByTestId('risk-status').getByText('accepted').waitFor();
      await page.getByTestId('acceptance').getByText(/Accepted by token:test-admin/).waitFor();
      await shot(page, 'risk-page', true);
    } finally {
      await admin.context.close();
    }
  });

  test('mentions triage: matched vendor with its confidence explained; relevant raises a risk', async () => {
    const { context, page } = await newContext(server.tokens.responder);
    try {
      await page.goto('/risks');
      await page.getByRole('link', { name: 'Mentions to triage (1)' }).click();
      await page.getByRole('heading', { name: 'Mentions', level: 1 }).waitFor();
      const card = page.getByTestId('mention').filter({ hasText: '3CX customer list posted' });
      await card.waitFor();
      assert.equal(await page.getByTestId('mention').count(), 1, 'the unmatched post is below the default confidence');
      await card.getByText('99%').waitFor();
      await card.getByText('Why this confidence?').click();
      await card.getByText(/registrable domain 3cx\.com/).waitFor();
      await assertLabelled(page);
      await shot(page, 'mentions', true);
      await card.getByLabel('Triage note').fill('Our tenant is on that portal');
      await card.getByRole('button', { name: 'Relevant — raise a risk' }).click();
      await card.getByRole('link', { name: 'Risk raised from this mention' }).click();
      await page.getByRole('heading', { name: /Mentioned in leak-forum: 3CX customer list posted/, level: 1 }).waitFor();
      await page.getByTestId('evidence').getByRole('link', { name: '3CX customer list posted' }).waitFor();
    } finally {
      await context.close();
    }
  });

  test('the vendor page shows its risks', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto(`/vendors/${threeCx.id}`);
      const section = page.locator('section#risks');
      await section.getByRole('heading', { name: /^Risks \(\d+\)$/ }).waitFor();
      await section.getByRole('link', { name: 'Shared telephony and CRM outage' }).waitFor();
      await section.getByTestId('vendor-risk-summary').waitFor();
      assert.equal(await page.getByRole('button', { name: 'New risk' }).count(), 0);
      await section.scrollIntoViewIfNeeded();
      await shot(page, 'vendor-risks');
    } finally {
      await context.close();
    }
  });
});
