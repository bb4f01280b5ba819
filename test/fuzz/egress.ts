// Fuzz targets for the egress log parsers (Squid, Zeek, JSON lines). A parser never throws: every
// line is an event, a skip or a reported error. Contracts on every event: the host is normalised,
// the path carries no query or fragment, the time is ISO 8601 UTC, byte counts are safe integers.
import fc from 'fast-check';
import { normalizeHost } from '../../src/modules/egress/parsers/common.js';
import { lineParser, type IngestFormat } from '../../src/modules/egress/parsers/index.js';
import { HOSTILE_STRINGS, mutateLines, mutateText, steps, type FuzzBytes } from './mutate.js';
import { Crash, expectOnly, type Target } from './target.js';

const SEEDS: Record<IngestFormat, string[]> = {
  squid: [
    '1764583200.123     45 10.1.1.7 TCP_MISS/200 5120 POST https://upload.example.org/v1/files?token=secret - HIER_DIRECT/203.0.113.9 application/json',
    '1764583200.500     12 10.1.1.7 TCP_MISS/201 310 PUT http://store.example.net/obj - HIER_DIRECT/203.0.113.10 text/plain 73400 "Slack/4.33.90 Electron/27"',
    '10.1.1.9 - - [01/Dec/2026:11:00:00 +0100] "GET http://news.example.com/a?b=c HTTP/1.1" 200 999 TCP_MISS:HIER_DIRECT',
    '10.1.1.9 - alice [01/Dec/2026:10:00:01 +0000] "POST https://[2001:db8::1]:8443/submit HTTP/1.1" 302 120 "https://ref.example/" "curl/8.5.0" TCP_MISS:HIER_DIRECT',
    '1764583201.000      1 10.1.1.8 TCP_TUNNEL/200 800 CONNECT www.bücher.example:443 - HIER_DIRECT/203.0.113.11 -',
  ],
  zeek: [
    '#separator \\x09',
    '#set_separator\t,',
    '#path\thttp',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\turi\tuser_agent\trequest_body_len\tresponse_body_len\tstatus_code\torig_mime_types\tlocal_resp\tquery\tserver_name\torig_bytes\tresp_bytes',
    '1764583200.000001\tCabc\t10.2.0.5\t51000\t203.0.113.20\t80\tPOST\tcollect.example.io:8080\t/ingest?id=42\t3CXDesktopApp/18.12\t4096\t17\t200\tapplication/json,text/plain\tF\t-\t-\t1\t2',
    '{"_path":"ssl","ts":"2026-12-01T10:00:00.123456Z","id":{"orig_h":"10.3.0.1","resp_h":"198.51.100.2","resp_p":443},"server_name":"x.example"}',
    '{"_path":"dns","ts":1764583200,"id.orig_h":"10.0.0.9","query":"a.example","qtype_name":"A"}',
    '{"_path":"conn","ts":1764583200,"id.orig_h":"10.0.0.9","id.resp_h":"198.51.100.7","id.resp_p":443,"orig_bytes":5000000000,"resp_bytes":900,"conn_state":"SF"}',
    '#path\tconn',
  ],
  jsonl: [
    JSON.stringify({ at: '2026-12-01T10:00:00+01:00', url: 'https://api.vendor.example/v2/users?email=x@y.z', client: '10.0.0.4', userAgent: 'VendorAgent/2.1', method: 'post', status: 201, contentType: 'application/json', body: Buffer.from('{"email":"someone@example.com","card":"4111 1111 1111 1111"}').toString('base64') }),
    '{"at": 1764583200, "host": "Vendor.Example", "port": 443, "bytesOut": 10, "path": "/x#frag"}',
    '{"at":"2026-12-01T10:00:00Z","url":"example.com:443","bytesIn":"12"}',
  ],
};
const VALUES = ['', '-', '(empty)', '#fields\t', '#separator \\x2c', '{}', '[]', 'null', '{"at":null}', '\\x09', '"', '[', ']', '?', '#', '1e309', '-1', '99999999999999999999', ...HOSTILE_STRINGS.slice(0, 8)];

function documents(format: IngestFormat): fc.Arbitrary<FuzzBytes> {
  return fc
    .record({ picks: fc.array(fc.nat(), { minLength: 1, maxLength: 10 }), lines: steps(4), text: steps(3) })
    .map(({ picks, lines, text }) => mutateText(mutateLines(picks.map((p) => SEEDS[format][p % SEEDS[format].length]).join('\n'), lines, VALUES), text));
}

function check(format: IngestFormat, input: FuzzBytes) {
  return expectOnly(() => {
    const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
    const parser = lineParser(format, format === 'zeek' ? 'http.log' : null);
    for (const line of text.split('\n')) {
      const outcome = parser.parse(line);
      if (outcome.kind === 'error' && (!outcome.field || !outcome.reason)) throw new Crash('an error without field or reason');
      if (outcome.kind !== 'event') continue;
      const e = outcome.event;
      if (normalizeHost(e.host) !== e.host) throw new Crash(`host ${JSON.stringify(e.host)} is not normalised`);
      if (e.path !== null && (/[?#]/.test(e.path) || e.path.length > 2048)) throw new Crash(`path ${JSON.stringify(e.path)} keeps a query or is too long`);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(e.at)) throw new Crash(`time ${e.at}`);
      for (const n of [e.bytesIn, e.bytesOut]) if (!Number.isSafeInteger(n) || n < 0) throw new Crash(`byte count ${n}`);
      if (e.port !== null && !(Number.isInteger(e.port) && e.port >= 0 && e.port <= 65535)) throw new Crash(`port ${e.port}`);
    }
  });
}

export function egressTargets(): Target<FuzzBytes>[] {
  return (['squid', 'zeek', 'jsonl'] as const).map((format) => ({ name: `egress-${format}`, kind: 'parser' as const, inputs: async () => documents(format), open: async () => ({ check: (input: FuzzBytes) => check(format, input) }) }));
}
