// The shapes of public threat-intel files (abuse.ch exports, MISP feeds and exports, MITRE ATT&CK,
// OpenCTI and MISP-STIX bundles), rebuilt with invented values in test-feeds.ts, read through the
// entry point the import uses: every indicator counted and typed, nothing dropped without a count.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FeedFormatError } from '../../advisories/parsers/errors.js';
import { buildZip } from '../../advisories/parsers/test-zip.js';
import { parseCsvMapping, parseIndicatorDocument, readMispDirectory, type IndicatorFeedKind, type IndicatorOutcome } from './index.js';
import * as feeds from './test-feeds.js';

const read = (kind: IndicatorFeedKind, body: string | Uint8Array, columns?: string) => parseIndicatorDocument(kind, typeof body === 'string' ? Buffer.from(body) : body, { columns: parseCsvMapping(columns) });
const values = (o: IndicatorOutcome) => [...new Set(o.indicators.map((i) => `${i.type}:${i.value}`))].sort();

describe('abuse.ch exports', () => {
  test('URLhaus CSV: the header is the comment above the rows; the URLhaus link and reporter are no indicators', async () => {
    for (const withLastOnline of [true, false]) {
      const o = await read('csv-iocs', feeds.urlhausCsv({ withLastOnline }));
      assert.deepEqual([o.errors, o.skipped, o.unsupported.length], [[], 0, 0]);
      assert.deepEqual(values(o), feeds.URLHAUS_URLS.map((u) => `url:${u}`).sort());
      const first = o.indicators.find((i) => i.value.includes('bin.sh'))!;
      assert.deepEqual([first.validFrom, first.description, first.labels], ['2026-04-14T16:02:21.000Z', 'malware_download', ['32-bit', 'elf', 'mips', 'Mozi']]);
      assert.deepEqual(o.indicators.find((i) => i.value.includes('a.ps1'))!.labels, [], '"None" is an empty cell');
    }
    const mapped = await read('csv-iocs', feeds.urlhausCsv(), 'value=url,labels=tags');
    assert.equal(mapped.indicators.length, 3, 'a mapping may name the columns of a commented header');
  });

  test('MalwareBazaar CSV: each row one file, its SHA-256, MD5 and SHA-1; imphash, ssdeep and TLSH are not read; a short commented header', async () => {
    for (const shortHeader of [false, true]) {
      const o = await read('csv-iocs', feeds.bazaarCsv({ shortHeader }));
      assert.deepEqual(o.errors, []);
      assert.deepEqual(values(o), [...feeds.BAZAAR_VALUES].sort());
      assert.ok(!o.indicators.some((i) => i.value === feeds.md5('imphash bazaar one')));
      assert.deepEqual(o.indicators.filter((i) => i.ref === o.indicators[0].ref).map((i) => i.type), ['sha256', 'md5', 'sha1']);
      assert.deepEqual(o.indicators.map((i) => i.description), ['AgentTesla', 'AgentTesla', 'AgentTesla', null, null, null], 'n/a is empty');
      assert.equal(o.indicators[0].validFrom, '2026-10-05T00:42:15.000Z');
    }
  });

  test('ThreatFox CSV and JSON: ip:port is the address, the reference URL is no IOC, malware_printable describes, confidence_level counts', async () => {
    const o = await read('csv-iocs', feeds.threatfoxCsv());
    assert.deepEqual(o.errors, []);
    assert.deepEqual(values(o), [...feeds.THREATFOX_VALUES].sort());
    const ip = o.indicators.find((i) => i.value === '203.0.113.36')!;
    assert.deepEqual([ip.confidence, ip.description, ip.validFrom, ip.labels], [75, 'Cobalt Strike', '2026-07-04T21:46:30.000Z', ['CobaltStrike']]);
    assert.ok(!o.indicators.some((i) => i.value.includes('twitter.com') || i.value.includes('bazaar.abuse.ch')));

    const json = await read('csv-iocs', feeds.threatfoxJson());
    assert.deepEqual(json.errors, []);
    assert.deepEqual(values(json), ['domain:vshell-panel.example.com', 'ipv4:198.51.100.40', `sha256:${feeds.sha256('vshell')}`]);
    assert.deepEqual(json.indicators.map((i) => [i.ref, i.description, i.confidence]), [['1952028', 'VShell', 100], ['1952029', 'VShell', 100], ['1952030', 'VShell', 100]]);
    assert.deepEqual(json.indicators[0].labels, ['vshell', 'c2']);

    const api = await read('csv-iocs', feeds.threatfoxApiJson());
    assert.deepEqual(api.indicators.map((i) => [i.type, i.value, i.validFrom, i.labels]), [['domain', 'gate.example.org', '2026-10-05T02:05:04.000Z', ['pikabot', 'c2']]]);
  });

  test('URLhaus JSON export: keyed by id, tag lists, " UTC" dates', async () => {
    const o = await read('csv-iocs', feeds.urlhausJson());
    assert.deepEqual(o.errors, []);
    assert.deepEqual(values(o), ['url:http://198.51.100.24:41000/i', 'url:https://payload-drop.example.net/x.zip']);
    assert.deepEqual([o.indicators[0].validFrom, o.indicators[0].labels], ['2026-04-14T16:02:21.000Z', ['elf', 'mips']]);
  });

  test('Feodo Tracker CSV and plain address lists: comments, stray spaces, a CIDR block kept unsupported, a UTF-8 or UTF-16 byte order mark', async () => {
    const csv = await read('csv-iocs', feeds.feodoCsv());
    assert.deepEqual([csv.errors, values(csv)], [[], ['ipv4:192.0.2.73', 'ipv4:198.51.100.155', 'ipv4:203.0.113.211']]);
    assert.deepEqual([csv.indicators[2].description, csv.indicators[2].validFrom], ['QakBot', '2025-12-30T13:56:31.000Z']);

    const list = feeds.ipList();
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(list.replaceAll('\n', '\r\n'), 'utf16le')]);
    for (const body of [list, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(list)]), utf16]) {
      const o = await read('csv-iocs', body);
      assert.deepEqual(o.errors, []);
      assert.deepEqual(values(o), ['ipv4:192.0.2.44', 'ipv4:198.51.100.9', 'ipv6:2001:db8::44']);
      assert.deepEqual(o.unsupported.map((u) => [u.pattern, u.patternType]), [['203.0.113.0/24', 'cidr']]);
      assert.match(o.unsupported[0].reason, /network range/);
    }
    const tabbed = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Indicator\tType\r\nrelay-c2.example.org\thostname\r\n', 'utf16le')]);
    assert.deepEqual(values(await read('csv-iocs', tabbed)), ['domain:relay-c2.example.org']);
  });
});

