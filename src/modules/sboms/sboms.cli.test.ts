import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../../../test/support/processes.js';
import { generateCycloneDx } from './parsers/test-support/generate.js';

const JUICE_SHOP = new URL('../../../../shared/data/cyclonedx/SBOM/juice-shop/v11.1.2/bom.json', import.meta.url).pathname;

describe('thirdwatch sbom upload', () => {
  const data = mkdtempSync(join(tmpdir(), 'tw-sbom-cli-'));
  const env = { THIRDWATCH_DATA_DIR: data, THIRDWATCH_MAX_UPLOAD_MB: '1' };

  test('--json prints the stored SBOM as one JSON document; the release defaults to the root version', () => {
    const result = runCli(['--json', 'sbom', 'upload', '--product', 'estate', JUICE_SHOP], env);
    assert.equal(result.status, 0, result.stderr);
    const sbom = JSON.parse(result.stdout);
    assert.deepEqual([sbom.format, sbom.specVersion, sbom.componentCount, sbom.release, sbom.productName], ['cyclonedx', '1.2', 840, '11.1.2', 'Internal estate']);
    assert.equal(result.stderr, '', 'no progress bar when stderr is not a terminal');

    const again = runCli(['sbom', 'upload', '--product', 'estate', '--release', '11.1.2', JUICE_SHOP], env);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^stored SBOM [0-9a-f-]{36}: cyclonedx 1\\.2 \\(json\\), 840 components, 0 dependencies, Internal estate release 11\\.1\\.2 \\(replaces ${sbom.id} as current\\)\\n$`));
  });

  test('a hostile document fails with one line naming the problem and stores nothing', () => {
    const file = join(data, 'laughs.xml');
    writeFileSync(file, '<?xml version="1.0"?>\n<!DOCTYPE bom [<!ENTITY a "aaaa">]>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components/></bom>');
    const result = runCli(['sbom', 'upload', '--product', 'estate', file], env);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^thirdwatch: the SBOM cannot be read: XML DTDs and entity declarations are refused .*line 2.*\n$/);
    const listed = runCli(['--json', 'sbom', 'list', '--product', 'estate'], env);
    assert.equal(JSON.parse(listed.stdout).items.length, 2);
  });

  test('sbom list marks only the release in use (as the product page does): other releases\' latest SBOMs are not "current"', () => {
    const file = join(data, 'next.json');
    writeFileSync(file, generateCycloneDx(5));
    assert.equal(runCli(['sbom', 'upload', '--product', 'estate', '--release', '12.0.0', file], env).status, 0);
    const sboms = JSON.parse(runCli(['--json', 'sbom', 'list', '--product', 'estate'], env).stdout).items as Array<{ id: string; release: string; current: boolean }>;
    const text = runCli(['sbom', 'list', '--product', 'estate'], env);
    assert.equal(text.status, 0, text.stderr);
    const labels = Object.fromEntries(text.stdout.trim().split('\n').map((line) => [line.slice(0, 36), line.slice(56, 64).trim()]));
    const latest = sboms.find((s) => s.release === '12.0.0')!;
    const older = sboms.filter((s) => s.release === '11.1.2');
    assert.deepEqual(labels[latest.id], 'in use', text.stdout);
    assert.deepEqual(older.map((s) => labels[s.id]), older.map((s) => (s.current ? '' : 'replaced')), text.stdout);
    assert.equal(text.stdout.match(/in use/g)?.length, 1);
    assert.doesNotMatch(text.stdout, /current/);
  });

  test('a file over the upload limit is refused before it is read; an unknown product is named', () => {
    const big = join(data, 'big.json');
    writeFileSync(big, generateCycloneDx(3000));
    assert.ok(readFileSync(big).length > 1024 * 1024);
    const result = runCli(['sbom', 'upload', '--product', 'estate', big], env);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^thirdwatch: .*big\.json is \d+ bytes, over the upload limit of 1048576 bytes \(THIRDWATCH_MAX_UPLOAD_MB\)\n$/);
    const unknown = runCli(['sbom', 'upload', '--product', '01900000-0000-7000-8000-000000000009', JUICE_SHOP], env);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^thirdwatch: product 01900000-0000-7000-8000-000000000009 does not exist\n$/);
  });
});
