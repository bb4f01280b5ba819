import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { cpuMs } from '../../../../test/support/cpu-time.js';
import { FeedFormatError, parseFeed } from './index.js';
import { cpeIndexEntries, NVD_LIMITS, parseNvdCve, parseNvdDocument, readNvdDirectory, readNvdZip } from './nvd.js';
import { buildZip } from './test-zip.js';
import { nvdCve, nvdMetric, nvdPage, runningOn } from './test-nvd.js';

const text = (value: unknown) => JSON.stringify(value);

describe('parseNvdCve', () => {
  test('maps a record to an advisory of source nvd', () => {
    const a = parseNvdCve(nvdCve('CVE-2024-1234', { cisaExploitAdd: '2024-03-04', cisaActionDue: '2024-03-25', cisaRequiredAction: 'Apply updates per vendor instructions.', cisaVulnerabilityName: 'Example Widget Remote Code Execution' }));
    assert.equal(a.id, 'CVE-2024-1234');
    assert.equal(a.source, 'nvd');
    assert.deepEqual(a.aliases, []);
    assert.equal(a.summary, 'Example Widget before 2.4.1 lets a remote attacker run code through a crafted request (CVE-2024-1234).');
    assert.match(a.details ?? '', /Versions 2\.4\.1 and later are fixed\.$/);
    // NVD's timestamps are UTC without a zone.
    assert.equal(a.published, '2024-03-01T10:15:07.123Z');
    assert.equal(a.modified, '2024-03-05T16:20:11.456Z');
    assert.equal(a.withdrawn, null);
    assert.equal(a.nvdStatus, 'Analyzed');
    assert.deepEqual(a.cwes, ['CWE-787', 'CWE-120']);
    assert.deepEqual(a.kev, { dateAdded: '2024-03-04', actionDue: '2024-03-25', requiredAction: 'Apply updates per vendor instructions.', vulnerabilityName: 'Example Widget Remote Code Execution' });
    assert.deepEqual(a.references, ['https://example.com/security/CVE-2024-1234', 'https://example.com/releases/2.4.1']);
    assert.deepEqual(a.cvss, { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, rating: 'critical' });
    assert.deepEqual(
      a.cvssMetrics?.map((m) => [m.version, m.baseScore, m.source, m.type]),
      [
        ['3.1', 9.8, 'nvd@nist.gov', 'Primary'],
        ['3.1', 8.1, 'cna@example.com', 'Secondary'],
      ],
    );
    assert.deepEqual(a.severity.map((s) => s.type), ['CVSS_V3', 'CVSS_V3']);
    assert.equal(a.affected.length, 0);
    assert.deepEqual(a.cpeConfigurations, [
      { operator: 'OR', negate: false, nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:example:widget:*:*:*:*:*:*:*:*', versionEndExcluding: '2.4.1' }] }] },
    ]);
  });

  test('keeps CVSS v2, v3.0, v3.1 and v4.0 metrics; the Primary one of the newest version rates the record', () => {
    const a = parseNvdCve(
      nvdCve('CVE-2024-2000', {
        metrics: {
          cvssMetricV40: [nvdMetric('4.0', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3, 'cna@example.com', 'Secondary')],
          cvssMetricV30: [nvdMetric('3.0', 'CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N', 6.5, 'nvd@nist.gov', 'Primary')],
          cvssMetricV2: [nvdMetric('2.0', 'AV:N/AC:L/Au:N/C:P/I:P/A:P', 7.5, 'nvd@nist.gov', 'Primary')],
          ssvcV203: [{ source: 'x', ssvcData: {} }],
        },
      }),
    );
    assert.deepEqual(a.cvssMetrics?.map((m) => `${m.version} ${m.type} ${m.baseScore} ${m.rating}`), ['4.0 Secondary 9.3 critical', '3.0 Primary 6.5 medium', '2.0 Primary 7.5 high']);
    assert.equal(a.cvss?.version, '3.0');
    assert.deepEqual(a.severity.map((s) => s.type), ['CVSS_V4', 'CVSS_V3', 'CVSS_V2']);
  });

  test('a record without metrics, weaknesses or configurations (Awaiting Analysis) still imports', () => {
    const a = parseNvdCve({ id: 'CVE-2024-3000', lastModified: '2024-05-01T00:00:00.000', vulnStatus: 'Awaiting Analysis', descriptions: [{ lang: 'en', value: 'x' }] });
    assert.equal(a.cvss, null);
    assert.deepEqual(a.cwes, []);
    assert.deepEqual(a.cpeConfigurations, []);
    assert.equal(a.kev, undefined);
  });

  test('a Rejected record is withdrawn', () => {
    const a = parseNvdCve(nvdCve('CVE-2024-4000', { vulnStatus: 'Rejected', descriptions: [{ lang: 'en', value: 'Rejected reason: This CVE ID is a duplicate of CVE-2024-1234.' }], configurations: [] }));
    assert.equal(a.withdrawn, a.modified);
    assert.equal(a.nvdStatus, 'Rejected');
  });

  test('wrong types and bad values name the CVE and the field', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ lastModified: 20240101 }, /^lastModified: expected a string, got number$/],
      [{ lastModified: 'yesterday' }, /^lastModified: 'yesterday' is not a timestamp$/],
      [{ descriptions: 'text' }, /^descriptions: expected an array, got string$/],
      [{ metrics: { cvssMetricV31: [{ type: 'Primary', source: 'x', cvssData: { vectorString: 7 } }] } }, /^metrics\.cvssMetricV31\[0\]\.cvssData\.vectorString: expected a string, got number$/],
      [{ metrics: { cvssMetricV31: [{ type: 'Primary', cvssData: { vectorString: 'CVSS:3.1/AV:N', baseScore: '9.8' } }] } }, /baseScore: expected a number from 0 to 10, got string/],
      [{ cisaExploitAdd: '04/03/2024' }, /^cisaExploitAdd: '04\/03\/2024' is not a YYYY-MM-DD date$/],
      [{ references: [{ url: null }] }, /^references\[0\]\.url: required$/],
      [{ configurations: [{ nodes: [{ operator: 'XOR', cpeMatch: [] }] }] }, /^configurations\[0\]\.nodes\[0\]\.operator: expected AND or OR, got 'XOR'$/],
      [{ configurations: [{ nodes: [{ operator: 'OR', negate: 'no', cpeMatch: [] }] }] }, /negate: expected true or false, got string/],
      [{ configurations: [{ nodes: [{ operator: 'OR', cpeMatch: [{ criteria: 'cpe:2.3:a:v:p:*:*:*:*:*:*:*:*' }] }] }] }, /cpeMatch\[0\]\.vulnerable: required/],
      [{ configurations: [{ nodes: [{ operator: 'OR', cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:v:p:*:*:*:*:*:*:*:*', versionEndExcluding: 3 }] }] }] }, /versionEndExcluding: expected a string, got number/],
    ];
    for (const [override, reason] of cases) {
      assert.throws(
        () => parseNvdCve(nvdCve('CVE-2024-5000', override)),
        (error: Error & { record?: string; reason?: string }) => error.record === 'CVE-2024-5000' && reason.test(error.reason ?? ''),
        JSON.stringify(override),
      );
    }
    assert.throws(() => parseNvdCve({ id: 'GHSA-xxxx', lastModified: '2024-01-01T00:00:00' }), /id: 'GHSA-xxxx' is not a CVE id/);
    assert.throws(() => parseNvdCve({ lastModified: '2024-01-01T00:00:00' }, 'vulnerabilities[3]'), /vulnerabilities\[3\]: id: required/);
  });

  test('malformed CPE strings: wrong part count, bad escapes, bad part, not 2.3', () => {
    const bad: Array<[string, RegExp]> = [
      ['cpe:2.3:a:example:widget:1.0', /has 6 components, a CPE 2\.3 name has 13/],
      ['cpe:2.3:a:example:widget:1.0:*:*:*:*:*:*:*:*:extra', /has 15 components/],
      ['cpe:2.3:a:exa\\', /ends in a lone backslash|has 4 components/],
      ['cpe:2.3:a:example:wid*get:*:*:*:*:*:*:*:*', /wildcard that is not at its start or end/],
      ['cpe:2.3:x:example:widget:*:*:*:*:*:*:*:*', /part must be a, o, h or \*/],
      ['cpe:/a:example:widget:1.0', /is not a CPE 2\.3 formatted string/],
      ['cpe:2.3:a:ex ample:widget:*:*:*:*:*:*:*:*', /outside printable ASCII/],
    ];
    for (const [criteria, reason] of bad) {
      const record = nvdCve('CVE-2024-6000', { configurations: [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: [{ vulnerable: true, criteria }] }] }] });
      assert.throws(() => parseNvdCve(record), (error: Error & { reason?: string }) => /^configurations\[0\]\.nodes\[0\]\.cpeMatch\[0\]\.criteria: /.test(error.reason ?? '') && reason.test(error.reason ?? ''), criteria);
    }
  });

  test('nodes nested deeper than NVD 2.0 allows (1.1-style children) are refused', () => {
    const record = nvdCve('CVE-2024-7000', { configurations: [{ nodes: [{ operator: 'AND', negate: false, cpeMatch: [], children: [{ operator: 'OR', cpeMatch: [] }] } as never] }] });
    assert.throws(() => parseNvdCve(record), /configurations\[0\]\.nodes\[0\]\.children: NVD CVE 2\.0 configuration nodes do not nest/);
  });

  test('10,000 cpeMatch entries are refused quickly, naming the limit', () => {
    const cpeMatch = Array.from({ length: 10_000 }, (_, i) => ({ vulnerable: true, criteria: `cpe:2.3:a:example:widget:1.${i}:*:*:*:*:*:*:*` }));
    const record = nvdCve('CVE-2024-8000', { configurations: [{ nodes: [{ operator: 'OR', negate: false, cpeMatch }] }] });
    const cpu = cpuMs(() => assert.throws(() => parseNvdCve(record), new RegExp(`more than ${NVD_LIMITS.cpeMatches} cpeMatch entries`)));
    assert.ok(cpu < 2_000, `${cpu} ms of CPU`);
  });

  test('a configuration whose platforms would repeat past the limit over its CPEs is refused', () => {
    const apps = Array.from({ length: 2_000 }, (_, i) => ({ vulnerable: true, criteria: `cpe:2.3:a:example:widget:1.${i}:*:*:*:*:*:*:*` }));
    const oses = Array.from({ length: 2_000 }, (_, i) => ({ vulnerable: false, criteria: `cpe:2.3:o:example:os:${i}:*:*:*:*:*:*:*` }));
    const record = nvdCve('CVE-2024-8001', { configurations: [{ operator: 'AND', nodes: [{ operator: 'OR', negate: false, cpeMatch: apps }, { operator: 'OR', negate: false, cpeMatch: oses }] }] });
    assert.throws(() => parseNvdCve(record), /running-on platforms repeated over the vulnerable CPEs/);
  });
});

