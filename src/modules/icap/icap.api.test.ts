import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDatabase } from '../../platform/db/database.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import type { Executor } from '../../platform/db/schema.js';
import { systemContext } from '../../platform/context.js';
import type { Sanction } from '../egress/egress.model.js';
import { CATEGORY_OF_TYPE, type DetectionType } from '../pii/pii.model.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { IcapTestClient, reqmod } from '../../../test/support/icap-client.js';
import type { AttributionView, DestinationAttribution } from './icap.decider.js';
import { PolicyStore } from './icap.policy.js';
import { IcapRuntime } from './icap.runtime.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

/**
 * Attribution by the vendors' own domains and data categories, read from the database: the
 * decision's input from the flows module, reduced to what these tests set up (the real
 * EgressAttribution is exercised through Squid in test/icap/squid.test.ts).
 */
class VendorDomains implements DestinationAttribution<AttributionView & { approved: string[] }> {
  async resolve(executor: Executor, host: string) {
    const rows = await executor.selectFrom('vendor_domains').innerJoin('vendors', 'vendors.id', 'vendor_domains.vendor_id').select(['vendors.id', 'vendors.name', 'vendor_domains.domain']).execute();
    const hit = rows.find((r) => host === r.domain || host.endsWith(`.${r.domain}`));
    if (!hit) return { destination: host, vendorId: null, vendorName: null, approved: [] };
    const vendor = await executor.selectFrom('vendors').selectAll().where('id', '=', hit.id).executeTakeFirstOrThrow();
    return { destination: hit.domain, vendorId: hit.id, vendorName: hit.name, approved: JSON.parse(String((vendor as Record<string, unknown>).data_categories ?? '[]')) as string[] };
  }
  sanctionOf(a: AttributionView & { approved: string[] }, classes: DetectionType[]): Sanction {
    if (!a.vendorId) return 'unknown';
    return classes.every((c) => a.approved.includes(CATEGORY_OF_TYPE[c])) ? 'sanctioned' : 'unsanctioned';
  }
}

const CARDS = JSON.stringify({ customers: [{ name: 'Ada', card_number: '4111 1111 1111 1111' }, { name: 'Alan', card_number: '5555 5555 5555 4444' }] });
const EMAILS = JSON.stringify({ list: ['a.one@example.org', 'b.two@example.org', 'c.three@example.org', 'd.four@example.org', 'e.five@example.org'].map((email) => ({ email })) });

