import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { hostParts, shippedSaas, type Attribution } from './attribution.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

test('hostParts: registrable domains under public and private suffixes, IPs as themselves', () => {
  assert.deepEqual(hostParts('API.EU.Example.CO.UK.'), { host: 'api.eu.example.co.uk', destination: 'example.co.uk', owned: ['api.eu.example.co.uk', 'eu.example.co.uk', 'example.co.uk'], hosting: [] });
  assert.deepEqual(hostParts('alice.github.io'), { host: 'alice.github.io', destination: 'alice.github.io', owned: ['alice.github.io'], hosting: ['github.io'] });
  assert.deepEqual(hostParts('cdn.alice.github.io').owned, ['cdn.alice.github.io', 'alice.github.io']);
  assert.deepEqual(hostParts('bucket.s3.amazonaws.com'), { host: 'bucket.s3.amazonaws.com', destination: 'bucket.s3.amazonaws.com', owned: ['bucket.s3.amazonaws.com'], hosting: ['s3.amazonaws.com', 'amazonaws.com'] });
  assert.equal(hostParts('203.0.113.5').destination, '203.0.113.5');
  assert.deepEqual(hostParts('[2001:DB8::1]'), { host: '2001:db8::1', destination: '2001:db8::1', owned: [], hosting: [] });
  // A bare public suffix or a single label stays itself: visible, never folded into something else.
  assert.equal(hostParts('co.uk').destination, 'co.uk');
  assert.equal(hostParts('intranet').destination, 'intranet');
  assert.equal(hostParts('xn--bcher-kva.example').destination, 'xn--bcher-kva.example');
});

test('hostParts: hostile names give an answer, not an exception, quickly', () => {
  const hostile = ['', '.', '..', 'a..b', '-', '[', '[]', '[::1', 'a'.repeat(10_000), `${'a.'.repeat(5000)}com`, '\u0000', 'ünï.çødé', '%2e%2e', 'a b.com', '1.2.3.4.5', '::ffff:1.2.3.4', '0x7f000001'];
  const started = performance.now();
  for (const raw of hostile) {
    const parts = hostParts(raw);
    assert.equal(typeof parts.destination, 'string', raw.slice(0, 20));
    assert.ok(parts.owned.length <= 128, raw.slice(0, 20));
  }
  assert.ok(performance.now() - started < 2000);
});

test('the shipped SaaS list is lower-case domain → name', () => {
  const list = shippedSaas();
  assert.ok(Object.keys(list).length > 200);
  for (const [domain, name] of Object.entries(list)) {
    assert.match(domain, /^[a-z0-9-]+(\.[a-z0-9-]+)+$/, domain);
    assert.ok(name.trim().length > 0, domain);
  }
});

