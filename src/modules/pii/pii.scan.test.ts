import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { scanBody, scanText, summarize } from './pii.scan.js';
import type { Detection } from './pii.model.js';
import { patternProblems, type CustomPattern } from './pii.patterns.js';

const found = (ds: Detection[], text: string): string[] => ds.map((d) => `${d.type}:${text.slice(d.offset, d.offset + d.length)}:${d.tier}`);
const one = (text: string): Detection | undefined => scanText(text)[0];

test('each detector finds its type in running text, with a masked preview that does not hold the value', () => {
  const cases: [string, string, string][] = [
    ['write to jane.roe@example.org today', 'email', 'jane.roe@example.org'],
    ['call +44 20 7946 0958 now', 'phone', '+44 20 7946 0958'],
    ['office (212) 555-0199', 'phone', '(212) 555-0199'],
    ['paid with 4111 1111 1111 1111', 'payment_card', '4111 1111 1111 1111'],
    ['IBAN: GB82 WEST 1234 5698 7654 32.', 'iban', 'GB82 WEST 1234 5698 7654 32'],
    ['SSN 536-22-8902', 'us_ssn', '536-22-8902'],
    ['NI number: JG 10 37 59 A', 'uk_nino', 'JG 10 37 59 A'],
    ['burgerservicenummer 111222333', 'national_id', '111222333'],
    ['DNI 12345678Z', 'national_id', '12345678Z'],
    ['HETU 131052-308T', 'national_id', '131052-308T'],
    ['from 203.0.113.9 via', 'ip_address', '203.0.113.9'],
    ['client ip 2001:db8:85a3::8a2e:370:7334,', 'ip_address', '2001:db8:85a3::8a2e:370:7334'],
    ['date of birth: 12/03/1985', 'date_of_birth', '12/03/1985'],
    ['key AKIAIOSFODNN7EXAMPLE', 'secret', 'AKIAIOSFODNN7EXAMPLE'],
    ['xoxb-1234567890-abcdefghij ok', 'secret', 'xoxb-1234567890-abcdefghij'],
    [`AIza${'Sy'.repeat(17)}A`, 'secret', `AIza${'Sy'.repeat(17)}A`],
    ['password: hunter2hunter2 token=9fK2qLm8Xz3vB7nW1pR5tY0u', 'secret', '9fK2qLm8Xz3vB7nW1pR5tY0u'],
  ];
  for (const [text, type, value] of cases) {
    const d = scanText(text).find((x) => x.type === type);
    assert.ok(d, `${type} in ${JSON.stringify(text)}: ${JSON.stringify(found(scanText(text), text))}`);
    assert.equal(text.slice(d.offset, d.offset + d.length), value);
    assert.notEqual(d.tier, 'low', `${type} in ${JSON.stringify(text)}`);
    assert.ok(!d.preview.includes(value), `preview ${d.preview} holds the value`);
  }
});

test('a JWT is recognised by its decoded header and payload, not by its shape', () => {
  const seg = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwt = `${seg({ alg: 'HS256', typ: 'JWT' })}.${seg({ sub: '42' })}.c2lnbmF0dXJl`;
  const d = one(`Authorization: Bearer ${jwt}`);
  assert.equal(d?.type, 'jwt');
  assert.equal(d?.subtype, 'HS256');
  assert.equal(d?.length, jwt.length);
  assert.equal(scanText(`eyJub3QiOiJqd3QifQ.${seg({ sub: 1 })}.x`).filter((x) => x.type === 'jwt').length, 0, 'header without alg');
  assert.equal(scanText('eyJhbGciOi.broken.sig').filter((x) => x.type === 'jwt').length, 0, 'header is not JSON');
});

