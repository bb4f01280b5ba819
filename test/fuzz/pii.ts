// Fuzz target for the personal-data scan (scanBody): mutated JSON, form, multipart, ndjson and text
// bodies, sent plain, compressed (gzip, deflate, br, stacked) or as corrupt/truncated compressed
// streams, under mutated content types. scanBody documents no exception at all: any throw is a
// crash. Contracts: detections lie inside the decoded text, confidences and tiers agree, and a
// preview never holds the value it masks.
import fc from 'fast-check';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { scanBody, scanText } from '../../src/modules/pii/pii.scan.js';
import { tierOf } from '../../src/modules/pii/pii.detectors.js';
import { jsonDocument, mutateText, steps, type FuzzBytes } from './mutate.js';
import { Crash, type Target } from './target.js';

const JSON_SEEDS = [
  { customer: { email: 'jane.roe@example.org', phone: '+44 20 7946 0958', cardNumber: '4111 1111 1111 1111', dob: '1985-03-12' } },
  { order_id: 4532015112830366, iban: 'DE89 3704 0044 0532 0130 00', ssn: '536-22-8902', nino: 'JG 10 37 59 A' },
  [{ bsn: '111222333', dni: '12345678Z', pesel: '44051401359', hetu: '131052-308T', ip: '203.0.113.9' }, { ipv6: '2001:db8::1' }],
  { api_key: 'Zk3h9QpL0mN2xV8bT4rW6yU1', aws: 'AKIAIOSFODNN7EXAMPLE', token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', note: 'password: hunter2hunter2' },
];
const TEXT_SEEDS = [
  'name=Jane&email=jane%40example.com&card=4111+1111+1111+1111&phone=%2B44+20+7946+0958',
  '--b\r\nContent-Disposition: form-data; name="f"\r\nContent-Type: application/json\r\n\r\n{"email":"a@example.com"}\r\n--b\r\nContent-Disposition: form-data; name="g"\r\n\r\nssn 536-22-8902\r\n--b--\r\n',
  '{"email":"a@example.com"}\n{"ip":"203.0.113.9"}\n',
  'Contact jane@example.org, IBAN GB82 WEST 1234 5698 7654 32, -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----',
];
const CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b', 'multipart/form-data', 'application/x-ndjson', 'text/plain', '', 'image/png', 'application/vnd.api+json; charset=utf-8', 'multipart/mixed; boundary="b"'];
const ENCODINGS = ['', 'gzip', 'deflate', 'deflate-raw', 'br', 'deflate, gzip', 'gzip, br', 'identity', 'zstd', 'gzip, gzip, gzip, gzip, gzip'];

export interface PiiInput {
  /** latin1 text of the body before encoding */
  body: string;
  contentType: string;
  contentEncoding: string;
  /** 0: intact, else cut the encoded stream to this fraction (1/n) or flip a byte */
  damage: number;
}

const latin1 = (b: FuzzBytes): string => (typeof b === 'string' ? b : Buffer.from(b).toString('latin1'));

function inputs(): fc.Arbitrary<PiiInput> {
  const body = fc.oneof(
    jsonDocument(JSON_SEEDS, 4, 2),
    fc.record({ seed: fc.constantFrom(...TEXT_SEEDS), text: steps(4) }).map(({ seed, text }) => mutateText(seed, text)),
  );
  return fc.record({
    body: body.map(latin1),
    contentType: fc.oneof(fc.constantFrom(...CONTENT_TYPES), fc.string({ maxLength: 80 })),
    contentEncoding: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ENCODINGS) }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) }),
    damage: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(64) }),
  });
}

function encode(input: PiiInput): { body: Buffer; encoding: string } {
  let body = Buffer.from(input.body, 'latin1');
  const codings = input.contentEncoding.split(',').map((c) => c.trim());
  for (const c of codings) {
    if (c === 'gzip') body = gzipSync(body);
    else if (c === 'deflate') body = deflateSync(body);
    else if (c === 'deflate-raw') body = deflateRawSync(body);
    else if (c === 'br') body = brotliCompressSync(body);
  }
  if (input.damage > 0 && body.length > 0) {
    if (input.damage % 2 === 0) body = body.subarray(0, Math.floor(body.length / (1 + (input.damage % 7))));
    else body = Buffer.concat([body.subarray(0, input.damage % body.length), Buffer.from([body[input.damage % body.length]! ^ 0xff]), body.subarray((input.damage % body.length) + 1)]);
  }
  return { body, encoding: input.contentEncoding.replace('deflate-raw', 'deflate') };
}

async function check(input: PiiInput): Promise<void> {
  const { body, encoding } = encode(input);
  let result;
  try {
    result = await scanBody(body, { contentType: input.contentType, contentEncoding: encoding }, { maxBytes: 256 * 1024 });
  } catch (error) {
    throw new Crash(`scanBody threw: ${(error as Error).message}`);
  }
  if (result.scannedBytes > 256 * 1024) throw new Crash(`scanned ${result.scannedBytes} bytes past the cap`);
  for (const d of result.detections) {
    if (!(d.offset >= 0 && d.length > 0)) throw new Crash(`detection at ${d.offset}+${d.length}`);
    if (!(d.confidence >= 0 && d.confidence <= 1) || tierOf(d.confidence) !== d.tier) throw new Crash(`confidence ${d.confidence} with tier ${d.tier}`);
  }
  // On plain text the masked value is known: the preview must not hold it.
  const text = input.body.slice(0, 64 * 1024);
  for (const d of scanText(text)) {
    const value = text.slice(d.offset, d.offset + d.length);
    if (value.length >= 6 && d.preview.includes(value)) throw new Crash(`preview "${d.preview}" holds the ${d.type} it masks`);
    if (d.offset + d.length > text.length) throw new Crash(`detection ${d.offset}+${d.length} past the end of ${text.length} characters`);
  }
}

export function piiTarget(): Target<PiiInput> {
  return { name: 'pii-scan', kind: 'parser', inputs: async () => inputs(), open: async () => ({ check }) };
}
