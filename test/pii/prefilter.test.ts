// Differential test of the scan's prefilter: the detectors in src (anchors from one walk through a
// class table) must find exactly what the detectors did before it (whole-text regexes, indexOf and
// a separate walk over every character; test/pii/reference-detectors.ts): the same type, subtype,
// offset, length, confidence, tier, preview and field, in the same order, for the whole labelled
// corpus of the PII bench, every string of the PII test files, and generated adversarial texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { buildCorpus } from '../../bench/pii-corpus.js';
import { scanLayout } from '../../src/modules/pii/pii.detectors.js';
import { Layout } from '../../src/modules/pii/pii.layout.js';
import { readBody } from '../../src/modules/pii/pii.scan.js';
import { referenceScanLayout } from './reference-detectors.js';

/** Scans a body both ways; returns how many detections both found (they must be the same ones). */
async function same(body: string, contentType: string, what: string): Promise<number> {
  const read = await readBody(Buffer.from(body), { contentType });
  if (read.format === 'binary') return 0;
  const before = referenceScanLayout(read.text, read.layout, [], read.bytes);
  const after = scanLayout(read.text, read.layout, [], read.bytes);
  assert.deepEqual(after, before, `${what} (${contentType}): ${JSON.stringify(body.slice(0, 200))}`);
  return after.length;
}

/** Plain text both ways, through a layout of one value (what scanText and text bodies use). */
function sameText(text: string, what: string): number {
  const before = referenceScanLayout(text, Layout.whole(text.length, 0, null), []);
  const after = scanLayout(text, Layout.whole(text.length, 0, null), []);
  assert.deepEqual(after, before, `${what}: ${JSON.stringify(text.slice(0, 200))}`);
  return after.length;
}

test('the labelled corpus of the PII bench: the prefilter finds exactly what the whole-text detectors found', async () => {
  const corpus = buildCorpus(3000);
  let detections = 0;
  for (const [i, body] of corpus.entries()) {
    detections += await same(body.text, body.contentType, `corpus body ${i}`);
    // The same body as plain text: no layout, context from the words only.
    detections += sameText(body.text, `corpus body ${i} as text`);
  }
  // The corpus is full of personal data: an empty comparison would prove nothing.
  assert.ok(detections > 8000, `${detections} detections`);
});

test('every string of the PII test files, alone, after a context word, and as a JSON value', async () => {
  const sources = ['src/modules/pii/pii.scan.test.ts', 'src/modules/pii/pii.validators.test.ts', 'test/fuzz/pii.ts'].map((f) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8'));
  const strings = new Set<string>();
  for (const source of sources) for (const m of source.matchAll(/'((?:[^'\\\n]|\\.){6,})'/g)) strings.add(m[1]!.replace(/\\n/g, '\n').replace(/\\'/g, "'").replace(/\\\\/g, '\\'));
  assert.ok(strings.size > 150, `${strings.size} strings`);
  let detections = 0;
  for (const s of strings) {
    detections += sameText(s, 'test string');
    for (const word of ['card', 'phone', 'ssn', 'dob', 'born', 'iban', 'ip', 'token', 'password', 'order']) detections += sameText(`${word}: ${s}`, `test string after ${word}`);
    for (const key of ['value', 'cardNumber', 'password', 'birth_date', 'api_key']) detections += await same(JSON.stringify({ [key]: s, note: `${s} x` }), 'application/json', `test string under ${key}`);
  }
  assert.ok(detections > 300, `${detections} detections`);
});

/** Pieces that start, continue or break every detector's anchors, and the characters around them. */
const PIECES = [
  ...'0123456789 -_.,:;/+=@()[]{}"\'\n\tAaBbJjPpXYZdeyüé'.split(''),
  '4111 1111 1111 1111', '4111-1111-1111-1111', '536-22-8902', '123 45 6789', '+44 20 7946 0958', '(212) 555-0199', '555.0199',
  'jane.roe@example.org', '@example.com', 'a@b.png', '203.0.113.9', '10.0.0.1', '2001:db8::1', 'fe80::', '::', ':abcd:', 'ff02::1:2',
  'DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'JG 10 37 59 A', 'AB12', 'X1234567L', 'Z', '12345678Z', '111222333', '44051401359',
  '131052-308T', '19850312-1234', '850312+1234',
  'AKIA', 'AKIAIOSFODNN7EXAMPLE', 'ASIA', 'AIza', 'ghp_', 'github_pat_', 'xoxb-', 'xox', 'https://hooks.slack.com/services/', 'https:', 'sk_live_', 'rk_live_', 'sk_test_', 'glpat-', 'npm_', 'sk-proj-', 'sk-ant-', 'sk-',
  'Zk3h9QpL0mN2xV8bT4rW6yU1', 'eyJ', 'eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiIxIn0', '.c2ln', '-----BEGIN ', '-----BEGIN RSA PRIVATE KEY-----', '-----END RSA PRIVATE KEY-----', 'MIIE',
  'pass', 'PASS', 'pwd', 'Pwd', 'password', 'passwd', 'secret', 'api_key', 'token', 'key',
  'March', 'mar.', 'Sept', 'september', 'may', 'Dec', '12th', ' of ', '1985', '1990-05-12', '12/03/1985', '1990-05-12T00:00:00Z', 'dob', 'born', 'birth', 'geb',
  'card', 'phone', 'tel', 'ssn', 'iban', 'order', 'ip', 'version',
];

test('generated texts from the pieces of every detector: the same detections both ways, as text and as JSON', async () => {
  const text = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 40 }).map((parts) => parts.join(''));
  fc.assert(fc.property(text, (t) => void sameText(t, 'generated')), { numRuns: 3000, seed: 20261207 });
  const values = fc.array(fc.tuple(fc.constantFrom('value', 'card', 'password', 'dob', 'token', 'ip', 'phone'), text), { minLength: 1, maxLength: 6 });
  await fc.assert(
    fc.asyncProperty(values, async (pairs) => {
      await same(JSON.stringify(Object.fromEntries(pairs)), 'application/json', 'generated JSON');
    }),
    { numRuns: 1000, seed: 20261207 },
  );
});

test('adversarial repetitions: the same detections both ways', () => {
  const n = 16 * 1024;
  for (const unit of ['@', 'a.', '1', '1 ', '1234-', '1.', ':', 'a:', '+1', 'born 12 March ', 'dob Sept 1', 'Mar 12, 1985 ', '(1) ', 'eyJ', 'eyJa.', '-----BEGIN RSA PRIVATE KEY-----', 'xoxb-', 'AKIA', 'DE89 ', 'AB12 ', 'X1', 'key=aB3dE6fG9hJ2kL5mN8pQ ', 'pass', 'p', '_', '-', 'A', 'B', 'J', 'ghp_', 'sk-ant-', '==']) {
    sameText(unit.repeat(Math.ceil(n / unit.length)), `repeated ${JSON.stringify(unit)}`);
  }
});
