// The findings workbench over HTTP on both engines: text search, sorting by every column (stable,
// paged), grouping by advisory, totals, saved views, exports of the current view, bulk triage with
// a dry run and undo, the finding page's path and history, the exposure answer and who-uses counts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { createProduct, goBom, importFeed, json, osvRecord, problem, uploadSbom } from './test-support.js';
import { SORT_COLUMNS } from './findings.schemas.js';

const CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const MEDIUM = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N';

/** Three advisories (two with a CVE alias and a CVSS rating) over three modules. */
const RECORDS = [
  osvRecord('GO-2099-1001', 'example.org/alpha', '1.2.0', { aliases: ['CVE-2099-1001'], severity: [{ type: 'CVSS_V3', score: CRITICAL }] }),
  osvRecord('GO-2099-1002', 'example.org/beta', '1.5.0', { aliases: ['CVE-2099-1002'], severity: [{ type: 'CVSS_V3', score: MEDIUM }] }),
  osvRecord('GO-2099-1003', 'example.org/gamma', '2.0.0'),
];

describeEachEngine('findings workbench', ({ engine }) => {
  let server: TestServer;
  const products: Record<string, { vendorId: string; productId: string }> = {};
  const viewer = { role: 'viewer' as const };
  const list = async (query: string) => (await json(await server.api(`/api/v1/findings?limit=500&${query}`, viewer), 200)).items as any[];

  before(async () => {
    server = await startTestServer(engine);
    for (const record of RECORDS) await importFeed(server, 'osv', JSON.stringify(record));
    products.edge = await createProduct(server, 'Acme Networks', 'Edge Gateway');
    products.zeta = await createProduct(server, 'Zeta Soft', 'Zeta Desk');
    // A product name a spreadsheet would run as a formula: the CSV export must neutralise it.
    products.beta = await createProduct(server, 'beta labs', '=Beta Agent');
    await uploadSbom(server, products.edge.productId, goBom({ name: 'edge', version: '3.1.0' }, [['example.org/alpha', 'v1.0.0'], ['example.org/beta', 'v1.0.0'], ['example.org/gamma', 'v1.0.0']]));
    await uploadSbom(server, products.zeta.productId, goBom({ name: 'zeta', version: '2.0.0' }, [['example.org/alpha', 'v1.1.0'], ['example.org/beta', 'v1.4.0']]));
    await uploadSbom(server, products.beta.productId, goBom({ name: 'beta', version: '0.9.0' }, [['example.org/alpha', 'v1.0.0']]));
  });
  after(async () => {
    await server?.close();
  });

  test('the setup gives six findings over three advisories, three products and three vendors', async () => {
    const all = await list('');
    assert.equal(all.length, 6);
    const totals = await json(await server.api('/api/v1/findings/totals', viewer), 200);
    assert.deepEqual([totals.findings, totals.advisories, totals.products, totals.vendors], [6, 3, 3, 3]);
    assert.deepEqual(totals.severity, { critical: 3, high: 0, medium: 2, low: 0, none: 0, unknown: 1 });
    assert.deepEqual(totals.state, { in_triage: 6, exploitable: 0, false_positive: 0, not_affected: 0, resolved: 0 });
  });

  test('q finds findings by CVE or alias, package, product and vendor (case-insensitive)', async () => {
    const advisories = (items: any[]) => items.map((f) => `${f.advisoryId}@${f.product.name}`).sort();
    assert.deepEqual(advisories(await list('q=cve-2099-1002')), ['CVE-2099-1002@Edge Gateway', 'CVE-2099-1002@Zeta Desk']);
    assert.deepEqual(advisories(await list('q=GO-2099-1001')).length, 3, 'an alias finds its group');
    assert.deepEqual(advisories(await list('q=GAMMA')), ['GO-2099-1003@Edge Gateway']);
    assert.equal((await list('q=zeta%20desk')).length, 2);
    assert.equal((await list('q=ACME')).length, 3, 'the vendor name');
    assert.equal((await list('q=100%25')).length, 0, '% is literal');
    assert.equal((await list('q=zeta&severity=critical')).length, 1, 'q combines with the other filters');
    const totals = await json(await server.api('/api/v1/findings/totals?q=zeta', viewer), 200);
    assert.deepEqual([totals.findings, totals.products, totals.severity.critical, totals.severity.medium], [2, 1, 1, 1]);
  });

  test('every column sorts both ways, ties broken by id, and pages of two add up to the whole list', async () => {
    for (const column of SORT_COLUMNS) {
      for (const sort of [column, `-${column}`]) {
        const whole = (await list(`sort=${sort}`)).map((f) => f.id);
        assert.equal(whole.length, 6, sort);
        const paged: string[] = [];
        let cursor: string | null = null;
        do {
          const page: any = await json(await server.api(`/api/v1/findings?limit=2&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`, viewer), 200);
          paged.push(...page.items.map((f: any) => f.id));
          cursor = page.nextCursor;
        } while (cursor);
        assert.deepEqual(paged, whole, `${sort}: pages follow the list`);
      }
    }
    const by = async (sort: string, key: (f: any) => string) => (await list(`sort=${sort}`)).map(key);
    assert.deepEqual(await by('severity', (f) => f.severity), ['critical', 'critical', 'critical', 'medium', 'medium', 'unknown']);
    assert.deepEqual(await by('-severity', (f) => f.severity), ['unknown', 'medium', 'medium', 'critical', 'critical', 'critical']);
    assert.deepEqual(await by('vendor', (f) => f.vendor.name), ['Acme Networks', 'Acme Networks', 'Acme Networks', 'beta labs', 'Zeta Soft', 'Zeta Soft']);
    assert.deepEqual(await by('product', (f) => f.product.name), ['=Beta Agent', 'Edge Gateway', 'Edge Gateway', 'Edge Gateway', 'Zeta Desk', 'Zeta Desk'], 'code-point order on both engines');
    assert.deepEqual(await by('-component', (f) => f.component.packageName), ['example.org/gamma', 'example.org/beta', 'example.org/beta', 'example.org/alpha', 'example.org/alpha', 'example.org/alpha']);
    assert.deepEqual(await by('fixedIn', (f) => f.fixedIn ?? ''), ['1.2.0', '1.2.0', '1.2.0', '1.5.0', '1.5.0', '2.0.0']);
    assert.deepEqual(await by('-cvss', (f) => f.cvss?.score ?? null), [9.8, 9.8, 9.8, 5.4, 5.4, null]);
    const ties = await list('sort=advisory');
    const critical = ties.filter((f) => f.advisoryId === 'CVE-2099-1001').map((f) => f.id);
    assert.deepEqual(critical, [...critical].sort(), 'equal keys in id order');
    await problem(await server.api('/api/v1/findings?sort=bogus', viewer), 400);
    const wrongCursor = Buffer.from(JSON.stringify([1, '01900000-0000-7000-8000-000000000001'])).toString('base64url');
    await problem(await server.api(`/api/v1/findings?sort=advisory&cursor=${wrongCursor}`, viewer), 400);
  });

  test('grouped by advisory: one row per advisory with its counts, paged, and expandable to its findings', async () => {
    const groups = (await json(await server.api('/api/v1/findings/groups?limit=50', viewer), 200)).items;
    assert.deepEqual(
      groups.map((g: any) => [g.advisoryId, g.findings, g.products, g.vendors, g.severity]),
      [['CVE-2099-1001', 3, 3, 3, 'critical'], ['CVE-2099-1002', 2, 2, 2, 'medium'], ['GO-2099-1003', 1, 1, 1, 'unknown']],
    );
    assert.deepEqual(groups[0].aliases, ['GO-2099-1001']);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await json(await server.api(`/api/v1/findings/groups?limit=1&sort=-findings${cursor ? `&cursor=${cursor}` : ''}`, viewer), 200);
      paged.push(...page.items.map((g: any) => g.advisoryId));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(paged, ['CVE-2099-1001', 'CVE-2099-1002', 'GO-2099-1003']);
    const advisorySorted = (await json(await server.api('/api/v1/findings/groups?sort=-advisory', viewer), 200)).items.map((g: any) => g.advisoryId);
    assert.deepEqual(advisorySorted, ['GO-2099-1003', 'CVE-2099-1002', 'CVE-2099-1001']);
    const filtered = (await json(await server.api(`/api/v1/findings/groups?productId=${products.zeta.productId}`, viewer), 200)).items;
    assert.deepEqual(filtered.map((g: any) => [g.advisoryId, g.findings]), [['CVE-2099-1001', 1], ['CVE-2099-1002', 1]]);
    const expanded = await list(`advisory=${groups[0].advisoryGroupId}`);
    assert.equal(expanded.length, 3);
  });

  test('saved views: per user, optionally shared; only the owner changes them', async () => {
    const query = { q: 'zeta', sort: '-severity', group: 'advisory', severity: ['critical', 'medium'] };
    const created = await json(await server.api('/api/v1/findings/views', { method: 'POST', role: 'viewer', json: { name: 'Zeta triage', query } }), 201);
    assert.deepEqual([created.name, created.shared, created.mine, created.query], ['Zeta triage', false, true, query]);
    const dup = await problem(await server.api('/api/v1/findings/views', { method: 'POST', role: 'viewer', json: { name: 'Zeta triage', query: {} } }), 409);
    assert.equal(dup.errors?.[0].field, '/name');
    const shared = await json(await server.api('/api/v1/findings/views', { method: 'POST', role: 'analyst', json: { name: 'Critical everywhere', shared: true, query: { severity: 'critical' } } }), 201);
    const seenByViewer = (await json(await server.api('/api/v1/findings/views', viewer), 200)).items;
    assert.deepEqual(seenByViewer.map((v: any) => [v.name, v.mine]), [['Critical everywhere', false], ['Zeta triage', true]]);
    const seenByResponder = (await json(await server.api('/api/v1/findings/views', { role: 'responder' }), 200)).items;
    assert.deepEqual(seenByResponder.map((v: any) => v.name), ['Critical everywhere'], 'a private view stays private');
    await problem(await server.api(`/api/v1/findings/views/${shared.id}`, { method: 'PATCH', role: 'viewer', json: { name: 'Mine now' } }), 403);
    await problem(await server.api(`/api/v1/findings/views/${created.id}`, { method: 'DELETE', role: 'responder' }), 404);
    const renamed = await json(await server.api(`/api/v1/findings/views/${created.id}`, { method: 'PATCH', role: 'viewer', json: { name: 'Zeta, all', shared: true } }), 200);
    assert.deepEqual([renamed.name, renamed.shared, renamed.query], ['Zeta, all', true, query]);
    await problem(await server.api('/api/v1/findings/views', { method: 'POST', role: 'viewer', json: { name: 'bad', query: { 'no spaces': 'x' } } }), 400);
    assert.equal((await server.api(`/api/v1/findings/views/${created.id}`, { method: 'DELETE', role: 'viewer' })).status, 204);
    assert.deepEqual((await json(await server.api('/api/v1/findings/views', viewer), 200)).items.map((v: any) => v.name), ['Critical everywhere']);
  });

  test('exports follow the current view: its filters and its order; CSV cells are neutralised', async () => {
    const ordered = (await list('q=example.org&sort=-product')).map((f) => f.id);
    const res = await server.api('/api/v1/findings/export?format=csv&q=example.org&sort=-product', viewer);
    assert.equal(res.status, 200);
    const rows = parse(await res.text(), { columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(rows.map((r) => r.id), ordered);
    assert.ok(rows.some((r) => r.product === "'=Beta Agent"), 'a formula-like cell gets an apostrophe');
    const zeta = parse(await (await server.api('/api/v1/findings/export?format=csv&q=zeta', viewer)).text(), { columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(zeta.map((r) => r.product), ['Zeta Desk', 'Zeta Desk']);
    const vex = await json(await server.api(`/api/v1/findings/export?format=openvex&productId=${products.edge.productId}&q=CVE-2099-1002`, viewer), 200);
    assert.deepEqual(vex.statements.map((s: any) => s.vulnerability.name), ['CVE-2099-1002']);
  });

  test('bulk triage: a dry run counts without changing, the batch is undone exactly, and refused once changed since', async () => {
    const targets = (await list('q=example.org/alpha')).map((f) => f.id);
    assert.equal(targets.length, 3);
    // One of them already decided, so the batch changes only two.
    const first = await json(await server.api(`/api/v1/findings/${targets[0]}`, { method: 'PATCH', role: 'analyst', json: { state: 'exploitable', detail: 'reachable' } }), 200);
    assert.equal(first.state, 'exploitable');
    const body = { ids: targets, state: 'exploitable', detail: 'reachable' };
    const dry = await json(await server.api('/api/v1/findings/triage', { method: 'POST', role: 'responder', json: { ...body, dryRun: true } }), 200);
    assert.deepEqual([dry.updated, dry.unchanged, dry.dryRun, dry.batchId], [2, 1, true, null]);
    assert.equal((await list('state=exploitable')).length, 1, 'a dry run changes nothing');
    await problem(await server.api('/api/v1/findings/triage', { method: 'POST', role: 'responder', json: { ids: targets, state: 'not_affected', dryRun: true } }), 400);

    const done = await json(await server.api('/api/v1/findings/triage', { method: 'POST', role: 'responder', json: body }), 200);
    assert.deepEqual([done.updated, done.unchanged, done.dryRun], [2, 1, false]);
    assert.ok(done.batchId);
    assert.equal((await list('state=exploitable')).length, 3);
    const batches = (await json(await server.api('/api/v1/findings/triage/batches', { role: 'analyst' }), 200)).items;
    assert.deepEqual([batches[0].batchId, batches[0].findings, batches[0].undone, batches[0].decision.state], [done.batchId, 2, null, 'exploitable']);

    const undone = await json(await server.api(`/api/v1/findings/triage/${done.batchId}/undo`, { method: 'POST', role: 'analyst' }), 200);
    assert.deepEqual([undone.restored, [...undone.ids].sort()], [2, [...done.ids].sort()]);
    const after = await list('q=example.org/alpha');
    assert.deepEqual(after.filter((f) => f.state === 'exploitable').map((f) => f.id), [targets[0]], 'only the batch\'s findings went back');
    const restored = await json(await server.api(`/api/v1/findings/${done.ids[0]}`, viewer), 200);
    assert.deepEqual([restored.state, restored.stateSource, restored.detail], ['in_triage', 'system', null]);
    assert.deepEqual(restored.history.slice(-2).map((h: any) => [h.action, h.fromState, h.toState, h.details?.batch]), [['triage', 'in_triage', 'exploitable', done.batchId], ['undo', 'exploitable', 'in_triage', done.batchId]]);
    const again = await problem(await server.api(`/api/v1/findings/triage/${done.batchId}/undo`, { method: 'POST', role: 'analyst' }), 409);
    assert.match(again.detail, /undone already/);
    assert.ok((await json(await server.api('/api/v1/findings/triage/batches', { role: 'analyst' }), 200)).items[0].undone);

    // A batch whose finding is changed afterwards cannot be undone: nothing changes.
    const second = await json(await server.api('/api/v1/findings/triage', { method: 'POST', role: 'analyst', json: { ids: done.ids, state: 'resolved' } }), 200);
    await json(await server.api(`/api/v1/findings/${done.ids[0]}`, { method: 'PATCH', role: 'analyst', json: { state: 'exploitable' } }), 200);
    const refused = await problem(await server.api(`/api/v1/findings/triage/${second.batchId}/undo`, { method: 'POST', role: 'analyst' }), 409);
    assert.deepEqual(refused.errors?.map((e) => e.field), [`/findings/${done.ids[0]}`]);
    assert.equal((await json(await server.api(`/api/v1/findings/${done.ids[1]}`, viewer), 200)).state, 'resolved', 'the refused undo changed nothing');
    await problem(await server.api('/api/v1/findings/triage/01900000-0000-7000-8000-000000000001/undo', { method: 'POST', role: 'analyst' }), 404);
    // Back to open for the tests below.
    await json(await server.api('/api/v1/findings/triage', { method: 'POST', role: 'analyst', json: { ids: targets, state: 'in_triage' } }), 200);
  });

  test('responders triage findings, viewers and auditors cannot', async () => {
    const [f] = await list('q=gamma');
    const byResponder = await json(await server.api(`/api/v1/findings/${f.id}`, { method: 'PATCH', role: 'responder', json: { state: 'exploitable' } }), 200);
    assert.equal(byResponder.stateSourceName, 'token:test-responder');
    for (const role of ['viewer', 'auditor'] as const) {
      await problem(await server.api(`/api/v1/findings/${f.id}`, { method: 'PATCH', role, json: { state: 'resolved' } }), 403);
      await problem(await server.api('/api/v1/findings/triage', { method: 'POST', role, json: { ids: [f.id], state: 'resolved', dryRun: true } }), 403);
      await problem(await server.api('/api/v1/findings/triage/01900000-0000-7000-8000-000000000001/undo', { method: 'POST', role }), 403);
    }
    await json(await server.api(`/api/v1/findings/${f.id}`, { method: 'PATCH', role: 'responder', json: { state: 'in_triage' } }), 200);
  });

  test('a finding page: the dependency path from the root, the history with who changed what', async () => {
    const [f] = await list(`productId=${products.zeta.productId}&q=alpha`);
    const detail = await json(await server.api(`/api/v1/findings/${f.id}`, viewer), 200);
    assert.deepEqual(detail.path.map((h: any) => h.name), ['zeta', 'example.org/alpha']);
    assert.equal(detail.path[1].purl, 'pkg:golang/example.org/alpha@v1.1.0');
    assert.ok(detail.history.some((h: any) => h.action === 'triage' && h.actor.name === 'token:test-responder'));
  });

  test('exposure: state per product, not-affected products left out of the headline', async () => {
    const zetaAlpha = (await list(`productId=${products.zeta.productId}&severity=critical`))[0];
    await json(await server.api(`/api/v1/findings/${zetaAlpha.id}`, { method: 'PATCH', role: 'analyst', json: { state: 'not_affected', justification: 'code_not_reachable' } }), 200);
    const betaAlpha = (await list(`productId=${products.beta.productId}`))[0];
    await json(await server.api(`/api/v1/findings/${betaAlpha.id}`, { method: 'PATCH', role: 'analyst', json: { state: 'resolved' } }), 200);
    for (const id of ['CVE-2099-1001', 'GO-2099-1001']) {
      const exposure = await json(await server.api(`/api/v1/exposure?advisory=${id}`, viewer), 200);
      assert.deepEqual(
        exposure.products.map((p: any) => [p.name, p.state, p.findings]),
        [
          ['Edge Gateway', 'under_investigation', { affected: 0, underInvestigation: 1, fixed: 0, notAffected: 0 }],
          ['=Beta Agent', 'fixed', { affected: 0, underInvestigation: 0, fixed: 1, notAffected: 0 }],
          ['Zeta Desk', 'not_affected', { affected: 0, underInvestigation: 0, fixed: 0, notAffected: 1 }],
        ],
      );
      const rows = exposure.products.filter((p: any) => p.state !== 'not_affected');
      assert.equal(exposure.summary.products, rows.length, 'the headline agrees with the rows');
      assert.equal(exposure.summary.vendors, new Set(rows.map((p: any) => p.vendor.id)).size);
      assert.deepEqual([exposure.summary.findings, exposure.summary.notAffected], [2, { products: 1, findings: 1 }]);
    }
    await json(await server.api(`/api/v1/findings/${zetaAlpha.id}`, { method: 'PATCH', role: 'analyst', json: { state: 'in_triage' } }), 200);
    await json(await server.api(`/api/v1/findings/${betaAlpha.id}`, { method: 'PATCH', role: 'analyst', json: { state: 'in_triage' } }), 200);
  });

  test('who-uses rows carry each component\'s open findings; badges come from totals per vendor and product', async () => {
    const uses = (await json(await server.api('/api/v1/components?name=example.org/beta', viewer), 200)).items;
    assert.deepEqual(uses.map((u: any) => [u.product.name, u.openFindings]).sort(), [['Edge Gateway', 1], ['Zeta Desk', 1]]);
    const gamma = (await json(await server.api('/api/v1/components?name=example.org/gamma', viewer), 200)).items;
    assert.deepEqual(gamma.map((u: any) => u.openFindings), [1]);
    const vendor = await json(await server.api(`/api/v1/findings/totals?vendorId=${products.edge.vendorId}`, viewer), 200);
    assert.deepEqual([vendor.findings, vendor.severity.critical, vendor.severity.medium, vendor.severity.unknown], [3, 1, 1, 1]);
  });
});
