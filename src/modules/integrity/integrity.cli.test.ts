import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../../../test/support/processes.js';
import { buildPe, makeSigner, signPe } from './test-support/pe-builder.js';

describe('thirdwatch artifact check', () => {
  const data = mkdtempSync(join(tmpdir(), 'tw-artifact-cli-'));
  const env = { THIRDWATCH_DATA_DIR: data };

  test('the demo registers the 3CX releases; checking a padded signed DLL reports its alerts (--json and text)', async () => {
    const demo = runCli(['--json', 'demo'], env);
    assert.equal(demo.status, 0, demo.stderr);
    assert.deepEqual([JSON.parse(demo.stdout).artifacts, JSON.parse(demo.stdout).integrityAlerts], [3, 2]);
    const vendorId = runCli(['vendor', 'list', '--search', '3cx'], env).stdout.slice(0, 36);
    const productId = runCli(['product', 'list', '--vendor', vendorId], env).stdout.split('\n').find((l) => l.includes('3CX Desktop App'))!.slice(0, 36);

    const file = join(data, 'd3dcompiler_47.dll');
    const dll = await signPe(buildPe(), await makeSigner('3CX Ltd'), { padding: Buffer.from('appended payload '.repeat(10)) });
    writeFileSync(file, dll);
    const result = runCli(['--json', 'artifact', 'check', file, '--product', productId, '--version', '18.12.416'], env);
    assert.equal(result.status, 0, result.stderr);
    const answer = JSON.parse(result.stdout);
    assert.equal(answer.sha256, createHash('sha256').update(dll).digest('hex'));
    assert.equal(answer.sha512, createHash('sha512').update(dll).digest('hex'));
    assert.equal(answer.fileName, 'd3dcompiler_47.dll');
    assert.equal(answer.signature.status, 'valid');
    assert.deepEqual(answer.alerts.map((a: { type: string }) => a.type).sort(), ['quarantine', 'signature-padding', 'signer-change']);

    const text = runCli(['artifact', 'check', file, '--product', productId, '--version', '18.12.416', '--filename', 'd3dcompiler_47.dll'], env);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^d3dcompiler_47\.dll \(\d+ bytes\) for release 18\.12\.416: sha256 [0-9a-f]{64}\nsignature: valid, signed by "O=Thirdwatch Test \+ CN=3CX Ltd"/);
    assert.match(text.stdout, /ALERT signature-padding \(high\)/);
  });

  test('a missing file, a directory or an unknown product: one line on stderr, non-zero exit', () => {
    const missing = runCli(['artifact', 'check', join(data, 'nope.exe'), '--product', '00000000-0000-7000-8000-000000000000', '--version', '1'], env);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /^thirdwatch: cannot read .*nope\.exe: ENOENT\n$/);
    const dir = runCli(['artifact', 'check', data, '--product', '00000000-0000-7000-8000-000000000000', '--version', '1'], env);
    assert.match(dir.stderr, /is not a file/);
    const file = join(data, 'x.bin');
    writeFileSync(file, 'x');
    const unknown = runCli(['--json', 'artifact', 'check', file, '--product', '00000000-0000-7000-8000-000000000000', '--version', '1'], env);
    assert.equal(unknown.status, 1);
    assert.equal(JSON.parse(unknown.stdout).error.type, 'not_found');
  });
});