test('near-misses are not detections: Luhn failures, impossible SSNs, invalid IBAN check digits, version numbers', () => {
  for (const text of [
    'card 4111 1111 1111 1112',
    'SSN 666-12-3456',
    'SSN 900-12-3456',
    'IBAN DE89 3704 0044 0532 0130 01',
    'NI AB123456E',
    '1.4111111111111111',
    '41111111111111119999',
    'version 1.2.3.4 released',
    'a@b',
    'logo@2x.png',
    'DNI 12345678A',
  ]) {
    const ds = scanText(text).filter((d) => d.tier !== 'low');
    assert.deepEqual(found(ds, text), [], text);
  }
});

test('context words and JSON field names move the confidence: an order id is not a high-confidence card', async () => {
  const luhnOrderId = '4532015112830366';
  const asCard = await scanBody(Buffer.from(JSON.stringify({ payment: { cardNumber: luhnOrderId } })), { contentType: 'application/json' });
  assert.equal(asCard.detections[0]?.type, 'payment_card');
  assert.equal(asCard.detections[0]?.tier, 'high');
  assert.equal(asCard.detections[0]?.field, 'payment.cardNumber');

  const asOrder = await scanBody(Buffer.from(`{"order_id": ${luhnOrderId}, "orderRef": "${luhnOrderId}"}`), { contentType: 'application/json' });
  assert.ok(asOrder.detections.every((d) => d.tier !== 'high'), JSON.stringify(asOrder.detections));

  const bare = one(`value ${luhnOrderId}`);
  assert.equal(bare?.tier, 'medium', 'a bare Luhn-valid number in a real IIN range is only medium');
  assert.equal(scanText(`tracking number ${luhnOrderId}`).filter((d) => d.tier !== 'low').length, 0);

  // A nine-digit number is a BSN or an SSN only when something says so.
  assert.ok(scanText('ref 111222333').every((d) => d.tier === 'low'));
  assert.equal(one('bsn: 111222333')?.tier, 'high');
  assert.equal(one('ssn: 536228902')?.type, 'us_ssn');

  // A date is a date of birth only near birth words.
  assert.equal(scanText('shipped 1985-03-12').length, 0);
  assert.equal(scanText('{"dob":"1985-03-12"}')[0]?.type, 'date_of_birth');
  const dob = await scanBody(Buffer.from('{"birthDate":"1985-03-12T00:00:00Z","created":"2024-01-02"}'), { contentType: 'application/json' });
  assert.deepEqual(dob.detections.map((d) => d.field), ['birthDate']);
  // ... and when the month is written as a word.
  for (const [text, preview] of [
    ['Patient born 12 March 1985, admitted today.', '** March ****'],
    ['DOB: Mar 12, 1985', 'Mar **, ****'],
    ['date of birth: 3rd of June 1990', '*rd of June ****'],
    ['birthday 12-Mar-1985', '**-Mar-****'],
  ]) assert.deepEqual(scanText(text!).map((d) => [d.type, d.preview]), [['date_of_birth', preview]], text);
  for (const text of ['shipped 12 March 1985', 'born 31 February 1985', 'born March 12, 2099', 'dob 1 Maybe 1985', 'born 12 Marchx 1985']) assert.deepEqual(scanText(text), [], text);
  const named = await scanBody(Buffer.from('{"dateOfBirth":"12 March 1985","shipped":"12 March 2024"}'), { contentType: 'application/json' });
  assert.deepEqual(named.detections.map((d) => [d.type, d.field]), [['date_of_birth', 'dateOfBirth']]);

  // High-entropy values count as secrets under key-like names only.
  const token = 'Zk3h9QpL0mN2xV8bT4rW6yU1';
  const keyed = await scanBody(Buffer.from(`client_secret=${token}&note=${token}`), { contentType: 'application/x-www-form-urlencoded' });
  assert.deepEqual(keyed.detections.map((d) => [d.type, d.field]), [['secret', 'client_secret']]);
});

test('summaries count per type and tier', () => {
  const ds = scanText('a@example.com b@example.com 4111111111111111 card 5555 5555 5555 4444');
  assert.deepEqual(summarize(ds), [
    { type: 'email', tier: 'high', count: 2 },
    { type: 'payment_card', tier: 'medium', count: 1 },
    { type: 'payment_card', tier: 'high', count: 1 },
  ]);
});

