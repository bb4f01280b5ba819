// Fuzz target for Thirdwatch's ICAP service (test/icap/icap-service.ts in its own process, default
// policy): byte streams built from real Squid requests (OPTIONS, REQMOD with and without a body,
// previews, pipelined requests) and damaged at the line, header and byte level, written to a live
// service over loopback, after which the client half-closes. Contracts: the service answers with
// well-formed ICAP status lines or closes (it must not stay silent once the client has said all it
// will); it never answers 500 (that is a failure of its own); and a fresh connection still gets its
// OPTIONS answered.
import { connect } from 'node:net';
import fc from 'fast-check';
import { HOSTILE_STRINGS, hostileString, mutateLines, mutateText, steps, type FuzzBytes } from './mutate.js';
import { Crash, type Session, type Target } from './target.js';

const ANSWER_MS = 3000;

function reqmod(url: string, headers: string[], body: string | null, options: { preview?: number; allow204?: boolean; ieof?: boolean } = {}): string {
  const http = `${body === null ? 'GET' : 'POST'} ${url} HTTP/1.1\r\nHost: ${new URL(url).host}\r\n${headers.map((h) => `${h}\r\n`).join('')}${body === null ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`}\r\n`;
  const icap = [
    'REQMOD icap://127.0.0.1:1344/reqmod ICAP/1.0',
    'Host: 127.0.0.1:1344',
    'Date: Mon, 07 Dec 2026 01:29:03 GMT',
    `Encapsulated: req-hdr=0, ${body === null ? 'null-body' : 'req-body'}=${Buffer.byteLength(http)}`,
    ...(options.preview !== undefined ? [`Preview: ${options.preview}`] : []),
    ...(options.allow204 === false ? [] : ['Allow: 204, trailers']),
    'X-Client-IP: 10.1.2.3',
  ];
  let chunks = '';
  if (body !== null) {
    const part = options.preview !== undefined ? body.slice(0, options.preview) : body;
    if (part.length) chunks += `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`;
    chunks += options.preview !== undefined && options.ieof ? '0; ieof\r\n\r\n' : '0\r\n\r\n';
  }
  return `${icap.join('\r\n')}\r\n\r\n${http}${chunks}`;
}

const OPTIONS = 'OPTIONS icap://127.0.0.1:1344/reqmod ICAP/1.0\r\nHost: 127.0.0.1:1344\r\nAllow: 204\r\nEncapsulated: null-body=0\r\n\r\n';
const CARDS = '{"customers":[{"email":"ada@example.com","card":"4111 1111 1111 1111"}]}';
const SEEDS = [
  OPTIONS,
  reqmod('http://shop.example/cart', ['User-Agent: curl/7.88.1'], null),
  reqmod('http://upload.unsanctioned.example/upload', ['Content-Type: application/json'], CARDS),
  reqmod('https://upload.unsanctioned.example:443/upload', ['Content-Type: application/x-www-form-urlencoded'], 'email=a%40b.example&card=4111111111111111', { preview: 16 }),
  reqmod('http://api.vendor.example/v1/items', ['Content-Type: text/plain'], 'hello', { preview: 4096, ieof: true }),
  reqmod('http://api.vendor.example/v1/items', ['Content-Type: application/json', 'Content-Encoding: gzip'], '\u001f\u008b\u0008\u0000\u0000\u0000\u0000\u0000', { allow204: false }),
  'REQMOD icap://127.0.0.1:1344/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\nEncapsulated: req-hdr=0, null-body=120\r\n\r\nCONNECT upload.unsanctioned.example:443 HTTP/1.1\r\nUser-Agent: curl/7.88.1\r\nHost: upload.unsanctioned.example:443\r\n\r\n',
  OPTIONS + reqmod('http://a.example/', [], null) + reqmod('http://b.example/x', [], 'x=1'),
];
const PIECES = [
  'Encapsulated: req-hdr=0, req-body=99999999',
  'Encapsulated: req-body=0, req-hdr=5',
  'Encapsulated: req-hdr=-1',
  'Encapsulated: res-hdr=0, res-body=10',
  'Encapsulated: ',
  'Preview: 0',
  'Preview: 99999999999',
  'Preview: -1',
  'Allow: 204',
  'Connection: close',
  'ffffffffffffffff\r\n',
  '10\r\nshort\r\n',
  '5;ext=' + 'a'.repeat(1000) + '\r\nhello\r\n',
  '0; ieof\r\n\r\n',
  '0\r\n\r\n',
  'Transfer-Encoding: chunked',
  'Content-Encoding: br',
  'RESPMOD icap://127.0.0.1/reqmod ICAP/1.0',
  'REQMOD icap://127.0.0.1/other ICAP/1.0',
  'REQMOD icap://127.0.0.1/reqmod HTTP/1.1',
  'X-Client-IP: ::ffff:300.1.1.1',
  ...HOSTILE_STRINGS.slice(0, 12),
];
const STATUS = /^ICAP\/1\.0 (\d{3}) /;

function inputs(): fc.Arbitrary<FuzzBytes> {
  return fc
    .record({ seed: fc.nat(SEEDS.length - 1), lines: steps(3), text: steps(2), tail: fc.option(fc.nat()) })
    .map(({ seed, lines, text, tail }) => mutateText(mutateLines(SEEDS[seed], lines, PIECES) + (tail === null ? '' : hostileString(tail)), text));
}

/** Writes the bytes, half-closes, and collects what comes back until the service closes (or the time is up). */
function exchange(port: number, input: Buffer, waitMs: number): Promise<{ reply: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ reply: Buffer.concat(received), closed: false });
    }, waitMs);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ reply: Buffer.concat(received), closed: true });
    });
    socket.end(input);
  });
}

/** The status lines of every response in a reply (encapsulated HTTP lines are not at a response start, so they are skipped). */
function statuses(reply: Buffer): number[] {
  const text = reply.toString('latin1');
  const found: number[] = [];
  let at = 0;
  while (at < text.length) {
    const m = STATUS.exec(text.slice(at, at + 32));
    if (!m) break;
    found.push(Number(m[1]));
    const head = text.indexOf('\r\n\r\n', at);
    if (head < 0) break;
    const encapsulated = /\r\nEncapsulated:\s*([^\r]*)/i.exec(text.slice(at, head))?.[1] ?? '';
    at = head + 4;
    const body = /(res-body|req-body)=(\d+)/.exec(encapsulated);
    const nullBody = /null-body=(\d+)/.exec(encapsulated);
    if (nullBody) at += Number(nullBody[1]);
    if (body) {
      at += Number(body[2]);
      const end = text.indexOf('\r\n0\r\n\r\n', at - 2);
      if (end < 0) break;
      at = end + 7;
    }
  }
  return found;
}

interface IcapSession extends Session<FuzzBytes> {
  port: number;
}

/** The service in its own process (loaded here: parser-only runs do without it). */
async function start(): Promise<{ port: number; close(): Promise<void> }> {
  const { startIcapProcess } = await import('../icap/icap-process.js');
  const service = await startIcapProcess();
  return { port: service.port, close: () => service.stop() };
}

export function icapTarget(): Target<FuzzBytes> {
  return {
    name: 'icap-request',
    kind: 'parser',
    inputs: async () => inputs(),
    async open(): Promise<IcapSession> {
      const service = await start();
      const session: IcapSession = {
        port: service.port,
        close: () => service.close(),
        async check(input) {
          const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : Buffer.from(input);
          const { reply, closed } = await exchange(session.port, bytes, ANSWER_MS);
          if (!closed) throw new Crash(`neither answered nor closed within ${ANSWER_MS} ms of the client's half-close (${reply.length} bytes answered)`);
          if (reply.length && !STATUS.test(reply.toString('latin1', 0, 32))) throw new Crash(`not an ICAP response: ${JSON.stringify(reply.toString('latin1', 0, 80))}`);
          const codes = statuses(reply);
          if (codes.includes(500)) throw new Crash(`answered ICAP 500: ${JSON.stringify(reply.toString('latin1', 0, 300))}`);
          const after = await exchange(session.port, Buffer.from(OPTIONS), ANSWER_MS);
          if (!after.reply.toString('latin1').startsWith('ICAP/1.0 200 ')) throw new Crash(`OPTIONS on a fresh connection answered ${JSON.stringify(after.reply.toString('latin1', 0, 80))}`);
        },
      };
      return session;
    },
  };
}
