import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NormalizedAdvisory } from './model.js';
import { FeedFormatError, FeedRecordError } from './errors.js';
import { parseOsvDocuments, parseOsvRecord, readOsvDirectory, readOsvZip } from './osv.js';
import { buildZip } from './test-zip.js';
import { cpuMs, cpuMsAsync } from '../../../../test/support/cpu-time.js';

const GO_ZIP = fileURLToPath(new URL('../../../../../shared/data/osv/Go/all.zip', import.meta.url));

function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schema_version: '1.6.0',
    id: 'GHSA-aaaa-bbbb-cccc',
    modified: '2024-05-01T12:00:00Z',
    published: '2024-04-01T00:00:00Z',
    aliases: ['CVE-2024-0001'],
    summary: 'Prototype pollution in left-pad',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    affected: [
      {
        package: { ecosystem: 'npm', name: 'left-pad', purl: 'pkg:npm/left-pad' },
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.3.1' }] }],
        versions: ['1.0.0', '1.3.0'],
      },
    ],
    references: [{ type: 'ADVISORY', url: 'https://example.com/advisory' }],
    ...overrides,
  };
}

function recordError(fn: () => unknown): FeedRecordError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof FeedRecordError, `expected FeedRecordError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a FeedRecordError');
}

describe('parseOsvRecord', () => {
  test('normalises a complete record', () => {
    assert.deepEqual(parseOsvRecord(record()), {
      id: 'GHSA-aaaa-bbbb-cccc',
      aliases: ['CVE-2024-0001'],
      source: 'osv',
      summary: 'Prototype pollution in left-pad',
      details: null,
      published: '2024-04-01T00:00:00Z',
      modified: '2024-05-01T12:00:00Z',
      withdrawn: null,
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      cvss: { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, rating: 'critical' },
      malicious: false,
      affected: [
        {
          ecosystem: 'npm',
          name: 'left-pad',
          purl: 'pkg:npm/left-pad',
          versions: ['1.0.0', '1.3.0'],
          ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.3.1' }] }],
        },
      ],
      references: ['https://example.com/advisory'],
    });
  });

  test('prefers CVSS v4 and falls back past an invalid vector; per-package severity counts', () => {
    const advisory = parseOsvRecord(
      record({
        severity: [
          { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/garbage' },
          { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N' },
          { type: 'Ubuntu', score: 'medium' },
        ],
      }),
    );
    assert.equal(advisory.cvss?.baseScore, 6.1);
    assert.equal(advisory.severity.length, 3);
    const perPackage = parseOsvRecord(
      record({
        severity: undefined,
        affected: [{ package: { ecosystem: 'PyPI', name: 'x' }, severity: [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' }] }],
      }),
    );
    assert.deepEqual(perPackage.cvss, {
      version: '4.0',
      vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
      baseScore: 9.3,
      rating: 'critical',
    });
  });

  test('malicious-package markers', () => {
    assert.equal(parseOsvRecord(record({ id: 'MAL-2024-1234' })).malicious, true);
    assert.equal(parseOsvRecord(record({ database_specific: { 'malicious-packages-origins': [{ source: 'ghsa-malware' }] } })).malicious, true);
    assert.equal(parseOsvRecord(record({ database_specific: { cwe_ids: ['CWE-506'] } })).malicious, true);
    assert.equal(parseOsvRecord(record({ aliases: ['MAL-2022-7'] })).malicious, true);
    assert.equal(parseOsvRecord(record({ database_specific: { cwe_ids: ['CWE-79'] } })).malicious, false);
  });

  test('keeps unknown ecosystems, ecosystem suffixes, GIT ranges and withdrawn dates', () => {
    const advisory = parseOsvRecord(
      record({
        withdrawn: '2024-06-01T00:00:00Z',
        affected: [
          { package: { ecosystem: 'Debian:12', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }] }] },
          { package: { ecosystem: 'SomeFutureEcosystem', name: 'thing' }, versions: ['1'] },
          { ranges: [{ type: 'GIT', repo: 'https://example.com/repo', events: [{ introduced: '0' }, { limit: 'abc' }] }] },
        ],
      }),
    );
    assert.deepEqual(
      advisory.affected.map((a) => `${a.ecosystem}/${a.name}`),
      ['Debian:12/openssl', 'SomeFutureEcosystem/thing'],
    );
    assert.equal(advisory.withdrawn, '2024-06-01T00:00:00Z');
  });

  test('source is configurable', () => {
    assert.equal(parseOsvRecord(record(), 'osv-mirror').source, 'osv-mirror');
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ['missing id', record({ id: undefined }), /id: required/],
    ['numeric id', record({ id: 42 }), /id: expected a non-empty string/],
    ['id with spaces', record({ id: 'GHSA bad id' }), /not a valid advisory id/],
    ['missing modified', record({ modified: undefined }), /modified: required/],
    ['modified not a timestamp', record({ modified: 'yesterday' }), /not an RFC 3339 timestamp/],
    ['aliases not an array', record({ aliases: 'CVE-1' }), /aliases: expected an array/],
    ['alias not a string', record({ aliases: [1] }), /aliases\[0\]: expected a string/],
    ['summary wrong type', record({ summary: { text: 'x' } }), /summary: expected a string/],
    ['affected not an array', record({ affected: {} }), /affected: expected an array/],
    ['package without name', record({ affected: [{ package: { ecosystem: 'npm' } }] }), /affected\[0\]\.package\.name: required/],
    [
      'range without introduced',
      record({ affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{ fixed: '1.0.0' }] }] }] }),
      /range has no introduced event/,
    ],
    [
      'event with two keys',
      record({ affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0', fixed: '1' }] }] }] }),
      /exactly one of introduced/,
    ],
    [
      'event value not a string',
      record({ affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{ introduced: 0 }] }] }] }),
      /introduced: expected a string/,
    ],
    ['reference without url', record({ references: [{ type: 'WEB' }] }), /references\[0\]\.url: required/],
  ];
  for (const [name, json, reason] of invalid) {
    test(`rejects ${name}`, () => {
      const error = recordError(() => parseOsvRecord(json));
      assert.match(error.reason, reason);
    });
  }

  test('the error names the record', () => {
    assert.equal(recordError(() => parseOsvRecord(record({ modified: 5 }))).record, 'GHSA-aaaa-bbbb-cccc');
    assert.equal(recordError(() => parseOsvRecord('text')).record, '(record)');
  });
});

describe('parseOsvDocuments', () => {
  test('a JSON array: good records kept, bad ones reported by id', () => {
    const outcome = parseOsvDocuments(JSON.stringify([record(), record({ id: 'GHSA-2', modified: null }), record({ id: 'GHSA-3' })]));
    assert.deepEqual(outcome.items.map((a) => a.id), ['GHSA-aaaa-bbbb-cccc', 'GHSA-3']);
    assert.deepEqual(outcome.errors, [{ record: 'GHSA-2', reason: 'modified: required' }]);
  });

  test('an OSV API answer ({ vulns })', () => {
    assert.equal(parseOsvDocuments({ vulns: [record()] }).items.length, 1);
  });

  test('YAML records', () => {
    const yaml = [
      'id: PYSEC-2021-1',
      'modified: 2021-01-01T00:00:00Z',
      'aliases: [CVE-2021-1]',
      'affected:',
      '  - package: {ecosystem: PyPI, name: requests}',
      '    ranges:',
      '      - type: ECOSYSTEM',
      '        events: [{introduced: "0"}, {fixed: "2.20.0"}]',
    ].join('\n');
    const [advisory] = parseOsvDocuments(yaml).items;
    assert.equal(advisory.id, 'PYSEC-2021-1');
    assert.equal(advisory.modified, '2021-01-01T00:00:00Z');
    assert.deepEqual(advisory.affected[0].ranges[0].events, [{ introduced: '0' }, { fixed: '2.20.0' }]);
  });

  test('YAML billion laughs is refused quickly', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const [prev, name] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const ms = cpuMs(() => assert.throws(() => parseOsvDocuments(levels.join('\n'), { format: 'yaml' }), FeedFormatError));
    assert.ok(ms < 1000, `${ms.toFixed(0)} ms of CPU`);
  });

  test('YAML language tags and merge keys are not interpreted', () => {
    assert.throws(() => parseOsvDocuments('id: X-1\nmodified: !!binary aGVsbG8=', { format: 'yaml' }), /Unresolved tag/);
    assert.throws(() => parseOsvDocuments('id: !!js/function "() => 1"', { format: 'yaml' }), FeedFormatError);
    assert.throws(() => parseOsvDocuments('id: X-1\nid: X-2', { format: 'yaml' }), /unique/);
  });

  // Found by npm run fuzz: closed brackets 5,000 deep made the yaml package abort the process (V8's
  // regexp compiler ran out of memory), and a 190 KB map of 20,000 keys took 22 s in its uniqueKeys check.
  test('YAML nested thousands of brackets deep is refused before the yaml package sees it', () => {
    assert.throws(() => parseOsvDocuments(`id: ${'['.repeat(5000)}${']'.repeat(5000)}`, { format: 'yaml' }), /brackets nested 5000 deep/);
    assert.throws(() => parseOsvDocuments(`id: ${'{a: '.repeat(100)}1${'}'.repeat(100)}`, { format: 'yaml' }), /nested 100 deep/);
    // Thousands of empty flow collections side by side (11 KB of them took 1.4 s).
    assert.throws(() => parseOsvDocuments(`id: X-1\nimports: ${'[]'.repeat(5000)}`, { format: 'yaml' }), /5000 bracketed collections/);
  });

  test('YAML duplicate keys are found in nested maps too, and big YAML documents are refused', () => {
    assert.throws(() => parseOsvDocuments('id: X-1\naffected:\n  - package: {name: a, name: b}\n', { format: 'yaml' }), /"name" repeats/);
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: v`).join('\n');
    assert.throws(() => parseOsvDocuments(keys, { format: 'yaml' }), /limited to 128 KiB/);
  });

  test('unusable documents are FeedFormatErrors', () => {
    assert.throws(() => parseOsvDocuments('{"id": "truncated'), FeedFormatError);
    assert.throws(() => parseOsvDocuments('42'), FeedFormatError);
    assert.throws(() => parseOsvDocuments('"a string"'), FeedFormatError);
  });

  test('non-object array elements are record errors', () => {
    const outcome = parseOsvDocuments(JSON.stringify([1, record()]));
    assert.equal(outcome.items.length, 1);
    assert.deepEqual(outcome.errors, [{ record: '(record)', reason: 'expected an object, got number' }]);
  });
});

