/**
 * Incident response in a real browser against a real server (SQLite, and PostgreSQL when configured):
 * the board (columns by status, severity colours, live countdowns of the nearest clock, filters),
 * the "New incident" form, the incident page (acknowledge, a task answered through its form, a note,
 * a GDPR report filed with its reference, evidence uploaded) and the MTTA/MTTR charts. Screenshots
 * land in test-results/screenshots/ (incidents-board, incident-new, incident-page, incident-metrics,
 * incidents-header-1024).
 *
 * Needs Chromium at /usr/bin/chromium; without it the suite is skipped, loudly. Builds web/dist when
 * stale.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { systemContext } from '../../src/platform/context.js';
import { describeBrowser } from './support.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

describeBrowser('incidents UI', 'incidents UI', (server, { newContext, assertLabelled, shot }) => {
  let vendorId = '';

  before(async () => {
    vendorId = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: '3CX' } }), 201)).id;
    await json(await server.api('/api/v1/incidents', { method: 'POST', json: { title: 'Trojanised 3CX DesktopApp update', severity: 'critical', vendorIds: [vendorId], impact: { dataCategories: ['personal'] } } }), 201);
    await json(await server.api('/api/v1/incidents', { method: 'POST', json: { title: 'Phishing kit on a lookalike domain', severity: 'low' } }), 201);
    const contained = await json<{ id: string }>(await server.api('/api/v1/incidents', { method: 'POST', json: { title: 'Payroll SaaS outage', severity: 'high', detectedAt: new Date(Date.now() - 5 * 3_600_000).toISOString() } }), 201);
    await json(await server.api(`/api/v1/incidents/${contained.id}/status`, { method: 'POST', json: { status: 'contained' } }));
    const recovered = await json<{ id: string }>(await server.api('/api/v1/incidents', { method: 'POST', json: { title: 'CDN certificate expired', severity: 'medium', detectedAt: new Date(Date.now() - 26 * 3_600_000).toISOString() } }), 201);
    await json(await server.api(`/api/v1/incidents/${recovered.id}/status`, { method: 'POST', json: { status: 'recovered' } }));
  });

  test('the board: a column per status, severity colours, a live countdown of the nearest clock, filters', async () => {
    const { context, page } = await newContext(server.tokens.responder);
    try {
      await page.goto('/incidents');
      await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor();
      const board = page.getByTestId('incident-board');
      const column = (status: string) => board.locator(`section[data-status="${status}"]`);
      await column('new').getByText('Trojanised 3CX DesktopApp update').waitFor();
      await column('contained').getByText('Payroll SaaS outage').waitFor();
      await column('recovered').getByText('CDN certificate expired').waitFor();
      const card = column('new').getByTestId('incident-card').filter({ hasText: 'Trojanised' });
      assert.match((await card.getAttribute('class')) ?? '', /incident-card-critical/);
      const countdown = card.getByTestId('countdown');
      const first = await countdown.textContent();
      assert.match(first ?? '', /^Acknowledge \(SLA\): 1[45] min \d\d s left$/);
      await page.waitForFunction((before) => document.querySelector('[data-testid="countdown"]')?.textContent !== before, first, { timeout: 5000 });
      // The critical incident sorts above the low one in the same column.
      const titles = await column('new').locator('.incident-card-title').allTextContents();
      assert.deepEqual(titles, ['Trojanised 3CX DesktopApp update', 'Phishing kit on a lookalike domain']);
      await assertLabelled(page);
      await shot(page, 'incidents-board');

      await page.getByLabel('Severity').selectOption('critical');
      await page.waitForURL(/severity=critical/);
      await page.getByText('Phishing kit on a lookalike domain').waitFor({ state: 'detached' });
      assert.equal(await board.getByTestId('incident-card').count(), 1);
      // The area's tabs lead to the metrics.
      await page.getByRole('navigation', { name: 'Incident response' }).getByRole('link', { name: 'Metrics' }).click();
      await page.getByRole('heading', { name: 'Incident metrics', level: 1 }).waitFor();
    } finally {
      await context.close();
    }
  });

  test('at 1024 px the header is one row with Incidents in it', async () => {
    const { context, page } = await newContext(server.tokens.admin);
    try {
      await page.setViewportSize({ width: 1024, height: 800 });
      await page.goto('/incidents');
      await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor();
      const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' });
      assert.equal(await link.getAttribute('aria-current'), 'page');
      const box = await link.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 1024, 'Incidents is in view');
      const bar = await page.locator('.topbar').boundingBox();
      assert.ok(bar && bar.height <= 50, `one header row at 1024 px (height ${bar?.height})`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `the board does not scroll sideways (${overflow} px)`);
      await shot(page, 'incidents-header-1024');
    } finally {
      await context.close();
    }
  });

  test('new incident → its page: acknowledge, answer a task form, add a note, file the GDPR report, attach evidence', async () => {
    const { context, page } = await newContext(server.tokens.analyst);
    try {
      await page.goto('/incidents');
      await page.getByRole('link', { name: 'New incident' }).click();
      await page.getByRole('heading', { name: 'New incident', level: 1 }).waitFor();
      const form = page.getByRole('form', { name: 'New incident' });
      await form.getByRole('button', { name: 'Open incident' }).click();
      await page.getByRole('alert').getByText('Title').waitFor();
      await form.getByLabel('Title').fill('Customer e-mails posted to a C2 domain');
      await form.getByLabel('What happened').fill('Egress shows a POST of customer e-mail addresses to msstorageazure.com.');
      await form.getByLabel('Severity').selectOption('high');
      await form.getByLabel('Vendor').selectOption({ label: '3CX' });
      await form.getByRole('checkbox', { name: 'personal' }).check();
      await form.getByLabel('Systems').fill('softphone, crm');
      await form.getByLabel('Records affected').fill('1200');
      await assertLabelled(page);
      await shot(page, 'incident-new');
      await form.getByRole('button', { name: 'Open incident' }).click();
      await page.getByRole('heading', { name: 'Customer e-mails posted to a C2 domain', level: 1 }).waitFor();
      const id = new URL(page.url()).pathname.split('/').pop()!;

      const clocks = page.getByTestId('incident-clocks');
      await clocks.locator('[data-kind="gdpr-72h"]').getByTestId('countdown').waitFor();
      await clocks.locator('[data-kind="sla-acknowledge"]').getByTestId('countdown').waitFor();

      await page.getByRole('button', { name: 'Acknowledge' }).click();
      await page.getByTestId('incident-status').getByText('acknowledged').waitFor();
      await clocks.locator('[data-kind="sla-acknowledge"]').getByText(/^met /).waitFor();

      // A task with a form (as an approval step would make), answered through the page.
      await json(
        await server.api(`/api/v1/incidents/${id}/tasks`, {
          method: 'POST',
          json: { team: 'legal', title: 'Decide whether customers must be told', form: { fields: [{ id: 'notify', label: 'Notify customers?', type: 'choice', options: ['yes', 'no'] }, { id: 'why', label: 'Reason', type: 'text' }] } },
        }),
        201,
      );
      await page.reload();
      const tasks = page.getByTestId('incident-tasks');
      const legal = tasks.locator('[data-team="legal"]');
      await legal.getByRole('button', { name: 'Answer…' }).click();
      await legal.getByLabel('Notify customers?').selectOption('yes');
      await legal.getByLabel('Reason').fill('E-mail addresses of EU customers left the network');
      await legal.getByRole('button', { name: 'Submit answer' }).click();
      await legal.getByText(/done by token:test-analyst/).waitFor();
      await legal.getByText('E-mail addresses of EU customers left the network').waitFor();

      const timeline = page.getByTestId('incident-timeline');
      await timeline.getByLabel('Note', { exact: true }).fill('Blocked the domain at the proxy.');
      await timeline.getByRole('button', { name: 'Add note' }).click();
      await timeline.getByText('Blocked the domain at the proxy.').waitFor();

      await clocks.locator('[data-kind="gdpr-72h"]').getByRole('button', { name: 'Report filed…' }).click();
      await clocks.getByLabel("Authority's reference").fill('DPA-2026-0042');
      await clocks.getByRole('button', { name: 'Stop the clock' }).click();
      await clocks.locator('[data-kind="gdpr-72h"]').getByText(/^filed /).waitFor();
      await clocks.getByText(/reference DPA-2026-0042/).waitFor();
      await timeline.getByText(/filed, reference DPA-2026-0042/).waitFor();

      const evidence = page.getByTestId('incident-evidence');
      await evidence.getByLabel('Attach evidence').setInputFiles({ name: 'proxy-log.txt', mimeType: 'text/plain', buffer: Buffer.from('1701900000 POST http://msstorageazure.com/upload 200\n') });
      await evidence.getByRole('button', { name: 'proxy-log.txt' }).waitFor();

      await assertLabelled(page);
      await shot(page, 'incident-page', true);
      const detail = await json<{ status: string; tasks: Array<{ status: string; answer: Record<string, string> }>; evidence: unknown[] }>(await server.api(`/api/v1/incidents/${id}`));
      assert.equal(detail.status, 'acknowledged');
      assert.deepEqual(detail.tasks[0].answer, { notify: 'yes', why: 'E-mail addresses of EU customers left the network' });
      assert.equal(detail.evidence.length, 1);
    } finally {
      await context.close();
    }
  });

  test('metrics: MTTA and MTTR charts per severity, team task times, grouping switches', async () => {
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/incidents/metrics');
      await page.getByRole('heading', { name: 'Incident metrics', level: 1 }).waitFor();
      const mttr = page.getByTestId('mttr');
      await mttr.waitFor();
      // The recovered incident was detected 26 h ago; the contained one is not resolved.
      assert.match((await mttr.textContent()) ?? '', /^2[56]\.\d h$/);
      const chart = page.getByTestId('mttr-chart');
      assert.ok((await chart.locator('g[data-series="*"] circle').count()) >= 1, 'a point for the bucket with a resolved incident');
      assert.match((await chart.locator('svg').getAttribute('aria-label')) ?? '', /Mean time to resolve\. All incidents:/);
      await page.getByTestId('metrics-groups').getByRole('rowheader', { name: 'critical' }).waitFor();
      await assertLabelled(page);
      await shot(page, 'incident-metrics', true);
      await page.getByLabel('Group by').selectOption('vendor');
      await page.getByTestId('metrics-groups').getByRole('rowheader', { name: '3CX' }).waitFor();
      await page.getByLabel('Per', { exact: true }).selectOption('month');
      await page.waitForURL(/interval=month/);
    } finally {
      await context.close();
    }
  });

  test('a board of more than one page: the oldest open incidents come with "Load more incidents"', async () => {
    const ctx = systemContext('board paging test');
    // More than the board's first page of 500 open incidents; written through the service to keep the setup short.
    for (let n = 0; n < 500; n++) await server.tw.services.incidents.create({ title: `Bulk incident ${String(n).padStart(3, '0')}`, severity: 'low' }, ctx);
    let open = 0;
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page = await server.tw.services.incidents.list({ status: 'open', limit: 500, cursor: cursor ?? undefined });
      open += page.items.length;
      cursor = page.nextCursor;
    }
    assert.ok(open > 500, `${open} open incidents`);
    const { context, page } = await newContext(server.tokens.viewer);
    try {
      await page.goto('/incidents');
      const board = page.getByTestId('incident-board');
      await board.getByText('Bulk incident 499').waitFor();
      assert.equal(await board.getByTestId('incident-card').count(), 500);
      // The oldest open incident (made before the bulk) is on the next page.
      assert.equal(await board.getByText('Trojanised 3CX DesktopApp update').count(), 0);
      await page.getByText('500 open incidents loaded, more to load').waitFor();
      await page.getByRole('button', { name: 'Load more incidents' }).click();
      await board.getByText('Trojanised 3CX DesktopApp update').waitFor();
      assert.equal(await board.getByTestId('incident-card').count(), open);
      await page.getByRole('button', { name: 'Load more incidents' }).waitFor({ state: 'detached' });
      await page.getByText(`${open} open incidents ·`).waitFor();
      await shot(page, 'incidents-board-paged');
    } finally {
      await context.close();
    }
  });
});
