/**
 * The proxy policy page in a real browser against a real server (SQLite, and PostgreSQL when
 * configured): the ssl_bump note is there; a sample body is scanned through POST /api/v1/pii/scan and
 * only redacted previews come back; a custom pattern the engine refuses names its field, a valid one
 * is saved and then found in the sample; a viewer scans but cannot change the patterns.
 * Screenshot: egress-policy.png.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBrowser } from './support.js';
import { json } from './egress-support.js';

interface PolicyView {
  version: number;
  istag: string;
  note: string | null;
  policy: { mode: string; blockClasses: string[]; allowances: Array<{ vendorId: string; types: string[] }> };
}

const SAMPLE = JSON.stringify({ customer: { email: 'ana.silva@example.com', card: '4111 1111 1111 1111' }, employee: 'EMP-204811' });

describeBrowser('egress policy UI', 'egress policy UI', (server, { newContext, assertLabelled, shot }) => {
  let vendorId: string;
  let initial: PolicyView;

  before(async () => {
    vendorId = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Ledgerly', domains: ['ledgerly.com'], dataCategories: ['internal'] } }), 201)).id;
    initial = await json<PolicyView>(await server.api('/api/v1/icap/policy'));
  });

  test('an analyst switches the proxy policy to record-only, stops blocking secrets and allows a vendor cards', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/egress');
      await page.getByRole('navigation', { name: 'Egress' }).getByRole('link', { name: 'Proxy policy' }).click();
      await page.getByRole('heading', { name: 'Proxy policy' }).waitFor();
      await page.getByRole('note').getByText('HTTPS bodies are visible only with ssl_bump.').waitFor();
      const form = page.getByRole('form', { name: 'Proxy policy' });
      await form.getByText(initial.version === 0 ? 'the shipped default' : `version ${initial.version}`).waitFor();
      assert.equal(await form.getByLabel(/Enforce:/).isChecked(), initial.policy.mode === 'enforce');
      assert.ok(initial.policy.blockClasses.includes('secret'), 'the default blocks secrets');

      await form.getByLabel(/Record only:/).check();
      await form.getByRole('group', { name: /^Block requests carrying/ }).getByLabel('Secret').uncheck();
      await form.getByLabel('Vendor', { exact: true }).selectOption({ label: 'Ledgerly' });
      await form.getByRole('group', { name: 'Allowed data classes' }).getByLabel('Payment card').check();
      await form.getByRole('button', { name: 'Add allowance' }).click();
      await form.getByTestId('allowances').getByRole('rowheader', { name: 'Ledgerly' }).waitFor();
      await form.getByLabel('Why this change').fill('Ledgerly runs our card refunds');
      await form.getByRole('button', { name: 'Save policy' }).click();
      await form.getByRole('status').getByText(`Saved as version ${initial.version + 1}`).waitFor();
      await form.getByText(`version ${initial.version + 1}`, { exact: false }).first().waitFor();
      const saved = await json<PolicyView>(await server.api('/api/v1/icap/policy'));
      assert.equal(saved.version, initial.version + 1);
      assert.notEqual(saved.istag, initial.istag);
      assert.equal(saved.note, 'Ledgerly runs our card refunds');
      assert.equal(saved.policy.mode, 'record');
      assert.ok(!saved.policy.blockClasses.includes('secret'));
      assert.deepEqual(saved.policy.allowances, [{ vendorId, types: ['payment_card'] }]);

      await shot(page, 'egress-policy-edit', true);
    } finally {
      await context.close();
    }
  });

  test('an analyst tests a sample and adds a custom pattern', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Egress' }).click();
      await page.getByRole('navigation', { name: 'Egress' }).getByRole('link', { name: 'Proxy policy' }).click();
      await page.getByRole('heading', { name: 'Proxy policy' }).waitFor();
      await page.getByRole('note').getByText('HTTPS bodies are visible only with ssl_bump.').waitFor();

      const sample = page.getByRole('form', { name: 'Test a sample' });
      await sample.getByLabel('Body', { exact: true }).fill(SAMPLE);
      await sample.getByRole('button', { name: 'Scan' }).click();
      const detections = sample.getByTestId('detections');
      await detections.getByRole('rowheader', { name: /Payment card/ }).waitFor();
      await detections.getByRole('rowheader', { name: /E-mail/ }).waitFor();
      const text = (await detections.textContent()) ?? '';
      assert.doesNotMatch(text, /4111 1111 1111 1111|ana\.silva@example\.com/, 'only redacted previews come back');
      assert.match(text, /1111/);
      assert.match(text, /customer\.card/);
      assert.equal(await detections.getByRole('rowheader', { name: /Custom/ }).count(), 0);

      const patterns = page.getByRole('form', { name: 'Custom patterns' });
      await patterns.getByText('No custom patterns.').waitFor();
      await patterns.getByRole('button', { name: 'Add pattern' }).click();
      await patterns.getByLabel('Name').fill('employee-id');
      await patterns.getByLabel('Pattern', { exact: true }).fill('EMP-[0-9]+');
      await patterns.getByRole('button', { name: 'Save patterns' }).click();
      await patterns.locator('.field-error').first().waitFor();
      await patterns.getByLabel('Pattern', { exact: true }).fill('EMP-[0-9]{6}');
      await patterns.getByRole('button', { name: 'Save patterns' }).click();
      await patterns.getByRole('status').getByText('Patterns saved.').waitFor();
      const stored = (await (await server.api('/api/v1/pii/patterns')).json()) as { patterns: Array<{ name: string; pattern: string }> };
      assert.deepEqual(stored.patterns.map((p) => [p.name, p.pattern]), [['employee-id', 'EMP-[0-9]{6}']]);

      await sample.getByRole('button', { name: 'Scan' }).click();
      await detections.getByRole('rowheader', { name: /Custom \(employee-id\)/ }).waitFor();
      await assertLabelled(page);
      await shot(page, 'egress-policy', true);
    } finally {
      await context.close();
    }
  });

  test('a viewer scans a sample but cannot change the patterns', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/egress/policy');
      const patterns = page.getByRole('form', { name: 'Custom patterns' });
      await patterns.getByLabel('Pattern', { exact: true }).waitFor();
      assert.ok(await patterns.getByLabel('Pattern', { exact: true }).isDisabled());
      assert.equal(await page.getByRole('button', { name: /^(Save|Add) pattern/ }).count(), 0);
      const sample = page.getByRole('form', { name: 'Test a sample' });
      await sample.getByLabel('Body', { exact: true }).fill(SAMPLE);
      await sample.getByRole('button', { name: 'Scan' }).click();
      await sample.getByTestId('detections').getByRole('rowheader', { name: /Custom \(employee-id\)/ }).waitFor();
    } finally {
      await context.close();
    }
  });
});
