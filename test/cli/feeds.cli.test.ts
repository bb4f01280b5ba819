import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { GO_ZIP, KEV_JSON } from '../../src/modules/findings/test-support.js';
import { runCli } from '../support/processes.js';
import { buildZip } from '../../src/modules/advisories/parsers/test-zip.js';
import { nvdCve, nvdPage } from '../../src/modules/advisories/parsers/test-nvd.js';
import { gzipSync } from 'node:zlib';

describe('thirdwatch feeds on an embedded SQLite data directory', () => {
  const data = mkdtempSync(join(tmpdir(), 'tw-feeds-cli-'));
  const env = { THIRDWATCH_DATA_DIR: data };

  test('feeds import osv <all.zip> --json prints one report; a second run skips every record', () => {
    const first = runCli(['--json', 'feeds', 'import', 'osv', GO_ZIP], env);
    assert.equal(first.status, 0, first.stderr);
    const report = JSON.parse(first.stdout);
    assert.deepEqual([report.imported, report.updated, report.skipped, report.errors], [4291, 0, 0, []]);
    assert.equal(first.stderr, '', 'no progress bar when stderr is not a terminal');
    const second = runCli(['feeds', 'import', 'osv', GO_ZIP], env);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /^0 imported, 0 updated, 4291 skipped \(unchanged\), 0 errors; findings: 0 new/);
  });

  test('KEV, a directory of OSV JSON and YAML with one bad record, and the status', () => {
    const kev = runCli(['--json', 'feeds', 'import', 'kev', KEV_JSON], env);
    assert.equal(kev.status, 0, kev.stderr);
    assert.equal(JSON.parse(kev.stdout).imported, 1404);

    const dir = join(data, 'osv');
    mkdirSync(join(dir, 'nested'), { recursive: true });
    writeFileSync(join(dir, 'A-1.json'), JSON.stringify({ id: 'TEST-1', modified: '2030-01-01T00:00:00Z', aliases: ['CVE-2023-39325'], affected: [{ package: { ecosystem: 'Go', name: 'golang.org/x/net' }, versions: ['0.7.0'] }] }));
    writeFileSync(join(dir, 'nested', 'B-2.yaml'), 'id: TEST-2\nmodified: "2030-01-01T00:00:00Z"\naffected: []\n');
    writeFileSync(join(dir, 'bad.json'), '{"id": "TEST-3", "modified": "yesterday"}');
    const imported = runCli(['feeds', 'import', 'osv', dir], env);
    assert.equal(imported.status, 2, 'some records were refused: exit 2, as HTTP answers 207');
    assert.match(imported.stdout, /^2 imported, 0 updated, 0 skipped \(unchanged\), 1 errors/);
    assert.match(imported.stderr, /TEST-3: modified: 'yesterday' is not an RFC 3339 timestamp/);

    const status = JSON.parse(runCli(['--json', 'feeds', 'status'], env).stdout);
    assert.equal(status.totals.advisoryGroups, 4292, 'TEST-1 joined CVE-2023-39325\'s group');
    assert.equal(status.totals.kevEntries, 1404);
    assert.ok(status.feeds.some((f: { name: string; lastSuccessAt: string | null }) => f.name === 'local:osv' && f.lastSuccessAt));
  });

  test('an archive with some bad entries: the good ones import, the report lists the bad, exit 2 (HTTP: 207 with the same report)', () => {
    const zip = join(data, 'partial.zip');
    writeFileSync(zip, buildZip([
      { name: 'good.json', data: JSON.stringify({ id: 'ZIP-GOOD-1', modified: '2030-01-01T00:00:00Z', affected: [] }) },
      { name: 'bad.json', data: '{"id": "ZIP-BAD-1", "modified": "yesterday"}' },
    ]));
    const run = runCli(['--json', 'feeds', 'import', 'osv', zip], env);
    assert.equal(run.status, 2, run.stderr);
    const report = JSON.parse(run.stdout) as { imported: number; errors: Array<{ record: string; reason: string }> };
    assert.equal(report.imported, 1);
    assert.deepEqual(report.errors.map((e) => e.record), ['ZIP-BAD-1']);
  });

  test('feeds import nvd: a mirror-style directory, a gzipped API page, a zip; unchanged records skipped', () => {
    const dir = join(data, 'nvd');
    mkdirSync(join(dir, 'CVE-2023', 'CVE-2023-290xx'), { recursive: true });
    writeFileSync(join(dir, 'CVE-2023', 'CVE-2023-290xx', 'CVE-2023-29059.json'), JSON.stringify(nvdCve('CVE-2023-29059')));
    writeFileSync(join(dir, 'CVE-2023', 'CVE-2023-290xx', 'CVE-2023-29060.json'), JSON.stringify(nvdCve('CVE-2023-29060', { configurations: [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:bad\\' }] }] }] })));
    const tree = runCli(['--json', 'feeds', 'import', 'nvd', dir], env);
    assert.equal(tree.status, 2, tree.stderr);
    const report = JSON.parse(tree.stdout) as { imported: number; errors: Array<{ record: string; reason: string }> };
    assert.equal(report.imported, 1);
    assert.deepEqual(report.errors.map((e) => e.record), ['CVE-2023-29060']);

    const gz = join(data, 'nvd-page.json.gz');
    writeFileSync(gz, gzipSync(JSON.stringify(nvdPage([nvdCve('CVE-2023-29059'), nvdCve('CVE-2023-29061')]))));
    const page = runCli(['feeds', 'import', 'nvd', gz], env);
    assert.equal(page.status, 0, page.stderr);
    assert.match(page.stdout, /^1 imported, 0 updated, 1 skipped \(unchanged\), 0 errors/);

    const zip = join(data, 'nvd.zip');
    writeFileSync(zip, buildZip([{ name: 'CVE-2023-29062.json', data: JSON.stringify(nvdCve('CVE-2023-29062')) }]));
    const archive = runCli(['--json', 'feeds', 'import', 'nvd', zip], env);
    assert.equal(archive.status, 0, archive.stderr);
    assert.equal(JSON.parse(archive.stdout).imported, 1);
  });

  test('errors: one clear line and a non-zero exit', () => {
    const kind = runCli(['feeds', 'import', 'rss', KEV_JSON], env);
    assert.equal(kind.status, 1);
    assert.match(kind.stderr, /^thirdwatch: kind: unknown feed kind "rss"; one of osv, kev, epss, csaf, openvex, cyclonedx-vex, nvd, stix, misp, csv-iocs, mentions\n$/);
    const missing = runCli(['feeds', 'import', 'kev', join(data, 'missing.json')], env);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /ENOENT/);
    writeFileSync(join(data, 'bad-kev.json'), '{"vulnerabilities": 3}');
    const bad = runCli(['feeds', 'import', 'kev', join(data, 'bad-kev.json')], env);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^thirdwatch: the feed cannot be read: a KEV catalog is an object with a vulnerabilities array\n$/);
    const sync = runCli(['feeds', 'sync', 'nope'], env);
    assert.equal(sync.status, 1);
    assert.match(sync.stderr, /no configured feed named nope/);
  });
});
