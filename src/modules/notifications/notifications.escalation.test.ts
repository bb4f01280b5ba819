import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { systemContext } from '../../platform/context.js';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { createWorker, startTestServer, type TestServer } from '../../../test/support/server.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

/** The wiring in thirdwatch.ts: a breached incident clock reaches the channels through the outbox. */
describeEachEngine('notifications: clock escalation', ({ engine }) => {
  let server: TestServer;
  let receiver: http.Server;
  const bodies: string[] = [];

  before(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    server = await startTestServer(engine, { THIRDWATCH_OUTBOUND_ALLOW_PRIVATE: '127.0.0.1/32' });
  });
  after(async () => {
    await server?.close();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  });

  test('a missed acknowledge deadline is sent to the channel subscribed to clock.breached, with the shipped template', async () => {
    const port = (receiver.address() as AddressInfo).port;
    await json(await server.api('/api/v1/notifications/channels', { method: 'POST', json: { name: 'On call', type: 'webhook', config: { url: `http://127.0.0.1:${port}/page`, secret: 'escalation-secret-0123' }, events: ['clock.breached'] } }), 201);
    const incident = await json<{ id: string }>(await server.api('/api/v1/incidents', { method: 'POST', json: { title: 'Payroll provider breach', severity: 'critical' } }), 201);
    const result = await server.tw.services.clocks.checkBreaches(systemContext('test'), new Date(Date.now() + 2 * 86_400_000));
    assert.ok(result.escalated >= 1, JSON.stringify(result));
    const rows = await server.tw.database.db.selectFrom('notification_outbox').selectAll().where('incident_id', '=', incident.id).execute();
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((r) => r.event === 'clock.breached' && r.channel_name === 'On call' && r.drill_id === null));
    assert.match(rows[0].subject, /^\[Thirdwatch\] Deadline missed: \S+ on Payroll provider breach$/);
    await createWorker(server.tw).drain();
    assert.equal(bodies.length, rows.length);
    assert.equal(JSON.parse(bodies[0]).data.incident.title, 'Payroll provider breach');
  });
});
