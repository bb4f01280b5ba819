import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { FeedFormatError } from '../../advisories/parsers/errors.js';
import { buildZip } from '../../advisories/parsers/test-zip.js';
import {
  analysePattern,
  MAX_BUNDLE_OBJECTS,
  normalizeValue,
  parseCsvMapping,
  parseIocCsv,
  parseMispDocument,
  parsePattern,
  parseStixBundle,
  PatternSyntaxError,
  readMispDirectory,
  readMispZip,
  refang,
  typeByShape,
} from './index.js';
import { STIX_CHECKS, upgrade20 } from './stix.js';

const STIX = fileURLToPath(new URL('../../../../../shared/data/stix/', import.meta.url));
const EXAMPLES = [...readdirSync(`${STIX}examples`).filter((f) => f.endsWith('.json')).map((f) => `${STIX}examples/${f}`), ...readdirSync(`${STIX}examples/threat-reports`).map((f) => `${STIX}examples/threat-reports/${f}`)];

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const indicator = (n: number, pattern: string, extra: Record<string, unknown> = {}) => ({
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--${uuid(n)}`,
  created: '2023-03-29T10:00:00.000Z',
  modified: '2023-03-29T10:00:00.000Z',
  pattern,
  pattern_type: 'stix',
  valid_from: '2023-03-29T10:00:00Z',
  ...extra,
});
const bundle = (objects: unknown[]) => JSON.stringify({ type: 'bundle', id: `bundle--${uuid(0)}`, objects });

/** The OASIS STIX 2.1 schemas, loaded as published (draft 2020-12; ajv needs unicodeRegExp off for their patterns). */
function oasis() {
  const ajv = new Ajv2020({ strict: false, allErrors: false, unicodeRegExp: false });
  ajvFormats.default(ajv);
  const dir = `${STIX}schemas`;
  for (const sub of readdirSync(dir)) for (const f of readdirSync(join(dir, sub))) ajv.addSchema(JSON.parse(readFileSync(join(dir, sub, f), 'utf8')));
  const base = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/';
  return {
    indicator: ajv.getSchema(`${base}sdos/indicator.json`)!,
    identity: ajv.getSchema(`${base}sdos/identity.json`)!,
    'marking-definition': ajv.getSchema(`${base}common/marking-definition.json`)!,
  };
}

describe('STIX bundles', () => {
  test('our structural checks agree with the OASIS schemas on every example object and on broken ones', () => {
    const schemas = oasis();
    const objects: Array<Record<string, any>> = [];
    for (const file of EXAMPLES) {
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      for (const o of doc.type === 'bundle' ? doc.objects : [doc]) if (o.type in schemas) objects.push(o);
    }
    const ind = objects.find((o) => o.type === 'indicator')!;
    const broken = [
      { ...ind, pattern: undefined },
      { ...ind, confidence: 101 },
      { ...ind, confidence: 5.5 },
      { ...ind, valid_from: '2023-03-29 10:00' },
      { ...ind, created: '2016-04-06T20:03:48Z' },
      { ...ind, id: 'indicator--not-a-uuid' },
      { ...ind, id: `malware--${uuid(9)}` },
      { ...ind, spec_version: '3.0' },
      { ...ind, kill_chain_phases: [{ phase_name: 'x' }] },
      { ...ind, kill_chain_phases: [] },
      { ...ind, object_marking_refs: ['tlp:red'] },
      { ...ind, labels: 'malicious' },
      { ...ind, revoked: 'yes' },
    ].map((o) => JSON.parse(JSON.stringify(o)));
    assert.ok(objects.length >= 40, `${objects.length} example objects`);
    for (const o of [...objects, ...broken]) {
      const theirs = (schemas as any)[o.type](o) as boolean;
      const ours = STIX_CHECKS[o.type as 'indicator'](o).ok;
      assert.equal(ours, theirs, `${o.id} ${JSON.stringify(o).slice(0, 200)}: OASIS says ${theirs}, ours ${ours}`);
    }
    assert.ok(objects.every((o) => STIX_CHECKS[o.type as 'indicator'](o).ok), 'every example object is valid');
  });

  test('the OASIS examples import: matchable indicators, unsupported patterns kept with a reason, publisher named', () => {
    const outcomes = Object.fromEntries(EXAMPLES.map((f) => [f.slice(f.lastIndexOf('/') + 1), parseStixBundle(readFileSync(f))]));
    // The Poison Ivy report writes one domain as "domain autuo.xicp.net": that indicator is refused, with the reason.
    assert.deepEqual(outcomes['poisonivy.json'].errors.map((e) => e.reason), ['/pattern: domain-name:value: "domain autuo.xicp.net" is not a domain name']);
    for (const [name, o] of Object.entries(outcomes)) if (name !== 'poisonivy.json') assert.deepEqual(o.errors, [], name);
    const c2 = outcomes['indicators-for-C2-with-COA.json'];
    assert.deepEqual(c2.indicators.map((i) => i.type).sort(), ['ipv4', 'sha256']);
    assert.equal(c2.publisher, 'The MITRE Corporation - DHS Support Team');
    const poison = outcomes['poisonivy.json'];
    assert.ok(poison.indicators.length > 50);
    assert.ok(poison.unsupported.every((u) => u.reason.length > 10));
    const email = outcomes['malicious-email-indicator-with-attachment.json'];
    assert.equal(email.indicators.length, 0);
    assert.equal(email.unsupported.length, 2, 'email-message and file:name patterns are kept, not dropped');
  });

  test('hash names in every spelling feeds use, joined by OR and AND; value types; TLP markings; revoked and invalid objects', () => {
    const sha256 = 'A'.repeat(64);
    const objects = [
      indicator(1, `[file:hashes.'SHA-256' = '${sha256}'] OR [file:hashes.SHA256 = '${'b'.repeat(64)}']`, { object_marking_refs: ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82'], confidence: 80 }),
      indicator(2, `[file:hashes.'SHA256' = '${'c'.repeat(64)}' AND file:hashes.MD5 = '${'d'.repeat(32)}' AND file:hashes.'SHA-1' = '${'e'.repeat(40)}']`),
      indicator(3, "[domain-name:value = 'MSStorageAzure.COM.'] OR [url:value = 'HTTPS://Raw.GitHubusercontent.com/x'] OR [ipv4-addr:value = '203.0.113.7/32'] OR [ipv6-addr:value = '2001:DB8:0:0::1'] OR [email-addr:value = 'Evil@Example.org']"),
      indicator(4, "[file:name = 'd3dcompiler_47.dll']"),
      indicator(5, "[ipv4-addr:value = '203.0.113.0/24']"),
      indicator(6, "[domain-name:value = 'x.example'] WITHIN 300 SECONDS"),
      indicator(7, "rule x { condition: true }", { pattern_type: 'yara' }),
      indicator(8, "[domain-name:value = 'revoked.example']", { revoked: true }),
      indicator(9, "[domain-name:value = 'broken.example'", {}),
      indicator(10, "[domain-name:value = 'fine.example']", { confidence: 200 }),
      { type: 'marking-definition', spec_version: '2.1', id: `marking-definition--${uuid(11)}`, created: '2023-01-01T00:00:00.000Z', name: 'TLP:AMBER+STRICT', extensions: {} },
      indicator(12, "[domain-name:value = 'strict.example']", { object_marking_refs: [`marking-definition--${uuid(11)}`] }),
    ];
    const o = parseStixBundle(bundle(objects));
    const values = o.indicators.map((i) => `${i.type}:${i.value}`);
    assert.deepEqual(values.sort(), [
      `domain:msstorageazure.com`,
      'domain:strict.example',
      `email:evil@example.org`,
      `ipv4:203.0.113.7`,
      `ipv6:2001:db8::1`,
      `md5:${'d'.repeat(32)}`,
      `sha1:${'e'.repeat(40)}`,
      `sha256:${'a'.repeat(64)}`,
      `sha256:${'b'.repeat(64)}`,
      `sha256:${'c'.repeat(64)}`,
      'url:https://raw.githubusercontent.com/x',
    ]);
    assert.equal(o.indicators.find((i) => i.value === 'a'.repeat(64))!.tlp, 'amber');
    assert.equal(o.indicators.find((i) => i.value === 'a'.repeat(64))!.confidence, 80);
    assert.equal(o.indicators.find((i) => i.value === 'strict.example')!.tlp, 'amber+strict');
    assert.deepEqual(o.unsupported.map((u) => u.ref.slice(-2)).sort(), ['04', '05', '06', '07']);
    assert.match(o.unsupported.find((u) => u.ref.endsWith('05'))!.reason, /network range/);
    assert.match(o.unsupported.find((u) => u.ref.endsWith('06'))!.reason, /WITHIN/);
    assert.equal(o.skipped, 1, 'the revoked indicator');
    assert.deepEqual(o.errors.map((e) => e.record.slice(-2)).sort(), ['09', '10']);
    assert.match(o.errors.find((e) => e.record.endsWith('09'))!.reason, /pattern.*ends where/);
    assert.match(o.errors.find((e) => e.record.endsWith('10'))!.reason, /confidence/);
  });

  test('STIX 2.0 bundles (no per-object spec_version, labels as types, unquoted SHA256, seconds precision) are upgraded', () => {
    const doc = {
      type: 'bundle',
      id: `bundle--${uuid(0)}`,
      spec_version: '2.0',
      objects: [
        { type: 'identity', id: `identity--${uuid(1)}`, created: '2017-01-20T00:00:00Z', modified: '2017-01-20T00:00:00Z', name: 'Example CERT', identity_class: 'organization' },
        { type: 'indicator', id: `indicator--${uuid(2)}`, created_by_ref: `identity--${uuid(1)}`, created: '2017-01-20T00:00:00Z', modified: '2017-01-20T00:00:00Z', labels: ['malicious-activity'], pattern: `[file:hashes.SHA256 = '${'f'.repeat(64)}']`, valid_from: '2017-01-20T00:00:00Z', kill_chain_phases: [{ kill_chain_name: 'lockheed-martin-cyber-kill-chain', phase_name: 'delivery' }] },
      ],
    };
    const o = parseStixBundle(JSON.stringify(doc));
    assert.deepEqual(o.errors, []);
    assert.deepEqual(o.indicators.map((i) => [i.type, i.value, i.labels, i.killChain[0].phaseName]), [['sha256', 'f'.repeat(64), ['malicious-activity'], 'delivery']]);
    assert.equal(o.publisher, 'Example CERT');
    assert.deepEqual(upgrade20({ type: 'indicator', created: '2017-01-20T00:00:00.5Z' }).created, '2017-01-20T00:00:00.500Z');
  });

  test('whole-document problems are one clear error', () => {
    const bad: Array<[string | Uint8Array, RegExp]> = [
      ['', /not valid JSON/],
      ['{"type":"bundle"', /not valid JSON/],
      ['[1,2]', /JSON object/],
      ['{"type":"bundle","id":"bundle--x","objects":[]}', /not a STIX bundle: \/id/],
      ['{"type":"report"}', /not a STIX bundle/],
      [new Uint8Array([0xff, 0xfe, 0x00]), /not valid UTF-8/],
      [bundle([indicator(1, "[domain-name:value = 'a.com']", { name: 'x\u0000y' })]), /objects\/0\/name/],
    ];
    for (const [input, reason] of bad) assert.throws(() => parseStixBundle(input), (e: Error) => e instanceof FeedFormatError && reason.test(e.message), String(input).slice(0, 40));
  });

  test('a bundle of 1,000,000 objects is refused as a whole, quickly and without reading the objects', () => {
    const objects = `{"type":"bundle","id":"bundle--${uuid(0)}","objects":[${Array(1_000_000).fill('{}').join(',')}]}`;
    assert.throws(() => parseStixBundle(objects), (e: Error) => e instanceof FeedFormatError && e.message.includes(`over the limit of ${MAX_BUNDLE_OBJECTS}`));
  });
});

describe('STIX patterns', () => {
  test('malformed patterns are syntax errors with a position; deep nesting and huge patterns are refused', () => {
    for (const p of ["[file:hashes.MD5 = 'x'", "file:hashes.MD5 = 'x'", "[file:hashes.MD5 == 'x']", "[file: = 'x']", "[domain-name:value = 'x\\q']", "[a:b = 'x'] AND", "[a:b = 'x'] FOLLOWEDBY", '', "[a:b = 'x'] WITHIN SECONDS"]) {
      assert.throws(() => parsePattern(p), PatternSyntaxError, p);
    }
    assert.throws(() => parsePattern(`${'('.repeat(5000)}[a:b = 'x']${')'.repeat(5000)}`), /nests deeper/);
    assert.throws(() => parsePattern(`[a:b = '${'x'.repeat(70_000)}']`), /over the/);
  });

  test('valid but unmatchable patterns say why; a matchable pattern names each comparison once', () => {
    const cases: Array<[string, RegExp]> = [
      ["[file:hashes.'SHA3-256' = 'abc']", /SHA3-256 is not one of/],
      ["[domain-name:value MATCHES '^evil']", /not an equality/],
      ["[domain-name:value != 'x.com']", /not an equality/],
      ["[ipv4-addr:value IN ('1.2.3.4', '5.6.7.8')]", /not an equality/],
      ["[network-traffic:dst_port = 443]", /not a matchable property/],
      ["[network-traffic:dst_ref.type = 'ipv4-addr']", /names a type, not a value/],
      [`[file:name = 'x.dll' OR file:hashes.MD5 = '${'a'.repeat(32)}']`, /file:name is not a matchable property/],
      ["[domain-name:value = 'a.com'] FOLLOWEDBY [domain-name:value = 'b.com']", /FOLLOWEDBY/],
      ["[file:size = 25536]", /not a matchable property/],
      ["[file:hashes.MD5 = h'00ff']", /not a string|not a matchable/],
    ];
    for (const [p, reason] of cases) {
      const v = analysePattern(p);
      assert.equal(v.supported, false, p);
      assert.match((v as { reason: string }).reason, reason, p);
    }
    const v = analysePattern("([domain-name:value = 'a.com'] OR [domain-name:value = 'A.com.']) AND [url:value = 'hxxp://a[.]com/x']");
    assert.deepEqual(v.supported && v.comparisons, [{ type: 'domain', value: 'a.com' }, { type: 'url', value: 'http://a.com/x' }]);
    assert.throws(() => analysePattern("[domain-name:value = 'not a domain']"), /not a domain name/);
  });
});

describe('values', () => {
  test('refanging, normalising and typing by shape', () => {
    assert.equal(refang('hxxps://evil[.]example(.)com/a'), 'https://evil.example.com/a');
    assert.equal(refang('bad[@]evil[dot]com'), 'bad@evil.com');
    assert.equal(normalizeValue('domain', 'Bücher.Example.'), 'xn--bcher-kva.example');
    assert.equal(normalizeValue('url', 'hXXp://Evil.COM/Path?q=1'), 'http://evil.com/Path?q=1');
    assert.equal(normalizeValue('ipv6', '[2001:0db8::0001]'), '2001:db8::1');
    assert.throws(() => normalizeValue('ipv4', '999.1.1.1'), /not an IPv4/);
    assert.throws(() => normalizeValue('ipv6', 'fe80::1%eth0'), /not an IPv6 address \(a zone id/);
    assert.throws(() => normalizeValue('ipv6', '::%1'), /not an IPv6 address/);
    assert.throws(() => normalizeValue('sha256', 'abc'), /not a SHA256/);
    assert.deepEqual(['a'.repeat(32), 'a'.repeat(40), 'a'.repeat(64), 'a'.repeat(128), 'x.com', '1.2.3.4', '::1', 'a@b.com', 'http://x', 'hello', '2023-01-01'].map(typeByShape), ['md5', 'sha1', 'sha256', 'sha512', 'domain', 'ipv4', 'ipv6', 'email', 'url', null, null]);
  });
});

describe('MISP', () => {
  const event = (uuidN: number, attrs: unknown[], extra: Record<string, unknown> = {}) => ({
    Event: { uuid: uuid(uuidN), info: '3CX supply chain', date: '2023-03-29', Orgc: { name: 'CIRCL' }, Tag: [{ name: 'tlp:green' }, { name: 'misp-galaxy:threat-actor="Lazarus"' }], Attribute: attrs, ...extra },
  });
  const attr = (n: number, type: string, value: string, extra: Record<string, unknown> = {}) => ({ uuid: uuid(100 + n), type, category: 'Network activity', value, to_ids: true, ...extra });

  test('an event: detection attributes of matchable types, objects, composite types, tags as TLP and labels', () => {
    const o = parseMispDocument(
      JSON.stringify(
        event(1, [
          attr(1, 'domain', 'msstorageazure[.]com'),
          attr(2, 'sha256', 'A'.repeat(64), { Tag: [{ name: 'tlp:amber' }] }),
          attr(3, 'filename|md5', `ffmpeg.dll|${'b'.repeat(32)}`),
          attr(4, 'ip-dst|port', '203.0.113.9|443'),
          attr(5, 'domain', 'context.example', { to_ids: false }),
          attr(6, 'mutex', 'Global\\x'),
          attr(7, 'url', 'not a url'),
          attr(8, 'ip-src', '2001:db8::7', { to_ids: '1' }),
        ], { Object: [{ name: 'file', Attribute: [attr(9, 'sha1', 'c'.repeat(40))] }] }),
      ),
    );
    assert.deepEqual(o.indicators.map((i) => `${i.type}:${i.value}:${i.tlp}`).sort(), [
      `domain:msstorageazure.com:green`,
      `ipv4:203.0.113.9:green`,
      `ipv6:2001:db8::7:green`,
      `md5:${'b'.repeat(32)}:green`,
      `sha1:${'c'.repeat(40)}:green`,
      `sha256:${'a'.repeat(64)}:amber`,
    ]);
    assert.equal(o.skipped, 2, 'not for detection, not a matchable type');
    assert.deepEqual(o.errors.map((e) => e.record), [uuid(107)]);
    assert.equal(o.publisher, 'CIRCL');
    assert.ok(o.indicators[0].labels.includes('misp-galaxy:threat-actor="Lazarus"'));
    assert.throws(() => parseMispDocument('{"foo":1}'), /not a MISP event/);
  });

  test('a MISP feed as a directory and as a zip: manifest.json and its event files; a missing event is an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'misp-feed-'));
    try {
      const events = [event(1, [attr(1, 'domain', 'one.example')]), event(2, [attr(2, 'domain', 'two.example')])];
      const manifest = Object.fromEntries([...events.map((e) => [e.Event.uuid, { info: e.Event.info }]), [uuid(3), { info: 'gone' }]]);
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      for (const e of events) writeFileSync(join(dir, `${e.Event.uuid}.json`), JSON.stringify(e));
      const fromDir = await readMispDirectory(dir);
      assert.deepEqual(fromDir.indicators.map((i) => i.value).sort(), ['one.example', 'two.example']);
      assert.deepEqual(fromDir.errors.map((e) => e.record), [uuid(3)]);
      const zip = buildZip([{ name: 'feed/manifest.json', data: JSON.stringify(manifest) }, ...events.map((e) => ({ name: `feed/${e.Event.uuid}.json`, data: JSON.stringify(e) }))]);
      const fromZip = await readMispZip(zip);
      assert.deepEqual(fromZip.indicators.map((i) => i.value).sort(), ['one.example', 'two.example']);
      await assert.rejects(readMispZip(buildZip([{ name: 'x.json', data: '{' }])), FeedFormatError);
      await assert.rejects(readMispZip(Buffer.from('PK\u0003\u0004garbage')), FeedFormatError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CSV IOC lists', () => {
  test('headerless, defanged, a hash triple in one cell, other cells as context', () => {
    const csv = [
      '# 3CX IOCs',
      `"${'a'.repeat(64)},${'b'.repeat(40)},${'c'.repeat(32)}",3CXDesktopApp.msi,2023-03-29`,
      'msstorageazure[.]com,C2',
      'hxxps://raw.githubusercontent[.]com/IconStorages/images/main/icon%d.ico,icon',
      'just a note,nothing here',
    ].join('\n');
    const o = parseIocCsv(csv);
    assert.deepEqual(o.indicators.map((i) => `${i.type}:${i.value}`), [
      `sha256:${'a'.repeat(64)}`,
      `sha1:${'b'.repeat(40)}`,
      `md5:${'c'.repeat(32)}`,
      'domain:msstorageazure.com',
      'url:https://raw.githubusercontent.com/IconStorages/images/main/icon%d.ico',
    ]);
    assert.deepEqual(o.indicators.map((i) => i.ref), ['line 2', 'line 2', 'line 2', 'line 3', 'line 4']);
    assert.deepEqual(o.errors, [{ record: 'line 5', reason: 'no hash, domain, URL, IP address or e-mail address in this row' }]);
  });

  test('a header is detected; vendor type words skip what is not matchable; columns give TLP, confidence, dates, tags', () => {
    const csv = [
      'Indicator;Type;Confidence;TLP;First Seen;Tags',
      'evil-c2.net;hostname;high;amber;2023-03-29 10:00:00;c2,3cx',
      'Global\\3cx;mutex;;;;',
      `${'d'.repeat(64)};FileHash-SHA256;90;;;`,
      'bad@evil-c2[.]net;emailwhois;50%;;;',
      'evil2-c2.net;hostname;200;;;',
      'evil3-c2.net;hostname;;purple;;',
    ].join('\n');
    const o = parseIocCsv(csv);
    assert.deepEqual(o.indicators.map((i) => [i.type, i.value, i.confidence, i.tlp]), [
      ['domain', 'evil-c2.net', 85, 'amber'],
      ['sha256', 'd'.repeat(64), 90, null],
      ['email', 'bad@evil-c2.net', 50, null],
    ]);
    assert.equal(o.indicators[0].validFrom, '2023-03-29T10:00:00.000Z');
    assert.deepEqual(o.indicators[0].labels, ['c2', '3cx']);
    assert.equal(o.skipped, 1);
    assert.deepEqual(o.errors.map((e) => e.record), ['line 6', 'line 7']);
  });

  test('a mapping names the columns; a bad mapping, an unreadable CSV and a header without indicators are whole-file errors', () => {
    const o = parseIocCsv('id,what,obs\n1,x,evil-c2.net\n2,y,10.0.0.1\n', parseCsvMapping('value=obs,description=what'));
    assert.deepEqual(o.indicators.map((i) => [i.value, i.description]), [['evil-c2.net', 'x'], ['10.0.0.1', 'y']]);
    assert.deepEqual(parseIocCsv('a,b\nx,evil-c2.net\n', parseCsvMapping('value=2')).indicators.map((i) => i.value), ['evil-c2.net']);
    assert.throws(() => parseCsvMapping('colour=2'), /FIELD=COLUMN/);
    assert.throws(() => parseIocCsv('a,b\n1,2\n', parseCsvMapping('value=nope')), /no such column/);
    assert.throws(() => parseIocCsv('domain,comment\n"evil-c2.net,unterminated\n'), /cannot be read/);
    assert.throws(() => parseIocCsv('name,comment\nx,y\n'), /no indicator column/);
    assert.throws(() => parseIocCsv(''), /no rows/);
    assert.throws(() => parseIocCsv('evil-c2.net,\u0000\n'), /cannot be stored/);
  });
});

describe('names of Object.prototype members in the input', () => {
  // Found by the fuzzer: a MISP attribute of type "constructor" looked itself up on Object.prototype and crashed the import.
  const names = ['constructor', 'toString', '__proto__', 'hasOwnProperty'];

  test('a MISP attribute type is an unknown type, skipped', () => {
    for (const type of names) {
      const o = parseMispDocument(JSON.stringify({ response: { Attribute: [{ value: 'x', type, to_ids: true }, { value: 'evil-domain.com', type: 'domain', to_ids: true }] } }));
      assert.deepEqual(o.indicators.map((i) => `${i.type}:${i.value}`), ['domain:evil-domain.com'], type);
    }
  });

  test('a CSV header cell is an unknown column', () => {
    const o = parseIocCsv(`${names.join(',')},domain\na,b,c,d,evil-domain.com\n`);
    assert.deepEqual(o.indicators.map((i) => `${i.type}:${i.value}`), ['domain:evil-domain.com']);
  });

  test('a STIX reference type is not an address type', () => {
    for (const type of names) {
      const analysis = analysePattern(`[network-traffic:dst_ref.type = '${type}' AND network-traffic:dst_ref.value = '192.0.2.1']`);
      assert.deepEqual(analysis, { supported: true, comparisons: [{ type: 'ipv4', value: '192.0.2.1' }] }, type);
    }
  });
});
