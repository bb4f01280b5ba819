import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DATA } from '../../src/modules/findings/test-support.js';
import { runCli } from '../support/processes.js';

const POISON_IVY = `${DATA}stix/examples/threat-reports/poisonivy.json`;

describe('thirdwatch feeds import stix|misp|csv-iocs on an embedded SQLite data directory', () => {
  const data = mkdtempSync(join(tmpdir(), 'tw-intel-cli-'));
  const env = { THIRDWATCH_DATA_DIR: data };

  test('a real STIX report: one JSON report on stdout; its one malformed indicator is listed and the exit is 2; a re-run skips', () => {
    const run = runCli(['--json', 'feeds', 'import', 'stix', POISON_IVY], env);
    assert.equal(run.status, 2, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.imported, 43, "41 distinct values named by 63 comparisons, and 2 unsupported patterns kept");
    assert.equal(report.unsupported, 2);
    assert.deepEqual(report.errors.map((e: { reason: string }) => e.reason), ['/pattern: domain-name:value: "domain autuo.xicp.net" is not a domain name']);
    const again = runCli(['feeds', 'import', 'stix', POISON_IVY], env);
    assert.equal(again.status, 2);
    assert.match(again.stdout, /^0 imported, 0 updated, \d+ skipped, 1 errors; 2 kept with an unsupported pattern; 0 new sightings \(source poisonivy\.json\)/);
    assert.match(again.stderr, /indicator--4e4c4ad7-4909-456a-b6fa-e24a6f682a40: \/pattern/);
  });

  test('a MISP feed directory and a CSV list with a column mapping; unreadable input is one line and exit 1', () => {
    const feed = join(data, 'misp-feed');
    mkdirSync(feed);
    const uuid = '5c5e0d5b-0000-4000-8000-000000000001';
    writeFileSync(join(feed, 'manifest.json'), JSON.stringify({ [uuid]: { info: '3CX' } }));
    writeFileSync(join(feed, `${uuid}.json`), JSON.stringify({ Event: { uuid, info: '3CX', Orgc: { name: 'CIRCL' }, Attribute: [{ uuid: `${uuid.slice(0, -1)}2`, type: 'domain', value: 'msstorageazure.com', to_ids: true }] } }));
    const misp = runCli(['--json', 'feeds', 'import', 'misp', feed], env);
    assert.equal(misp.status, 0, misp.stderr);
    assert.deepEqual([JSON.parse(misp.stdout).imported, JSON.parse(misp.stdout).source], [1, 'CIRCL']);

    writeFileSync(join(data, 'list.csv'), 'id;observable;note\n1;msstorageazure[.]com;c2\n2;azureonlinestorage[.]com;c2\n');
    const csv = runCli(['--json', 'feeds', 'import', 'csv-iocs', join(data, 'list.csv'), '--columns', 'value=observable,description=note', '--source', 'partner-list'], env);
    assert.equal(csv.status, 0, csv.stderr);
    assert.deepEqual([JSON.parse(csv.stdout).imported, JSON.parse(csv.stdout).updated], [1, 1], 'one new, one already known from the MISP feed');

    const list = JSON.parse(runCli(['--json', 'feeds', 'status'], env).stdout);
    assert.ok(list.feeds.some((f: { name: string }) => f.name === 'local:csv-iocs'));
    writeFileSync(join(data, 'bad.json'), '{"type": "bundle"');
    const bad = runCli(['feeds', 'import', 'stix', join(data, 'bad.json')], env);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^thirdwatch: the feed cannot be read: the STIX bundle is not valid JSON/);
  });
});