test('bodies: JSON with field paths and exact 16-digit numbers, form, multipart, ndjson, text', async () => {
  const json = await scanBody(Buffer.from('{"customers":[{"email":"a@example.com","card":4111111111111111}]}'), { contentType: 'application/json; charset=utf-8' });
  assert.equal(json.format, 'json');
  assert.deepEqual(json.detections.map((d) => [d.type, d.field]), [['email', 'customers[0].email'], ['payment_card', 'customers[0].card']]);

  const form = await scanBody(Buffer.from('name=Jane&email=jane%40example.com&phone=%2B44+20+7946+0958'), { contentType: 'application/x-www-form-urlencoded' });
  assert.equal(form.format, 'form');
  assert.deepEqual(form.detections.map((d) => [d.type, d.field]), [['email', 'email'], ['phone', 'phone']]);

  const boundary = 'XyZ123';
  const multipart = [
    `--${boundary}`,
    'Content-Disposition: form-data; name="meta"',
    'Content-Type: application/json',
    '',
    '{"owner":{"email":"a@example.com"}}',
    `--${boundary}`,
    'Content-Disposition: form-data; name="photo"; filename="p.png"',
    'Content-Type: image/png',
    '',
    '\u0089PNG a@example.com',
    `--${boundary}`,
    'Content-Disposition: form-data; name="note"',
    '',
    'card 4111 1111 1111 1111',
    `--${boundary}--`,
    '',
  ].join('\r\n');
  const mp = await scanBody(Buffer.from(multipart), { contentType: `multipart/form-data; boundary=${boundary}` });
  assert.equal(mp.format, 'multipart');
  assert.equal(mp.error, null);
  assert.deepEqual(mp.detections.map((d) => [d.type, d.field]), [['email', 'meta.owner.email'], ['payment_card', 'note']]);

  const nd = await scanBody(Buffer.from('{"email":"a@example.com"}\n{"ip":"203.0.113.9"}\n'), { contentType: 'application/x-ndjson' });
  assert.deepEqual(nd.detections.map((d) => [d.type, d.field]), [['email', '[0].email'], ['ip_address', '[1].ip']]);

  const sniffed = await scanBody(Buffer.from('{"email":"a@example.com"}'), {});
  assert.equal(sniffed.format, 'json');
  const text = await scanBody(Buffer.from('hello a@example.com'), { contentType: 'text/plain' });
  assert.equal(text.format, 'text');
  assert.equal(text.detections[0]?.offset, 6);
});

test('one pass over a JSON body: escaped strings are read decoded, context stays inside its value, offsets point into the body', async () => {
  // JSON escapes hide what a raw pass would see: "\n+44…" and "\u0040" and "\/" are read decoded
  // (inside such a string, offsets count decoded characters from where the string starts).
  const escaped = '{"note":"call\\n+44 20 7946 0958 or a\\u0040example.com","hook":"https:\\/\\/hooks.slack.com\\/services\\/T0000\\/B0000\\/XXXXXXXXXXXXXXXXXXXXXXXX"}';
  const e = await scanBody(Buffer.from(escaped), { contentType: 'application/json' });
  assert.equal(e.format, 'json');
  assert.deepEqual(e.detections.map((d) => [d.type, d.field, d.offset]), [
    ['phone', 'note', escaped.indexOf('call') + 5],
    ['email', 'note', escaped.indexOf('call') + 25],
    ['secret', 'hook', escaped.indexOf('https')],
  ]);

  // The words before a value in the raw text ("card" of the previous key) are not its context: its own field is.
  const order = '{"payment":"card","order_id":"4111 1111 1111 1111"}';
  const o = await scanBody(Buffer.from(order), { contentType: 'application/json' });
  assert.deepEqual(o.detections.map((d) => [d.type, d.field, d.tier, d.offset]), [['payment_card', 'order_id', 'low', order.indexOf('4111')]]);
  const card = await scanBody(Buffer.from('{"order":"17","card":"4111 1111 1111 1111"}'), { contentType: 'application/json' });
  assert.deepEqual(card.detections.map((d) => [d.field, d.tier]), [['card', 'high']]);

  // Keys are text too: an address used as a key is found (it has no field of its own).
  const keyed = await scanBody(Buffer.from('{"users":{"jane@example.com":{"role":"admin"}}}'), { contentType: 'application/json' });
  assert.deepEqual(keyed.detections.map((d) => [d.type, d.field, d.offset]), [['email', null, 11]]);

  // Many values, few of them personal data: every detection keeps its own field path and body offset.
  const rows = Array.from({ length: 2000 }, (_, i) => (i % 500 === 7 ? { sku: `SKU-${i}`, contact: `buyer${i}@example.com` } : { sku: `SKU-${i}`, qty: i % 9 }));
  const big = JSON.stringify(rows);
  const b = await scanBody(Buffer.from(big), { contentType: 'application/json' });
  assert.deepEqual(
    b.detections.map((d) => [d.field, big.slice(d.offset, d.offset + d.length)]),
    [7, 507, 1007, 1507].map((i) => [`[${i}].contact`, `buyer${i}@example.com`]),
  );
});

