import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { systemContext } from '../../platform/context.js';

let server: TestServer;
before(async () => {
  server = await startTestServer('sqlite');
});
after(async () => {
  await server?.close();
});

test('the dashboard activity feed shows changes to the portfolio, not sign-ins', async () => {
  await server.tw.services.access.createUser({ email: 'feed@example.com', name: 'Feed Reader', role: 'viewer', password: 'correct horse battery' }, systemContext('test'));
  const created = await server.tw.services.vendors.create({ name: 'Feed Vendor' }, systemContext('test'));
  for (let i = 0; i < 12; i++) {
    const res = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'feed@example.com', password: 'correct horse battery' }) });
    assert.equal(res.status, 200);
  }
  const dashboard = (await (await server.api('/api/v1/dashboard')).json()) as { recentActivity: Array<{ action: string; entityId: string | null }> };
  assert.ok(!dashboard.recentActivity.some((a) => a.action === 'session.login'), 'no sign-ins');
  assert.ok(dashboard.recentActivity.some((a) => a.action === 'vendor.create' && a.entityId === created.id), 'twelve sign-ins later, the vendor is still in the feed');
});
