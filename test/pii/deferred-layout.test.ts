// The ICAP decision scans with `detectionsOnly`, which reads a JSON body's structure only when a
// candidate needs it (Layout.deferred). The detections must be exactly those of a scan that reads
// the structure first, for the whole labelled corpus of the PII bench, for generated JSON with
// and without personal data, malformed JSON and JSON with escapes, with custom patterns too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildCorpus } from '../../bench/pii-corpus.js';
import { cleanBody } from '../../bench/suites/icap.bench.js';
import { scanLayout } from '../../src/modules/pii/pii.detectors.js';
import { readBody, scanBody, type CustomPattern } from '../../src/modules/pii/pii.scan.js';

const PATTERNS: CustomPattern[] = [{ name: 'order-ref', pattern: 'ORD-[0-9]{6}', caseInsensitive: false, confidence: 0.9 }];

async function same(body: string, contentType: string, what: string, patterns?: CustomPattern[]): Promise<number> {
  const bytes = Buffer.from(body);
  const eager = await scanBody(bytes, { contentType }, { patterns });
  const lazy = await scanBody(bytes, { contentType }, { patterns, detectionsOnly: true });
  assert.deepEqual(lazy.detections, eager.detections, `${what}: ${JSON.stringify(body.slice(0, 200))}`);
  assert.equal(lazy.truncated, eager.truncated);
  assert.equal(lazy.scannedBytes, eager.scannedBytes);
  return eager.detections.length;
}

test('the labelled corpus: a structure read when needed finds exactly what one read first found', async () => {
  let detections = 0;
  for (const [i, body] of buildCorpus(3000).entries()) {
    detections += await same(body.text, body.contentType, `corpus body ${i}`);
    detections += await same(body.text, body.contentType, `corpus body ${i} with a custom pattern`, PATTERNS);
  }
  assert.ok(detections > 8000, `${detections} detections`);
});

test('generated, malformed and escaped JSON: the same detections; format and error exact once the structure was read', async () => {
  const value = fc.oneof(
    fc.constantFrom('4111 1111 1111 1111', 'jane.roe@example.org', '+44 20 7946 0958', '536-22-8902', 'DE89 3704 0044 0532 0130 00', 'ORD-123456', 'standard shipping', '2024-01-05', 'Zk3h9QpL0mN2xV8bT4rW6yU1', 'a\\u0040b.example', 'x"y'),
    fc.string({ maxLength: 30 }),
    fc.integer(),
  );
  const docs = fc.array(fc.tuple(fc.constantFrom('note', 'card', 'password', 'dob', 'phone', 'ref', 'e\\u006dail'), value), { maxLength: 8 }).map((pairs) => JSON.stringify(Object.fromEntries(pairs)));
  const cut = fc.tuple(docs, fc.nat()).map(([doc, n]) => doc.slice(0, n % (doc.length + 1)));
  await fc.assert(
    fc.asyncProperty(fc.oneof(docs, cut), async (doc) => {
      await same(doc, 'application/json', 'generated');
      await same(doc, 'application/json', 'generated with a custom pattern', PATTERNS);
      await same(doc, '', 'generated, sniffed');
    }),
    { numRuns: 3000, seed: 20261207 },
  );
  // Malformed, and a candidate makes the scan read it: reported as the eager scan reports it.
  const bad = '{"email":"a@example.com","card":"4111 1111';
  const eager = await scanBody(Buffer.from(bad), { contentType: 'application/json' });
  const lazy = await scanBody(Buffer.from(bad), { contentType: 'application/json' }, { detectionsOnly: true });
  assert.deepEqual(lazy, eager);
  assert.equal(lazy.format, 'text');
});

test('a JSON body without candidates is never read for its structure; one with escapes is read at once', async () => {
  const clean = await readBody(cleanBody(64 * 1024), { contentType: 'application/json' }, undefined, { deferJson: true });
  assert.deepEqual(scanLayout(clean.text, clean.layout, [], clean.bytes), []);
  assert.equal(clean.layout.filled, false);
  const card = await readBody(Buffer.from('{"card":"4111 1111 1111 1111"}'), { contentType: 'application/json' }, undefined, { deferJson: true });
  assert.equal(scanLayout(card.text, card.layout, [], card.bytes)[0]?.field, 'card');
  assert.equal(card.layout.filled, true);
  const escaped = await readBody(Buffer.from('{"a":"x\\u0040y"}'), { contentType: 'application/json' }, undefined, { deferJson: true });
  assert.equal(escaped.layout.filled, true);
  assert.equal(escaped.layout.decoded.length, 1);
});