describeEachEngine('egress attribution', ({ engine }) => {
  let server: TestServer;
  const vendors: Record<string, string> = {};

  before(async () => {
    server = await startTestServer(engine);
    const create = async (body: Record<string, unknown>) => (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: body }), 201)).id;
    vendors.acme = await create({ name: 'Acme Payroll', domains: ['example.co.uk', 'acme-hr.example'], dataCategories: ['personal'] });
    vendors.github = await create({ name: 'GitHub', domains: ['github.io', 'github.com'], dataCategories: ['internal'] });
    vendors.slack = await create({ name: 'Slack Technologies', aliases: ['Slack'], dataCategories: ['personal', 'confidential'] });
    vendors.pay = await create({ name: 'PayCo', domains: ['payco.example'], dataCategories: ['payment'] });
  });
  after(async () => {
    await server?.close();
  });

  const resolve = (host: string): Promise<Attribution> => server.tw.services.attribution.resolve(server.tw.database.db, host);

  test('vendor domains match the host and its subdomains, never across a public suffix', async () => {
    const deep = await resolve('api.eu.example.co.uk');
    assert.deepEqual({ destination: deep.destination, vendorId: deep.vendorId, vendorName: deep.vendorName, via: deep.via, approved: deep.approvedCategories }, {
      destination: 'example.co.uk',
      vendorId: vendors.acme,
      vendorName: 'Acme Payroll',
      via: 'vendor-domain',
      approved: ['personal'],
    });
    assert.equal((await resolve('EXAMPLE.co.uk.')).vendorId, vendors.acme);
    assert.equal((await resolve('notexample.co.uk')).vendorId, null);
    assert.equal((await resolve('other.co.uk')).vendorId, null);
    // github.io is a (private) public suffix: a tenant's pages are the tenant's, not GitHub's; the SaaS list names the hosting.
    const pages = await resolve('alice.github.io');
    assert.deepEqual({ destination: pages.destination, vendorId: pages.vendorId, via: pages.via, saasName: pages.saasName }, { destination: 'alice.github.io', vendorId: null, via: null, saasName: 'GitHub Pages' });
    assert.equal((await resolve('api.github.com')).vendorId, vendors.github);
  });

  test('the SaaS list names services, and attributes to the vendor of that name or alias', async () => {
    const slack = await resolve('files.slack.com');
    assert.deepEqual({ vendorId: slack.vendorId, via: slack.via, saasName: slack.saasName, destination: slack.destination }, { vendorId: vendors.slack, via: 'saas-list', saasName: 'Slack', destination: 'slack.com' });
    const dropbox = await resolve('content.dropboxapi.com');
    assert.deepEqual({ vendorId: dropbox.vendorId, via: dropbox.via, saasName: dropbox.saasName }, { vendorId: null, via: null, saasName: 'Dropbox' });
    const unknown = await resolve('totally-unknown.example');
    assert.deepEqual({ vendorId: unknown.vendorId, via: unknown.via, saasName: unknown.saasName, destination: unknown.destination }, { vendorId: null, via: null, saasName: null, destination: 'totally-unknown.example' });
    const ip = await resolve('203.0.113.9');
    assert.deepEqual({ destination: ip.destination, vendorId: ip.vendorId }, { destination: '203.0.113.9', vendorId: null });
  });

  test('the egress-saas setting extends the list (audited, takes effect at once); bad domains are refused by field', async () => {
    assert.equal((await resolve('tool.corp-saas.example')).saasName, null);
    const saved = await json(await server.api('/api/v1/settings/egress-saas', { method: 'PUT', json: { domains: { 'corp-saas.example': ' Corp SaaS ', 'payco.example': 'PayCo Cloud' } } }));
    assert.deepEqual(saved, { domains: { 'corp-saas.example': 'Corp SaaS', 'payco.example': 'PayCo Cloud' } });
    assert.deepEqual(await json(await server.api('/api/v1/settings/egress-saas', { role: 'viewer' })), saved);
    assert.equal((await resolve('tool.corp-saas.example')).saasName, 'Corp SaaS');
    // A vendor domain still wins over the list; the list only adds the name.
    const pay = await resolve('api.payco.example');
    assert.deepEqual({ vendorId: pay.vendorId, via: pay.via, saasName: pay.saasName }, { vendorId: vendors.pay, via: 'vendor-domain', saasName: 'PayCo Cloud' });
    const bad = await server.api('/api/v1/settings/egress-saas', { method: 'PUT', json: { domains: { 'Not A Domain': 'x' } } });
    assert.equal(bad.status, 400);
    assert.equal((await server.api('/api/v1/settings/egress-saas', { method: 'PUT', role: 'analyst', json: { domains: {} } })).status, 403);
    const audit = await server.tw.database.db.selectFrom('audit_events').select('action').where('entity_id', '=', 'egress-saas').execute();
    assert.deepEqual(audit.map((a) => a.action), ['settings.egress-saas.update']);
  });

  test('product endpoints attribute to the product and its vendor, before vendor domains', async () => {
    const product = await json<{ id: string; endpoints: string[] }>(
      await server.api(`/api/v1/vendors/${vendors.acme}/products`, { method: 'POST', json: { name: 'Acme Agent', type: 'agent', endpoints: ['Telemetry.Acme-HR.example.', 'collector.payco.example'] } }),
      201,
    );
    assert.deepEqual(product.endpoints, ['collector.payco.example', 'telemetry.acme-hr.example']);
    const telemetry = await resolve('eu.telemetry.acme-hr.example');
    assert.deepEqual({ vendorId: telemetry.vendorId, productId: telemetry.productId, via: telemetry.via }, { vendorId: vendors.acme, productId: product.id, via: 'product-endpoint' });
    // The endpoint is more telling than PayCo's domain: the agent talks to a collector hosted there.
    assert.equal((await resolve('collector.payco.example')).vendorId, vendors.acme);
    assert.equal((await resolve('www.payco.example')).vendorId, vendors.pay);
    await json(await server.api(`/api/v1/products/${product.id}`, { method: 'PATCH', json: { endpoints: [] } }));
    assert.equal((await resolve('collector.payco.example')).vendorId, vendors.pay);
  });

  test('the cache follows vendor domain changes at once', async () => {
    const db = server.tw.database.db;
    assert.equal((await resolve('newly-added.example')).vendorId, null);
    await json(await server.api(`/api/v1/vendors/${vendors.pay}`, { method: 'PATCH', json: { domains: ['payco.example', 'newly-added.example'] } }));
    assert.equal((await server.tw.services.attribution.resolve(db, 'x.newly-added.example')).vendorId, vendors.pay);
    await json(await server.api(`/api/v1/vendors/${vendors.pay}`, { method: 'PATCH', json: { domains: ['payco.example'] } }));
    assert.equal((await resolve('x.newly-added.example')).vendorId, null);
  });

  test('sanction: every data class\'s category approved (none detected: sanctioned), else unsanctioned; no vendor: unknown', async () => {
    const { attribution } = server.tw.services;
    const acme = await resolve('example.co.uk');
    assert.equal(attribution.sanctionOf(acme, []), 'sanctioned');
    assert.equal(attribution.sanctionOf(acme, ['email', 'phone', 'uk_nino']), 'sanctioned');
    assert.equal(attribution.sanctionOf(acme, ['email', 'payment_card']), 'unsanctioned');
    // Credentials and custom patterns belong to no vendor category.
    assert.equal(attribution.sanctionOf(acme, ['secret']), 'unsanctioned');
    const pay = await resolve('payco.example');
    assert.equal(attribution.sanctionOf(pay, ['payment_card', 'iban']), 'sanctioned');
    assert.equal(attribution.sanctionOf(pay, ['email']), 'unsanctioned');
    const unknown = await resolve('totally-unknown.example');
    assert.equal(attribution.sanctionOf(unknown, []), 'unknown');
    assert.equal(attribution.sanctionOf(unknown, ['email']), 'unknown');
    const dropbox = await resolve('dropbox.com');
    assert.equal(attribution.sanctionOf(dropbox, []), 'unknown', 'a known service that is no vendor of ours is still unattributed');
    assert.equal(attribution.sanctionOf({ ...acme, sanctionOverride: 'unsanctioned' }, []), 'unsanctioned');
    assert.equal(attribution.sanctionOf({ ...unknown, sanctionOverride: 'sanctioned' }, ['email']), 'sanctioned');
  });
});