test('content-encoding: gzip, deflate (zlib and raw), br and stacked codings are decoded', async () => {
  const raw = Buffer.from(JSON.stringify({ email: 'a@example.com' }));
  for (const [encoding, body] of [
    ['gzip', gzipSync(raw)],
    ['deflate', deflateSync(raw)],
    ['deflate', deflateRawSync(raw)],
    ['br', brotliCompressSync(raw)],
    ['deflate, gzip', gzipSync(deflateSync(raw))],
  ] as const) {
    const r = await scanBody(body, { contentType: 'application/json', contentEncoding: encoding });
    assert.equal(r.error, null, encoding);
    assert.equal(r.detections[0]?.type, 'email', encoding);
  }
});

test('hostile bodies: bombs are cut at the cap with an error, corrupt and binary bodies give clear results, never a throw', async () => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 'a'));
  assert.ok(bomb.length < 200_000);
  const started = Date.now();
  const r = await scanBody(bomb, { contentType: 'text/plain', contentEncoding: 'gzip' }, { maxBytes: 1024 * 1024 });
  assert.ok(Date.now() - started < 5000);
  assert.equal(r.truncated, true);
  assert.match(r.error ?? '', /expands beyond 1048576 bytes/);
  assert.equal(r.scannedBytes, 1024 * 1024);

  const brBomb = await scanBody(brotliCompressSync(Buffer.alloc(32 * 1024 * 1024)), { contentEncoding: 'br' }, { maxBytes: 65536 });
  assert.match(brBomb.error ?? '', /expands beyond/);

  const whole = gzipSync(Buffer.from(Array.from({ length: 2000 }, (_, i) => `user${i}@example.com`).join(' ')));
  const t = await scanBody(whole.subarray(0, whole.length / 2), { contentType: 'text/plain', contentEncoding: 'gzip' });
  assert.match(t.error ?? '', /corrupt or truncated/);
  assert.ok(t.detections.length > 10, 'what decoded before the cut is scanned');

  const garbage = await scanBody(Buffer.from('not gzip at all'), { contentEncoding: 'gzip' });
  assert.match(garbage.error ?? '', /content-encoding gzip/);
  assert.deepEqual(garbage.detections, []);

  const unknown = await scanBody(Buffer.from('x'), { contentEncoding: 'zstd' });
  assert.match(unknown.error ?? '', /"zstd" is not supported/);

  const binary = await scanBody(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0x61, 0x40, 0x62, 0x2e, 0x63, 0x6f]), { contentType: 'application/octet-stream' });
  assert.equal(binary.format, 'binary');
  assert.deepEqual(binary.detections, []);

  const big = await scanBody(Buffer.from(`${'x'.repeat(100)} a@example.com`), {}, { maxBytes: 50 });
  assert.equal(big.truncated, true);
  assert.equal(big.scannedBytes, 50);

  const cut = await scanBody(Buffer.from('{"email":"a@example.com","card":"4111 1111'), { contentType: 'application/json' });
  assert.equal(cut.format, 'text');
  assert.match(cut.error ?? '', /invalid JSON at offset \d+.*scanned as text/);
  assert.equal(cut.detections[0]?.type, 'email');

  const mp = await scanBody(Buffer.from('--b\r\nContent-Disposition: form-data; name="x"\r\n\r\na@example.com and more'), {
    contentType: 'multipart/form-data; boundary=b',
  });
  assert.match(mp.error ?? '', /without its closing boundary/);
  assert.equal(mp.detections[0]?.field, 'x');

  const deep = await scanBody(Buffer.from('['.repeat(100_000)), { contentType: 'application/json' });
  assert.match(deep.error ?? '', /nested deeper than 256/);
});