describe('cpeIndexEntries', () => {
  const app = { vulnerable: true, criteria: 'cpe:2.3:a:3cx:3cx:*:*:*:*:*:*:*:*', versionEndExcluding: '18.12.422' };

  test('an AND configuration: the application, with the other node as its running-on platforms', () => {
    const a = parseNvdCve(nvdCve('CVE-2023-0001', { configurations: [runningOn(app, ['cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*', 'cpe:2.3:o:apple:macos:-:*:*:*:*:*:*:*'])] }));
    const entries = cpeIndexEntries(a.cpeConfigurations!);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].key, '3cx:3cx');
    assert.deepEqual(entries[0].payload, {
      type: 'CPE',
      criterion: app,
      platforms: [[{ vulnerable: false, criteria: 'cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*' }, { vulnerable: false, criteria: 'cpe:2.3:o:apple:macos:-:*:*:*:*:*:*:*' }]],
    });
  });

  test('OR configurations have no platforms; non-vulnerable and negated criteria are not indexed; duplicates are kept once', () => {
    const configurations = [
      { nodes: [{ operator: 'OR' as const, negate: false, cpeMatch: [app, app, { vulnerable: false, criteria: 'cpe:2.3:a:3cx:phone_system:*:*:*:*:*:*:*:*' }] }] },
      { nodes: [{ operator: 'OR' as const, negate: true, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:3cx:other:*:*:*:*:*:*:*:*' }] }] },
      { nodes: [{ operator: 'OR' as const, negate: false, cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:don_ho:notepad\\+\\+:8.1:*:*:*:*:*:*:*' }] }] },
    ];
    const entries = cpeIndexEntries(parseNvdCve(nvdCve('CVE-2023-0002', { configurations })).cpeConfigurations!);
    assert.deepEqual(entries.map((e) => [e.key, e.payload.platforms]), [
      ['3cx:3cx', null],
      ['don_ho:notepad++', null],
    ]);
  });

  test('within a node joined by AND, the other criteria are platforms, one each', () => {
    const configurations = [{ nodes: [{ operator: 'AND' as const, negate: false, cpeMatch: [app, { vulnerable: false, criteria: 'cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*' }] }] }];
    const [entry] = cpeIndexEntries(parseNvdCve(nvdCve('CVE-2023-0003', { configurations })).cpeConfigurations!);
    assert.deepEqual(entry.payload.platforms, [[{ vulnerable: false, criteria: 'cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*' }]]);
  });
});

describe('parseNvdDocument', () => {
  test('an API page: every good record, and one error per bad one', () => {
    const page = nvdPage([nvdCve('CVE-2024-0001'), nvdCve('CVE-2024-0002', { lastModified: 7 as never }), nvdCve('CVE-2024-0003')], 2000, 4321);
    const outcome = parseNvdDocument(text(page));
    assert.deepEqual(outcome.items.map((a) => a.id), ['CVE-2024-0001', 'CVE-2024-0003']);
    assert.deepEqual(outcome.errors, [{ record: 'CVE-2024-0002', reason: 'lastModified: expected a string, got number' }]);
    assert.equal(outcome.meta?.totalResults, '4321');
    assert.equal(outcome.meta?.startIndex, '2000');
  });

  test('a single cve object, a { cve } item, an array, and gzip', () => {
    assert.equal(parseNvdDocument(text(nvdCve('CVE-2024-0001'))).items.length, 1);
    assert.equal(parseNvdDocument(text({ cve: nvdCve('CVE-2024-0001') })).items.length, 1);
    assert.equal(parseNvdDocument(text([nvdCve('CVE-2024-0001'), { cve: nvdCve('CVE-2024-0002') }])).items.length, 2);
    assert.equal(parseNvdDocument(gzipSync(text(nvdPage([nvdCve('CVE-2024-0001')])))).items.length, 1);
  });

  test('whole-document problems are FeedFormatErrors', () => {
    assert.throws(() => parseNvdDocument('{"vulnerabilities": [{"cve": {"id": "CVE-2024-0001"'), FeedFormatError);
    assert.throws(() => parseNvdDocument('42'), /an NVD document is a CVE API answer or a cve object, got number/);
    assert.throws(() => parseNvdDocument('{"vulnerabilities": {}}'), /vulnerabilities: expected an array, got object/);
    assert.throws(() => parseNvdDocument('{"CVE_Items": []}'), /NVD 1\.1 data feed/);
    // The KEV catalog in ../shared/data, given to the wrong importer: one answer naming the right one, not an error per entry.
    const kev = readFileSync(new URL('../../../../../shared/data/kev/known_exploited_vulnerabilities.json', import.meta.url));
    assert.throws(() => parseNvdDocument(kev), /CISA KEV catalog, not NVD CVE JSON: import it as kev/);
    assert.throws(() => parseNvdDocument('{"hello": 1}'), /CVE API 2\.0 answer/);
    assert.throws(() => parseNvdDocument(gzipSync(text(nvdPage([nvdCve('CVE-2024-0001')]))).subarray(0, 40)), /gzip input could not be inflated/);
  });

  test('non-object items are record errors', () => {
    const outcome = parseNvdDocument(text({ vulnerabilities: [1, { cve: 'x' }, { cve: nvdCve('CVE-2024-0001') }] }));
    assert.equal(outcome.items.length, 1);
    assert.deepEqual(outcome.errors, [
      { record: 'vulnerabilities[0]', reason: 'expected a cve object, got number' },
      { record: 'vulnerabilities[1]', reason: 'expected a cve object, got string' },
    ]);
  });

  test('deeply nested JSON does not crash', () => {
    const deep = `{"vulnerabilities": [{"cve": ${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`;
    const outcome = parseNvdDocument(deep);
    assert.equal(outcome.items.length, 0);
    assert.equal(outcome.errors.length, 1);
  });

  test('parseFeed reads kind nvd, zip included', async () => {
    assert.equal((await parseFeed('nvd', text(nvdCve('CVE-2024-0001')))).items.length, 1);
    const zip = buildZip([{ name: 'CVE-2024-0001.json', data: text(nvdCve('CVE-2024-0001')) }]);
    assert.equal((await parseFeed('nvd', zip)).items.length, 1);
  });
});

describe('archives and directories', () => {
  test('a zip of pages and single records, gzipped or not; bad entries are errors, the rest import', async () => {
    const zip = buildZip([
      { name: 'nvd/page-0.json', data: text(nvdPage([nvdCve('CVE-2024-0001'), nvdCve('CVE-2024-0002')])) },
      { name: 'nvd/CVE-2024-0003.json.gz', data: gzipSync(text(nvdCve('CVE-2024-0003'))) },
      { name: 'nvd/broken.json', data: '{"id": "CVE-2024-0004", "lastMod' },
      { name: 'nvd/README.md', data: '# not a record' },
      { name: '../escape.json', data: text(nvdCve('CVE-2024-0005')) },
    ]);
    const outcome = await readNvdZip(zip);
    assert.deepEqual(outcome.items.map((a) => a.id).sort(), ['CVE-2024-0001', 'CVE-2024-0002', 'CVE-2024-0003']);
    assert.equal(outcome.errors.length, 2);
    assert.match(outcome.errors.find((e) => e.record.includes('broken'))!.reason, /not valid JSON/);
    assert.ok(outcome.errors.some((e) => e.record.includes('escape')));
  });

  test('a truncated archive is unusable as a whole', async () => {
    const zip = buildZip([{ name: 'a.json', data: text(nvdPage([nvdCve('CVE-2024-0001')])) }]);
    await assert.rejects(readNvdZip(zip.subarray(0, zip.length - 30)), FeedFormatError);
    await assert.rejects(readNvdZip(zip.subarray(0, 20)), FeedFormatError);
  });

  test('a mirror-style directory tree', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nvd-tree-'));
    try {
      await mkdir(join(dir, 'CVE-2023', 'CVE-2023-290xx'), { recursive: true });
      await mkdir(join(dir, '.git'));
      await writeFile(join(dir, 'CVE-2023', 'CVE-2023-290xx', 'CVE-2023-29059.json'), text(nvdCve('CVE-2023-29059')));
      await writeFile(join(dir, 'CVE-2023', 'CVE-2023-290xx', 'CVE-2023-29060.json'), text(nvdCve('CVE-2023-29060', { vulnStatus: 'Rejected' })));
      await writeFile(join(dir, 'CVE-2023', 'CVE-2023-290xx', 'CVE-2023-29061.json'), '[');
      await writeFile(join(dir, '.git', 'x.json'), text(nvdCve('CVE-2023-1')));
      await writeFile(join(dir, '_state.csv'), 'cve,modified\n');
      const progress: number[] = [];
      const outcome = await readNvdDirectory(dir, undefined, { onProgress: (done) => progress.push(done) });
      assert.deepEqual(outcome.items.map((a) => [a.id, a.withdrawn !== null]), [
        ['CVE-2023-29059', false],
        ['CVE-2023-29060', true],
      ]);
      assert.deepEqual(outcome.errors.map((e) => e.record), [join('entry CVE-2023', 'CVE-2023-290xx', 'CVE-2023-29061.json')]);
      assert.deepEqual(progress, [1, 2, 3]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
