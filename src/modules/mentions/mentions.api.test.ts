import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { createWorker, startTestServer, type TestServer } from '../../../test/support/server.js';
import { runCli } from '../../../test/support/processes.js';
import type { RiskDetail } from '../risks/risks.schemas.js';
import type { Mention } from './mentions.schemas.js';
import type { CsafReport as FeedReport } from '../advisories/feeds.service.js';
import type { JobView } from '../jobs/jobs.schemas.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

const POSTS = [
  { source: 'leak-forum', id: 'p-1', title: 'Acme Payroll employee database for sale', text: `${'Selling rows. '.repeat(100)}Dump taken from hr.acme-payroll.example last week. ${'More text. '.repeat(100)}`, url: 'https://forum.example/t/1', published: '2026-11-30T08:00:00Z', names: ['ACME Payroll Ltd'], domains: ['hr.acme-payroll.example'] },
  { source: 'breach-notices', id: 'n-7', title: 'Globex notifies the regulator of an incident', text: 'Globex GmbH reported unauthorised access.', published: '2026-12-01' },
  { source: 'paste', id: 'x-9', title: 'Unrelated chatter about the weather', text: 'Nothing to see.' },
];
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n');
const counts = ({ imported, updated, skipped, errors, matched }: FeedReport) => ({ imported, updated, skipped, errors, matched });

