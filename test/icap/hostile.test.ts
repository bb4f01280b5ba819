// Thirdwatch's ICAP service (test/icap/icap-service.ts, default policy) against hostile clients,
// black box over loopback: malformed Encapsulated headers, lying chunk sizes, endless
// previews and bodies, slowloris, huge headers, compression bombs, binary bodies and many connections
// at once. Each gets an ICAP error or a closed connection, the service keeps answering, and its
// memory (read from /proc while it runs in its own process) stays bounded.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { chunked, exchange, OPTIONS, post, reqmod, status, stream } from './hostile-support.js';
import { startIcapProcess, type IcapProcess } from './icap-process.js';

const URL_OUT = 'http://upload.unsanctioned.example/upload';
/** Peak resident memory the service may reach over the whole file (Node itself takes ~60-90 MB). */
const PEAK_RSS_MB = 400;
/** What the compression bombs inflate to, and how much an endless body streams. */
const BOMB_MB = 128;
const STREAM_MB = 96;

describe('hostile ICAP clients', () => {
  let icap: IcapProcess;

  before(async () => {
    icap = await startIcapProcess();
  });
  after(async () => {
    await icap?.stop();
  });

  async function stillServes() {
    const options = await exchange(icap.port, OPTIONS, { waitMs: 5000, end: true });
    assert.equal(status(options.reply), 200, `OPTIONS after the attack: ${options.reply.slice(0, 200)}`);
    const body = Buffer.from('{"order":"A-1","qty":2}');
    const ok = await exchange(icap.port, reqmod(post('http://shop.example/cart', { 'Content-Type': 'application/json', 'Content-Length': body.length }), chunked(body)), { waitMs: 10_000, end: true });
    assert.equal(status(ok.reply), 204, ok.reply.slice(0, 300));
  }

  function refused(reply: string, closed: boolean, what: string) {
    const code = status(reply);
    assert.ok(code !== null && code >= 400 && code < 500, `${what}: expected an ICAP 4xx, got ${JSON.stringify(reply.slice(0, 200))}`);
    assert.ok(closed, `${what}: the connection stays open after a framing error`);
  }

  test('bad Encapsulated headers: 4xx and the connection closed', async () => {
    const http = post(URL_OUT, { 'Content-Length': 5 });
    const len = Buffer.byteLength(http);
    const cases: Record<string, string | null> = {
      missing: null,
      'not a number': 'req-hdr=0, req-body=abc',
      negative: 'req-hdr=-1, req-body=10',
      'out of order': `req-body=0, req-hdr=${len}`,
      'offset past the head limit': 'req-hdr=0, req-body=999999999',
      'offset inside the request line': 'req-hdr=0, req-body=5',
      'response parts in a REQMOD': `res-hdr=0, res-body=${len}`,
      duplicated: `req-hdr=0, req-hdr=0, req-body=${len}`,
      empty: '',
      garbage: '\u0000\u00ff;;==,,',
    };
    for (const [what, value] of Object.entries(cases)) {
      const head = `REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\nAllow: 204\r\n${value === null ? '' : `Encapsulated: ${value}\r\n`}\r\n`;
      const r = await exchange(icap.port, Buffer.concat([Buffer.from(head + http, 'latin1'), chunked(Buffer.from('hello'))]), { waitMs: 5000 });
      refused(r.reply, r.closed, what);
    }
    await stillServes();
  });

  test('lying chunk sizes: shorter, longer, huge and non-hex sizes are refused or cut off', async () => {
    const head = post(URL_OUT, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    const lies: Record<string, string> = {
      'size smaller than the data': '5\r\nhello world, much longer than five\r\n0\r\n\r\n',
      'huge size': 'ffffffffffffffffffff\r\nx\r\n0\r\n\r\n',
      'non-hex size': 'zz\r\nhello\r\n0\r\n\r\n',
      'negative size': '-5\r\nhello\r\n0\r\n\r\n',
      'endless chunk extension': `5;${'e'.repeat(256 * 1024)}\r\nhello\r\n0\r\n\r\n`,
    };
    for (const [what, body] of Object.entries(lies)) {
      const r = await exchange(icap.port, reqmod(head, body), { waitMs: 5000 });
      refused(r.reply, r.closed, what);
    }
    // A size larger than what follows: the service waits for the rest; when the client gives up
    // (half-closes) it must let go at once, answering nothing it could be held to.
    const longer = await exchange(icap.port, reqmod(head, 'ffff\r\nonly a little\r\n0\r\n\r\n'), { end: true, waitMs: 5000 });
    assert.ok(longer.closed, 'a truncated body after the client shut its side is dropped');
    assert.ok(status(longer.reply) === null || status(longer.reply)! >= 400, longer.reply.slice(0, 200));
    await stillServes();
  });

  test('endless preview: data past the announced preview is refused, and a client that keeps sending is cut off', async () => {
    const head = post(URL_OUT, { 'Content-Type': 'text/plain', 'Content-Length': 1_000_000 });
    const piece = Buffer.from(`400\r\n${'p'.repeat(1024)}\r\n`);
    const r = await stream(icap.port, reqmod(head, '', ['Allow: 204', 'Preview: 1024']), () => piece, 20_000, { ignoreEnd: true });
    assert.ok(r.closed, `the connection still took data ${Math.round(r.ms)} ms and ${r.sent} bytes into a 1 KB preview`);
    refused(r.reply, r.closed, 'preview past its announced size');
    await stillServes();
  });

  test('slowloris: a head trickled a byte at a time is cut off', async () => {
    const bytes = Buffer.from(OPTIONS.replace('\r\n\r\n', `\r\nX-Slow: ${'s'.repeat(2000)}\r\n\r\n`));
    const started = performance.now();
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: icap.port });
      let i = 0;
      const timer = setInterval(() => {
        if (i < bytes.length) socket.write(bytes.subarray(i, ++i));
      }, 50);
      const give = setTimeout(() => {
        clearInterval(timer);
        socket.destroy();
        resolve(false);
      }, 60_000);
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(timer);
        clearTimeout(give);
        resolve(true);
      });
    });
    assert.ok(closed, 'a trickled head holds its connection for a minute');
    assert.ok(performance.now() - started < 60_000);
    await stillServes();
  });

  test('huge headers: an ICAP head or an HTTP head past the limit is refused without reading it all', async () => {
    const icapHead = `OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n${'X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(20_000)}`;
    const a = await exchange(icap.port, icapHead, { waitMs: 5000 });
    refused(a.reply, a.closed, 'huge ICAP head');
    const httpHead = `GET http://shop.example/ HTTP/1.1\r\nHost: shop.example\r\nCookie: ${'c'.repeat(4 * 1024 * 1024)}\r\n\r\n`;
    const b = await exchange(icap.port, reqmod(httpHead, null), { waitMs: 5000 });
    refused(b.reply, b.closed, 'huge HTTP head');
    const many = `GET http://shop.example/ HTTP/1.1\r\nHost: shop.example\r\n${'H: v\r\n'.repeat(200_000)}\r\n`;
    const c = await exchange(icap.port, reqmod(many, null), { waitMs: 5000 });
    refused(c.reply, c.closed, 'too many HTTP header lines');
    await stillServes();
  });

  test('compression bombs in bodies are answered, quickly, without inflating them whole', async () => {
    const zeros = Buffer.alloc(BOMB_MB * 1024 * 1024);
    const bombs: Record<string, Buffer> = { gzip: gzipSync(zeros), deflate: deflateSync(zeros), br: brotliCompressSync(zeros, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }) };
    bombs['gzip inside gzip'] = gzipSync(bombs.gzip);
    for (const [encoding, bomb] of Object.entries(bombs)) {
      const head = post(URL_OUT, { 'Content-Type': 'application/json', 'Content-Encoding': encoding === 'gzip inside gzip' ? 'gzip, gzip' : encoding, 'Content-Length': bomb.length });
      const { result: r, beforeMb, maxMb } = await icap.rssDuring(exchange(icap.port, reqmod(head, chunked(bomb)), { waitMs: 30_000, end: true }));
      const code = status(r.reply);
      assert.ok(code === 204 || code === 200, `${encoding} bomb (${bomb.length} bytes → ${BOMB_MB} MB): ${r.reply.slice(0, 300)}`);
      assert.ok(maxMb - beforeMb < BOMB_MB / 2, `${encoding} bomb: resident memory rose from ${beforeMb} to ${maxMb} MB`);
    }
    // The start of a bomb is still read: card numbers ahead of the padding are found and blocked.
    const loaded = gzipSync(Buffer.concat([Buffer.from('payment export: card number 4111 1111 1111 1111, card 5555 5555 5555 4444\n'), Buffer.alloc(BOMB_MB * 1024 * 1024, 0x20)]));
    const r = await exchange(icap.port, reqmod(post(URL_OUT, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip', 'Content-Length': loaded.length }), chunked(loaded)), { waitMs: 30_000, end: true });
    assert.equal(status(r.reply), 200, r.reply.slice(0, 300));
    assert.match(r.reply, /HTTP\/1\.1 403 /);
    await stillServes();
  });

  test('binary bodies (random bytes, NULs, invalid UTF-8) are answered', async () => {
    const bodies = [randomBytes(1024 * 1024), Buffer.alloc(64 * 1024), Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80, 0xc0, 0x80].flatMap((b) => Array(1000).fill(b)))];
    for (const [i, body] of bodies.entries()) {
      for (const type of ['application/octet-stream', 'application/json', 'multipart/form-data; boundary=x']) {
        const r = await exchange(icap.port, reqmod(post(URL_OUT, { 'Content-Type': type, 'Content-Length': body.length }), chunked(body)), { waitMs: 30_000, end: true });
        const code = status(r.reply);
        assert.ok(code === 204 || code === 200, `binary body ${i} as ${type}: ${r.reply.slice(0, 200)}`);
      }
    }
    await stillServes();
  });

  test('a body far past the scan cap streams past without being held: memory stays bounded', async () => {
    const head = post(URL_OUT, { 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' });
    const piece = Buffer.concat([Buffer.from('10000\r\n'), randomBytes(0x10000), Buffer.from('\r\n')]);
    let left = STREAM_MB * 1024 * 1024;
    const next = () => {
      if (left < 0) return null;
      left -= 0x10000;
      return left >= 0 ? piece : Buffer.from('0\r\n\r\n');
    };
    const { result: r, beforeMb, maxMb } = await icap.rssDuring(stream(icap.port, reqmod(head, '', ['Allow: 204']), next, 120_000));
    assert.ok(r.sent >= STREAM_MB * 1024 * 1024, `the service stopped reading after ${r.sent} bytes: ${r.reply.slice(0, 200)}`);
    assert.equal(status(r.reply), 204, r.reply.slice(0, 200));
    // A service that held the body would grow by at least STREAM_MB; below that is buffers the GC has
    // not taken back yet, which differs by Node version (52 MB on Node 24, under half on Node 20).
    assert.ok(maxMb - beforeMb < (STREAM_MB * 3) / 4, `resident memory rose from ${beforeMb} to ${maxMb} MB while ${r.sent} bytes streamed`);
    await stillServes();
  });

  test('many concurrent connections: each is answered or refused, none hangs, and the service recovers', async () => {
    const count = 600;
    const results = await Promise.all(Array.from({ length: count }, () => exchange(icap.port, OPTIONS + OPTIONS, { waitMs: 30_000, end: true })));
    const codes = results.map((r) => status(r.reply));
    const silent = results.filter((r) => status(r.reply) === null && !r.closed).length;
    assert.equal(silent, 0, `${silent} of ${count} connections got neither an answer nor a close`);
    assert.ok(codes.filter((c) => c === 200).length > 0, 'no connection served');
    assert.ok(codes.every((c) => c === null || c === 200 || c === 503), `unexpected answers: ${[...new Set(codes)].join(', ')}`);
    await stillServes();
  });

  test('after all of it: still serving, peak memory bounded', async () => {
    await stillServes();
    assert.ok(icap.peakRssMb() < PEAK_RSS_MB, `peak RSS ${icap.peakRssMb()} MB`);
  });
});
