import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { systemContext } from '../../platform/context.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { allFindings, createProduct, goBom, importFeed, json, osvRecord, uploadSbom } from '../findings/test-support.js';
import type { Risk, RiskDetail } from './risks.schemas.js';

const KEV = (cve: string) =>
  JSON.stringify({
    catalogVersion: '2030.01.01',
    dateReleased: '2030-01-01T00:00:00.000Z',
    count: 1,
    vulnerabilities: [{ cveID: cve, vendorProject: 'Example', product: 'widget', vulnerabilityName: 'Widget RCE', dateAdded: '2030-01-01', dueDate: '2030-01-21' }],
  });

describeEachEngine('risks from findings', ({ engine }) => {
  let server: TestServer;
  let productId = '';
  let vendorId = '';
  const ctx = systemContext('findings → risks');
  const sync = () => server.tw.services.findingRisks.sync(ctx);
  const findingRisks = async () => (await json<{ items: Risk[] }>(await server.api('/api/v1/risks?source=finding&status=all'), 200)).items;

  before(async () => {
    server = await startTestServer(engine);
    ({ vendorId, productId } = await createProduct(server, 'Widget Co', 'Widget Server', { criticality: 4 }));
    const records = [
      osvRecord('GO-2030-0001', 'example.com/alpha', '1.2.0', { aliases: ['CVE-2030-0001'] }),
      osvRecord('GO-2030-0002', 'example.com/beta', '2.0.0'),
    ];
    for (const r of records) await importFeed(server, 'osv', JSON.stringify(r));
    await uploadSbom(server, productId, goBom({ name: 'widget', version: '1.0.0' }, [['example.com/alpha', 'v1.1.0'], ['example.com/beta', 'v1.0.0']]), '1.0');
    assert.equal((await allFindings(server, `productId=${productId}`)).length, 2);
  });
  after(async () => {
    await server?.close();
  });

  test('nothing known exploited, malicious or overdue: no risk', async () => {
    assert.deepEqual(await sync(), { pairs: 0, raised: 0, resolved: 0 });
    assert.equal((await findingRisks()).length, 0);
  });

  test('a KEV listing raises one risk per (advisory, product), linked to the vendor, product, advisory and findings; a rerun changes nothing', async () => {
    await importFeed(server, 'kev', KEV('CVE-2030-0001'));
    const first = await sync();
    assert.equal(first.raised, 1);
    const [risk] = await findingRisks();
    assert.match(risk.title, /^CVE-2030-0001 in Widget Server: known exploited/);
    assert.equal(risk.inherent.likelihood, 5);
    assert.deepEqual(risk.vendors.map((v) => v.id), [vendorId]);
    assert.deepEqual(risk.products.map((p) => p.id), [productId]);
    const detail = await json<RiskDetail>(await server.api(`/api/v1/risks/${risk.id}`), 200);
    assert.deepEqual(detail.evidence.map((e) => e.type).sort(), ['advisory', 'finding']);
    const again = await sync();
    assert.equal(again.raised, 0, 'the overlap window re-reads, but nothing changed');
    assert.equal((await json<RiskDetail>(await server.api(`/api/v1/risks/${risk.id}`), 200)).raiseCount, 1);
  });

  test('a finding past its due date raises a risk; suppressing the KEV finding resolves its risk', async () => {
    const beta = (await allFindings(server, `productId=${productId}`)).find((f) => f.advisoryId === 'GO-2030-0002');
    await server.tw.database.db.updateTable('findings').set({ due_at: new Date(Date.now() - 60_000).toISOString() }).where('id', '=', beta.id).execute();
    assert.equal((await sync()).raised, 1);
    const overdue = (await findingRisks()).find((r) => r.title.startsWith('GO-2030-0002'));
    assert.match(overdue?.title ?? '', /past its SLA due date/);

    const alpha = (await allFindings(server, `productId=${productId}`)).find((f) => f.advisoryId === 'CVE-2030-0001');
    await json(await server.api(`/api/v1/findings/${alpha.id}`, { method: 'PATCH', role: 'analyst', json: { state: 'not_affected', justification: 'code_not_reachable' } }), 200);
    assert.equal((await sync()).resolved, 1);
    const kevRisk = (await findingRisks()).find((r) => r.title.startsWith('CVE-2030-0001'));
    assert.equal(kevRisk?.status, 'closed');
    assert.equal(kevRisk?.closeReason, 'resolved');
  });

  test('a new SBOM without the component resolves the risk of the old one; the component coming back reopens it', async () => {
    await uploadSbom(server, productId, goBom({ name: 'widget', version: '1.0.0' }, [['example.com/alpha', 'v1.1.0']]), '1.0');
    assert.equal((await sync()).resolved, 1);
    const beta = (await findingRisks()).find((r) => r.title.startsWith('GO-2030-0002'));
    assert.equal(beta?.status, 'closed');

    await uploadSbom(server, productId, goBom({ name: 'widget', version: '1.0.0' }, [['example.com/alpha', 'v1.1.0'], ['example.com/beta', 'v1.0.0']]), '1.0');
    const fresh = (await allFindings(server, `productId=${productId}`)).find((f) => f.advisoryId === 'GO-2030-0002');
    await server.tw.database.db.updateTable('findings').set({ due_at: new Date(Date.now() - 60_000).toISOString(), updated_at: new Date().toISOString() }).where('id', '=', fresh.id).execute();
    await sync();
    const back = (await findingRisks()).find((r) => r.title.startsWith('GO-2030-0002'));
    assert.equal(back?.status, 'open');
    assert.equal(back?.reopenCount, 1);
  });
});
