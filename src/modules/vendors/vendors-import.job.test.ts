import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { createWorker, startTestServer, type TestServer } from '../../../test/support/server.js';
import { Worker } from '../../platform/jobs/worker.js';
import type { JobView } from '../jobs/jobs.schemas.js';
import type { ImportReport } from './vendors-csv.js';

const csvOf = (prefix: string, rows: number) =>
  ['name,criticality,subcontractors', ...Array.from({ length: rows }, (_, i) => `${prefix} ${String(i).padStart(5, '0')},${1 + (i % 4)},${i ? `${prefix} ${String(i - 1).padStart(5, '0')}` : ''}`)].join('\n');

describeEachEngine('vendor CSV import as a job: 202, progress, cancel, crash', ({ engine }) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(engine);
  });
  after(async () => {
    await server?.close();
  });

  const count = async (prefix: string) => Number((await server.tw.database.db.selectFrom('vendors').select((eb) => eb.fn.countAll().as('n')).where('name', 'like', `${prefix} %`).executeTakeFirstOrThrow()).n);
  const scratch = async (id: string) => ({
    staged: (await server.tw.database.db.selectFrom('job_staged_rows').select('seq').where('job_id', '=', id).execute()).length,
    input: (await server.tw.database.db.selectFrom('job_inputs').select('part').where('job_id', '=', id).execute()).length,
  });
  const job = async (id: string, role: 'admin' | 'analyst' = 'analyst') => (await (await server.api(`/api/v1/jobs/${id}`, { role })).json()) as JobView;
  const start = async (text: string) => {
    const res = await server.api('/api/v1/vendors/import', { method: 'POST', role: 'analyst', body: text, headers: { 'content-type': 'text/csv' } });
    assert.equal(res.status, 202, await res.clone().text());
    const accepted = (await res.json()) as JobView;
    assert.equal(res.headers.get('location'), `/api/v1/jobs/${accepted.id}`);
    return accepted;
  };

  test('POST answers 202 with the job; a worker runs it; GET /api/v1/jobs/{id} shows progress and the report', async () => {
    const accepted = await start(csvOf('Queued Import', 2500));
    assert.deepEqual([accepted.kind, accepted.status, accepted.progress.done], ['vendors.import', 'queued', 0]);
    assert.equal(await count('Queued Import'), 0, 'nothing is written before a worker runs the job');
    assert.equal((await scratch(accepted.id)).input, 1, 'the upload is stored with the job, in the database');
    await createWorker(server.tw).drain();
    const done = await job(accepted.id);
    assert.equal(done.status, 'done');
    // Published in steps: 25 of 100 vendors, then five of 500 of their subcontractor links.
    assert.deepEqual(done.progress, { done: 30, total: 30, phase: 'publishing' });
    assert.deepEqual(done.result as ImportReport, { dryRun: false, rows: 2500, created: 2500, updated: 0, errors: [] });
    assert.equal(await count('Queued Import'), 2500);
    assert.deepEqual(await scratch(accepted.id), { staged: 0, input: 0 }, 'staged rows and the upload are removed when the job ends');
    const last = await server.tw.database.db.selectFrom('vendors').select('id').where('name', '=', 'Queued Import 02499').executeTakeFirstOrThrow();
    const events = (await (await server.api(`/api/v1/audit?entityId=${last.id}`, { role: 'auditor' })).json()) as { items: Array<{ action: string; actor: { name: string } }> };
    assert.deepEqual(events.items.map((e) => e.action).sort(), ['vendor.create', 'vendor.subcontractor.add']);
    assert.equal(events.items[0].actor.name, 'token:test-analyst', 'the job acts as whoever started it');
  });

  test('a running import cancelled between chunks stops, and leaves nothing behind', async () => {
    const accepted = await start(csvOf('Cancelled Import', 6000));
    const worker = createWorker(server.tw);
    const running = worker.drain();
    let seen: JobView;
    for (;;) {
      seen = await job(accepted.id);
      if (seen.status !== 'queued' && (seen.progress.phase === 'staging' || seen.status !== 'running')) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(seen.status, 'running', `still running when cancelled (${JSON.stringify(seen.progress)})`);
    assert.equal(await count('Cancelled Import'), 0, 'staged rows are not visible');
    const cancel = await server.api(`/api/v1/jobs/${accepted.id}/cancel`, { method: 'POST', role: 'analyst' });
    assert.equal(cancel.status, 202);
    assert.equal(((await cancel.json()) as JobView).cancelRequested, true);
    await running;
    const ended = await job(accepted.id);
    assert.equal(ended.status, 'cancelled');
    assert.equal(await count('Cancelled Import'), 0);
    assert.deepEqual(await scratch(accepted.id), { staged: 0, input: 0 });
  });

  test('an import whose process died mid-run is run again from its input once its lease expires: once, completely', async () => {
    const accepted = await start(csvOf('Crashed Import', 1500));
    // A worker claims it, stages part of it and dies (no report, no end): what a kill -9 leaves.
    const queue = server.tw.services.jobs;
    const claimed = await queue.claim('killed-worker', 1);
    assert.equal(claimed?.id, accepted.id);
    await queue.stage(accepted.id, 0, [{ op: 'create', half: 'of a chunk' }]);
    assert.equal(await count('Crashed Import'), 0, 'nothing of the dead attempt is visible');
    await new Promise((r) => setTimeout(r, 10));
    await createWorker(server.tw).drain();
    const done = await job(accepted.id, 'admin');
    assert.equal(done.status, 'done', JSON.stringify(done));
    assert.equal(done.attempts, 2);
    assert.equal(await count('Crashed Import'), 1500);
    assert.deepEqual(await scratch(accepted.id), { staged: 0, input: 0 });
  });

  test('an import that fails while publishing is past cancelling, and its retry completes it (not twice, not half)', async () => {
    const accepted = await start(csvOf('Resumed Import', 2000));
    // The first attempt publishes two of its 24 steps (20 of 100 vendors, 4 of links); the third fails (a database error, say) and rolls back.
    let failOnce = true;
    const failing = new Worker(server.tw.services.jobs, server.tw.logger).handle('vendors.import', (payload: { dryRun: boolean }, _job, run) =>
      server.tw.services.vendorCsv.runImport(payload, {
        ...run,
        publishStep: async (trx, progress) => {
          await run.publishStep(trx, progress);
          if (failOnce && progress.done === 3) {
            failOnce = false;
            throw new Error('the database went away');
          }
        },
      }),
    );
    await failing.drain();
    const interrupted = await job(accepted.id);
    assert.deepEqual([interrupted.status, interrupted.progress], ['queued', { done: 2, total: 24, phase: 'publishing' }], 'queued for a retry: its work is decided');
    assert.equal(await count('Resumed Import'), 200, 'the two published steps are visible (the import is arriving), nothing of the failed one');
    assert.equal((await scratch(accepted.id)).staged, 25, 'the staged steps (and the report) are kept for the retry');
    const cancel = await server.api(`/api/v1/jobs/${accepted.id}/cancel`, { method: 'POST', role: 'analyst' });
    assert.equal(cancel.status, 409, 'a publishing import can no longer be cancelled');
    await server.tw.database.db.updateTable('jobs').set({ run_at: new Date(0).toISOString() }).where('id', '=', accepted.id).execute();
    await createWorker(server.tw).drain();
    const done = await job(accepted.id);
    assert.equal(done.status, 'done', JSON.stringify(done));
    assert.deepEqual(done.result as ImportReport, { dryRun: false, rows: 2000, created: 2000, updated: 0, errors: [] });
    assert.equal(await count('Resumed Import'), 2000);
    const links = await server.tw.database.db
      .selectFrom('vendor_subcontractors')
      .innerJoin('vendors', 'vendors.id', 'vendor_subcontractors.vendor_id')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('vendors.name', 'like', 'Resumed Import %')
      .executeTakeFirstOrThrow();
    assert.equal(Number(links.n), 1999);
    const events = await server.tw.database.db
      .selectFrom('audit_events')
      .innerJoin('vendors', 'vendors.id', 'audit_events.entity_id')
      .select(['audit_events.action', (eb) => eb.fn.countAll().as('n')])
      .where('vendors.name', 'like', 'Resumed Import %')
      .groupBy('audit_events.action')
      .orderBy('audit_events.action')
      .execute();
    assert.deepEqual(events.map((e) => [e.action, Number(e.n)]), [['vendor.create', 2000], ['vendor.subcontractor.add', 1999]], 'each event once: no step was applied twice');
    assert.deepEqual(await scratch(accepted.id), { staged: 0, input: 0 });
  });

  test('?wait=true keeps the synchronous answer: the report, 422 when a row is bad, and the job is recorded', async () => {
    const res = await server.api('/api/v1/vendors/import?wait=true', { method: 'POST', role: 'analyst', body: 'name,criticality\nWaited Good,2\nWaited Bad,9\n', headers: { 'content-type': 'text/csv' } });
    assert.equal(res.status, 422);
    const report = (await res.json()) as ImportReport;
    assert.deepEqual([report.created, report.errors.map((e) => [e.line, e.field])], [0, [[3, 'criticality']]]);
    assert.equal(await count('Waited'), 0);
    const jobs = (await (await server.api('/api/v1/jobs?kind=vendors.import')).json()) as { items: JobView[] };
    assert.ok(jobs.items.some((j) => j.status === 'done' && (j.result as ImportReport).errors.length === 1));
  });
});