describe('readOsvZip on the real Go all.zip', () => {
  const advisories: NormalizedAdvisory[] = [];
  const progress: Array<[number, number]> = [];
  let outcome: Awaited<ReturnType<typeof readOsvZip>>;
  before(async () => {
    outcome = await readOsvZip(GO_ZIP, (advisory) => void advisories.push(advisory), {
      onProgress: (done, total) => progress.push([done, total]),
    });
  });

  test('all 4,291 records parse with no errors, streamed to the callback with progress', () => {
    assert.deepEqual(outcome.errors, []);
    assert.equal(advisories.length, 4291);
    assert.equal(new Set(advisories.map((a) => a.id)).size, 4291);
    assert.deepEqual(outcome.items, [], 'records went to the callback');
    assert.deepEqual(outcome.meta, { entries: '4291', records: '4291' });
    assert.deepEqual(progress.at(-1), [4291, 4291]);
  });

  test('content of a known record (GO-2024-2687, HTTP/2 CONTINUATION flood)', () => {
    const advisory = advisories.find((a) => a.id === 'GO-2024-2687')!;
    assert.deepEqual(advisory.aliases, ['CVE-2023-45288', 'GHSA-4v7x-pqxf-cx7m']);
    assert.deepEqual(
      advisory.affected.map((a) => [a.ecosystem, a.name, a.ranges[0].events]),
      [
        ['Go', 'stdlib', [{ introduced: '0' }, { fixed: '1.21.9' }, { introduced: '1.22.0-0' }, { fixed: '1.22.2' }]],
        ['Go', 'golang.org/x/net', [{ introduced: '0' }, { fixed: '0.23.0' }]],
      ],
    );
    assert.equal(advisory.references[0], 'https://go.dev/issue/65051');
    assert.equal(advisories.filter((a) => a.withdrawn !== null).length, 17);
  });

  test('a truncated archive is unusable as a whole', async () => {
    const bytes = await readFile(GO_ZIP);
    await assert.rejects(readOsvZip(bytes.subarray(0, bytes.length / 2)), FeedFormatError);
    await assert.rejects(readOsvZip(bytes.subarray(0, bytes.length - 100)), FeedFormatError);
  });
});

