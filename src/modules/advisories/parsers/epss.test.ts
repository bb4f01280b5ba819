import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { FeedFormatError } from './errors.js';
import { parseEpss, parseEpssStream } from './epss.js';

const SAMPLE = [
  '#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000',
  'cve,epss,percentile',
  'CVE-1999-0001,0.01167,0.77993',
  'CVE-2021-44228,0.94358,0.99952',
  '',
].join('\n');

export function generateEpssCsv(lines: number): string {
  const values = Array.from({ length: 1000 }, (_, i) => (i / 1000).toFixed(5));
  const rows = ['#model_version:v2025.03.14,score_date:2025-08-25T00:00:00Z', 'cve,epss,percentile'];
  for (let i = 0; i < lines; i++) rows.push(`CVE-${2000 + (i % 25)}-${10000 + i},${values[i % 997]},${values[i % 991]}`);
  return `${rows.join('\n')}\n`;
}

describe('parseEpss', () => {
  test('scores and metadata (+0000 score date)', () => {
    assert.deepEqual(parseEpss(SAMPLE), {
      items: [
        { cve: 'CVE-1999-0001', epss: 0.01167, percentile: 0.77993 },
        { cve: 'CVE-2021-44228', epss: 0.94358, percentile: 0.99952 },
      ],
      errors: [],
      meta: { modelVersion: 'v2025.03.14', scoreDate: '2025-08-25T00:00:00Z' },
    });
  });

  test('Z score date, CRLF line ends, gzip input, no comment line', () => {
    const crlf = SAMPLE.replace('+0000', 'Z').replaceAll('\n', '\r\n');
    assert.equal(parseEpss(gzipSync(crlf)).meta?.scoreDate, '2025-08-25T00:00:00Z');
    assert.equal(parseEpss(crlf).items.length, 2);
    assert.deepEqual(parseEpss('cve,epss,percentile\nCVE-2020-0001,0.5,0.5').items, [{ cve: 'CVE-2020-0001', epss: 0.5, percentile: 0.5 }]);
  });

  test('bad lines are reported with their line numbers', () => {
    const text = `${SAMPLE}CVE-2020-1,0.1,0.1\nnot-a-cve,0.1,0.2\nCVE-2020-12345,1.5,0.2\nCVE-2020-12346,0.1\nCVE-2020-12347,abc,0.1\nCVE-2020-12348,0.2,0.3\n`;
    const outcome = parseEpss(text);
    assert.deepEqual(outcome.items.map((s) => s.cve), ['CVE-1999-0001', 'CVE-2021-44228', 'CVE-2020-12348']);
    assert.deepEqual(outcome.errors, [
      { record: 'line 5', reason: "'CVE-2020-1' is not a CVE id" },
      { record: 'line 6', reason: "'not-a-cve' is not a CVE id" },
      { record: 'line 7', reason: "epss '1.5' is not a number between 0 and 1" },
      { record: 'line 8', reason: "percentile '' is not a number between 0 and 1" },
      { record: 'line 9', reason: "epss 'abc' is not a number between 0 and 1" },
    ]);
  });

  test('a file that is not EPSS is unusable', () => {
    assert.throws(() => parseEpss(''), FeedFormatError);
    assert.throws(() => parseEpss('cve,score\nCVE-2020-0001,0.5'), /header/);
    assert.throws(() => parseEpss('{"json": true}'), FeedFormatError);
    const manyBad = `cve,epss,percentile\n${'x,y,z\n'.repeat(2000)}`;
    assert.throws(() => parseEpss(manyBad), /more than 1000 malformed lines/);
  });

  test('a stream without line breaks is refused before it is buffered whole', async () => {
    const endless = (async function* () {
      for (let i = 0; i < 1000; i++) yield 'x'.repeat(16 * 1024);
    })();
    await assert.rejects(parseEpssStream(endless), /longer than 65536 characters/);
  });

  test('10 MB of random garbage is unusable, quickly', () => {
    const garbage = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 251;
    assert.throws(() => parseEpss(garbage), FeedFormatError);
  });

  test('300,000 lines parse completely (speed is measured by npm run bench, feeds-parse)', () => {
    const outcome = parseEpss(generateEpssCsv(300_000));
    assert.equal(outcome.items.length, 300_000);
    assert.equal(outcome.errors.length, 0);
  });
});

describe('parseEpssStream', () => {
  test('chunks split anywhere, including inside a multi-byte character, give the same result', async () => {
    const text = `${SAMPLE}# note: caf\u00e9\nCVE-2022-0001,0.3,0.4\n`;
    const bytes = Buffer.from(text);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
    const seen: string[] = [];
    const outcome = await parseEpssStream(Readable.from(chunks), (score) => seen.push(score.cve));
    assert.deepEqual(seen, ['CVE-1999-0001', 'CVE-2021-44228', 'CVE-2022-0001']);
    assert.deepEqual(outcome.items, []);
    assert.equal(outcome.meta?.note, 'caf\u00e9');
  });
});
