import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import type { EgressEvent } from './egress.model.js';
import { hourOf, mediaType, sourceLabel } from './flows.service.js';
import { lineParser, readLines } from './parsers/index.js';
import { Readable } from 'node:stream';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

function event(overrides: Partial<EgressEvent>): EgressEvent {
  return {
    at: '2026-12-01T10:15:00.000Z',
    source: 'squid',
    client: '10.0.0.5',
    app: null,
    method: 'POST',
    host: 'api.example.co.uk',
    port: 443,
    path: '/',
    status: 200,
    bytesOut: 100,
    bytesIn: 10,
    contentType: 'application/json; charset=utf-8',
    dataClasses: [],
    detections: [],
    decision: null,
    reason: null,
    ...overrides,
  };
}

test('hours, media types and source labels', () => {
  assert.equal(hourOf('2026-12-01T10:59:59.999Z'), '2026-12-01T10:00:00.000Z');
  assert.equal(hourOf('2026-12-01T11:30:00+01:00'), '2026-12-01T10:00:00.000Z');
  assert.equal(hourOf('not a time'), null);
  assert.equal(mediaType('Application/JSON; charset=utf-8'), 'application/json');
  assert.equal(mediaType('multipart/form-data; boundary=x'), 'multipart/form-data');
  for (const junk of ['', 'json', 'a/b/c', '<script>/x', `text/${'x'.repeat(500)}`]) assert.equal(mediaType(junk), null, junk);
  assert.equal(sourceLabel('10.0.0.5', 'AcmeAgent/2.1'), 'AcmeAgent/2.1 on 10.0.0.5');
  assert.equal(sourceLabel('', 'AcmeAgent/2.1'), 'AcmeAgent/2.1');
  assert.equal(sourceLabel('', ''), 'unknown');
});

