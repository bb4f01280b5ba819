import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { systemContext } from '../../platform/context.js';
import { newId } from '../../platform/ids.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { runCliAsync } from '../../../test/support/processes.js';
import { readFileSync } from 'node:fs';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

async function problem(res: Response, status: number): Promise<{ detail: string; errors?: Array<{ field: string; reason: string }> }> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  return JSON.parse(text);
}

const SQUID = '/usr/sbin/squid';
const CHECKZONE = '/usr/bin/named-checkzone';

/** `squid -k parse` over a configuration that loads the ACL file: the exit code and every warning or error it printed. */
function squidParse(acl: string): { status: number | null; complaints: string[]; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tw-squid-'));
  try {
    writeFileSync(join(dir, 'blocklist.acl'), acl);
    writeFileSync(
      join(dir, 'squid.conf'),
      [
        'http_port 127.0.0.1:3128',
        `acl thirdwatch_blocklist dstdomain "${join(dir, 'blocklist.acl')}"`,
        'http_access deny thirdwatch_blocklist',
        'http_access allow localhost',
        'http_access deny all',
        '',
      ].join('\n'),
    );
    const result = spawnSync(SQUID, ['-k', 'parse', '-f', join(dir, 'squid.conf')], { encoding: 'utf8', timeout: 30_000 });
    const output = `${result.stdout}${result.stderr}`;
    return { status: result.status, complaints: output.split('\n').filter((l) => /WARNING|ERROR|FATAL|Bungled/i.test(l)), output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeEachEngine('egress blocklist', ({ engine }) => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer(engine);
  });
  after(async () => {
    await server?.close();
  });

  const block = (body: unknown, role: 'admin' | 'responder' | 'viewer' = 'admin') => server.api('/api/v1/egress/blocklist', { method: 'POST', json: body, role });
  const exported = async (format: string, query = '') => {
    const res = await server.api(`/api/v1/egress/blocklist?format=${format}${query}`);
    assert.equal(res.status, 200);
    return { text: await res.text(), type: res.headers.get('content-type') ?? '', disposition: res.headers.get('content-disposition') ?? '' };
  };

  test('a person blocks domains: one spelling each (defanged, IDN, URL, wildcard), who/why/when kept, a second block is "already"', async () => {
    const incidentId = newId();
    const first = await json(await block({ domains: ['MsStorageBoxes[.]com', 'https://raw.githubusercontent.example/IconStorages/images/main/icon12.ico', '*.azureonlinestorage.com', 'bücher.example', 'msstorageboxes.com.'], reason: '3CX C2', incidentId }, 'responder'), 201);
    assert.deepEqual(first, { added: ['msstorageboxes.com', 'raw.githubusercontent.example', 'azureonlinestorage.com', 'xn--bcher-kva.example'], already: [] });
    const again = await json(await block({ domains: ['azureonlinestorage.com', 'akamaicontainer.com'], reason: 'again' }), 201);
    assert.deepEqual(again, { added: ['akamaicontainer.com'], already: ['azureonlinestorage.com'] });

    const list = await json<{ items: any[]; nextCursor: string | null }>(await server.api(`/api/v1/egress/blocklist?incidentId=${incidentId}`, { role: 'viewer' }));
    assert.equal(list.items.length, 4);
    const box = list.items.find((b) => b.domain === 'msstorageboxes.com');
    assert.equal(box.reason, '3CX C2');
    assert.equal(box.source, 'person');
    assert.equal(box.status, 'active');
    assert.match(box.createdBy, /test-responder/);
    assert.equal(box.expiresAt, null);
    assert.equal((await json(await server.api(`/api/v1/egress/blocklist/${box.id}`))).domain, 'msstorageboxes.com');

    const audit = await server.tw.database.db.selectFrom('audit_events').select(['action', 'entity_id']).where('entity_type', '=', 'egress_block').execute();
    assert.equal(audit.filter((a) => a.action === 'egress.block').length, 5);
  });

  test('bad input: public suffixes, IP addresses, non-names, past expiries and other roles are refused; nothing is half-added', async () => {
    const bad = await problem(await block({ domains: ['fine-one.example', 'co.uk', '203.0.113.9', 'not a domain', 'com'], reason: 'x' }), 400);
    assert.deepEqual(bad.errors?.map((e) => e.field), ['/domains/1', '/domains/2', '/domains/3', '/domains/4']);
    assert.match(bad.errors![0].reason, /public suffix/);
    assert.match(bad.errors![1].reason, /IP address|not a domain/);
    const after = await json<{ items: any[] }>(await server.api('/api/v1/egress/blocklist?q=fine-one'));
    assert.equal(after.items.length, 0);
    await problem(await block({ domains: ['late.example'], reason: 'x', expiresAt: '2020-01-01T00:00:00Z' }), 400);
    await problem(await block({ domains: ['late.example'], reason: '   ' }), 400);
    await problem(await block({ domains: [], reason: 'x' }), 400);
    await problem(await block({ domains: ['late.example'], reason: 'x', extra: 1 }), 400);
    await problem(await block({ domains: ['late.example'], reason: 'x' }, 'viewer'), 403);
    await problem(await server.api(`/api/v1/egress/blocklist/${newId()}`, { method: 'DELETE' }), 404);
    await problem(await server.api('/api/v1/egress/blocklist?format=xml'), 400);
    await problem(await server.api('/api/v1/egress/blocklist?format=rpz&zone=bad%0Azone'), 400);
  });

  test('a drill stages its blocks (never exported, listed only under its drill id); the playbook path records the run', async () => {
    const drillId = newId();
    const runId = newId();
    const ctx = systemContext('playbook');
    const blocklist = server.tw.services.blocklist;
    const staged = await server.tw.database.db.transaction().execute((trx) => blocklist.block(trx, { domains: ['drill-only.example', 'msstorageboxes.com'], reason: 'drill', runId, drillId }, ctx));
    assert.deepEqual(staged, { added: ['drill-only.example', 'msstorageboxes.com'], already: [] });
    const twice = await server.tw.database.db.transaction().execute((trx) => blocklist.block(trx, { domains: ['drill-only.example'], reason: 'drill', runId, drillId }, ctx));
    assert.deepEqual(twice, { added: [], already: ['drill-only.example'] });
    const drillList = await json<{ items: any[] }>(await server.api(`/api/v1/egress/blocklist?drillId=${drillId}`));
    assert.deepEqual(drillList.items.map((b) => [b.domain, b.status, b.source, b.playbookRunId]).sort(), [['drill-only.example', 'staged', 'playbook', runId], ['msstorageboxes.com', 'staged', 'playbook', runId]]);
    const real = await json<{ items: any[] }>(await server.api('/api/v1/egress/blocklist?q=drill-only'));
    assert.equal(real.items.length, 0);
    assert.doesNotMatch((await exported('domains')).text, /drill-only/);

    // A block that fails rolls back with the caller's transaction: nothing of it stays.
    await assert.rejects(server.tw.database.db.transaction().execute(async (trx) => {
      await blocklist.block(trx, { domains: ['rolled-back.example'], reason: 'x', runId }, ctx);
      throw new Error('the playbook step failed');
    }));
    assert.equal((await json<{ items: any[] }>(await server.api('/api/v1/egress/blocklist?q=rolled-back'))).items.length, 0);
  });

  test('exports: a domain list, a Squid ACL that squid -k parse takes without a warning, an RPZ zone named-checkzone loads', async () => {
    await json(await block({ domains: ['sub.akamaicontainer.com', 'journalide.org'], reason: 'export test' }), 201);
    const domains = await exported('domains');
    assert.match(domains.type, /^text\/plain/);
    assert.match(domains.disposition, /blocklist\.txt/);
    const lines = domains.text.trim().split('\n');
    assert.deepEqual(lines, [...lines].sort());
    for (const d of ['msstorageboxes.com', 'azureonlinestorage.com', 'xn--bcher-kva.example', 'sub.akamaicontainer.com', 'journalide.org']) assert.ok(lines.includes(d), d);

    const squid = await exported('squid');
    const entries = squid.text.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.ok(entries.every((e) => /^\.[a-z0-9_.-]+$/.test(e)), entries.join(','));
    assert.ok(entries.includes('.akamaicontainer.com'));
    assert.ok(!entries.includes('.sub.akamaicontainer.com'), 'a subdomain of a listed domain is left out');
    if (existsSync(SQUID)) {
      const parsed = squidParse(squid.text);
      assert.equal(parsed.status, 0, parsed.output);
      assert.deepEqual(parsed.complaints, [], parsed.output);
      // The check can fail: a list with a covered subdomain makes squid warn.
      assert.notDeepEqual(squidParse(`${squid.text}.sub.akamaicontainer.com\n`).complaints, []);
    }

    const rpz = await exported('rpz', '&zone=rpz.example.org');
    assert.match(rpz.type, /^text\/dns/);
    assert.match(rpz.text, /^\$ORIGIN rpz\.example\.org\.$/m);
    assert.match(rpz.text, /^@ IN SOA localhost\. hostmaster\.localhost\. \( \d+ /m);
    assert.match(rpz.text, /^@ IN NS localhost\.$/m);
    assert.match(rpz.text, /^msstorageboxes\.com IN CNAME \.$/m);
    assert.match(rpz.text, /^\*\.msstorageboxes\.com IN CNAME \.$/m);
    if (existsSync(CHECKZONE)) {
      const dir = mkdtempSync(join(tmpdir(), 'tw-rpz-'));
      try {
        writeFileSync(join(dir, 'zone'), rpz.text);
        const check = spawnSync(CHECKZONE, ['-i', 'none', 'rpz.example.org', join(dir, 'zone')], { encoding: 'utf8' });
        assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
        assert.match(check.stdout, /OK/);
        // named-checkzone -D prints the zone as loaded: every blocked name and its wildcard, answering CNAME to the root.
        const dump = spawnSync(CHECKZONE, ['-i', 'none', '-D', '-o', '-', 'rpz.example.org', join(dir, 'zone')], { encoding: 'utf8' }).stdout;
        for (const d of lines) {
          assert.match(dump, new RegExp(`^${d.replace(/\./g, '\\.')}\\.rpz\\.example\\.org\\.\\s+\\d+\\s+IN\\s+CNAME\\s+\\.$`, 'm'), d);
          assert.match(dump, new RegExp(`^\\*\\.${d.replace(/\./g, '\\.')}\\.rpz\\.example\\.org\\.\\s+\\d+\\s+IN\\s+CNAME\\s+\\.$`, 'm'), d);
        }
        // The check can fail: a broken record is refused.
        writeFileSync(join(dir, 'zone'), `${rpz.text}bad..name IN CNAME .\n`);
        assert.notEqual(spawnSync(CHECKZONE, ['-i', 'none', 'rpz.example.org', join(dir, 'zone')], { encoding: 'utf8' }).status, 0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  test('removing a block: it leaves the exports, the RPZ serial grows, a second removal is a 409; expiry ends blocks by itself', async () => {
    const serialOf = (zone: string) => Number(/SOA \S+ \S+ \( (\d+) /.exec(zone)![1]);
    const before = serialOf((await exported('rpz')).text);
    const page = await json<{ items: any[] }>(await server.api('/api/v1/egress/blocklist?q=journalide'));
    const removed = await json(await server.api(`/api/v1/egress/blocklist/${page.items[0].id}`, { method: 'DELETE', role: 'responder' }));
    assert.equal(removed.status, 'removed');
    assert.match(removed.removedBy, /test-responder/);
    assert.ok(removed.removedAt);
    await problem(await server.api(`/api/v1/egress/blocklist/${page.items[0].id}`, { method: 'DELETE' }), 409);
    const afterRemoval = await exported('rpz');
    assert.doesNotMatch(afterRemoval.text, /journalide/);
    assert.ok(serialOf(afterRemoval.text) > before);
    assert.equal((await json<{ items: any[] }>(await server.api('/api/v1/egress/blocklist?status=removed'))).items.length, 1);
    // Blocked again after removal: a new block.
    assert.deepEqual(await json(await block({ domains: ['journalide.org'], reason: 'back' }), 201), { added: ['journalide.org'], already: [] });

    const expiresAt = new Date(Date.now() + 1200).toISOString();
    assert.deepEqual(await json(await block({ domains: ['short-lived.example'], reason: 'for a second', expiresAt }), 201), { added: ['short-lived.example'], already: [] });
    assert.match((await exported('domains')).text, /short-lived/);
    const serialWhileLive = serialOf((await exported('rpz')).text);
    await new Promise((r) => setTimeout(r, 1300));
    // Past its expiry it is out of every export at once, before the expiry job runs.
    assert.doesNotMatch((await exported('domains')).text, /short-lived/);
    assert.ok(serialOf((await exported('rpz')).text) > serialWhileLive);
    const lapsed = await json<{ items: any[] }>(await server.api('/api/v1/egress/blocklist?status=expired'));
    assert.deepEqual(lapsed.items.map((b) => b.domain), ['short-lived.example']);
    assert.deepEqual(await server.tw.services.blocklist.expire(systemContext('test')), { expired: 1 });
    assert.deepEqual(await server.tw.services.blocklist.expire(systemContext('test')), { expired: 0 });
    // Blocked again after expiry: a new block.
    assert.deepEqual(await json(await block({ domains: ['short-lived.example'], reason: 'again' }), 201), { added: ['short-lived.example'], already: [] });
  });

  test('CLI: thirdwatch egress blocklist writes the same exports as the API (to stdout or --output); a bad zone is one line on stderr', async () => {
    const env = { THIRDWATCH_DATABASE_URL: server.database.url };
    const api = { domains: (await exported('domains')).text, squid: (await exported('squid')).text };
    const domains = await runCliAsync(['egress', 'blocklist', '--format', 'domains'], env);
    assert.equal(domains.status, 0, domains.stderr);
    assert.equal(domains.stdout, api.domains);
    const dir = mkdtempSync(join(tmpdir(), 'tw-cli-'));
    try {
      const squid = await runCliAsync(['egress', 'blocklist', '--format', 'squid', '--output', join(dir, 'acl')], env);
      assert.equal(squid.status, 0, squid.stderr);
      const strip = (text: string) => text.split('\n').filter((l) => !l.startsWith('#')).join('\n');
      assert.equal(strip(readFileSync(join(dir, 'acl'), 'utf8')), strip(api.squid));
      const rpz = await runCliAsync(['egress', 'blocklist', '--format', 'rpz', '--zone', 'rpz.example.org'], env);
      assert.equal(rpz.status, 0, rpz.stderr);
      assert.match(rpz.stdout, /^\$ORIGIN rpz\.example\.org\.$/m);
      const bad = await runCliAsync(['egress', 'blocklist', '--format', 'rpz', '--zone', 'bad zone;'], env);
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /zone/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('paging: limit and cursor walk the list newest first without repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: any[]; nextCursor: string | null } = await json(await server.api(`/api/v1/egress/blocklist?limit=3${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.items.map((b) => b.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length);
    assert.deepEqual(seen, [...seen].sort().reverse());
    await problem(await server.api('/api/v1/egress/blocklist?cursor=garbage'), 400);
  });
});