describe('readOsvZip on hostile archives', () => {
  const good = JSON.stringify(record());
  /** Over the default 16 MiB entry limit, deflating to about 20 KB. */
  const BOMB_BYTES = 20 * 1024 * 1024;

  test('zip slip names become record errors and the rest continues', async () => {
    const zip = buildZip([
      { name: '../../etc/evil.json', data: good },
      { name: '/abs/evil.json', data: good },
      { name: 'C:\\evil.json', data: good },
      { name: 'a\\..\\..\\evil.json', data: good },
      { name: 'ok/GHSA-1.json', data: good },
    ]);
    const outcome = await readOsvZip(zip);
    assert.equal(outcome.items.length, 1);
    assert.deepEqual(
      outcome.errors.map((e) => e.record),
      ['entry ../../etc/evil.json', 'entry /abs/evil.json', 'entry C:/evil.json', 'entry a/../../evil.json'],
    );
    assert.match(outcome.errors[0].reason, /'\.\.' path segment/);
    assert.match(outcome.errors[1].reason, /absolute path/);
  });

  test('zip bomb: an honest declared size over the entry limit is refused without inflating', async () => {
    const zip = buildZip([{ name: 'bomb.json', data: Buffer.alloc(BOMB_BYTES) }, { name: 'GHSA-1.json', data: good }]);
    assert.ok(zip.length < 64 * 1024, 'the bomb compresses to almost nothing');
    const outcome = await readOsvZip(zip);
    assert.equal(outcome.items.length, 1);
    assert.match(outcome.errors[0].reason, /declared size 20971520 bytes exceeds/);
  });

  test('zip bomb: a lying declared size is caught by counting inflated bytes', async () => {
    const zip = buildZip([{ name: 'bomb.json', data: Buffer.alloc(BOMB_BYTES), declaredSize: 100 }, { name: 'GHSA-1.json', data: good }]);
    const outcome = await readOsvZip(zip);
    assert.equal(outcome.items.length, 1);
    assert.deepEqual(outcome.errors, [{ record: 'entry bomb.json', reason: `inflates beyond the ${16 * 1024 * 1024}-byte entry limit` }]);
    const small = buildZip([{ name: 'liar.json', data: good, declaredSize: 3 }]);
    assert.match((await readOsvZip(small, undefined, { limits: { maxEntryBytes: 1 << 20 } })).errors[0].reason, /declares 3/);
  });

  test('total inflated size and entry count are capped for the whole archive', async () => {
    const zip = buildZip(Array.from({ length: 5 }, (_, i) => ({ name: `GHSA-${i}.json`, data: good })));
    await assert.rejects(readOsvZip(zip, undefined, { limits: { maxTotalBytes: good.length * 3 } }), /total limit/);
    await assert.rejects(readOsvZip(zip, undefined, { limits: { maxEntries: 4 } }), /5 entries, more than the limit of 4/);
  });

  test('entries that make the reader jump back and forth across the archive are refused', async () => {
    const filler = { name: 'filler.bin', data: Buffer.alloc(2 * 1024 * 1024, 7), stored: true };
    const entries = [{ name: 'a.json', data: good }, filler, { name: 'b.json', data: good }, filler, { name: 'c.json', data: good }];
    const scattered = Array.from({ length: 30_000 }, (_, i) => [0, 2, 4][i % 3]);
    const ms = await cpuMsAsync(() => assert.rejects(readOsvZip(buildZip(entries, scattered)), /scattered or overlapping/));
    assert.ok(ms < 2000, `${ms.toFixed(0)} ms of CPU`);
    assert.equal((await readOsvZip(buildZip(entries))).items.length, 3, 'the same entries in order are fine');
  });

  test('a corrupt entry is a record error; bad JSON and bad records too', async () => {
    const zip = buildZip([
      { name: 'a.json', data: good },
      { name: 'b.json', data: JSON.stringify(record({ id: 'GHSA-b' })) },
      { name: 'c.json', data: '{ not json' },
      { name: 'd.json', data: JSON.stringify(record({ id: 'GHSA-d', modified: 3 })) },
      { name: 'notes.txt', data: 'ignored' },
      { name: 'dir/', data: '' },
    ]);
    const second = zip.indexOf(Buffer.from('b.json')) + 'b.json'.length;
    zip.fill(0xff, second, second + 20);
    const outcome = await readOsvZip(zip);
    assert.deepEqual(outcome.items.map((a) => a.id), ['GHSA-aaaa-bbbb-cccc']);
    assert.deepEqual(
      outcome.errors.map((e) => e.record),
      ['entry b.json', 'entry c.json', 'GHSA-d'],
    );
  });

  test('10 MB of garbage is not a zip', async () => {
    const garbage = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < garbage.length; i += 4) garbage.writeUInt32LE((i * 2654435761) >>> 0, i);
    await assert.rejects(readOsvZip(garbage), FeedFormatError);
  });
});