describe('MISP', () => {
  test('a CIRCL OSINT feed event: composite types split, to_ids and deleted honoured, objects read, osint:certainty as confidence, a CIDR kept', async () => {
    const o = await read('misp', JSON.stringify(feeds.circlEvent()));
    assert.deepEqual(o.errors, []);
    const expected = feeds.circlExpected();
    assert.deepEqual(values(o), Object.keys(expected).sort());
    for (const i of o.indicators) assert.deepEqual([i.tlp, i.confidence], expected[`${i.type}:${i.value}`], `${i.type}:${i.value}`);
    assert.equal(o.indicators.length, Object.keys(expected).length + 1, 'the payload hash is named twice (attribute and file object)');
    assert.equal(o.skipped, feeds.CIRCL_SKIPPED);
    assert.deepEqual(o.unsupported.map((u) => [u.ref, u.pattern, u.patternType]), [[feeds.uuid(1013), '198.51.100.0/24', 'misp ip-src']]);
    assert.equal(o.publisher, 'CIRCL');
    assert.ok(o.indicators[0].labels.includes('misp-galaxy:ransomware="Invented"') && o.indicators[0].labels.includes('Network activity'));

    const wrapped = await read('misp', JSON.stringify({ response: [feeds.circlEvent(1), feeds.circlEvent(2)] }));
    assert.equal(values(wrapped).length, 2 * Object.keys(expected).length - 7, 'addresses, domains and the e-mail sender named by both events are one value each');
  });

  test('a MISP feed (manifest.json + events) as a directory and as a zip; an attribute search export', async () => {
    const events = [feeds.circlEvent(1), feeds.circlEvent(2)];
    const manifest = feeds.mispManifest(events);
    const dir = mkdtempSync(join(tmpdir(), 'misp-osint-'));
    try {
      writeFileSync(join(dir, 'manifest.json'), manifest);
      writeFileSync(join(dir, 'hashes.csv'), `${feeds.md5('x')},${events[0].Event.uuid}\n`);
      for (const e of events) writeFileSync(join(dir, `${e.Event.uuid}.json`), JSON.stringify(e));
      const fromDir = await readMispDirectory(dir);
      const zip = buildZip([{ name: 'feed-osint/manifest.json', data: manifest }, ...events.map((e) => ({ name: `feed-osint/${e.Event.uuid}.json`, data: JSON.stringify(e) }))]);
      const fromZip = await read('misp', zip);
      for (const o of [fromDir, fromZip]) {
        assert.deepEqual(o.errors, []);
        assert.equal(o.skipped, 2 * feeds.CIRCL_SKIPPED);
        assert.equal(o.unsupported.length, 2, 'one CIDR attribute per event');
        assert.equal(values(o).length, 2 * Object.keys(feeds.circlExpected()).length - 7);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const search = await read('misp', feeds.mispAttributeSearch());
    assert.deepEqual([values(search), search.skipped, search.errors], [['domain:panel.example.org', 'ipv4:192.0.2.61'], 1, []]);
    assert.equal(search.indicators[0].name, 'Invented campaign');
  });

  test('a MISP CSV export read as an IOC list: to_ids 0 and non-matchable types skipped, composite values split, multi-line YARA cells, YYYYMMDD dates', async () => {
    const o = await read('csv-iocs', feeds.mispCsv());
    assert.deepEqual(o.errors, []);
    assert.deepEqual(values(o), [...feeds.MISP_CSV_VALUES].sort());
    assert.equal(o.skipped, 4, 'yara, regkey, to_ids 0, filename|ssdeep');
    assert.deepEqual(o.unsupported.map((u) => u.pattern), ['203.0.113.128/25']);
    assert.deepEqual([o.indicators[0].validFrom, o.indicators[0].description], ['2016-11-07T00:00:00.000Z', 'payload, first variant']);
  });
});

describe('STIX bundles from the field', () => {
  test('MITRE ATT&CK (STIX 2.0 and 2.1): thousands of objects and no indicator read without an error, each counted as skipped', async () => {
    const v20 = await read('stix', feeds.attackBundle20());
    assert.deepEqual([v20.indicators.length, v20.unsupported.length, v20.errors, v20.skipped], [0, 0, [], feeds.ATTACK20_SKIPPED]);
    const v21 = await read('stix', feeds.attackBundle21());
    assert.deepEqual([v21.indicators.length, v21.unsupported.length, v21.errors, v21.skipped], [0, 0, [], feeds.ATTACK21_SKIPPED]);
  });

  test('an OpenCTI export: TLP markings in capitals and the TLP 2.0 extension, extensions and x_opencti_* tolerated, the latest version of an indicator', async () => {
    const o = await read('stix', feeds.openctiBundle());
    assert.deepEqual(o.errors, []);
    assert.deepEqual(Object.fromEntries(o.indicators.map((i) => [`${i.type}:${i.value}`, i.tlp])), feeds.OPENCTI_EXPECTED);
    assert.deepEqual(o.unsupported.map((u) => [u.patternType, u.pattern]), [['yara', 'rule Invented { strings: $a = "x" condition: $a }']]);
    assert.equal(o.skipped, feeds.OPENCTI_SKIPPED);
    assert.equal(o.publisher, 'Invented CSIRT');
  });

  test('MISP-STIX and other 2.1 indicator bundles: network-traffic references, domain|ip, file names beside hashes, e-mail senders; the rest kept with a reason', async () => {
    const o = await read('stix', feeds.indicatorBundle21());
    assert.deepEqual(o.errors, []);
    assert.deepEqual(values(o), [...feeds.INDICATOR21_VALUES].sort());
    assert.deepEqual(o.unsupported.map((u) => u.ref.slice(-2)).sort(), feeds.INDICATOR21_UNSUPPORTED);
    const reason = (n: string) => o.unsupported.find((u) => u.ref.endsWith(n))!.reason;
    assert.match(reason('50'), /x509-certificate:hashes/);
    assert.match(reason('53'), /REPEATS/);
    assert.match(reason('54'), /file:name is not a matchable property/);
    assert.match(reason('55'), /network range/);
    assert.equal(o.skipped, 3, 'a grouping, an observed-data and its file');
    const domain = o.indicators.find((i) => i.value === 'circl-like.example.net')!;
    assert.match(domain.pattern!, /x_misp_port/, 'the whole pattern is kept with the indicator');
    assert.deepEqual(domain.killChain, [{ killChainName: 'misp-category', phaseName: 'Network activity' }]);
  });

  test('STIX 2.0 indicator bundles: labels as types, a TLP marking of their own, OR of two hashes', async () => {
    const o = await read('stix', feeds.stix20Bundle());
    assert.deepEqual(o.errors, []);
    assert.deepEqual(o.indicators.map((i) => [i.type, i.value, i.tlp, i.labels]), [
      ['sha256', feeds.sha256('stix20'), 'amber', ['malicious-activity']],
      ['md5', feeds.md5('stix20'), 'amber', ['malicious-activity']],
    ]);
    assert.deepEqual([o.skipped, o.publisher], [2, 'Invented ISAC']);
  });
});

describe('hostile variants of the real shapes', () => {
  const truncate = (text: string) => text.slice(0, Math.floor(text.length / 2));
  const documents: Array<[IndicatorFeedKind, string]> = [
    ['stix', feeds.attackBundle20()],
    ['stix', feeds.openctiBundle()],
    ['stix', feeds.indicatorBundle21()],
    ['misp', JSON.stringify(feeds.circlEvent())],
    ['misp', feeds.mispAttributeSearch()],
    ['csv-iocs', feeds.threatfoxJson()],
  ];

  test('truncated documents are one clear error naming the format', async () => {
    for (const [kind, text] of documents) await assert.rejects(read(kind, truncate(text)), (e: Error) => e instanceof FeedFormatError && /not valid JSON/.test(e.message), `${kind} ${text.slice(0, 40)}`);
    await assert.rejects(read('csv-iocs', truncate(feeds.threatfoxCsv()).replace(/"[^"]*$/, '"unterminated')), (e: Error) => e instanceof FeedFormatError && /cannot be read/.test(e.message));
    const zip = buildZip([{ name: 'manifest.json', data: feeds.mispManifest([feeds.circlEvent()]) }, { name: `${feeds.uuid(1)}.json`, data: truncate(JSON.stringify(feeds.circlEvent())) }]);
    const o = await read('misp', zip);
    assert.deepEqual([o.indicators.length, o.errors.map((e) => e.record)], [0, [feeds.uuid(1)]]);
    assert.match(o.errors[0].reason, /not valid JSON/);
    await assert.rejects(read('misp', zip.subarray(0, zip.length - 30)), FeedFormatError);
  });

  test('wrong types are errors for the record or the document, never a crash', async () => {
    const wholeDocument: Array<[IndicatorFeedKind, unknown, RegExp]> = [
      ['stix', { ...JSON.parse(feeds.attackBundle20()), objects: {} }, /not a STIX bundle: \/objects/],
      ['misp', { Event: [] }, /not a MISP event/],
      ['misp', { response: { Attribute: 'none' } }, /not a MISP event/],
      ['csv-iocs', { query_status: 'no_result', data: 'Your search did not yield any results' }, /query_status "no_result"/],
      ['csv-iocs', [{ ioc: 'x.example.com' }, 7], /record 2 is a number/],
      ['csv-iocs', {}, /array of records/],
      ['csv-iocs', [{ first_seen: '2026-01-01', reporter: 'x' }], /no indicator field in the records \(first_seen, reporter\)/],
      ['csv-iocs', '# only comments\n# and more\n', /no rows/],
    ];
    for (const [kind, doc, reason] of wholeDocument) {
      await assert.rejects(read(kind, typeof doc === 'string' ? doc : JSON.stringify(doc)), (e: Error) => e instanceof FeedFormatError && reason.test(e.message), `${kind} ${JSON.stringify(doc).slice(0, 60)}`);
    }
    const manifestList = buildZip([{ name: 'manifest.json', data: '[]' }, { name: 'x.json', data: '{}' }]);
    await assert.rejects(read('misp', manifestList), /manifest.json must be an object/);

    const bundle = JSON.parse(feeds.indicatorBundle21());
    bundle.objects[2].pattern = 42;
    bundle.objects[3].kill_chain_phases = 'x';
    bundle.objects.push(null, 'indicator', { type: 'indicator' });
    const stix = await read('stix', JSON.stringify(bundle));
    assert.deepEqual(stix.errors.map((e) => e.record).sort(), [`indicator--${feeds.uuid(42)}`, `indicator--${feeds.uuid(43)}`, 'objects[18]', 'objects[19]', 'objects[20]']);
    assert.ok(stix.errors.some((e) => e.record === `indicator--${feeds.uuid(42)}` && /pattern/.test(e.reason)));

    const event = feeds.circlEvent();
    const attrs = event.Event.Attribute as Array<Record<string, unknown>>;
    attrs[0].value = 443;
    attrs[2].type = null;
    (event.Event.Object as Array<Record<string, unknown>>)[1].Attribute = { type: 'link' };
    (event.Event.Object as unknown[]).push('file');
    const misp = await read('misp', JSON.stringify(event));
    assert.deepEqual(misp.errors.map((e) => e.reason), ['Object[1].Attribute must be a list, not an object', 'Object[3] must be an object', 'Attribute[0]: an attribute needs a string type and value', 'Attribute[2]: an attribute needs a string type and value']);
    assert.equal(values(misp).length, Object.keys(feeds.circlExpected()).length - 2);
    const single = await read('misp', JSON.stringify({ Event: { uuid: feeds.uuid(5), Attribute: { type: 'domain', value: 'x.example.com', to_ids: true } } }));
    assert.deepEqual(single.errors, [{ record: feeds.uuid(5), reason: 'Attribute must be a list, not an object' }]);
  });
});
