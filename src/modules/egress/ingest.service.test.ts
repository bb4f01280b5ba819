import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { before, test } from 'node:test';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine, type TestDatabase } from '../../platform/db/test-support/engines.js';
import type { EgressEvent } from './egress.model.js';
import { EgressIngestService, type StoredEgressEvent } from './ingest.service.js';
import { readLines } from './parsers/lines.js';
import { squidParser } from './parsers/squid.js';

const ctx = systemContext('test');

function event(overrides: Partial<EgressEvent> = {}): EgressEvent {
  return { at: '2026-12-01T10:00:00.000Z', source: 'squid', client: '10.0.0.5', app: null, method: 'POST', host: 'api.example.com', port: 443, path: '/upload', status: 200, bytesOut: 1200, bytesIn: 40, contentType: 'application/json', dataClasses: [], detections: [], decision: null, reason: null, ...overrides };
}

const lines = (text: string) => readLines(Readable.from([Buffer.from(text)]), { maxBytes: 1 << 20 });

describeEachEngine('egress ingestion service', ({ createDatabase }) => {
  let database: TestDatabase;
  before(async () => {
    database = await createDatabase();
  });

  test('stores a batch in one transaction and runs the hooks in it with the stored ids', async () => {
    const service = new EgressIngestService(database.db, { retentionDays: 30 });
    const seen: StoredEgressEvent[][] = [];
    service.onIngested(async (trx, events) => {
      // The hook sees the batch's rows inside the transaction.
      const rows = await trx.selectFrom('egress_events').select('id').where('id', 'in', events.map((e) => e.id)).execute();
      assert.equal(rows.length, events.length);
      seen.push(events);
    });
    const result = await service.ingest([event(), event({ host: 'cdn.example.net', method: 'GET' })], ctx);
    assert.equal(result.stored, 2);
    assert.deepEqual(seen[0].map((e) => e.id), result.ids);
    const stored = await service.get(result.ids[1]);
    assert.equal(stored.host, 'cdn.example.net');
    assert.equal(stored.bytesOut, 1200);
    assert.deepEqual(stored.dataClasses, []);
  });

  test('a hook that throws rolls its batch back', async () => {
    const service = new EgressIngestService(database.db, { retentionDays: 30 });
    service.onIngested(async () => {
      throw new Error('flows failed');
    });
    await assert.rejects(service.ingest([event({ host: 'rolled-back.example' })], ctx), /flows failed/);
    const page = await new EgressIngestService(database.db, { retentionDays: 30 }).list({ host: 'rolled-back.example' });
    assert.equal(page.items.length, 0);
  });

  test('refuses an event with a query in its path or a host not normalised', async () => {
    const service = new EgressIngestService(database.db, { retentionDays: 30 });
    await assert.rejects(service.ingest([event({ path: '/a?email=x@y.z' })], ctx), (e: any) => e.errors[0].field === '/events/0/path');
    await assert.rejects(service.ingest([event({ host: 'API.Example.com' })], ctx), (e: any) => e.errors[0].field === '/events/0/host');
  });

  test('ingests a Squid log: bad lines reported with their numbers, the rest stored; lists filter and page', async () => {
    const service = new EgressIngestService(database.db, { retentionDays: 30 });
    const log = [
      '1764583200.123    45 10.1.1.7 TCP_MISS/200 5120 POST https://upload.squidtest.example/v1/files?token=secret - HIER_DIRECT/203.0.113.9 application/json 2048',
      'garbage line',
      '1764583201.000     1 10.1.1.8 TCP_TUNNEL/200 800 CONNECT www.squidtest.example:443 - HIER_DIRECT/203.0.113.10 -',
      '1764583202.000     1 10.1.1.8 TCP_MISS/200 800 GET http://www.squidtest.example/a',
      '',
    ].join('\n');
    const report = await service.ingestLines(lines(log), squidParser(), ctx, { batchSize: 1 });
    assert.equal(report.accepted, 2);
    assert.deepEqual(report.rejected.map((r) => [r.line, r.field]), [[2, 'line'], [4, 'user']]);
    const page = await service.list({ host: 'squidtest.example', limit: 1 });
    assert.equal(page.items.length, 1);
    assert.equal(page.items[0].method, 'CONNECT');
    assert.ok(page.nextCursor);
    const next = await service.list({ host: 'squidtest.example', limit: 1, cursor: page.nextCursor! });
    assert.equal(next.items[0].host, 'upload.squidtest.example');
    assert.equal(next.items[0].path, '/v1/files');
    assert.equal(next.items[0].bytesOut, 2048);
    assert.equal(next.items[0].bytesIn, 5120);
    assert.equal(next.nextCursor, null);
    const raw = JSON.stringify(await database.db.selectFrom('egress_events').selectAll().execute());
    assert.doesNotMatch(raw, /token=secret/);
  });

  test('prune deletes events older than the retention window only', async () => {
    const service = new EgressIngestService(database.db, { retentionDays: 7 });
    await service.ingest([event({ host: 'old.prune.example', at: '2026-01-01T00:00:00.000Z' }), event({ host: 'new.prune.example', at: '2026-12-06T00:00:00.000Z' })], ctx);
    const result = await service.prune(new Date('2026-12-07T00:00:00Z'));
    assert.ok(result.deleted >= 1);
    assert.equal((await service.list({ host: 'old.prune.example' })).items.length, 0);
    assert.equal((await service.list({ host: 'new.prune.example' })).items.length, 1);
  });
});
