import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import type { Role } from '../../platform/auth/roles.js';

describeEachEngine('jobs API: progress, cancel, who may see what', ({ engine }) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(engine);
  });
  after(async () => {
    await server?.close();
  });

  /** A job started by a role's token, as a route that starts jobs would enqueue it. */
  async function jobOf(role: Role): Promise<string> {
    const who = await server.tw.services.access.authenticate({ bearer: server.tokens[role], session: null, clientKey: 'test' });
    return server.tw.services.jobs.enqueue('test.long', {}, { input: Buffer.from('bytes'), startedBy: { actor: who!.actor, requestId: null } });
  }

  test('GET /api/v1/jobs/{id} shows a job to who started it and to admins, and 404 to anyone else', async () => {
    const id = await jobOf('analyst');
    const mine = await server.api(`/api/v1/jobs/${id}`, { role: 'analyst' });
    assert.equal(mine.status, 200);
    const job = (await mine.json()) as Record<string, any>;
    assert.deepEqual(
      { id: job.id, kind: job.kind, status: job.status, progress: job.progress, result: job.result, error: job.error },
      { id, kind: 'test.long', status: 'queued', progress: { done: 0, total: null, phase: null }, result: null, error: null },
    );
    assert.equal(job.createdBy, 'token:test-analyst');
    assert.equal((await server.api(`/api/v1/jobs/${id}`, { role: 'admin' })).status, 200);
    for (const other of ['viewer', 'responder', 'auditor'] as const) {
      assert.equal((await server.api(`/api/v1/jobs/${id}`, { role: other })).status, 404, other);
      assert.equal((await server.api(`/api/v1/jobs/${id}/cancel`, { method: 'POST', role: other })).status, 404, `${other} cannot cancel`);
    }
    const listed = (await (await server.api('/api/v1/jobs?kind=test.long')).json()) as { items: Array<{ id: string }> };
    assert.ok(listed.items.some((j) => j.id === id), 'admins list every job');
    assert.equal((await server.api('/api/v1/jobs', { role: 'analyst' })).status, 403);
  });

  test('POST /api/v1/jobs/{id}/cancel cancels a waiting job and removes its input', async () => {
    const id = await jobOf('analyst');
    const res = await server.api(`/api/v1/jobs/${id}/cancel`, { method: 'POST', role: 'analyst' });
    assert.equal(res.status, 202);
    const job = (await res.json()) as { status: string; cancelRequested: boolean; finishedAt: string | null };
    assert.equal(job.status, 'cancelled');
    assert.equal(job.cancelRequested, true);
    assert.ok(job.finishedAt);
    assert.deepEqual(await server.tw.database.db.selectFrom('job_inputs').select('part').where('job_id', '=', id).execute(), []);
    const again = await server.api(`/api/v1/jobs/${id}/cancel`, { method: 'POST', role: 'analyst' });
    assert.equal(((await again.json()) as { status: string }).status, 'cancelled', 'an ended job is answered unchanged');
  });
});
