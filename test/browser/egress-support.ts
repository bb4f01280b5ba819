/**
 * Egress traffic for the egress browser suites, loaded through the real API: vendors with domains and
 * approved data categories (POST /api/v1/vendors), and requests to them and to destinations no vendor
 * claims, some carrying personal data in their bodies (POST /api/v1/egress/events, NDJSON).
 */
import assert from 'node:assert/strict';
import type { TestServer } from '../support/server.js';

export async function json<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  return JSON.parse(text) as T;
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');

/** Posts events as NDJSON (bodies base64, scanned by the server and dropped) and checks every line was accepted. */
export async function ingest(server: TestServer, events: Array<Record<string, unknown>>): Promise<void> {
  const body = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
  const answer = await json<{ accepted: number; rejected: unknown[] }>(
    await server.api('/api/v1/egress/events', { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } }),
  );
  assert.deepEqual(answer.rejected, []);
  assert.equal(answer.accepted, events.length);
}

export interface EgressFixture {
  acmeId: string;
  payId: string;
  dropId: string;
}

/**
 * Acme CRM (approved for personal data) receives customer e-mails: sanctioned. PayCo (approved for
 * internal data only) receives a card number: unsanctioned. files.dropzone-share.net (no vendor)
 * receives e-mails: unknown, unattributed. telemetry.quietcdn.net (no vendor) gets plain GETs.
 */
export async function seedEgress(server: TestServer): Promise<EgressFixture> {
  const vendor = async (body: object) => (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: body }), 201)).id;
  const acmeId = await vendor({ name: 'Acme CRM', domains: ['acmecrm.com'], dataCategories: ['personal'] });
  const payId = await vendor({ name: 'PayCo', domains: ['payco.io'], dataCategories: ['internal'] });
  const dropId = await vendor({ name: 'DropZone Inc', dataCategories: ['internal'] });
  const now = Date.now();
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  const customers = { customers: [{ name: 'Ana Silva', email: 'ana.silva@example.com' }, { name: 'Tom Berg', email: 'tom.berg@example.org' }] };
  const events: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 6; i++) {
    events.push({ at: at(50 - i), client: '10.0.0.5', app: 'crm-sync', method: 'POST', host: 'api.acmecrm.com', port: 443, path: '/v2/contacts', status: 200, bytesOut: 48_000, bytesIn: 2_000, contentType: 'application/json', body: b64(customers) });
  }
  events.push({ at: at(40), client: '10.0.0.7', app: 'Chrome', method: 'POST', host: 'checkout.payco.io', port: 443, path: '/charge', status: 200, bytesOut: 9_000, bytesIn: 1_000, contentType: 'application/json', body: b64({ cardNumber: '4111 1111 1111 1111', expiry: '12/29', amount: 120 }) });
  events.push({ at: at(30), client: '10.0.0.9', app: 'backup-agent', method: 'PUT', host: 'files.dropzone-share.net', port: 443, path: '/upload/x1', status: 201, bytesOut: 820_000, bytesIn: 500, contentType: 'application/json', body: b64(customers) });
  for (let i = 0; i < 3; i++) {
    events.push({ at: at(20 - i), client: '10.0.0.7', app: 'Chrome', method: 'GET', host: 'telemetry.quietcdn.net', port: 443, path: '/pixel.gif', status: 200, bytesOut: 600, bytesIn: 120_000, contentType: null });
  }
  await ingest(server, events);
  return { acmeId, payId, dropId };
}
