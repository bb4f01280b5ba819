import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { buildCorpus } from '../../../bench/pii-corpus.js';
import { scanBody } from './pii.scan.js';
import type { CustomPattern } from './pii.patterns.js';
import { ScanThreads } from './pii.threads.js';

const pools: ScanThreads[] = [];
const pool = (options: ConstructorParameters<typeof ScanThreads>[0]): ScanThreads => {
  const p = new ScanThreads(options);
  pools.push(p);
  return p;
};
after(() => Promise.all(pools.map((p) => p.close())));

/** The labelled corpus as large bodies of every kind the scan reads, each with personal data in it. */
function bodies(): { name: string; body: Buffer; headers: { contentType: string; contentEncoding?: string } }[] {
  const corpus = buildCorpus(300);
  const json = Buffer.from(JSON.stringify(corpus.filter((b) => b.contentType === 'application/json').map((b) => JSON.parse(b.text) as unknown)));
  const text = Buffer.from(corpus.filter((b) => b.contentType === 'text/plain').map((b) => b.text).join('\n'));
  const form = Buffer.from(corpus.filter((b) => b.contentType.includes('form')).map((b) => b.text).join('&'));
  const boundary = 'xYzZy';
  const multipart = Buffer.from(
    corpus
      .slice(0, 60)
      .map((b, i) => `--${boundary}\r\nContent-Disposition: form-data; name="part${i}"\r\nContent-Type: ${b.contentType}\r\n\r\n${b.text}\r\n`)
      .join('') + `--${boundary}--\r\n`,
  );
  return [
    { name: 'json', body: json, headers: { contentType: 'application/json' } },
    { name: 'json, gzip', body: gzipSync(json), headers: { contentType: 'application/json', contentEncoding: 'gzip' } },
    { name: 'text', body: text, headers: { contentType: 'text/plain' } },
    { name: 'form', body: form, headers: { contentType: 'application/x-www-form-urlencoded' } },
    { name: 'multipart', body: multipart, headers: { contentType: `multipart/form-data; boundary=${boundary}` } },
    { name: 'cut JSON', body: json.subarray(0, 20_000), headers: { contentType: 'application/json' } },
  ];
}

test('a body scanned on a thread gives exactly what the calling thread finds, custom patterns and scan cap included', async () => {
  const threads = pool({ threads: 2 });
  const patterns: CustomPattern[] = [{ name: 'order-ref', pattern: 'ORD-[0-9]{6}', caseInsensitive: false, confidence: 0.9 }];
  for (const { name, body, headers } of bodies()) {
    for (const options of [{ maxBytes: 1024 * 1024 }, { maxBytes: 8192, patterns }]) {
      const here = await scanBody(body, headers, options);
      const there = await threads.scan(body, headers, options);
      assert.ok(here.detections.length > 0 || options.maxBytes < 1024 * 1024, `${name}: the corpus has personal data`);
      assert.deepEqual(there, here, `${name}, cap ${options.maxBytes}`);
    }
  }
  assert.equal(threads.stats.onThread, 0);
  assert.equal(threads.stats.failures, 0);
  const { body, headers } = bodies()[0]!;
  const expected = await scanBody(body, headers, { maxBytes: 1 << 20 });
  // As the ICAP service hands it over: the pieces it arrived in, views of larger buffers (socket reads with chunk framing around them).
  const pieces: Buffer[] = [];
  for (let at = 0, size = 7; at < body.length; at += size, size = Math.min(size * 3, 65_536)) {
    const read = Buffer.concat([Buffer.from('1000\r\n'), body.subarray(at, at + size), Buffer.from('\r\n')]);
    pieces.push(read.subarray(6, read.length - 2));
  }
  assert.ok(pieces.length > 5);
  assert.deepEqual(await threads.scan(pieces, headers, { maxBytes: 1 << 20 }), expected, 'a body in pieces is scanned the same');
  assert.ok(Buffer.concat(pieces).equals(body), 'the pieces are left as they were (the echo writes them back)');
  assert.equal(threads.stats.onThread, 0);
  const view = body.subarray(10);
  assert.deepEqual(await threads.scan(view, headers, { maxBytes: 1 << 20 }), await scanBody(view, headers, { maxBytes: 1 << 20 }), 'a view of a larger buffer');
  assert.equal(view.length, body.length - 10, 'is copied, never moved');
});

test('one thread, bodies of growing then shrinking size: each is scanned as itself, whatever a larger one left in the memory it shares', async () => {
  const threads = pool({ threads: 1 });
  const headers = { contentType: 'text/plain' };
  const card = (n: number) => Buffer.from(`${'x'.repeat(n)} card 4111 1111 1111 1111`);
  for (const size of [10, 70_000, 300_000, 70_000, 10, 0]) {
    const body = size ? card(size) : Buffer.alloc(0);
    assert.deepEqual(await threads.scan(body, headers, { maxBytes: 1 << 20 }), await scanBody(body, headers, { maxBytes: 1 << 20 }), `${size}`);
  }
  assert.equal(threads.stats.offThread, 6);
});

test('the custom patterns in force go with the next scan after they change', async () => {
  const threads = pool({ threads: 1 });
  const body = Buffer.from(`{"note":"${'ORD-123456 TKT-654321 '.repeat(1000)}"}`);
  const first: CustomPattern[] = [{ name: 'order', pattern: 'ORD-[0-9]{6}', caseInsensitive: false, confidence: 0.9 }];
  const second: CustomPattern[] = [{ name: 'ticket', pattern: 'TKT-[0-9]{6}', caseInsensitive: false, confidence: 0.9 }];
  const names = async (patterns: CustomPattern[]) => [...new Set((await threads.scan(body, { contentType: 'application/json' }, { maxBytes: 1 << 20, patterns })).detections.map((d) => d.subtype))];
  assert.deepEqual(await names(first), ['order']);
  assert.deepEqual(await names(second), ['ticket']);
  assert.deepEqual(await names(first), ['order']);
  assert.deepEqual(await names([]), []);
});

test('a full queue scans on the calling thread, a scan past its time fails and its thread is replaced, close waits for running scans', async () => {
  const body = Buffer.from(`{"email":"jane.roe@example.org","rows":"${'x1 '.repeat(200_000)}"}`);
  const headers = { contentType: 'application/json' };
  const expected = await scanBody(body, headers, { maxBytes: 1 << 20 });

  const none = pool({ threads: 1, maxQueue: 0 });
  assert.deepEqual(await none.scan(body, headers, { maxBytes: 1 << 20 }), expected);
  assert.deepEqual(none.stats, { threads: 0, busy: 0, queued: 0, offThread: 0, onThread: 1, failures: 0 });

  const slow = pool({ threads: 1, timeoutMs: 1 });
  await assert.rejects(slow.scan(body, headers, { maxBytes: 1 << 20 }), /took longer than 1 ms/);
  assert.equal(slow.stats.failures, 1);
  assert.equal(slow.stats.threads, 0, 'the thread that did not answer is gone');

  const threads = pool({ threads: 2 });
  const scans = [1, 2, 3, 4, 5].map(() => threads.scan(body, headers, { maxBytes: 1 << 20 }));
  assert.equal(threads.stats.busy, 2);
  assert.equal(threads.stats.queued, 3);
  await threads.close();
  for (const result of await Promise.all(scans)) assert.deepEqual(result, expected);
  assert.equal(threads.stats.threads, 0);
  assert.deepEqual(await threads.scan(body, headers, { maxBytes: 1 << 20 }), expected, 'after close, on the calling thread');
  assert.equal(threads.stats.onThread, 1);
});