test('every detector is linear: adversarial inputs of 256 KiB scan within a generous time bound', () => {
  const n = 256 * 1024;
  const inputs: Record<string, string> = {
    'at signs': '@'.repeat(n),
    'local parts': 'a'.repeat(n) + '@',
    'dotted local': 'a.'.repeat(n / 2) + '@x',
    'domain run': 'a@' + 'a'.repeat(n),
    'digits': '1'.repeat(n),
    'spaced digits': '1 '.repeat(n / 2),
    'dashed groups': '1234-'.repeat(n / 5),
    'dotted octets': '1.'.repeat(n / 2),
    'colons': ':'.repeat(n),
    'hex colons': 'a:'.repeat(n / 2),
    'plus digits': '+1'.repeat(n / 2),
    'month names': 'born 12 March '.repeat(n / 14),
    'month-first': 'dob Sept 1'.repeat(n / 10),
    'parens': '(1) '.repeat(n / 4),
    'jwt starts': 'eyJ'.repeat(n / 3),
    'jwt dots': 'eyJ' + 'a.'.repeat(n / 2),
    'pem begins': '-----BEGIN RSA PRIVATE KEY-----'.repeat(n / 31),
    'slack prefixes': 'xoxb-'.repeat(n / 5),
    'akia': 'AKIA'.repeat(n / 4),
    'iban starts': 'DE89 '.repeat(n / 5),
    'nino starts': 'AB12 '.repeat(n / 5),
    'token run': 'aB3'.repeat(n / 3),
    'key tokens': 'key=aB3dE6fG9hJ2kL5mN8pQ '.repeat(n / 25),
    'multiline': 'a\n'.repeat(n / 2),
    // the prefilter's marked characters and what it checks around them
    'underscores': '_'.repeat(n),
    'dashes': '-'.repeat(n),
    'capital As': 'A'.repeat(n),
    'capital Js': 'J'.repeat(n),
    'pem dashes': '-----B'.repeat(n / 6),
    'p letters': 'pas'.repeat(n / 3),
    'prefix triggers': 'ghp_sk-xoxb_AK:'.repeat(n / 15),
    'colon pairs': ':1:'.repeat(n / 3),
    'month years': 'March 1985 '.repeat(n / 11),
    'month-day years': 'born Mar 12, 1985 '.repeat(n / 18),
    'dashed years': 'SKU-12345 '.repeat(n / 10),
  };
  for (const [name, input] of Object.entries(inputs)) {
    const started = performance.now();
    scanText(input);
    const ms = performance.now() - started;
    assert.ok(ms < 3000, `${name}: ${ms.toFixed(0)} ms`);
  }
});

