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
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /root/);
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
