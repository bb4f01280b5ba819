/**
 * The assessments UI in a real browser against a real server (SQLite, and PostgreSQL when
 * configured): the list with its filters and the New assessment dialog, answers entered on the
 * vendor's behalf, the 422 that names each missing required answer, review with a rejection that
 * sends the assessment back, closing with scores, a remediation item, the CSV download and the
 * printable report (print media). Screenshots land in test-results/screenshots/ (assessments-list,
 * assessment-answers, assessment-review, assessment-closed, assessment-report-print).
 *
 * Needs Chromium at /usr/bin/chromium; without it the suite is skipped, loudly. Builds web/dist when
 * stale.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeBrowser } from './support.js';

const SECTIONS = [
  {
    title: 'Governance',
    questions: [
      { id: 'has-policy', text: 'Do you have a supply-chain risk management policy?', type: 'yesno', controls: ['SR-1'], weight: 2, required: true },
      { id: 'policy-owner', text: 'Who owns it?', type: 'text', controls: ['SR-1'], weight: 1, required: true, showWhen: { questionId: 'has-policy', anyOf: ['yes', 'partial'] } },
      { id: 'practices', text: 'Which practices do you follow?', type: 'multichoice', options: ['SBOM', 'code signing', 'provenance'], controls: ['SR-4', 'SR-11'], weight: 1, required: false, compliant: { anyOf: ['SBOM', 'code signing'] } },
    ],
  },
  {
    title: 'Continuity',
    questions: [
      { id: 'rto', text: 'Recovery time objective for the service you deliver to us', type: 'number', unit: 'hours', controls: ['CP-2'], weight: 3, required: true, compliant: { max: 24 } },
      { id: 'last-test', text: 'Date of your last disaster-recovery test', type: 'date', controls: ['CP-4'], weight: 1, required: false, compliant: { withinDays: 365 } },
    ],
  },
];

describeBrowser('assessments UI', 'assessments UI', (server, { newContext, assertLabelled, shot }) => {
  let vendorId = '';

  before(async () => {
    vendorId = ((await (await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Northwind Logistics' } })).json()) as { id: string }).id;
    const res = await server.api('/api/v1/assessments/templates', { method: 'POST', json: { name: 'Supplier baseline (test)', sections: SECTIONS } });
    assert.equal(res.status, 201, await res.clone().text());
  });

  test('create, answer, submit, review with a rejection, close with scores, remediation, CSV and the printable report', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/assessments');
      await page.getByRole('heading', { name: 'Assessments', level: 1 }).waitFor();
      await page.getByRole('link', { name: 'Assessments', exact: true }).first().waitFor();
      await page.getByRole('button', { name: 'New assessment' }).click();
      const dialog = page.getByRole('dialog', { name: 'New assessment' });
      await dialog.getByLabel('Vendor').selectOption({ label: 'Northwind Logistics' });
      await dialog.getByLabel('Template').selectOption({ label: 'Supplier baseline (test) (version 1)' });
      await dialog.getByLabel('Due date').fill('2027-01-31');
      await assertLabelled(page);
      await dialog.getByRole('button', { name: 'Create assessment' }).click();
      await page.waitForURL(/\/assessments\/[0-9a-f-]{36}$/);
      const id = page.url().split('/').pop()!;
      await page.getByRole('heading', { name: 'Northwind Logistics · Supplier baseline (test)' }).waitFor();
      assert.equal(await page.getByTestId('assessment-status').textContent(), 'draft');

      // Sending creates a single-use portal link (no contact: the link is shown to copy).
      await page.getByRole('button', { name: 'Create invitation link' }).click();
      await page.getByTestId('invitation-link').getByText(/\/portal\/#twl_/).waitFor();
      await page.getByTestId('assessment-status').filter({ hasText: 'sent' }).waitFor();

      // Answers entered on the vendor's behalf; policy-owner appears only once has-policy says yes.
      await page.getByRole('button', { name: 'Enter answers' }).click();
      await page.getByLabel('Answer to has-policy').selectOption('yes');
      await page.getByLabel('Answer to rto').fill('48');
      await page.getByLabel('SBOM').check();
      await assertLabelled(page);
      await page.getByRole('button', { name: 'Save answers' }).click();
      await page.getByTestId('answer-rto').getByText('48').waitFor();
      assert.equal(await page.getByTestId('assessment-status').textContent(), 'in progress');

      // Submitting names the required question the answers made visible and left empty.
      await page.getByRole('button', { name: 'Submit for review' }).click();
      await page.getByRole('alert').filter({ hasText: 'policy-owner' }).waitFor();
      await page.getByRole('button', { name: 'Enter answers' }).click();
      await page.getByLabel('Answer to policy-owner').fill('=CMD() Head of Procurement');
      await page.getByLabel('Answer to last-test').fill(new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10));
      await page.getByRole('button', { name: 'Save answers' }).click();
      await page.getByTestId('answer-policy-owner').waitFor();
      await shot(page, 'assessment-answers', true);
      await page.getByRole('button', { name: 'Submit for review' }).click();
      await page.getByTestId('review-actions').waitFor();
      assert.equal(await page.getByTestId('assessment-status').textContent(), 'submitted');

      // Review: reject the RTO with a comment, accept the rest: back to the vendor.
      const verdict = async (q: string, v: 'Accept' | 'Reject', comment?: string) => {
        const item = page.getByTestId(`question-${q}`);
        await item.getByLabel(v).check();
        if (comment) await item.getByLabel(`Comment on ${q}`).fill(comment);
      };
      await verdict('rto', 'Reject', '48 hours is beyond our 24-hour target');
      await page.getByRole('button', { name: 'Accept the rest' }).click();
      assert.equal(await page.getByTestId('question-practices').getByLabel('Accept').isChecked(), true);
      assert.equal(await page.getByTestId('question-rto').getByLabel('Reject').isChecked(), true, 'a verdict already chosen is kept');
      await page.getByTestId('review-actions').getByText('5 verdicts chosen').waitFor();
      await assertLabelled(page);
      await shot(page, 'assessment-review', true);
      await page.getByRole('button', { name: 'Record verdicts' }).click();
      await page.getByText('Rejected answers went back to the vendor').waitFor();
      assert.equal(await page.getByTestId('assessment-status').textContent(), 'in progress');
      await page.getByTestId('question-rto').getByText('Reviewer: 48 hours is beyond our 24-hour target').waitFor();

      await page.getByRole('button', { name: 'Enter answers' }).click();
      assert.equal(await page.getByLabel('Answer to has-policy').count(), 0, 'an accepted answer is locked');
      await page.getByLabel('Answer to rto').fill('12');
      await page.getByRole('button', { name: 'Save answers' }).click();
      await page.getByTestId('answer-rto').getByText('12').waitFor();
      await page.getByRole('button', { name: 'Submit for review' }).click();
      await page.getByTestId('review-actions').waitFor();
      await verdict('rto', 'Accept');
      await page.getByRole('button', { name: 'Close assessment' }).click();
      await page.getByTestId('assessment-status').filter({ hasText: 'closed' }).waitFor();
      // Governance: 2 + 1 + half of the practices (SBOM of SBOM and code signing) = 3.5 of 4; Continuity 4 of 4; overall 7.5/8.
      const scores = page.getByTestId('assessment-scores');
      await scores.getByText('93.8%').waitFor();
      await scores.getByRole('cell', { name: '87.5%' }).waitFor();
      await scores.getByText('SR-11 · partial').waitFor();
      await page.getByTestId('answer-practices').getByText('partly meets it').waitFor();
      await page.getByTestId('answer-rto').getByText('meets the bar').waitFor();

      // A remediation item from the practices answer.
      await page.getByTestId('question-practices').getByRole('button', { name: 'Raise remediation item' }).click();
      const raise = page.getByRole('dialog', { name: 'Raise a remediation item' });
      await raise.getByLabel('Title').fill('Publish build provenance for every release');
      await raise.getByLabel('Due date').fill('2027-06-30');
      await assertLabelled(page);
      await raise.getByRole('button', { name: 'Raise item' }).click();
      const items = page.getByTestId('remediations');
      await items.getByText('Publish build provenance for every release').waitFor();
      await page.getByRole('heading', { name: 'Remediation items (1 open)' }).waitFor();
      await shot(page, 'assessment-closed', true);

      // The CSV download, formula cells neutralised.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Answers (CSV)' }).click()]);
      const csv = readFileSync((await download.path())!, 'utf8');
      assert.match(download.suggestedFilename(), /^assessment-northwind-logistics-/);
      assert.ok(csv.includes("'=CMD() Head of Procurement"), csv);
      assert.match(csv, /Continuity,rto,Recovery time objective for the service you deliver to us,number,true,CP-2,true,12,hours,accepted,/);

      // The OSCAL exports (controls module) download from the same page.
      const [oscal] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'OSCAL assessment results' }).click()]);
      const results = JSON.parse(readFileSync((await oscal.path())!, 'utf8')) as { 'assessment-results'?: { uuid: string } };
      assert.ok(results['assessment-results']?.uuid, 'an OSCAL assessment-results document');

      // The printable report: the app's chrome is gone in print media.
      await page.getByRole('link', { name: 'Printable report' }).click();
      await page.waitForURL(`**/assessments/${id}/report`);
      const report = page.getByTestId('assessment-report');
      await report.getByRole('heading', { name: 'Assessment report: Northwind Logistics' }).waitFor();
      await report.getByRole('cell', { name: 'Head of Procurement' }).waitFor();
      await report.getByRole('cell', { name: 'Publish build provenance for every release' }).waitFor();
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('header.topbar').isVisible(), false, 'the top bar is not printed');
      assert.equal(await page.getByRole('button', { name: 'Print' }).isVisible(), false);
      await shot(page, 'assessment-report-print', true);
      await page.emulateMedia({ media: 'screen' });

      // The list: progress, score and the filters.
      await page.goto(`/assessments?vendorId=${vendorId}&status=closed`);
      const table = page.getByTestId('assessments-table');
      await table.getByRole('link', { name: 'Northwind Logistics' }).waitFor();
      await table.getByText('93.8%').waitFor();
      await assertLabelled(page);
      await shot(page, 'assessments-list');
      // Open remediation items across assessments, each leading to its assessment, where it is closed.
      const open = page.getByTestId('open-remediations');
      await open.getByRole('cell', { name: 'Northwind Logistics' }).waitFor();
      await page.getByLabel('Status').selectOption('cancelled');
      await page.getByText('No assessments match.').waitFor();
      await open.getByRole('link', { name: 'Publish build provenance for every release' }).click();
      await page.waitForURL(`**/assessments/${id}`);
      await page.getByTestId('remediations').getByRole('button', { name: 'Close' }).click();
      await page.getByRole('heading', { name: 'Remediation items (0 open)' }).waitFor();
      await page.goto('/assessments');
      await page.getByText('No open remediation items.').waitFor();
    } finally {
      await context.close();
    }
  });

  test('a viewer sees assessments but no controls to change them', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/assessments');
      await page.getByTestId('assessments-table').getByRole('link', { name: 'Northwind Logistics' }).click();
      await page.getByTestId('assessment-scores').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Raise remediation item' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Cancel assessment' }).count(), 0);
      await page.goto('/assessments');
      assert.equal(await page.getByRole('button', { name: 'New assessment' }).count(), 0);
    } finally {
      await context.close();
    }
  });
});