test('hostile structured bodies stay linear too', async () => {
  const n = 256 * 1024;
  const bodies: [string, string, string][] = [
    ['multipart of empty parts', '--b\r\n'.repeat(n / 5), 'multipart/form-data; boundary=b'],
    ['multipart headers without end', '--b\r\nX: y'.repeat(n / 10), 'multipart/form-data; boundary=b'],
    ['form of ampersands', '&'.repeat(n), 'application/x-www-form-urlencoded'],
    ['form of percent signs', 'a=' + '%'.repeat(n), 'application/x-www-form-urlencoded'],
    ['json of strings', '[' + '"a",'.repeat(n / 4) + '"a"]', 'application/json'],
    ['json of escapes', '["' + '\\\\'.repeat(n / 2) + '"]', 'application/json'],
    ['json keys', '{' + '"k":1,'.repeat(n / 6) + '"k":1}', 'application/json'],
  ];
  for (const [name, body, contentType] of bodies) {
    const started = performance.now();
    await scanBody(Buffer.from(body), { contentType });
    const ms = performance.now() - started;
    assert.ok(ms < 3000, `${name}: ${ms.toFixed(0)} ms`);
  }
});

test('custom patterns: only the bounded subset is accepted, and the worst accepted ones stay fast on hostile input', () => {
  const refused: [string, RegExp][] = [
    ['(a+)+b', /non-capturing/],
    ['a+', /unbounded "\+"/],
    ['a*b', /unbounded "\*"/],
    ['a{2,}', /give a maximum/],
    ['a{1,65}', /at most 64/],
    ['(?:ab){2,5}', /only be optional/],
    ['(a)\\1', /non-capturing/],
    ['(?=a)', /non-capturing/],
    ['^abc$', /anchor/],
    ['\\d{0,40}\\d{0,40}', /too many ways/],
    ['[abc', /unterminated/],
    ['?a', /nothing to repeat/],
    ['', /1-200 characters/],
  ];
  for (const [pattern, reason] of refused) {
    const problems = patternProblems([{ name: 'p', pattern }]);
    assert.equal(problems.length, 1, pattern);
    assert.match(problems[0]!.reason, reason, pattern);
  }
  assert.deepEqual(patternProblems([{ name: 'bad name!', pattern: 'x' }, { name: 'c', pattern: 'x', confidence: 2 }]).map((p) => p.field), ['/patterns/0/name', '/patterns/1/confidence']);

  const worst: CustomPattern[] = [
    { name: 'a', pattern: '[a-z0-9]{1,64}@x' },
    { name: 'b', pattern: '(?:\\w{1,8}|\\d{1,8})[-.]?\\w{1,8}Z' },
    { name: 'c', pattern: '\\b(?:EMP|CTR)?-?\\d{6}\\b', caseInsensitive: true },
  ];
  assert.deepEqual(patternProblems(worst), []);
  for (const input of ['a'.repeat(256 * 1024), '1'.repeat(256 * 1024), 'a1-'.repeat(80 * 1024)]) {
    const started = performance.now();
    scanText(input, { patterns: worst });
    const ms = performance.now() - started;
    assert.ok(ms < 5000, `${ms.toFixed(0)} ms`);
  }
  const hits = scanText('id emp-123456 and 654321', { patterns: worst }).filter((d) => d.type === 'custom');
  assert.deepEqual(hits.map((d) => [d.subtype, d.preview, d.tier]), [['c', 'e***', 'high'], ['c', '6***', 'high']]);
});

test('a body with UTF-8 text is read as UTF-8, an ASCII one the same as UTF-8 would read it', async () => {
  const utf8 = '{"kunde":"Jürgen Müller – Straße 5","email":"jürgen@example.de","card":"4111 1111 1111 1111"}';
  const ascii = utf8.normalize('NFD').replace(/[^ -~]/g, '-');
  for (const text of [utf8, ascii]) {
    const { detections, format } = await scanBody(Buffer.from(text, 'utf8'), { contentType: 'application/json' });
    assert.equal(format, 'json');
    // Offsets count characters: read as Latin-1, each "ü" would be two and the card would sit elsewhere.
    assert.ok(detections.some((d) => d.type === 'payment_card' && text.slice(d.offset, d.offset + d.length) === '4111 1111 1111 1111'), `card at its character offset in ${text}`);
  }
});
