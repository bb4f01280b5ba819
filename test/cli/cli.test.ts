import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, runCliAsync, startServe, type ServeProcess } from '../support/processes.js';

describe('thirdwatch CLI on an embedded SQLite data directory', () => {
  const data = mkdtempSync(join(tmpdir(), 'tw-cli-'));
  const env = { THIRDWATCH_DATA_DIR: data };

  test('token create prints the token and nothing else on stdout', () => {
    const result = runCli(['token', 'create', '--name', 'ci', '--role', 'analyst'], env);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^tw_[A-Za-z0-9_-]{43}\n$/);
  });

  test('--json gives one JSON document; a bad role fails with one clear line', () => {
    const json = runCli(['--json', 'token', 'create', '--name', 'j', '--role', 'viewer'], env);
    assert.equal(JSON.parse(json.stdout).record.role, 'viewer');
    const bad = runCli(['token', 'create', '--name', 'x', '--role', 'root'], env);
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^thirdwatch: option '--role <role>' argument 'root' is invalid\. Allowed choices are admin, analyst, responder, viewer, auditor\. \(see --help\)\n$/);
    // --json before or after the command: the failure is a JSON document on stdout too.
    for (const args of [['--json', 'token', 'create'], ['token', 'create', '--json']]) {
      const badJson = runCli([...args, '--name', 'x', '--role', 'root'], env);
      assert.equal(badJson.status, 2);
      assert.deepEqual(Object.keys(JSON.parse(badJson.stdout).error), ['type', 'message', 'exitCode']);
      assert.equal(JSON.parse(badJson.stdout).error.type, 'usage');
      assert.equal(badJson.stderr.split('\n').filter(Boolean).length, 1);
    }
    const missing = runCli(['--json', 'sbom', 'list', '--product', '01a249f4-7d2b-7a83-9fa7-b049201d7b3d'], env);
    assert.equal(missing.status, 1);
    assert.equal(JSON.parse(missing.stdout).error.type, 'not_found');
  });

  test('a bad configuration exits 2 naming the variable', () => {
    const result = runCli(['migrate'], { ...env, THIRDWATCH_PORT: 'abc' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /THIRDWATCH_PORT: expected a whole number/);
  });

  test('demo loads a populated organisation including the auto-updating Electron softphone', () => {
    const result = runCli(['--json', 'demo'], env);
    assert.equal(result.status, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.ok(summary.vendors >= 40, `vendors: ${summary.vendors}`);
    assert.ok(summary.subcontractors >= 20);
    const exported = runCli(['vendor', 'export', '--format', 'json'], env);
    const vendors = JSON.parse(exported.stdout).vendors as Array<{ name: string; tier: string; autoUpdate: boolean; products: Array<{ name: string }> }>;
    const threeCx = vendors.find((v) => v.name === '3CX')!;
    assert.equal(threeCx.tier, 'T1');
    assert.equal(threeCx.autoUpdate, true);
    assert.ok(threeCx.products.some((p) => p.name === '3CX Desktop App'));
    assert.deepEqual([...new Set(vendors.map((v) => v.tier))].sort(), ['T1', 'T2', 'T3', 'T4']);
  });

  test('a second demo says it is already loaded; vendor list and product list give the ids sbom list needs', () => {
    const again = runCli(['demo'], env);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^the demo is already loaded \(47 demo vendors found\): nothing added\n$/);
    assert.equal(JSON.parse(runCli(['--json', 'demo'], env).stdout).alreadyLoaded, true);

    const vendors = runCli(['vendor', 'list', '--search', '3cx'], env);
    assert.equal(vendors.status, 0, vendors.stderr);
    assert.match(vendors.stdout, /^[0-9a-f-]{36} {2}T1 {2}\s*\d+\.\d {2}active +3CX\n$/);
    const vendorId = vendors.stdout.slice(0, 36);
    const products = runCli(['product', 'list', '--vendor', vendorId], env);
    assert.equal(products.status, 0, products.stderr);
    const line = products.stdout.split('\n').find((l) => l.includes('3CX Desktop App'))!;
    assert.match(line, /^[0-9a-f-]{36} {2}3CX \/ 3CX Desktop App \(desktop-app\)$/);
    const all = JSON.parse(runCli(['--json', 'product', 'list'], env).stdout).items as Array<{ id: string; vendorName: string }>;
    assert.ok(all.some((p) => p.id === line.slice(0, 36) && p.vendorName === '3CX'));
    assert.ok(new Set(all.map((p) => p.vendorName)).size >= 40);

    const sboms = runCli(['sbom', 'list', '--product', line.slice(0, 36)], env);
    assert.equal(sboms.status, 0, sboms.stderr);
    assert.equal(sboms.stdout.trim().split('\n').length, 2, 'the softphone has two releases');
  });

  test('vendor import: a dry run lists bad rows with line numbers and exits 1; a good file imports', () => {
    const bad = join(data, 'bad.csv');
    writeFileSync(bad, 'name,criticality,domains\nGood Co,2,good.example\nBad Co,9,bad.example\n,1,x.example\n');
    const dry = runCli(['vendor', 'import', '--dry-run', bad], env);
    assert.equal(dry.status, 1);
    assert.match(dry.stderr, /bad\.csv:3: criticality: /);
    assert.match(dry.stderr, /bad\.csv:4: name: /);
    const good = join(data, 'good.csv');
    writeFileSync(good, 'name,criticality,domains\nGood Co,2,good.example\n');
    const real = runCli(['--json', 'vendor', 'import', good], env);
    assert.equal(real.status, 0, real.stderr);
    assert.equal(JSON.parse(real.stdout).created, 1);
  });

  test('audit verify passes on an untouched trail', () => {
    const result = runCli(['audit', 'verify'], env);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /audit trail intact: \d+ events verified/);
  });

  test('the first start prints the admin token on its own, framed, with how to make another', async () => {
    const fresh = await startServe({ THIRDWATCH_DATA_DIR: mkdtempSync(join(tmpdir(), 'tw-first-')) });
    try {
      assert.ok(fresh.initialToken);
      const lines = fresh.banner.split('\n');
      const at = lines.indexOf(`  ${fresh.initialToken}`);
      assert.deepEqual([lines[at - 1], lines[at + 1]], ['', ''], 'blank lines around the token');
      assert.match(fresh.banner, /To make another .*\n {2}thirdwatch token create --name admin --role admin/);
      assert.equal(lines.filter((l) => /^=+$/.test(l)).length, 2);
    } finally {
      await fresh.stop();
    }
  });

  describe('while a server runs on the same database', () => {
    let server: ServeProcess;
    let token: string;
    before(async () => {
      server = await startServe(env);
      token = runCli(['token', 'create', '--name', 'live', '--role', 'admin'], env).stdout.trim();
    });
    after(() => server.stop());

    test('CLI writes and HTTP writes interleave without "database is locked"', async () => {
      const csv = join(data, 'many.csv');
      writeFileSync(csv, `name,criticality\n${Array.from({ length: 300 }, (_, i) => `CLI Vendor ${i},2`).join('\n')}\n`);
      const cliRun = runCliAsync(['--json', 'vendor', 'import', csv], env);
      const httpWrites = (async () => {
        const statuses: number[] = [];
        for (let i = 0; i < 40; i++) {
          const res = await fetch(`${server.url}/api/v1/vendors`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: `HTTP Vendor ${i}` }),
          });
          statuses.push(res.status);
        }
        return statuses;
      })();
      const cli = await cliRun;
      assert.equal(cli.status, 0, cli.stderr);
      assert.deepEqual([...new Set(await httpWrites)], [201]);
      const list = await fetch(`${server.url}/api/v1/vendors?q=vendor&limit=500`, { headers: { authorization: `Bearer ${token}` } });
      const names = ((await list.json()) as { items: Array<{ name: string }> }).items.map((v) => v.name);
      assert.equal(names.filter((n) => n.startsWith('CLI Vendor')).length, 300);
      assert.equal(names.filter((n) => n.startsWith('HTTP Vendor')).length, 40);
    });
  });
});
