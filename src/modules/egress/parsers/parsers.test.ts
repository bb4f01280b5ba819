import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { EgressEvent } from '../egress.model.js';
import { appFromUserAgent, normalizeHost, splitUrl, type LineOutcome, type LineParser } from './common.js';
import { lineParser } from './index.js';
import { jsonlParser } from './jsonl.js';
import { readLines } from './lines.js';
import { squidParser } from './squid.js';
import { zeekParser } from './zeek.js';

function events(parser: LineParser, text: string): { events: EgressEvent[]; errors: Array<[number, string, string]>; outcomes: LineOutcome[] } {
  const out = { events: [] as EgressEvent[], errors: [] as Array<[number, string, string]>, outcomes: [] as LineOutcome[] };
  text.split('\n').forEach((line, i) => {
    const outcome = parser.parse(line);
    out.outcomes.push(outcome);
    if (outcome.kind === 'event') out.events.push(outcome.event);
    if (outcome.kind === 'error') out.errors.push([i + 1, outcome.field, outcome.reason]);
  });
  return out;
}

describe('egress parsers: common', () => {
  test('hosts: lower case, punycode, no trailing dot, IPv6 unbracketed; junk refused', () => {
    assert.equal(normalizeHost('WWW.Example.COM.'), 'www.example.com');
    assert.equal(normalizeHost('bücher.example'), 'xn--bcher-kva.example');
    assert.equal(normalizeHost('[2001:DB8::1]'), '2001:db8::1');
    assert.equal(normalizeHost('10.0.0.1'), '10.0.0.1');
    for (const bad of ['', 'a b', 'exa mple.com', '-', 'a..b', 'x'.repeat(300), 'http://x', '<script>']) assert.equal(normalizeHost(bad), null, bad);
  });

  test('URLs lose their query, fragment and credentials before anything is kept', () => {
    assert.deepEqual(splitUrl('url', 'https://user:pw@Api.Example.com:8443/v1/x?email=a@b.c#frag'), { host: 'api.example.com', port: 8443, path: '/v1/x' });
    assert.deepEqual(splitUrl('url', 'http://example.com'), { host: 'example.com', port: 80, path: '/' });
    assert.deepEqual(splitUrl('url', 'example.com:443'), { host: 'example.com', port: 443, path: null });
    assert.deepEqual(splitUrl('url', '[2001:db8::1]:443'), { host: '2001:db8::1', port: 443, path: null });
    assert.throws(() => splitUrl('url', '/relative/only'), /url/);
    assert.throws(() => splitUrl('url', 'http://example.com:99999/'), /port/);
  });

  test('the application behind a User-Agent', () => {
    assert.equal(appFromUserAgent('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) 3CXDesktopApp/18.12.416 Chrome/102.0 Electron/19.0.3 Safari/537.36'), '3CXDesktopApp');
    assert.equal(appFromUserAgent('curl/8.5.0'), 'curl');
    assert.equal(appFromUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0'), 'Firefox');
    assert.equal(appFromUserAgent('-'), null);
  });
});

describe('egress parsers: Squid', () => {
  test('native, native with %>st and a quoted User-Agent, common and combined, in one file', () => {
    const { events: out, errors } = events(squidParser(), [
      '1764583200.123     45 10.1.1.7 TCP_MISS/200 5120 POST https://upload.example.org/v1/files?token=secret - HIER_DIRECT/203.0.113.9 application/json',
      '1764583200.500     12 10.1.1.7 TCP_MISS/201 310 PUT http://store.example.net/obj - HIER_DIRECT/203.0.113.10 text/plain 73400 "Slack/4.33.90 Electron/27"',
      '10.1.1.9 - - [01/Dec/2026:11:00:00 +0100] "GET http://news.example.com/a?b=c HTTP/1.1" 200 999 TCP_MISS:HIER_DIRECT',
      '10.1.1.9 - alice [01/Dec/2026:10:00:01 +0000] "POST https://forms.example.com/submit HTTP/1.1" 302 120 "https://ref.example/" "curl/8.5.0" TCP_MISS:HIER_DIRECT',
      '1764583201.000      1 10.1.1.8 TCP_TUNNEL/200 800 CONNECT www.example.com:443 - HIER_DIRECT/203.0.113.11 -',
      '1764583202.000      0 10.1.1.8 NONE_NONE/000 0 NONE error:transaction-end-before-headers - HIER_NONE/- -',
      '# a comment',
    ].join('\n'));
    assert.deepEqual(errors, []);
    assert.equal(out.length, 5);
    assert.deepEqual(out[0], { at: '2025-12-01T10:00:00.123Z', source: 'squid', client: '10.1.1.7', app: null, method: 'POST', host: 'upload.example.org', port: 443, path: '/v1/files', status: 200, bytesOut: 0, bytesIn: 5120, contentType: null, dataClasses: [], detections: [], direction: 'outbound', decision: null, reason: null });
    assert.ok(out.every((e) => e.direction === 'outbound'), 'a forward proxy logs requests leaving the organisation');
    assert.equal(out[1].bytesOut, 73400);
    assert.equal(out[1].app, 'Slack');
    assert.equal(out[2].at, '2026-12-01T10:00:00.000Z');
    assert.equal(out[2].path, '/a');
    assert.equal(out[3].app, 'curl');
    assert.equal(out[3].status, 302);
    assert.deepEqual([out[4].method, out[4].host, out[4].port, out[4].path], ['CONNECT', 'www.example.com', 443, null]);
  });

  test('hostile lines are reported with the field at fault, never thrown', () => {
    const { errors, events: out } = events(squidParser(), [
      '1764583200.123 45 10.1.1.7 TCP_MISS/200 5120 POST https://upload.exa', // truncated mid-line
      '1764583200.123 45 10.1.1.7 TCP_MISS/999 5120 POST https://a.example/ - HIER_DIRECT/1.2.3.4 -',
      '1764583200.123 45 10.1.1.7 TCP_MISS/200 -5 POST https://a.example/ - HIER_DIRECT/1.2.3.4 -',
      '99999999999999.1 45 10.1.1.7 TCP_MISS/200 5 POST https://a.example/ - HIER_DIRECT/1.2.3.4 -',
      '1764583200.123 45 10.1.1.7 TCP_MISS/200 5 P\u0000ST https://a.example/ - HIER_DIRECT/1.2.3.4 -',
      '1764583200.123 45 10.1.1.7 TCP_MISS/200 5 GET https://exa%mple/ - HIER_DIRECT/1.2.3.4 -',
      '10.0.0.1 - - [32/Foo/2026:99:00:00 +0000] "GET http://a.example/ HTTP/1.1" 200 5',
      '10.0.0.1 - - [01/Dec/2026:10:00:00 +0000] "GET" 200 5',
      '10.0.0.1 - - [01/Dec/2026:10:00:00 +0000] "GET http://a.example/ HTTP/1.1',
      '{"at": "2026-12-01T00:00:00Z"}',
    ].join('\n'));
    assert.equal(out.length, 0);
    assert.deepEqual(errors.map(([line, field]) => [line, field]), [[1, 'user'], [2, 'code/status'], [3, 'bytes'], [4, 'time'], [5, 'method'], [6, 'url'], [7, 'time'], [8, 'request'], [9, 'status'], [10, 'line']]);
  });
});

const ZEEK_HTTP = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\thttp',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\torig_mime_types\tresp_mime_types',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tcount\tstring\tvector[string]\tvector[string]',
  '1764583200.000001\tCabc\t10.2.0.5\t51000\t203.0.113.20\t80\t1\tPOST\tcollect.example.io:8080\t/ingest?id=42\t-\t1.1\t3CXDesktopApp/18.12 Electron/19\t4096\t17\t200\tOK\tapplication/json,text/plain\ttext/plain',
  '1764583200.5\tCabd\t10.2.0.5\t51001\t203.0.113.21\t80\t1\tGET\t-\t/x\t-\t1.1\t-\t0\t10\t200\tOK\t-\t-',
  '#close\t2026-12-01-10-00-00',
].join('\n');

