/**
 * The whole vendor-assessment loop in real browsers against a real server and a real SMTP server:
 * an analyst creates an assessment and sends it; the vendor opens the link taken from the e-mail the
 * test SMTP server captured (on a 390 px phone), answers (a conditional question, an evidence file),
 * is told what is missing, submits; the reviewer rejects one answer with a comment; the vendor sees
 * it and fixes it; the reviewer closes the assessment; the scores and the residual risk appear on the
 * vendor page. Screenshots land in test-results/screenshots/ (loop-*.png).
 *
 * Needs Chromium at /usr/bin/chromium (CI installs it); without it the suite is skipped, loudly.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';
import { describeBrowser } from './support.js';

const PHONE = { width: 390, height: 844 };
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

describeBrowser('vendor assessment loop', 'assessment loop', (server, { newContext, assertLabelled, shot }) => {
  let smtp: TestSmtp;
  let vendorId = '';

  before(async () => {
    smtp = await startTestSmtp();
    const put = async (path: string, json: unknown) => assert.equal((await server.api(path, { method: 'PUT', json })).status, 200, path);
    await put('/api/v1/settings/smtp', { enabled: true, host: smtp.host, port: smtp.port, security: 'none', username: null, password: null, from: 'grc@example.com', timeoutSeconds: 10 });
    await put('/api/v1/settings/portal', { publicUrl: server.url, invitationDays: 14, sessionHours: 12, reminderDaysBefore: 3, overdueEveryDays: 7 });
    const vendor = await server.api('/api/v1/vendors', {
      method: 'POST',
      json: { name: 'Northwind Payroll Services', dataCategories: ['personal', 'payment'], accessLevel: 'integrated', criticality: 4, substitutability: 3, shipsSoftware: false },
    });
    vendorId = ((await vendor.json()) as { id: string }).id;
    const contact = await server.api(`/api/v1/vendors/${vendorId}/contacts`, { method: 'POST', json: { name: 'Dana Ops', email: 'security@northwind.example', isPrimary: true } });
    assert.equal(contact.status, 201);
  });
  after(async () => {
    await smtp?.close();
  });

  test('send → the vendor answers from the e-mailed link → reject → fix → close → scores and residual risk', async () => {
    const { context: analystContext, page: analyst } = await newContext(server.tokens.analyst);
    const { context: vendorContext, page: vendor } = await newContext();
    try {
      // The analyst creates the assessment and sends it to the vendor's contact.
      await analyst.goto('/assessments');
      await analyst.getByRole('button', { name: 'New assessment' }).click();
      const dialog = analyst.getByRole('dialog', { name: 'New assessment' });
      await dialog.getByLabel('Vendor').selectOption({ label: 'Northwind Payroll Services' });
      await dialog.getByLabel('Template').selectOption({ label: 'Incident notification (version 1)' });
      await dialog.getByRole('button', { name: 'Create assessment' }).click();
      await analyst.waitForURL(/\/assessments\/[0-9a-f-]{36}$/);
      const assessmentId = analyst.url().split('/').pop()!;
      await analyst.getByLabel('Contact').selectOption({ label: 'Dana Ops <security@northwind.example>' });
      const mailsBefore = smtp.messages.length;
      await analyst.getByRole('button', { name: 'Create invitation link' }).click();
      await analyst.getByTestId('invitation-link').waitFor();
      await analyst.getByTestId('assessment-status').filter({ hasText: 'sent' }).waitFor();
      await shot(analyst, 'loop-1-analyst-sent');

      // The vendor opens the link from the e-mail, on a phone.
      const [mail] = (await smtp.waitFor(mailsBefore + 1)).slice(mailsBefore);
      assert.deepEqual(mail.to, ['security@northwind.example']);
      const link = new RegExp(`${server.url.replace(/[.:/]/g, '\\$&')}/portal/#twl_[A-Za-z0-9_-]+`).exec(mail.text)?.[0];
      assert.ok(link, `no portal link in the e-mail:\n${mail.text}`);
      await vendor.setViewportSize(PHONE);
      await vendor.goto(link);
      await vendor.getByRole('heading', { name: 'Assessments for Northwind Payroll Services' }).waitFor();
      await vendor.getByRole('link', { name: 'Incident notification' }).click();
      await vendor.getByRole('heading', { name: 'Incident notification' }).waitFor();
      const q = (id: string) => vendor.locator(`[data-question="${id}"]`);

      await q('notify-hours').locator('input[type=number]').fill('48');
      await q('breach-notify-hours').locator('input[type=number]').fill('72');
      await q('notify-in-contract').getByLabel('Yes', { exact: true }).check();
      await q('notify-channels').getByLabel('E-mail to our security contact').check();
      await q('notify-channels').getByLabel('Phone call').check();
      await q('notify-contact').locator('textarea').fill('soc@northwind.example, +44 20 7946 0000 (24/7)');
      assert.equal(await q('incident-plan-file').count(), 0, 'the evidence question waits for its condition');
      await q('incident-plan').getByLabel('Yes', { exact: true }).check();
      // Conditional questions appear as the answers change; the plan itself is uploaded as evidence.
      await q('incident-plan-exercised').locator('input[type=date]').fill(new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10));
      await q('incident-plan-file').locator('input[type=file]').setInputFiles({ name: 'incident-response-plan.pdf', mimeType: 'application/pdf', buffer: PDF });
      await q('incident-plan-file').getByRole('button', { name: 'incident-response-plan.pdf' }).waitFor();
      await q('round-the-clock').getByLabel('Partly', { exact: true }).check();
      await assertLabelled(vendor);
      await vendor.getByRole('button', { name: 'Save draft' }).click();
      await vendor.getByTestId('portal-message').filter({ hasText: 'Draft saved.' }).waitFor();

      // Submitting too early names what is missing, next to each question.
      await vendor.getByRole('button', { name: 'Submit for review' }).click();
      await vendor.getByTestId('portal-message').filter({ hasText: /supplier-incidents/ }).waitFor();
      await q('post-incident-report').locator('.field-error').waitFor();
      assert.ok(await vendor.evaluate(() => document.documentElement.scrollWidth <= 390), 'nothing wider than the phone');
      await shot(vendor, 'loop-2-vendor-missing-answers-phone', true);
      await q('supplier-incidents').getByLabel('No', { exact: true }).check();
      await q('post-incident-report').getByLabel('A full root-cause report').check();
      await vendor.getByRole('button', { name: 'Submit for review' }).click();
      await vendor.getByTestId('portal-message').filter({ hasText: 'Submitted.' }).waitFor();
      await vendor.getByTestId('portal-status').filter({ hasText: 'Submitted' }).waitFor();

      // The reviewer sees the evidence, rejects one answer with a comment and accepts the rest.
      await analyst.reload();
      await analyst.getByTestId('review-actions').waitFor();
      await analyst.getByRole('button', { name: 'incident-response-plan.pdf' }).waitFor();
      const item = analyst.getByTestId('question-notify-hours');
      await item.getByLabel('Reject').check();
      await item.getByLabel('Comment on notify-hours').fill('Our contract asks for 24 hours or less for every incident.');
      await analyst.getByRole('button', { name: 'Accept the rest' }).click();
      await shot(analyst, 'loop-3-analyst-review', true);
      await analyst.getByRole('button', { name: 'Record verdicts' }).click();
      await analyst.getByText('Rejected answers went back to the vendor').waitFor();

      // The vendor sees the rejection and the reviewer's comment, and fixes the answer.
      await vendor.reload();
      await q('notify-hours').getByText('Our contract asks for 24 hours or less for every incident.').waitFor();
      await vendor.getByText('A reviewer asks you to change one answer').waitFor();
      assert.equal(await q('breach-notify-hours').locator('input[type=number]').isDisabled(), true, 'accepted answers are locked');
      await shot(vendor, 'loop-4-vendor-rejected-phone', true);
      await q('notify-hours').locator('input[type=number]').fill('12');
      await vendor.getByRole('button', { name: 'Submit for review' }).click();
      await vendor.getByTestId('portal-message').filter({ hasText: 'Submitted.' }).waitFor();

      // The reviewer accepts the fix and closes: scores.
      await analyst.reload();
      await analyst.getByTestId('review-actions').waitFor();
      await analyst.getByTestId('question-notify-hours').getByLabel('Accept').check();
      await analyst.getByRole('button', { name: 'Close assessment' }).click();
      await analyst.getByTestId('assessment-status').filter({ hasText: 'closed' }).waitFor();
      const overall = (await analyst.getByTestId('assessment-scores').locator('.assessment-overall').innerText()).trim();
      assert.match(overall, /^\d+(\.\d)?%$/);
      await shot(analyst, 'loop-5-analyst-closed', true);

      // The vendor page: the latest assessment and the residual risk it now takes into account.
      await analyst.goto(`/vendors/${vendorId}`);
      const residual = analyst.getByTestId('residual-risk');
      await residual.waitFor();
      assert.doesNotMatch(await residual.innerText(), /never assessed/);
      await residual.getByText(/controls met in Incident notification \(closed/).waitFor();
      const risk = (await (await server.api(`/api/v1/vendors/${vendorId}`)).json()) as { inherentRisk: { score: number }; residualRisk: { score: number } };
      assert.ok(risk.residualRisk.score < risk.inherentRisk.score, `residual ${risk.residualRisk.score} is below inherent ${risk.inherentRisk.score} once the controls are assessed`);
      await analyst.getByTestId('latest-assessment').filter({ hasText: 'Incident notification' }).waitFor();
      await shot(analyst, 'loop-6-vendor-page', true);

      // The vendor's view after closing: read-only, nothing left to do.
      await vendor.reload();
      await vendor.getByTestId('portal-status').filter({ hasText: 'Closed' }).waitFor();
      assert.equal(await vendor.getByRole('button', { name: 'Submit for review' }).count(), 0);
      const detail = (await (await server.api(`/api/v1/assessments/${assessmentId}`)).json()) as { status: string; answers: Array<{ questionId: string; value: unknown; state: string }> };
      assert.equal(detail.status, 'closed');
      assert.equal(detail.answers.find((a) => a.questionId === 'notify-hours')?.value, 12);
    } finally {
      await analystContext.close();
      await vendorContext.close();
    }
  });
});