describeEachEngine('data flows', ({ engine }) => {
  let server: TestServer;
  let acme: string;
  let payco: string;
  let paycoProduct: string;

  before(async () => {
    server = await startTestServer(engine);
    const create = async (body: Record<string, unknown>) => (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: body }), 201)).id;
    acme = await create({ name: 'Acme Payroll', domains: ['example.co.uk'], dataCategories: ['personal'] });
    payco = await create({ name: 'PayCo', domains: ['payco.example'], dataCategories: ['payment'] });
    paycoProduct = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${payco}/products`, { method: 'POST', json: { name: 'PayCo Gateway', type: 'saas' } }), 201)).id;
  });
  after(async () => {
    await server?.close();
  });

  const ingest = (events: EgressEvent[]) => server.tw.database.db.transaction().execute((trx) => server.tw.services.flows.aggregate(trx, events));
  const rows = () =>
    server.tw.database.db
      .selectFrom('egress_flows')
      .select(['hour', 'client', 'app', 'destination', 'vendor_id', 'direction', 'requests', 'bytes_out', 'bytes_in', 'methods', 'content_types', 'data_classes', 'sanction', 'first_seen', 'last_seen'])
      .orderBy('destination')
      .orderBy('hour')
      .orderBy('client')
      .execute()
      .then((list) => list.map((r) => ({ ...r, requests: Number(r.requests), bytes_out: Number(r.bytes_out), bytes_in: Number(r.bytes_in) })));

  test('one batch: events summed per hour, client, app, destination, vendor and direction, in one statement per table', async () => {
    await ingest([
      event({ at: '2026-12-01T10:05:00.000Z', method: 'GET', contentType: null, bytesOut: 50, bytesIn: 5000 }),
      event({ at: '2026-12-01T10:45:00.000Z', host: 'eu.api.example.co.uk', dataClasses: ['email'], bytesOut: 2000, bytesIn: 20 }),
      event({ at: '2026-12-01T11:01:00.000Z', dataClasses: ['payment_card'], contentType: 'application/x-www-form-urlencoded' }),
      event({ at: '2026-12-01T10:10:00.000Z', client: '10.0.0.6', app: 'AcmeAgent/2.1', method: 'put' }),
      event({ at: '2026-12-01T10:20:00.000Z', host: 'files.unknown-share.example', dataClasses: ['email'], bytesOut: 9000 }),
      event({ at: '2026-12-01T10:30:00.000Z', host: '198.51.100.7', method: null, contentType: null, bytesOut: 1, bytesIn: 1, direction: 'inbound' }),
      event({ at: 'garbage', host: 'never.example' }),
    ]);
    const list = await rows();
    assert.deepEqual(list, [
      { hour: '2026-12-01T10:00:00.000Z', client: '10.0.0.5', app: '', destination: '198.51.100.7', vendor_id: '', direction: 'inbound', requests: 1, bytes_out: 1, bytes_in: 1, methods: '[]', content_types: '[]', data_classes: '[]', sanction: 'unknown', first_seen: '2026-12-01T10:30:00.000Z', last_seen: '2026-12-01T10:30:00.000Z' },
      { hour: '2026-12-01T10:00:00.000Z', client: '10.0.0.5', app: '', destination: 'example.co.uk', vendor_id: acme, direction: 'outbound', requests: 2, bytes_out: 2050, bytes_in: 5020, methods: '["GET","POST"]', content_types: '["application/json"]', data_classes: '["email"]', sanction: 'sanctioned', first_seen: '2026-12-01T10:05:00.000Z', last_seen: '2026-12-01T10:45:00.000Z' },
      { hour: '2026-12-01T10:00:00.000Z', client: '10.0.0.6', app: 'AcmeAgent/2.1', destination: 'example.co.uk', vendor_id: acme, direction: 'outbound', requests: 1, bytes_out: 100, bytes_in: 10, methods: '["PUT"]', content_types: '["application/json"]', data_classes: '[]', sanction: 'sanctioned', first_seen: '2026-12-01T10:10:00.000Z', last_seen: '2026-12-01T10:10:00.000Z' },
      { hour: '2026-12-01T11:00:00.000Z', client: '10.0.0.5', app: '', destination: 'example.co.uk', vendor_id: acme, direction: 'outbound', requests: 1, bytes_out: 100, bytes_in: 10, methods: '["POST"]', content_types: '["application/x-www-form-urlencoded"]', data_classes: '["payment_card"]', sanction: 'unsanctioned', first_seen: '2026-12-01T11:01:00.000Z', last_seen: '2026-12-01T11:01:00.000Z' },
      { hour: '2026-12-01T10:00:00.000Z', client: '10.0.0.5', app: '', destination: 'unknown-share.example', vendor_id: '', direction: 'outbound', requests: 1, bytes_out: 9000, bytes_in: 10, methods: '["POST"]', content_types: '["application/json"]', data_classes: '["email"]', sanction: 'unknown', first_seen: '2026-12-01T10:20:00.000Z', last_seen: '2026-12-01T10:20:00.000Z' },
    ]);
  });

  test('later batches add to the same hour\'s rows: counts summed, sets unioned and sorted, seen times widened, the worse sanction kept', async () => {
    const { db } = server.tw.database;
    await ingest([
      event({ at: '2026-12-01T10:01:00.000Z', method: 'DELETE', contentType: 'text/plain', dataClasses: ['phone'], bytesOut: 1, bytesIn: 1 }),
      event({ at: '2026-12-01T10:59:00.000Z', dataClasses: ['iban'], bytesOut: 1, bytesIn: 1 }),
      event({ at: '2026-12-01T12:00:00.000Z', bytesOut: 7, bytesIn: 7 }),
    ]);
    const merged = (await rows()).filter((r) => r.destination === 'example.co.uk' && r.client === '10.0.0.5');
    assert.deepEqual(
      merged.map((r) => [r.hour, r.requests, r.bytes_out, r.bytes_in, r.methods, r.content_types, r.data_classes, r.sanction, r.first_seen, r.last_seen]),
      [
        ['2026-12-01T10:00:00.000Z', 4, 2052, 5022, '["DELETE","GET","POST"]', '["application/json","text/plain"]', '["email","iban","phone"]', 'unsanctioned', '2026-12-01T10:01:00.000Z', '2026-12-01T10:59:00.000Z'],
        ['2026-12-01T11:00:00.000Z', 1, 100, 10, '["POST"]', '["application/x-www-form-urlencoded"]', '["payment_card"]', 'unsanctioned', '2026-12-01T11:01:00.000Z', '2026-12-01T11:01:00.000Z'],
        ['2026-12-01T12:00:00.000Z', 1, 7, 7, '["POST"]', '["application/json"]', '[]', 'sanctioned', '2026-12-01T12:00:00.000Z', '2026-12-01T12:00:00.000Z'],
      ],
    );
    // The totals are what was sent, however the batches were cut.
    const totals = await db.selectFrom('egress_flows').select((eb) => [eb.fn.sum<number>('requests').as('requests')]).executeTakeFirstOrThrow();
    assert.equal(Number(totals.requests), 9);
  });

  test('a batch is one statement per table, whatever its size', async () => {
    const { flows } = server.tw.services;
    const counted: string[] = [];
    const { openDatabase } = await import('../../platform/db/database.js');
    const spy = openDatabase(server.database.url, { onQuery: (sql) => counted.push(sql) });
    try {
      const events = Array.from({ length: 3000 }, (_, i) => event({ at: `2026-11-01T${String(i % 24).padStart(2, '0')}:00:00.000Z`, client: `10.1.${i % 50}.1`, host: `h${i % 7}.payco.example` }));
      await server.tw.services.attribution.resolveMany(spy.db, ['payco.example']);
      counted.length = 0;
      await spy.db.transaction().execute((trx) => flows.aggregate(trx, events));
      const writes = counted.filter((s) => /^\s*insert/i.test(s));
      assert.deepEqual(writes.map((s) => s.match(/insert into (\w+)/i)?.[1]), ['egress_flows', 'egress_destinations']);
      const stored = await spy.db.selectFrom('egress_flows').select((eb) => [eb.fn.countAll<number>().as('rows'), eb.fn.sum<number>('requests').as('requests')]).where('destination', '=', 'payco.example').executeTakeFirstOrThrow();
      assert.equal(Number(stored.requests), 3000);
      // (hour, client) pairs repeat every lcm(24, 50) = 600 events.
      assert.equal(Number(stored.rows), 600);
    } finally {
      await spy.close();
    }
  });

  test('GET /api/v1/dataflows: per destination and vendor, largest first, filtered, paged', async () => {
    const page = await json<{ items: any[]; nextCursor: string | null }>(await server.api('/api/v1/dataflows?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z', { role: 'viewer' }));
    assert.deepEqual(page.items.map((i) => [i.destination, i.vendor?.name ?? null, i.sanction, i.requests, i.bytes]), [
      ['unknown-share.example', null, 'unknown', 1, 9010],
      ['example.co.uk', 'Acme Payroll', 'unsanctioned', 7, 2052 + 5022 + 110 + 110 + 14],
      ['198.51.100.7', null, 'unknown', 1, 2],
    ]);
    const acmeFlow = page.items[1];
    assert.deepEqual(acmeFlow.vendor, { id: acme, name: 'Acme Payroll' });
    assert.deepEqual(acmeFlow.dataClasses, ['email', 'iban', 'payment_card', 'phone']);
    assert.deepEqual(acmeFlow.sources, ['10.0.0.5', 'AcmeAgent/2.1 on 10.0.0.6']);
    assert.deepEqual(acmeFlow.methods, ['DELETE', 'GET', 'POST', 'PUT']);
    assert.equal(acmeFlow.firstSeen, '2026-12-01T10:01:00.000Z');
    assert.equal(acmeFlow.lastSeen, '2026-12-01T12:00:00.000Z');
    assert.equal(acmeFlow.bytesOut + acmeFlow.bytesIn, acmeFlow.bytes);

    const byHour = await json(await server.api('/api/v1/dataflows?from=2026-12-01T12:30:00Z&to=2026-12-01T13:00:00Z'));
    assert.deepEqual(byHour.items.map((i: any) => [i.destination, i.requests, i.sanction]), [['example.co.uk', 1, 'sanctioned']]);
    const email = await json(await server.api('/api/v1/dataflows?dataClass=email&from=2026-12-01T00:00:00Z'));
    assert.deepEqual(email.items.map((i: any) => i.destination), ['unknown-share.example', 'example.co.uk']);
    const unknown = await json(await server.api('/api/v1/dataflows?sanction=unknown'));
    assert.deepEqual(unknown.items.map((i: any) => i.destination), ['unknown-share.example', '198.51.100.7']);
    const vendor = await json(await server.api(`/api/v1/dataflows?vendorId=${payco}`));
    assert.deepEqual(vendor.items.map((i: any) => [i.destination, i.requests]), [['payco.example', 3000]]);
    const q = await json(await server.api('/api/v1/dataflows?q=SHARE'));
    assert.deepEqual(q.items.map((i: any) => i.destination), ['unknown-share.example']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const next: { items: any[]; nextCursor: string | null } = await json(await server.api(`/api/v1/dataflows?limit=1${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...next.items.map((i) => i.destination));
      cursor = next.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, ['payco.example', 'unknown-share.example', 'example.co.uk', '198.51.100.7']);
    assert.equal((await server.api('/api/v1/dataflows?cursor=bogus')).status, 400);
    assert.equal((await server.api('/api/v1/dataflows?dataClass=nonsense')).status, 400);
    assert.equal((await server.api('/api/v1/dataflows', { role: null })).status, 401);
  });

  test('GET /api/v1/dataflows/graph: sources → vendors → destinations, unattributed straight from their sources', async () => {
    const graph = await json<{ nodes: any[]; edges: any[] }>(await server.api('/api/v1/dataflows/graph?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z'));
    assert.deepEqual(graph.nodes.map((n) => [n.id, n.kind, n.label, n.sanction]), [
      ['destination:unknown-share.example', 'destination', 'unknown-share.example', 'unknown'],
      ['destination:example.co.uk', 'destination', 'example.co.uk', 'unsanctioned'],
      ['destination:198.51.100.7', 'destination', '198.51.100.7', 'unknown'],
      ['source:10.0.0.5', 'source', '10.0.0.5', null],
      ['source:AcmeAgent/2.1 on 10.0.0.6', 'source', 'AcmeAgent/2.1 on 10.0.0.6', null],
      [`vendor:${acme}`, 'vendor', 'Acme Payroll', null],
    ]);
    const edge = (from: string, to: string) => graph.edges.find((e) => e.from === from && e.to === to);
    assert.deepEqual(edge('source:10.0.0.5', `vendor:${acme}`), { from: 'source:10.0.0.5', to: `vendor:${acme}`, requests: 6, bytes: 7198, dataClasses: ['email', 'iban', 'payment_card', 'phone'], sanction: 'unsanctioned' });
    assert.equal(edge(`vendor:${acme}`, 'destination:example.co.uk').requests, 7);
    assert.deepEqual(edge('source:10.0.0.5', 'destination:unknown-share.example')?.dataClasses, ['email']);
    assert.equal(graph.edges.length, 5);
    const top = await json<{ nodes: any[] }>(await server.api('/api/v1/dataflows/graph?limit=1'));
    assert.deepEqual(top.nodes.filter((n) => n.kind === 'destination').map((n) => n.label), ['payco.example']);
  });

  test('triage: unattributed destinations listed; assigning one re-attributes its flows (audited), with the sanction override', async () => {
    const open = await json<{ items: any[] }>(await server.api('/api/v1/egress/destinations', { role: 'viewer' }));
    assert.deepEqual(open.items.map((d) => [d.destination, d.status, d.requests, d.dataClasses]), [
      ['198.51.100.7', 'unattributed', 1, []],
      ['unknown-share.example', 'unattributed', 1, ['email']],
    ]);
    const all = await json<{ items: any[] }>(await server.api('/api/v1/egress/destinations?status=all&limit=2'));
    assert.equal(all.items.length, 2);
    const attributed = await json<{ items: any[] }>(await server.api('/api/v1/egress/destinations?status=attributed'));
    assert.deepEqual(attributed.items.map((d) => [d.destination, d.vendor?.name, d.via]), [['example.co.uk', 'Acme Payroll', 'vendor-domain'], ['payco.example', 'PayCo', 'vendor-domain']]);

    const put = (destination: string, body: unknown, role: 'analyst' | 'viewer' | 'admin' = 'analyst') => server.api(`/api/v1/egress/destinations/${encodeURIComponent(destination)}`, { method: 'PUT', json: body, role });
    assert.equal((await put('unknown-share.example', { vendorId: payco }, 'viewer')).status, 403);
    assert.equal((await put('never-seen.example', { vendorId: payco })).status, 404);
    assert.equal((await put('unknown-share.example', { vendorId: '00000000-0000-7000-8000-000000000000' })).status, 400);
    const wrongProduct = await json(await put('unknown-share.example', { vendorId: acme, productId: paycoProduct }), 400);
    assert.equal(wrongProduct.errors[0].field, '/productId');

    // A host under the destination names it; PayCo is approved for payment data only, so the e-mails are unsanctioned.
    const assigned = await json(await put('files.unknown-share.example', { vendorId: payco, productId: paycoProduct }));
    assert.deepEqual([assigned.destination, assigned.status, assigned.vendor, assigned.productId, assigned.via, assigned.assignedBy], ['unknown-share.example', 'attributed', { id: payco, name: 'PayCo' }, paycoProduct, 'assigned', 'token:test-analyst']);
    const moved = (await rows()).filter((r) => r.destination === 'unknown-share.example');
    assert.deepEqual(moved.map((r) => [r.vendor_id, r.sanction, r.requests]), [[payco, 'unsanctioned', 1]]);
    const flows = await json(await server.api('/api/v1/dataflows?q=unknown-share'));
    assert.deepEqual(flows.items.map((i: any) => [i.vendor?.name, i.sanction]), [['PayCo', 'unsanctioned']]);

    // The analyst approves the destination for what it carried.
    await json(await put('unknown-share.example', { vendorId: payco, productId: paycoProduct, sanction: 'sanctioned' }));
    assert.deepEqual((await rows()).filter((r) => r.destination === 'unknown-share.example').map((r) => r.sanction), ['sanctioned']);
    // Traffic after the assignment lands on the assigned vendor and merges into the same row.
    await ingest([event({ at: '2026-12-01T10:40:00.000Z', host: 'unknown-share.example', dataClasses: ['phone'] })]);
    assert.deepEqual((await rows()).filter((r) => r.destination === 'unknown-share.example').map((r) => [r.vendor_id, r.requests, r.data_classes, r.sanction]), [[payco, 2, '["email","phone"]', 'sanctioned']]);

    // Dropping the assignment gives the flows back to what the other rules find: nothing, so unknown.
    const dropped = await json(await put('unknown-share.example', { vendorId: null, sanction: null }));
    assert.deepEqual([dropped.status, dropped.vendor, dropped.via], ['unattributed', null, null]);
    assert.deepEqual((await rows()).filter((r) => r.destination === 'unknown-share.example').map((r) => [r.vendor_id, r.sanction, r.requests]), [['', 'unknown', 2]]);

    const audit = await server.tw.database.db.selectFrom('audit_events').select(['action', 'actor_name', 'after']).where('entity_type', '=', 'egress_destination').orderBy('seq').execute();
    assert.deepEqual(audit.map((a) => a.action), ['egress.destination.assign', 'egress.destination.assign', 'egress.destination.assign']);
    assert.equal(JSON.parse(audit[0].after!).flowsReattributed, 1);
  });

  test('triage shows blocked destinations and the SaaS hint', async () => {
    await ingest([event({ host: 'www.dropbox.com', at: '2026-12-02T09:00:00.000Z' })]);
    await json(await server.api('/api/v1/egress/blocklist', { method: 'POST', json: { domains: ['dropbox.com'], reason: 'shadow IT' } }), 201);
    const list = await json<{ items: any[] }>(await server.api('/api/v1/egress/destinations?q=dropbox'));
    assert.deepEqual(list.items.map((d) => [d.destination, d.saasName, d.blocked, d.status]), [['dropbox.com', 'Dropbox', true, 'unattributed']]);
  });

  test('a vendor gaining the domain of a seen destination takes it out of the unattributed list', async () => {
    await ingest([event({ host: 'upload.later-vendor.example', at: '2026-12-02T10:00:00.000Z' })]);
    const before = await json<{ items: any[] }>(await server.api('/api/v1/egress/destinations?q=later-vendor'));
    assert.equal(before.items.length, 1);
    await json(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Later Vendor', domains: ['later-vendor.example'] } }), 201);
    const after = await json<{ items: any[] }>(await server.api('/api/v1/egress/destinations?q=later-vendor'));
    assert.equal(after.items.length, 0);
  });

  test('a product endpoint or a SaaS entry naming a vendor attributes a seen destination; deleting the product or the entry, or changing the vendor\'s domains, judges it again', async () => {
    const unattributed = async (q: string) => (await json<{ items: Array<{ destination: string }> }>(await server.api(`/api/v1/egress/destinations?q=${q}`))).items.map((d) => d.destination);
    await ingest([event({ host: 'api.gateway-cdn.example', at: '2026-12-02T11:00:00.000Z' }), event({ host: 'eu.payco-cloud.example', at: '2026-12-02T11:00:00.000Z' })]);
    assert.deepEqual(await unattributed('gateway-cdn'), ['gateway-cdn.example']);
    const product = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${payco}/products`, { method: 'POST', json: { name: 'PayCo Edge', type: 'saas', endpoints: ['api.gateway-cdn.example'] } }), 201)).id;
    assert.deepEqual(await unattributed('gateway-cdn'), [], 'a new product endpoint takes its destination out of the list');
    // PayCo's domains changing re-judges its destinations: the endpoint's must stay attributed.
    await json(await server.api(`/api/v1/vendors/${payco}`, { method: 'PATCH', json: { domains: ['payco.example', 'payco.test'] } }));
    assert.deepEqual(await unattributed('gateway-cdn'), [], 'a destination seen through an endpoint host stays attributed when the vendor\'s domains change');
    assert.equal((await server.api(`/api/v1/products/${product}`, { method: 'DELETE' })).status, 204);
    assert.deepEqual(await unattributed('gateway-cdn'), ['gateway-cdn.example'], 'deleting the product puts it back');

    assert.deepEqual(await unattributed('payco-cloud'), ['payco-cloud.example']);
    await json(await server.api('/api/v1/settings/egress-saas', { method: 'PUT', json: { domains: { 'payco-cloud.example': 'PayCo' } } }));
    assert.deepEqual(await unattributed('payco-cloud'), [], 'a SaaS entry named like a vendor attributes to it');
    await json(await server.api('/api/v1/settings/egress-saas', { method: 'PUT', json: { domains: {} } }));
    assert.deepEqual(await unattributed('payco-cloud'), ['payco-cloud.example'], 'removing the entry puts it back');
  });

  test('events stored through the ingest service become flows in the same transaction', async () => {
    const { egressIngest } = server.tw.services;
    const ctx = { actor: { type: 'system' as const, id: null, name: 'test', role: 'admin' as const }, requestId: null };
    await egressIngest.ingest([event({ at: '2026-12-03T08:00:00.000Z', host: 'hooks.payco.example', dataClasses: ['payment_card'] }), event({ at: '2026-12-03T08:30:00.000Z', host: 'payco.example' })], ctx);
    const flows = await json(await server.api('/api/v1/dataflows?from=2026-12-03T00:00:00Z'));
    assert.deepEqual(flows.items.map((i: any) => [i.destination, i.vendor?.name, i.requests, i.sanction, i.dataClasses]), [['payco.example', 'PayCo', 2, 'sanctioned', ['payment_card']]]);
    // A batch the store refuses leaves no flow behind.
    await assert.rejects(egressIngest.ingest([event({ at: '2026-12-03T09:00:00.000Z', host: 'payco.example' }), event({ at: 'yesterday', host: 'payco.example' })], ctx));
    const again = await json(await server.api('/api/v1/dataflows?from=2026-12-03T00:00:00Z'));
    assert.equal(again.items[0].requests, 2);
  });
  test("a vendor's approved data categories changing re-judges its flows: no flow keeps the old sanction", async () => {
    const vendor = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name: 'Recat Co', domains: ['recat.example'], dataCategories: ['personal'] } }), 201)).id;
    await ingest([event({ at: '2026-12-04T08:00:00.000Z', host: 'api.recat.example', dataClasses: ['email'] }), event({ at: '2026-12-04T09:00:00.000Z', host: 'recat.example', dataClasses: [] })]);
    const sanctions = async () => (await rows()).filter((r) => r.destination === 'recat.example').map((r) => [r.hour.slice(11, 13), r.sanction]);
    assert.deepEqual(await sanctions(), [['08', 'sanctioned'], ['09', 'sanctioned']]);
    await json(await server.api(`/api/v1/vendors/${vendor}`, { method: 'PATCH', json: { dataCategories: ['payment'] } }));
    assert.deepEqual(await sanctions(), [['08', 'unsanctioned'], ['09', 'sanctioned']], 'e-mail addresses are personal data, no longer approved; the hour without personal data stays sanctioned');
    const listed = await json(await server.api(`/api/v1/dataflows?vendorId=${vendor}`));
    assert.deepEqual(listed.items.map((i: any) => [i.destination, i.sanction]), [['recat.example', 'unsanctioned']]);
    await json(await server.api(`/api/v1/vendors/${vendor}`, { method: 'PATCH', json: { dataCategories: ['personal', 'payment'] } }));
    assert.deepEqual(await sanctions(), [['08', 'sanctioned'], ['09', 'sanctioned']]);
    // A person's override of the destination wins over the categories.
    await json(await server.api('/api/v1/egress/destinations/recat.example', { method: 'PUT', json: { vendorId: vendor, sanction: 'unsanctioned' } }));
    await json(await server.api(`/api/v1/vendors/${vendor}`, { method: 'PATCH', json: { dataCategories: ['personal'] } }));
    assert.deepEqual(await sanctions(), [['08', 'unsanctioned'], ['09', 'unsanctioned']]);
  });
  test('a Zeek conn.log read through the ingest service: flows keep each connection\'s direction, the inbound one under its remote originator', async () => {
    const ctx = { actor: { type: 'system' as const, id: null, name: 'test', role: 'admin' as const }, requestId: null };
    const log = ['#separator \\x09', '#path\tconn', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp',
      `${Date.parse('2026-12-05T07:10:00Z') / 1000}\tC1\t10.0.0.9\t40000\t198.51.100.77\t443\ttcp\tssl\t1.5\t7000\t900\tSF\tT\tF`,
      `${Date.parse('2026-12-05T07:20:00Z') / 1000}\tC2\t198.51.100.77\t51515\t10.0.0.3\t22\ttcp\tssh\t9.0\t300\t48000\tSF\tF\tT`,
    ].join('\n') + '\n';
    const report = await server.tw.services.egressIngest.ingestLines(readLines(Readable.from([Buffer.from(log)]), { maxBytes: 1 << 16 }), lineParser('zeek'), ctx);
    assert.equal(report.accepted, 2);
    const flows = (await rows()).filter((r) => r.destination === '198.51.100.77').map((r) => [r.direction, r.client, r.bytes_out, r.bytes_in]);
    assert.deepEqual(flows.sort(), [['inbound', '10.0.0.3', 48000, 300], ['outbound', '10.0.0.9', 7000, 900]]);
  });
});