describe('egress parsers: Zeek', () => {
  test('http.log TSV: host header with port, query dropped, app from the User-Agent, request media type', () => {
    const { events: out, errors } = events(zeekParser(), ZEEK_HTTP);
    assert.deepEqual(errors, []);
    assert.equal(out.length, 2);
    assert.deepEqual(out[0], { at: '2025-12-01T10:00:00.000Z', source: 'zeek-http', client: '10.2.0.5', app: '3CXDesktopApp', method: 'POST', host: 'collect.example.io', port: 8080, path: '/ingest', status: 200, bytesOut: 4096, bytesIn: 17, contentType: 'application/json', dataClasses: [], detections: [], direction: 'outbound', decision: null, reason: null });
    assert.equal(out[1].host, '203.0.113.21');
  });

  test('dns, ssl and conn TSV; conn to a local responder is skipped', () => {
    const dns = events(zeekParser(), ['#separator \\x09', '#path\tdns', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tqtype_name\trcode_name', '1764583200\tC1\t10.0.0.9\t5353\t10.0.0.1\t53\tudp\tMSEDGE.example.COM\tA\tNOERROR', '1764583200\tC1\t10.0.0.9\t5353\t10.0.0.1\t53\tudp\t-\t-\t-'].join('\n'));
    assert.deepEqual(dns.events.map((e) => [e.source, e.host, e.client]), [['zeek-dns', 'msedge.example.com', '10.0.0.9']]);
    const ssl = events(zeekParser(), ['#separator \\x09', '#path\tssl', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tserver_name', '1764583200\tC2\t10.0.0.9\t40000\t198.51.100.7\t443\tTLSv13\tapi.vendor.example', '1764583200\tC3\t10.0.0.9\t40001\t198.51.100.8\t8443\tTLSv12\t-'].join('\n'));
    assert.deepEqual(ssl.events.map((e) => [e.host, e.port]), [['api.vendor.example', 443], ['198.51.100.8', 8443]]);
    const conn = events(zeekParser(), ['#separator \\x09', '#path\tconn', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp', '1764583200\tC4\t10.0.0.9\t40000\t198.51.100.7\t443\ttcp\tssl\t1.5\t5000000000\t900\tSF\tT\tF', '1764583200\tC5\t10.0.0.9\t40000\t10.0.0.2\t445\ttcp\t-\t1.5\t10\t10\tSF\tT\tT'].join('\n'));
    assert.deepEqual(conn.events.map((e) => [e.host, e.bytesOut, e.bytesIn]), [['198.51.100.7', 5000000000, 900]]);
  });

  test('direction from local_orig/local_resp: local to remote outbound, remote to local inbound (the remote end is the host, bytes seen from the organisation), local to local skipped, unknown outbound', () => {
    const fields = '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp';
    const conn = events(zeekParser(), ['#separator \\x09', '#path\tconn', fields,
      '1764583200\tC1\t10.0.0.9\t40000\t198.51.100.7\t443\ttcp\tssl\t1.5\t7000\t900\tSF\tT\tF',
      '1764583200\tC2\t203.0.113.50\t51515\t10.0.0.3\t22\ttcp\tssh\t9.0\t300\t48000\tSF\tF\tT',
      '1764583200\tC3\t10.0.0.9\t40000\t10.0.0.2\t445\ttcp\t-\t1.5\t10\t10\tSF\tT\tT',
      '1764583200\tC4\t10.0.0.9\t40001\t198.51.100.8\t80\ttcp\thttp\t0.5\t100\t200\tSF\tF\tF',
      '1764583200\tC5\t10.0.0.9\t40002\t198.51.100.9\t80\ttcp\thttp\t0.5\t100\t200\tSF\t-\t-',
    ].join('\n'));
    assert.deepEqual(conn.errors, []);
    assert.deepEqual(conn.events.map((e) => [e.direction, e.host, e.client, e.port, e.bytesOut, e.bytesIn]), [
      ['outbound', '198.51.100.7', '10.0.0.9', 443, 7000, 900],
      ['inbound', '203.0.113.50', '10.0.0.3', 22, 48000, 300],
      ['outbound', '198.51.100.8', '10.0.0.9', 80, 100, 200],
      ['outbound', '198.51.100.9', '10.0.0.9', 80, 100, 200],
    ]);
    // An HTTP request from a local client to a remote server is outbound; one from outside to a local server inbound.
    const http = zeekParser('http');
    const outbound = http.parse('{"ts":1764583200,"id.orig_h":"10.0.0.4","id.resp_h":"198.51.100.1","id.resp_p":443,"method":"POST","host":"api.vendor.example","uri":"/v1","request_body_len":900,"response_body_len":20,"local_orig":true,"local_resp":false}');
    assert.deepEqual(outbound.kind === 'event' && [outbound.event.direction, outbound.event.host, outbound.event.client, outbound.event.bytesOut], ['outbound', 'api.vendor.example', '10.0.0.4', 900]);
    const inbound = http.parse('{"ts":1764583200,"id.orig_h":"203.0.113.9","id.resp_h":"10.0.0.80","id.resp_p":443,"method":"GET","host":"www.our.example","uri":"/export?all=1","request_body_len":0,"response_body_len":52000,"local_orig":false,"local_resp":true}');
    assert.deepEqual(inbound.kind === 'event' && [inbound.event.direction, inbound.event.host, inbound.event.client, inbound.event.path, inbound.event.bytesOut, inbound.event.bytesIn], ['inbound', '203.0.113.9', '10.0.0.80', '/export', 52000, 0]);
    assert.equal(zeekParser('dns').parse('{"ts":1764583200,"id.orig_h":"203.0.113.9","id.resp_h":"10.0.0.53","query":"our.example","local_orig":false,"local_resp":true}').kind, 'skip', 'a remote resolver asking our DNS server is no egress');
    // JSON lines say it themselves; absent is outbound.
    const jsonl = jsonlParser();
    const given = jsonl.parse('{"at":1764583200,"host":"198.51.100.4","direction":"inbound"}');
    assert.equal(given.kind === 'event' && given.event.direction, 'inbound');
    const absent = jsonl.parse('{"at":1764583200,"host":"198.51.100.4"}');
    assert.equal(absent.kind === 'event' && absent.event.direction, 'outbound');
    assert.deepEqual(jsonl.parse('{"at":1764583200,"host":"198.51.100.4","direction":"sideways"}'), { kind: 'error', field: 'direction', reason: 'must be "outbound" or "inbound"' });
  });

  test('JSON logs: flat and nested id, ISO or epoch ts, _path or the file name decides the log', () => {
    const parser = lineParser('zeek', '/var/log/zeek/http.2026-12-01.log');
    const a = parser.parse('{"ts":1764583200.25,"uid":"C1","id.orig_h":"10.3.0.1","id.orig_p":5000,"id.resp_h":"198.51.100.1","id.resp_p":443,"method":"PUT","host":"files.example","uri":"/up?x=1","request_body_len":10,"response_body_len":0,"status_code":201,"orig_mime_types":["application/pdf"]}');
    assert.equal(a.kind, 'event');
    assert.deepEqual(a.kind === 'event' && [a.event.host, a.event.path, a.event.contentType, a.event.at], ['files.example', '/up', 'application/pdf', '2025-12-01T10:00:00.250Z']);
    const b = zeekParser().parse('{"_path":"ssl","ts":"2026-12-01T10:00:00.123456Z","id":{"orig_h":"10.3.0.1","resp_h":"198.51.100.2","resp_p":443},"server_name":"x.example"}');
    assert.deepEqual(b.kind === 'event' && [b.event.source, b.event.host, b.event.port], ['zeek-ssl', 'x.example', 443]);
    assert.equal(zeekParser().parse('{"_path":"weird","ts":1}').kind, 'skip');
    assert.equal(zeekParser().parse('{"ts":1764583200,"a":1}').kind, 'error');
  });

  test('hostile Zeek input: data before #fields, wrong value counts, truncated JSON, escapes', () => {
    const { errors, events: out } = events(zeekParser(), [
      '1764583200\tC1\t10.0.0.1',
      '#fields\tts\tid.orig_h\tid.resp_h\tid.resp_p\tserver_name',
      '1764583200\t10.0.0.1\t198.51.100.1',
      '1764583200\t10.0.0.1\t198.51.100.1\t443\tbad\\x20host',
      '1764583200\t10.0.0.1\t198.51.100.1\t443\tok\\x2eexample',
      '{"ts":1764583200,"server_name":"tru',
      '#fields\t',
    ].join('\n'));
    assert.deepEqual(errors.map(([line, field]) => [line, field]), [[1, '#fields'], [3, 'line'], [4, 'server_name'], [6, 'line'], [7, '#fields']]);
    assert.deepEqual(out.map((e) => e.host), ['ok.example']);
  });
});

describe('egress parsers: JSON lines', () => {
  test('url or host, the query dropped, a body handed on for scanning', () => {
    const body = Buffer.from('{"email":"someone@example.com"}').toString('base64');
    const outcome = jsonlParser().parse(JSON.stringify({ at: '2026-12-01T10:00:00+01:00', url: 'https://api.vendor.example/v2/users?email=x@y.z', client: '10.0.0.4', userAgent: 'VendorAgent/2.1', method: 'post', status: 201, contentType: 'application/json; charset=utf-8', body, extra: 'ignored' }));
    assert.equal(outcome.kind, 'event');
    if (outcome.kind !== 'event') return;
    assert.deepEqual([outcome.event.at, outcome.event.host, outcome.event.path, outcome.event.method, outcome.event.app, outcome.event.contentType, outcome.event.bytesOut], ['2026-12-01T09:00:00.000Z', 'api.vendor.example', '/v2/users', 'POST', 'VendorAgent', 'application/json', 31]);
    assert.equal(outcome.body?.data.toString(), '{"email":"someone@example.com"}');
    const host = jsonlParser().parse('{"at": 1764583200, "host": "Vendor.Example", "port": 443, "bytesOut": 10}');
    assert.deepEqual(host.kind === 'event' && [host.event.host, host.event.port, host.event.path], ['vendor.example', 443, null]);
  });

  test('each bad field is named', () => {
    const cases: Array<[string, string]> = [
      ['{"host":"a.example"}', 'at'],
      ['{"at":"yesterday","host":"a.example"}', 'at'],
      ['{"at":"2026-12-01T10:00:00Z"}', 'url'],
      ['{"at":"2026-12-01T10:00:00Z","url":"nope"}', 'url'],
      ['{"at":"2026-12-01T10:00:00Z","host":"a.example","port":70000}', 'port'],
      ['{"at":"2026-12-01T10:00:00Z","host":"a.example","bytesOut":-1}', 'bytesOut'],
      ['{"at":"2026-12-01T10:00:00Z","host":"a.example","bytesIn":{}}', 'bytesIn'],
      ['{"at":"2026-12-01T10:00:00Z","host":"a.example","status":42}', 'status'],
      ['{"at":"2026-12-01T10:00:00Z","host":"a.example","method":"G ET"}', 'method'],
      ['{"at":"2026-12-01T10:00:00Z","host":"a.example","body":"!!not base64!!"}', 'body'],
      ['{"at":"2026-12-01T10:00:00Z","host":"a.example","contentType":"json"}', 'contentType'],
      ['{"at":"2026-12-01T10:00:00Z","host":"a.example","path":"no-slash"}', 'path'],
      ['{"at":"2026-12-01T10:00:00Z","host":"a.exa', 'line'],
      ['[1,2]', 'line'],
      ['{"__proto__":{"at":"x"},"host":"a.example"}', 'at'],
    ];
    for (const [line, field] of cases) {
      const outcome = jsonlParser().parse(line);
      assert.equal(outcome.kind, 'error', line);
      assert.equal(outcome.kind === 'error' && outcome.field, field, line);
    }
  });
});

describe('egress parsers: line reader', () => {
  test('byte offsets, CRLF, an unterminated last line, an over-long line skipped without being held', async () => {
    const chunks = [Buffer.from('one\r\ntw'), Buffer.from('o\n'), Buffer.from('x'.repeat(50)), Buffer.from('y'.repeat(50) + '\nthree')];
    const lines = [];
    for await (const line of readLines(Readable.from(chunks), { maxBytes: 64 })) lines.push(line);
    assert.deepEqual(lines.map((l) => [l.number, l.text, l.end, l.terminated, l.tooLong]), [[1, 'one', 5, true, false], [2, 'two', 9, true, false], [3, '', 110, true, true], [4, 'three', 115, false, false]]);
  });

  test('starting from an offset continues the numbering and offsets', async () => {
    const lines = [];
    for await (const line of readLines(Readable.from([Buffer.from('a\nb\n')]), { maxBytes: 10, offset: 100, firstLine: 7 })) lines.push([line.number, line.end]);
    assert.deepEqual(lines, [[7, 102], [8, 104]]);
  });
});