describeEachEngine('mentions', ({ engine }) => {
  let server: TestServer;
  const vendor: Record<string, string> = {};

  before(async () => {
    server = await startTestServer(engine);
    for (const body of [
      { name: 'Acme Payroll', domains: ['acme-payroll.example'], criticality: 4 },
      { name: 'Globex Corporation', aliases: ['Globex'] },
      { name: 'Initech' },
    ]) vendor[body.name] = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: body }), 201)).id;
  });
  after(async () => {
    await server?.close();
  });

  const importFeed = (body: string | Buffer, role: 'admin' | 'analyst' | 'viewer' = 'analyst', wait = true) =>
    server.api(`/api/v1/feeds/mentions/import${wait ? '?wait=true' : ''}`, { method: 'POST', role, headers: { 'content-type': 'application/x-ndjson' }, body: body as BodyInit });

  test('import: matched to vendors with confidence and explanation; only an excerpt is stored; re-import skips or updates', async () => {
    const report = await json(await importFeed(jsonl(POSTS)));
    assert.deepEqual(counts(report), { imported: 3, updated: 0, skipped: 0, errors: [], matched: 2 });

    const queue = await json<{ items: Mention[] }>(await server.api('/api/v1/mentions', { role: 'viewer' }));
    assert.deepEqual(queue.items.map((m) => m.title).sort(), [POSTS[0].title, POSTS[1].title], 'the unmatched post is below the default confidence');
    const acme = queue.items.find((m) => m.title === POSTS[0].title)!;
    assert.equal(acme.matches[0].vendor.id, vendor['Acme Payroll']);
    assert.equal(acme.matches[0].method, 'domain');
    assert.equal(acme.confidence, 0.99);
    assert.match(acme.matches[0].explanation, /registrable domain acme-payroll\.example/);
    assert.ok(acme.excerpt.length <= 302 && acme.excerpt.includes('hr.acme-payroll.example'), acme.excerpt);
    assert.equal(acme.textLength, POSTS[0].text.trim().length);
    const stored = await server.tw.database.db.selectFrom('mentions').selectAll().execute();
    assert.ok(stored.every((m) => !JSON.stringify(m).includes('More text. '.repeat(30).trim())), 'the post itself is not stored');
    const globex = queue.items.find((m) => m.title === POSTS[1].title)!;
    assert.equal(globex.matches[0].vendor.name, 'Globex Corporation');

    const all = await json<{ items: Mention[] }>(await server.api('/api/v1/mentions?minConfidence=0&triage=all'));
    assert.equal(all.items.length, 3);
    assert.equal((await json<{ items: Mention[] }>(await server.api(`/api/v1/mentions?vendorId=${vendor.Initech}&minConfidence=0`))).items.length, 0);

    assert.deepEqual(counts(await json(await importFeed(jsonl(POSTS)))), { imported: 0, updated: 0, skipped: 3, errors: [], matched: 2 });
    const changed = [{ ...POSTS[2], title: 'Initech layoffs leaked', names: ['Initech'] }];
    assert.deepEqual(counts(await json(await importFeed(jsonl(changed)))), { imported: 0, updated: 1, skipped: 0, errors: [], matched: 1 });
    assert.equal((await server.tw.database.db.selectFrom('mentions').select('id').execute()).length, 3);
  });

  test('like every feed, the import is a job: 202 with its Location, a worker runs it, the job holds the report', async () => {
    const res = await importFeed(jsonl([{ source: 'queued-feed', id: 'q-1', title: 'Acme Payroll mentioned on a forum', domains: ['acme-payroll.example'] }]), 'analyst', false);
    const accepted = await json<JobView>(res, 202);
    assert.equal(res.headers.get('location'), `/api/v1/jobs/${accepted.id}`);
    assert.equal(accepted.kind, 'feeds.import');
    await createWorker(server.tw).drain();
    const done = await json<JobView>(await server.api(`/api/v1/jobs/${accepted.id}`));
    assert.equal(done.status, 'done', JSON.stringify(done));
    assert.deepEqual(counts(done.result as FeedReport), { imported: 1, updated: 0, skipped: 0, errors: [], matched: 1 });
    const feed = (await json<{ feeds: Array<{ name: string; lastSuccessAt: string | null; lastResult: { imported: number } | null }> }>(await server.api('/api/v1/feeds', { role: 'admin' }))).feeds.find((f) => f.name === 'local:mentions');
    assert.ok(feed?.lastSuccessAt, 'the feed status records the import');
    assert.equal(feed.lastResult?.imported, 1);
  });

  test('bad input: a bad line is reported (207) and the rest imports; non-UTF-8, empty and viewer uploads are refused', async () => {
    const partial = await json(await importFeed(`${JSON.stringify({ source: 's', id: 'ok-1', title: 'fine' })}\n{"source": "s", "title"\n[1,2]`), 207);
    assert.equal(partial.imported, 1);
    assert.deepEqual(partial.errors.map((e: { record: string }) => e.record), ['line 2', 'line 3']);
    const before = (await server.tw.database.db.selectFrom('mentions').select('id').execute()).length;
    await json(await importFeed(Buffer.from([0x7b, 0xc3, 0x28, 0x7d])), 400);
    await json(await importFeed(''), 400);
    await json(await importFeed(jsonl(POSTS), 'viewer'), 403);
    assert.equal((await server.tw.database.db.selectFrom('mentions').select('id').execute()).length, before, 'nothing stored by refused uploads');
  });

  test('triage: relevant raises a risk through the register, linked to the mention and vendors; not relevant closes it as not-a-risk', async () => {
    const [acme] = (await json<{ items: Mention[] }>(await server.api(`/api/v1/mentions?vendorId=${vendor['Acme Payroll']}`))).items;
    await json(await server.api(`/api/v1/mentions/${acme.id}`, { method: 'PATCH', role: 'viewer', json: { triage: 'relevant' } }), 403);
    const triaged = await json<Mention>(await server.api(`/api/v1/mentions/${acme.id}`, { method: 'PATCH', role: 'responder', json: { triage: 'relevant', note: 'HR data of ours is in it' } }));
    assert.equal(triaged.triage, 'relevant');
    assert.ok(triaged.riskId);
    const risk = await json<RiskDetail>(await server.api(`/api/v1/risks/${triaged.riskId}`));
    assert.equal(risk.source, 'mention');
    assert.equal(risk.sourceKey, acme.id);
    assert.deepEqual(risk.vendors.map((v) => v.id), [vendor['Acme Payroll']]);
    assert.ok(risk.evidence.some((e) => e.type === 'mention' && e.id === acme.id));
    assert.match(risk.description, /HR data of ours/);
    // Triaging relevant again re-raises the same risk.
    const again = await json<Mention>(await server.api(`/api/v1/mentions/${acme.id}`, { method: 'PATCH', json: { triage: 'relevant', likelihood: 4 } }));
    assert.equal(again.riskId, triaged.riskId);
    assert.equal((await server.tw.database.db.selectFrom('risks').select('id').where('source', '=', 'mention').execute()).length, 1);

    await json(await server.api(`/api/v1/mentions/${acme.id}`, { method: 'PATCH', json: { triage: 'not-relevant', note: 'old dump, already handled' } }));
    const closed = await json<RiskDetail>(await server.api(`/api/v1/risks/${triaged.riskId}`));
    assert.deepEqual([closed.status, closed.closeReason], ['closed', 'not-a-risk']);

    const unmatched = (await json<{ items: Mention[] }>(await server.api('/api/v1/mentions?minConfidence=0&triage=all&q=fine'))).items[0];
    const refused = await json<{ detail: string }>(await server.api(`/api/v1/mentions/${unmatched.id}`, { method: 'PATCH', json: { triage: 'relevant' } }), 400);
    assert.match(refused.detail, /say which vendors/);
    const assigned = await json<Mention>(await server.api(`/api/v1/mentions/${unmatched.id}`, { method: 'PATCH', json: { triage: 'relevant', vendorIds: [vendor.Initech] } }));
    assert.ok(assigned.riskId);
    const actions = (await server.tw.database.db.selectFrom('audit_events').select('action').where('entity_type', 'in', ['mention', 'feed']).execute()).map((a) => a.action);
    assert.ok(actions.includes('mention.triage') && actions.includes('mentions.import'));
  });
});

describe('thirdwatch feeds import mentions', () => {
  test('--json prints the report; a bad line exits 2 with the report; a missing file exits 1 with one line', () => {
    const data = mkdtempSync(join(tmpdir(), 'tw-mentions-cli-'));
    const env = { THIRDWATCH_DATA_DIR: data };
    const file = join(data, 'mentions.jsonl');
    writeFileSync(file, `${jsonl(POSTS)}\nnot json\n`);
    const run = runCli(['--json', 'feeds', 'import', 'mentions', file], env);
    assert.equal(run.status, 2, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual([report.imported, report.matched, report.errors.map((e: { record: string }) => e.record)], [3, 0, ['line 4']]);
    const missing = runCli(['feeds', 'import', 'mentions', join(data, 'nope.jsonl')], env);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr.trim(), /^[^\n]*cannot read[^\n]*ENOENT[^\n]*$/);
  });
});
