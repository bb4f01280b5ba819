// Residual risk reads each vendor's open-finding counts from vendor_finding_counts, which triggers
// mark out of date on every write that can change them (0043). Each test first reads the vendor
// (so its stored counts are up to date), then changes its findings one way, then checks that the
// stored counts are either marked out of date or equal to a recount from the findings themselves,
// and that the vendor's answer shows the new counts. A change path the triggers missed leaves
// up-to-date-looking counts that differ from the recount, and fails here.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { createProduct, goBom, importFeed, json, osvRecord, uploadSbom } from '../findings/test-support.js';
import { ResilienceRepository } from './resilience.repository.js';

const CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const HIGH = 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:L/A:N';
const MEDIUM = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N';
const cvss = (score: string) => ({ severity: [{ type: 'CVSS_V3', score }] });

describeEachEngine('stored open-finding counts', ({ engine }) => {
  let server: TestServer;
  let vendorId: string;
  let productId: string;
  let first: { id: string };

  const db = () => server.tw.database.db;
  /** The vendor's answer's open-findings term, read through the API (which also refreshes the stored counts). */
  const term = async (id = vendorId) => {
    const v = await json(await server.api(`/api/v1/vendors/${id}`, { role: 'viewer' }), 200);
    return (v.residualRisk.terms as Array<{ key: string; detail: string }>).find((t) => t.key === 'openFindings')?.detail;
  };
  const stored = (id = vendorId) => db().selectFrom('vendor_finding_counts').selectAll().where('vendor_id', '=', id).executeTakeFirst();
  const bySeverity = (rows: Array<{ severity: string; n: number | string }>) => {
    const n = Object.fromEntries(rows.map((r) => [r.severity, Number(r.n)]));
    return { critical: n.critical ?? 0, high: n.high ?? 0, medium: n.medium ?? 0, low: n.low ?? 0 };
  };
  /**
   * The per-product groups a recount reads (0053) always give the counts of a full recount from
   * the findings; up-to-date stored counts equal it too, and out-of-date ones are recounted by the next read.
   */
  const assertHonest = async (id = vendorId) => {
    const repo = new ResilienceRepository(db());
    const live = bySeverity(await repo.openFindingCounts([id]));
    assert.deepEqual(bySeverity(await repo.openGroupCounts([id])), live, 'the per-product groups count what the findings hold');
    const row = await stored(id);
    assert.ok(row, 'every vendor has a row');
    if (Number(row.counted_generation) !== Number(row.generation)) return;
    assert.deepEqual(
      { critical: Number(row.critical), high: Number(row.high), medium: Number(row.medium), low: Number(row.low) },
      live,
      'stored counts that claim to be up to date match the findings',
    );
  };
  /** Reads the vendor so its counts are stored and up to date, runs the change, then checks the counts. */
  const change = async (what: () => Promise<unknown>, expected: string, id = vendorId) => {
    await term(id);
    const row = await stored(id);
    assert.equal(Number(row!.counted_generation), Number(row!.generation), 'a read leaves the counts up to date');
    await what();
    await assertHonest(id);
    assert.equal(await term(id), expected);
    const after = await stored(id);
    assert.equal(Number(after!.counted_generation), Number(after!.generation), 'the read stored the recount');
  };

  before(async () => {
    server = await startTestServer(engine);
    await importFeed(server, 'osv', JSON.stringify(osvRecord('GO-2099-1001', 'example.org/alpha', '1.2.0', { aliases: ['CVE-2099-1001'], ...cvss(CRITICAL) })));
    await importFeed(server, 'osv', JSON.stringify(osvRecord('GO-2099-1002', 'example.org/beta', '1.5.0', { aliases: ['CVE-2099-1002'], ...cvss(MEDIUM) })));
    ({ vendorId, productId } = await createProduct(server, 'Counted Vendor', 'Counted App'));
  });
  after(async () => {
    await server?.close();
  });

  test('a new vendor starts with up-to-date zero counts', async () => {
    const row = await stored();
    assert.deepEqual([Number(row!.generation), Number(row!.counted_generation), Number(row!.critical)], [0, 0, 0]);
    assert.equal(await term(), 'none open');
  });

  test('SBOM upload: its findings are counted', async () => {
    await change(async () => {
      first = await uploadSbom(server, productId, goBom({ name: 'app', version: '1.0.0' }, [['example.org/alpha', 'v1.0.0'], ['example.org/beta', 'v1.0.0'], ['example.org/gamma', 'v1.0.0']]));
    }, '1 critical, 1 medium');
  });

  test('SBOM upload of the same release: the superseded SBOM stops counting', async () => {
    await change(() => uploadSbom(server, productId, goBom({ name: 'app', version: '1.0.0' }, [['example.org/alpha', 'v1.0.0']])), '1 critical');
  });

  const triage = async (state: string) => {
    const [finding] = (await json(await server.api(`/api/v1/findings?vendorId=${vendorId}&q=alpha&limit=10`, { role: 'viewer' }), 200)).items as Array<{ id: string }>;
    await json(await server.api(`/api/v1/findings/${finding.id}`, { method: 'PATCH', role: 'analyst', json: { state } }), 200);
  };

  test('triage: a false positive stops counting', async () => {
    await change(() => triage('false_positive'), 'none open');
  });

  test('SBOM delete: the release falls back to the earlier SBOM, whose findings count again (the analysis of alpha carried to it)', async () => {
    const current = (await json(await server.api(`/api/v1/products/${productId}/sboms`, { role: 'viewer' }), 200)).items.find((s: any) => s.current);
    assert.notEqual(current.id, first.id);
    await change(async () => assert.equal((await server.api(`/api/v1/sboms/${current.id}`, { method: 'DELETE', role: 'analyst' })).status, 204), '1 medium');
  });

  test('advisory import: a new advisory opens a finding on a current SBOM', async () => {
    await change(() => importFeed(server, 'osv', JSON.stringify(osvRecord('GO-2099-1003', 'example.org/gamma', '2.0.0', { aliases: ['CVE-2099-1003'], ...cvss(HIGH) }))), '1 high, 1 medium');
  });

  test("advisory update: a group's severity changes", async () => {
    const record = osvRecord('GO-2099-1002', 'example.org/beta', '1.5.0', { aliases: ['CVE-2099-1002'], ...cvss(CRITICAL), modified: '2030-02-01T00:00:00Z' });
    await change(() => importFeed(server, 'osv', JSON.stringify(record)), '1 critical, 1 high');
  });

  test('advisory update: the component is no longer affected and its finding closes', async () => {
    const record = osvRecord('GO-2099-1003', 'example.org/gamma', '0.5.0', { aliases: ['CVE-2099-1003'], ...cvss(HIGH), modified: '2030-02-01T00:00:00Z' });
    await change(() => importFeed(server, 'osv', JSON.stringify(record)), '1 critical');
  });

  test('triage: a finding back in triage counts again', async () => {
    await change(() => triage('in_triage'), '2 critical');
  });

  const vex = (state: string) =>
    JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      version: 1,
      vulnerabilities: [{ id: 'CVE-2099-1002', analysis: { state, ...(state === 'not_affected' ? { justification: 'code_not_present' } : {}) }, affects: [{ ref: 'pkg:golang/example.org/beta@v1.0.0' }] }],
    });

  test("VEX: the vendor's not_affected stops counting, its in_triage counts again", async () => {
    await change(() => importFeed(server, 'cyclonedx-vex', vex('not_affected'), `?vendorId=${vendorId}`), '1 critical');
    await change(() => importFeed(server, 'cyclonedx-vex', vex('in_triage'), `?vendorId=${vendorId}`), '2 critical');
  });

  test('advisory groups merge: two findings become one advisory', async () => {
    const joining = osvRecord('GO-2099-1009', 'example.org/delta', '1.0.0', { aliases: ['CVE-2099-1001', 'CVE-2099-1002'], ...cvss(CRITICAL) });
    await change(() => importFeed(server, 'osv', JSON.stringify(joining)), '1 critical');
  });

  test('direct writes the API does not offer (CPE decisions, product moves) are caught by the same triggers', async () => {
    const other = await createProduct(server, 'Other Vendor', 'Other App');
    const open = () => db().updateTable('findings').where('sbom_id', '=', first.id).where('status', '=', 'open');
    await change(() => open().set({ severity: 'low' }).execute(), '1 low');
    await change(() => open().set({ verdict: 'not_affected' }).execute(), 'none open');
    await change(() => open().set({ verdict: 'affected', severity: 'critical' }).execute(), '1 critical');
    // The product moves to another vendor: both vendors' counts change.
    await term(other.vendorId);
    await change(() => db().updateTable('products').set({ vendor_id: other.vendorId }).where('id', '=', productId).execute(), 'none open');
    await assertHonest(other.vendorId);
    assert.equal(await term(other.vendorId), '1 critical');
    await change(() => db().updateTable('products').set({ vendor_id: vendorId }).where('id', '=', productId).execute(), '1 critical');
    // An SBOM moved to another product, and a finding deleted outright.
    await change(() => db().updateTable('sboms').set({ product_id: other.productId }).where('id', '=', first.id).execute(), 'none open');
    await change(() => db().updateTable('sboms').set({ product_id: productId }).where('id', '=', first.id).execute(), '1 critical');
    await change(() => sql`delete from findings where sbom_id = ${first.id}`.execute(db()), 'none open');
  });

  test('product delete: its findings stop counting; vendor delete removes the row', async () => {
    await uploadSbom(server, productId, goBom({ name: 'app', version: '2.0.0' }, [['example.org/alpha', 'v1.0.0']]));
    assert.equal(await term(), '1 critical');
    await change(async () => assert.equal((await server.api(`/api/v1/products/${productId}`, { method: 'DELETE' })).status, 204), 'none open');
    assert.equal((await server.api(`/api/v1/vendors/${vendorId}`, { method: 'DELETE' })).status, 204);
    assert.equal(await stored(), undefined);
  });

  test('the reconcile finds stored counts a write slipped past, and the next read recounts them', async () => {
    const v = await createProduct(server, 'Reconciled Vendor', 'Reconciled App');
    await uploadSbom(server, v.productId, goBom({ name: 'rec', version: '1.0.0' }, [['example.org/alpha', 'v1.0.0']]));
    assert.equal(await term(v.vendorId), '1 critical');
    assert.deepEqual(await server.tw.services.resilience.reconcileFindingCounts().then((r) => r.corrected), []);
    // What a write that bypassed the triggers would leave: counts that claim to be up to date but are wrong.
    await db().updateTable('vendor_finding_counts').set({ critical: 7 }).where('vendor_id', '=', v.vendorId).execute();
    assert.equal(await term(v.vendorId), '7 critical');
    assert.deepEqual((await server.tw.services.resilience.reconcileFindingCounts()).corrected, [v.vendorId]);
    assert.equal(await term(v.vendorId), '1 critical');
    await assertHonest(v.vendorId);
    // Per-product groups a write slipped past: the reconcile rebuilds them from the findings.
    await db().updateTable('product_open_groups').set({ n: 0 }).where('product_id', '=', v.productId).execute();
    await db().updateTable('vendor_finding_counts').set((eb) => ({ generation: eb('generation', '+', 1) })).where('vendor_id', '=', v.vendorId).execute();
    assert.equal(await term(v.vendorId), 'none open');
    assert.deepEqual((await server.tw.services.resilience.reconcileFindingCounts()).corrected, [v.vendorId]);
    assert.equal(await term(v.vendorId), '1 critical');
    await assertHonest(v.vendorId);
  });

  test('many uploads of new releases: each is counted once, and a recount reads groups, not SBOMs', async () => {
    const v = await createProduct(server, 'Busy Vendor', 'Busy App');
    for (let i = 0; i < 6; i++) {
      await uploadSbom(server, v.productId, goBom({ name: 'busy', version: `1.${i}.0` }, [['example.org/alpha', 'v1.0.0'], ['example.org/gamma', 'v1.0.0']]));
      await assertHonest(v.vendorId);
    }
    assert.equal(await term(v.vendorId), '1 critical');
    const rows = await db().selectFrom('product_open_groups').selectAll().where('product_id', '=', v.productId).execute();
    assert.deepEqual(rows.map((r) => Number(r.n)), [6], 'one row for the group, one finding per current SBOM');
  });
});