describeEachEngine('ICAP policy and decisions', ({ engine }) => {
  let server: TestServer;
  let runtime: IcapRuntime;
  let client: IcapTestClient;
  let vendorId: string;

  before(async () => {
    server = await startTestServer(engine);
    const { services } = server.tw;
    runtime = new IcapRuntime(
      { db: server.tw.database.db, policies: services.icapPolicies, attribution: new VendorDomains(), scanBody: (b, h) => services.pii.scanBody(b, h), ingest: (e, ctx) => services.egressIngest.ingest(e, ctx), failMode: 'open', logger: server.tw.logger },
      { port: 0, eventIntervalMs: 20 },
    );
    services.icap.useRuntime(runtime);
    const url = await runtime.start();
    client = await IcapTestClient.connect(Number(/:(\d+)\//.exec(url)![1]));
    vendorId = (await json(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Acme Mail', domains: ['acme-mail.com'], dataCategories: ['personal'] } }), 201)).id;
  });
  after(async () => {
    client?.close();
    await runtime?.close();
    await server?.close();
  });

  async function ask(url: string, body?: string) {
    client.write(reqmod({ url, body, headers: body ? { 'Content-Type': 'application/json' } : {} }).head);
    const res = await client.read();
    const reference = /<code>([0-9a-f-]{36})<\/code>/.exec(res.body?.toString() ?? '')?.[1] ?? null;
    return { status: res.status, istag: res.headers.get('istag'), page: res.body?.toString() ?? '', reference };
  }

  test('the default policy is version 0; a save is a new audited version with a new ISTag; stale and bad saves are refused', async () => {
    const current = await json(await server.api('/api/v1/icap/policy', { role: 'viewer' }));
    assert.equal(current.version, 0);
    assert.equal(current.istag, 'TW-policy-0');
    assert.deepEqual(current.policy.blockClasses, ['payment_card', 'us_ssn', 'uk_nino', 'national_id', 'secret', 'jwt']);
    assert.deepEqual(current.policy.bulk, { types: ['email', 'phone'], threshold: 5 });

    const bad = await server.api('/api/v1/icap/policy', { method: 'PUT', role: 'analyst', json: { policy: { ...current.policy, allowances: [{ vendorId: '0190c0de-0000-7000-8000-000000000000', types: ['email'] }] } } });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).errors[0].field, '/policy/allowances/0/vendorId');
    assert.equal((await server.api('/api/v1/icap/policy', { method: 'PUT', role: 'analyst', json: { policy: { ...current.policy, mode: 'off' } } })).status, 400);

    const saved = await json(await server.api('/api/v1/icap/policy', { method: 'PUT', role: 'analyst', json: { policy: current.policy, note: 'same as shipped', expectedVersion: 0 } }));
    assert.equal(saved.version, 1);
    assert.equal(saved.istag, 'TW-policy-1');
    assert.equal(saved.note, 'same as shipped');
    assert.equal((await server.api('/api/v1/icap/policy', { method: 'PUT', role: 'analyst', json: { policy: current.policy, expectedVersion: 0 } })).status, 409);
    const audit = await json(await server.api('/api/v1/audit?entityType=icap_policy'));
    assert.ok(audit.items.some((e: any) => e.action === 'icap.policy.update' && e.entityId === '1'), JSON.stringify(audit.items.slice(0, 3)));
    const res = await ask('http://ok.example.com/');
    assert.equal(res.istag, '"TW-policy-1"', 'the service answers with the new version\'s ISTag');
  });

  test('card numbers to an unknown destination: blocked, the page\'s reference is the stored event', async () => {
    const res = await ask('http://upload.unknown-drop.com/u?x=1', CARDS);
    assert.equal(res.status, 200);
    assert.match(res.page, /2 payment card numbers to upload\.unknown-drop\.com, a destination not attributed/);
    assert.ok(res.reference);
    await runtime.recorder.flush();
    const event = await server.tw.services.egressIngest.get(res.reference);
    assert.deepEqual([event.decision, event.status, event.host, event.path, event.dataClasses, event.scanTruncated], ['block', 403, 'upload.unknown-drop.com', '/u', ['payment_card'], false]);
    assert.match(event.reason ?? '', /\(policy version 1\)$/);
  });

  test('a body larger than the scan cap is scanned up to the cap, and its event says so', async () => {
    // The cards sit past the first MiB (THIRDWATCH_PII_MAX_SCAN_BYTES' default): they pass unread.
    const large = JSON.stringify({ padding: 'x'.repeat(1024 * 1024 + 100), customers: JSON.parse(CARDS).customers });
    client.write(reqmod({ url: 'http://upload.unknown-drop.com/large', body: large, headers: { 'Content-Type': 'application/json' } }).head);
    const res = await client.read();
    assert.equal(res.status, 204);
    await runtime.recorder.flush();
    const page = await json(await server.api('/api/v1/egress/events?host=upload.unknown-drop.com&source=icap&limit=1'));
    assert.deepEqual([page.items[0].path, page.items[0].decision, page.items[0].dataClasses, page.items[0].scanTruncated], ['/large', 'allow', [], true]);
    // The OCSF export carries it too, on that event only (the blocked card upload before it was scanned whole).
    const ocsf = (await (await server.api('/api/v1/egress/events?host=upload.unknown-drop.com&source=icap&format=ocsf')).text()).trim().split('\n').map((line) => JSON.parse(line));
    assert.ok(ocsf.length >= 2);
    assert.deepEqual(ocsf.filter((e) => e.unmapped?.scan_truncated).map((e) => e.unmapped), [{ scan_truncated: true }]);
  });

  test('bulk e-mails: blocked to an unknown destination, allowed to a vendor approved for personal data; cards to that vendor are not', async () => {
    assert.match((await ask('http://collect.unknown-drop.com/', EMAILS)).page, /5 e-mail addresses/);
    assert.equal((await ask('http://api.acme-mail.com/contacts', EMAILS)).status, 204);
    const cards = await ask('http://api.acme-mail.com/contacts', CARDS);
    assert.match(cards.page, /api\.acme-mail\.com \(Acme Mail\), a supplier not approved to receive payment data/);
    assert.equal((await ask('http://collect.unknown-drop.com/', JSON.stringify({ list: ['a@example.org', 'b@example.org'] }))).status, 204, 'under the bulk threshold');
  });

  test('a per-vendor allowance lets the vendor receive a class its categories do not cover', async () => {
    const current = await json(await server.api('/api/v1/icap/policy'));
    await json(await server.api('/api/v1/icap/policy', { method: 'PUT', role: 'analyst', json: { policy: { ...current.policy, allowances: [{ vendorId, types: ['payment_card'], note: 'card vault contract' }] } } }));
    try {
      assert.equal((await ask('http://api.acme-mail.com/contacts', CARDS)).status, 204);
      assert.equal((await ask('http://upload.unknown-drop.com/', CARDS)).status, 200, 'other destinations are still blocked');
    } finally {
      await json(await server.api('/api/v1/icap/policy', { method: 'PUT', role: 'analyst', json: { policy: current.policy } }));
    }
  });

  test('indicator and blocklisted destinations are blocked from the preview; record mode records instead', async () => {
    await server.tw.services.blocklist.blockNow({ domains: ['exfil-drop.org'], reason: 'test' }, systemContext('test'));
    await runtime.threats.reload();
    const preview = reqmod({ url: 'http://cdn.exfil-drop.org/up', body: 'x'.repeat(5000), preview: 1024 });
    client.write(preview.head);
    const early = await client.read();
    assert.equal(early.status, 200, 'a final answer instead of 100 Continue');
    assert.match(early.body?.toString() ?? '', /egress blocklist/);

    const current = await json(await server.api('/api/v1/icap/policy'));
    await json(await server.api('/api/v1/icap/policy', { method: 'PUT', role: 'analyst', json: { policy: { ...current.policy, mode: 'record' } } }));
    try {
      const recorded = await ask('http://cdn.exfil-drop.org/up', CARDS);
      assert.equal(recorded.status, 204);
      await runtime.recorder.flush();
      const status = await json(await server.api('/api/v1/icap/status', { role: 'viewer' }));
      assert.equal(status.policy.mode, 'record');
      assert.ok(status.lastHour.record >= 1 && status.lastHour.block >= 4, JSON.stringify(status.lastHour));
      assert.equal(status.service.threats.domains, 1);
      assert.equal(status.failMode, 'open');
    } finally {
      await json(await server.api('/api/v1/icap/policy', { method: 'PUT', role: 'analyst', json: { policy: current.policy } }));
    }
  });

  test('policy store unreachable: fail open allows, fail closed blocks with a page saying so', async () => {
    // A store nothing can be read from: a file under a directory that does not exist, a port nothing listens on.
    const broken = openDatabase(engine === 'sqlite' ? 'sqlite:///nonexistent-thirdwatch-dir/policy.db' : 'postgres://postgres@127.0.0.1:1/none');
    for (const failMode of ['open', 'closed'] as const) {
      const store = new PolicyStore(broken.db, { staleMs: 0 });
      const r = new IcapRuntime(
        { db: broken.db, policies: store, attribution: new VendorDomains(), scanBody: (b, h) => server.tw.services.pii.scanBody(b, h), ingest: (e, ctx) => server.tw.services.egressIngest.ingest(e, ctx), failMode, logger: server.tw.logger },
        { port: 0, eventIntervalMs: 20 },
      );
      const url = await r.start();
      const c = await IcapTestClient.connect(Number(/:(\d+)\//.exec(url)![1]));
      try {
        c.write(reqmod({ url: 'http://anything.example.com/', body: CARDS }).head);
        const res = await c.read();
        if (failMode === 'open') assert.equal(res.status, 204, res.body?.toString());
        else assert.match(res.body?.toString() ?? '', /could not be checked \(policy store unreachable\), so the request was stopped/);
        assert.equal(r.decider.counters.failures, 1);
        await r.recorder.flush();
        assert.equal(r.recorder.pending, 0, 'the decision is stored through the ingestion service, which still works');
      } finally {
        c.close();
        await r.close();
      }
    }
    await broken.close().catch(() => {});
  });
});