describe('readOsvDirectory', () => {
  test('reads JSON and YAML recursively, skipping hidden folders and symlinks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'osv-dir-'));
    try {
      await mkdir(join(dir, 'npm', 'nested'), { recursive: true });
      await mkdir(join(dir, '.github'));
      await writeFile(join(dir, 'npm', 'GHSA-1.json'), JSON.stringify(record({ id: 'GHSA-1' })));
      await writeFile(join(dir, 'npm', 'nested', 'PYSEC-2.yaml'), 'id: PYSEC-2\nmodified: "2021-01-01T00:00:00Z"\n');
      await writeFile(join(dir, 'npm', 'broken.json'), '{');
      await writeFile(join(dir, '.github', 'workflow.yml'), 'on: push');
      await writeFile(join(dir, 'README.md'), '# not a record');
      await symlink(join(dir, 'npm'), join(dir, 'loop'));
      const progress: number[] = [];
      const outcome = await readOsvDirectory(dir, undefined, { onProgress: (done) => progress.push(done) });
      assert.deepEqual(outcome.items.map((a) => a.id).sort(), ['GHSA-1', 'PYSEC-2']);
      assert.deepEqual(outcome.errors.map((e) => e.record), [join('entry npm', 'broken.json')]);
      assert.deepEqual(progress, [1, 2, 3]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
