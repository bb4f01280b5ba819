/**
 * CPE matching in a real browser: a finding matched through an inferred CPE says so ("inferred CPE,
 * 90%") and is rejected and confirmed from its page; the product page shows the CPE its releases
 * are matched under and sets the product's own.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { describeBrowser } from './support.js';
import { allFindings, createProduct, uploadSbom } from '../../src/modules/findings/test-support.js';
import { desktopBom, indexCpeAdvisory } from '../../src/modules/cpes/test-support.js';

describeBrowser('CPE matching UI', 'CPE matching UI', (server, { newContext, assertLabelled, shot }) => {
  let productId: string;

  before(async () => {
    ({ productId } = await createProduct(server, '3CX', '3CX Desktop App'));
    await indexCpeAdvisory(server, 'CVE-2022-2294', [{ criteria: 'cpe:2.3:a:google:chrome:*:*:*:*:*:*:*:*', versionEndExcluding: '103.0.5060.114' }]);
    await indexCpeAdvisory(server, 'CVE-2023-29059', [{ criteria: 'cpe:2.3:a:3cx:3cx:18.12.407:*:*:*:*:windows:*:*' }]);
    await uploadSbom(server, productId, desktopBom('18.12.407'));
  });

  test('an inferred-CPE finding shows its kind and confidence; reject closes it, confirm restores it', async () => {
    const [finding] = (await allFindings(server, `productId=${productId}`)).filter((f) => f.match === 'inferred-cpe');
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/findings');
      await page.getByTestId('findings-table').getByText('inferred CPE 90%').waitFor();
      await page.goto(`/findings/${finding.id}`);
      await page.getByTestId('match-kind').getByText('inferred CPE, 90%').waitFor();
      await assertLabelled(page);
      await shot(page, 'finding-inferred-cpe');
      await page.getByRole('button', { name: 'Reject CPE' }).click();
      await page.getByText('closed (cpe_rejected)').waitFor();
      await page.getByRole('button', { name: 'Confirm CPE' }).click();
      await page.getByTestId('match-kind').getByText('inferred CPE, 100%').waitFor();
      const [after] = (await allFindings(server, `productId=${productId}`)).filter((f) => f.match === 'inferred-cpe');
      assert.deepEqual([after.status, after.matchConfidence], ['open', 1]);
    } finally {
      await context.close();
    }
  });

  test('a CVE against the product release itself says so, not "transitive"', async () => {
    const [finding] = (await allFindings(server, `productId=${productId}`)).filter((f) => f.advisoryId === 'CVE-2023-29059');
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/findings?q=CVE-2023-29059');
      const row = page.getByTestId('findings-table').getByRole('row').filter({ hasText: 'CVE-2023-29059' });
      await row.getByText('the release itself').waitFor();
      assert.equal(await row.getByText('transitive').count(), 0);
      await page.goto(`/findings/${finding.id}`);
      await page.getByText('· the release itself').waitFor();
    } finally {
      await context.close();
    }
  });

  test('the product page shows the derived CPE and sets the product\'s own', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto(`/products/${productId}`);
      await page.getByTestId('product-cpe').getByText('3cx:3cx', { exact: true }).waitFor();
      await assertLabelled(page);
      await page.getByRole('textbox', { name: 'CPE 2.3' }).fill('cpe:2.3:a:3cx:3cx:*:*:*:*:*:*:*:*');
      await page.getByRole('button', { name: 'Save CPE' }).click();
      await page.getByText('Saved: 1 current release matched again.').waitFor();
      await page.getByTestId('product-cpe').getByText('cpe:2.3:a:3cx:3cx:*:*:*:*:*:*:*:*').waitFor();
      await shot(page, 'product-cpe');
      await page.getByRole('textbox', { name: 'CPE 2.3' }).fill('not a cpe');
      await page.getByRole('button', { name: 'Save CPE' }).click();
      await page.getByRole('alert').getByText(/not a CPE/).waitFor();
    } finally {
      await context.close();
    }
  });
});
