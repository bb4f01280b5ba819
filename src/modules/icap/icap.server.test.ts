import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkDecoder, IcapProtocolError, parseEncapsulated, parseHttpRequestHead, parseIcapHead } from './icap.protocol.js';
import { IcapServer, type IcapDecision, type IcapHandler, type IcapServerOptions, type IcapTransaction } from './icap.server.js';
import { IcapTestClient, reqmod } from '../../../test/support/icap-client.js';

/**
 * The protocol layer against a small rule handler (hosts ending in blocked.test and bodies with
 * "SECRET" are blocked; early.test is blocked from the preview alone): what goes over the wire
 * for each RFC 3507 case, and what hostile clients get.
 */
class RuleHandler implements IcapHandler {
  seen: IcapTransaction[] = [];
  previews = 0;
  tag = 'test-1';
  throwOnDecide = false;
  istag() {
    return this.tag;
  }
  async afterPreview(tx: IcapTransaction): Promise<IcapDecision | null> {
    this.previews++;
    return tx.http.host === 'early.test' ? { action: 'block', status: 403, html: '<p>early</p>' } : null;
  }
  async decide(tx: IcapTransaction): Promise<IcapDecision> {
    if (this.throwOnDecide) throw new Error('policy exploded');
    this.seen.push(tx);
    const blocked = tx.http.host?.endsWith('blocked.test') || (tx.body !== null && Buffer.concat(tx.body).includes('SECRET'));
    return blocked ? { action: 'block', status: 403, html: `<h1>Blocked</h1><p>${tx.http.host}</p>` } : { action: 'allow' };
  }
}

async function start(options: Partial<IcapServerOptions> = {}) {
  const handler = new RuleHandler();
  const server = new IcapServer(handler, { port: 0, ...options });
  const { port } = await server.listen();
  return { handler, server, port, client: () => IcapTestClient.connect(port) };
}

describe('ICAP parsing', () => {
  test('Encapsulated: ordered offsets from 0, one trailing body entry, bounded', () => {
    assert.deepEqual(parseEncapsulated('req-hdr=0, req-body=412', 65536), [{ name: 'req-hdr', offset: 0 }, { name: 'req-body', offset: 412 }]);
    assert.deepEqual(parseEncapsulated('null-body=0', 65536), [{ name: 'null-body', offset: 0 }]);
    for (const [value, why] of [
      [undefined, /missing/],
      ['', /missing/],
      ['req-hdr=5, req-body=10', /offset 0/],
      ['req-hdr=0, req-body=10, null-body=20', /last/],
      ['req-hdr=0', /end with a body/],
      ['req-hdr=0, res-hdr=30, req-body=20', /backwards/],
      ['req-hdr=0, req-hdr=10, req-body=20', /twice/],
      ['req-hdr=0, req-body=0', /empty/],
      ['req-hdr=0, foo-body=10', /unknown/],
      ['req-hdr=0; req-body=10', /malformed/],
      ['req-hdr=0, req-body=-1', /malformed/],
      ['req-hdr=0, req-body=99999999999', /malformed/],
      [`req-hdr=0, ${'x'.repeat(300)}`, /too long/],
    ] as const) {
      assert.throws(() => parseEncapsulated(value, 65536), (e: IcapProtocolError) => e.status === 400 && why.test(e.message), String(value));
    }
    assert.throws(() => parseEncapsulated('req-hdr=0, req-body=70000', 65536), (e: IcapProtocolError) => e.status === 413);
  });

  test('request line, version, URI and header lines', () => {
    const head = parseIcapHead('REQMOD icap://127.0.0.1:1344/reqmod ICAP/1.0\r\nHost: x\r\nAllow: 204\r\nallow: 206');
    assert.equal(head.service, '/reqmod');
    assert.equal(head.headers.get('allow'), '204, 206');
    assert.throws(() => parseIcapHead('REQMOD icap://x/reqmod ICAP/2.0'), (e: IcapProtocolError) => e.status === 505);
    assert.throws(() => parseIcapHead('REQMOD http://x/reqmod ICAP/1.0'), (e: IcapProtocolError) => e.status === 400);
    assert.throws(() => parseIcapHead('GET / HTTP/1.1'), (e: IcapProtocolError) => e.status === 400);
    assert.throws(() => parseIcapHead('REQMOD icap://x/reqmod ICAP/1.0\r\nHost: x\r\n folded'), /continuation/);
    assert.throws(() => parseIcapHead('REQMOD icap://x/reqmod ICAP/1.0\r\nno colon here'), /malformed ICAP header/);
    assert.throws(() => parseIcapHead(`REQMOD icap://x/reqmod ICAP/1.0${'\r\nX: y'.repeat(101)}`), /more than 100/);
  });

  test('encapsulated HTTP heads: proxy form, CONNECT, origin form with Host; bad ones refused', () => {
    const proxy = parseHttpRequestHead(Buffer.from('POST http://Upload.Example.com:8080/a/b?email=x HTTP/1.1\r\nHost: upload.example.com:8080\r\n\r\n'));
    assert.deepEqual([proxy.host, proxy.port, proxy.path, proxy.scheme], ['upload.example.com', 8080, '/a/b', 'http']);
    const tunnel = parseHttpRequestHead(Buffer.from('CONNECT api.example.net:443 HTTP/1.1\r\nHost: api.example.net:443\r\n\r\n'));
    assert.deepEqual([tunnel.host, tunnel.port, tunnel.path], ['api.example.net', 443, null]);
    const origin = parseHttpRequestHead(Buffer.from('GET /x?y HTTP/1.1\r\nHost: [2001:db8::1]:81\r\n\r\n'));
    assert.deepEqual([origin.host, origin.port, origin.path], ['2001:db8::1', 81, '/x']);
    assert.throws(() => parseHttpRequestHead(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n')), /blank line/);
    assert.throws(() => parseHttpRequestHead(Buffer.from('GET  / HTTP/1.1\r\n\r\n')), /request line/);
    assert.throws(() => parseHttpRequestHead(Buffer.from('CONNECT nope HTTP/1.1\r\n\r\n')), /CONNECT/);
    assert.throws(() => parseHttpRequestHead(Buffer.from('GET http://[bad/ HTTP/1.1\r\n\r\n')), /URL/);
    assert.throws(() => parseHttpRequestHead(Buffer.from('GET / HTTP/1.1\r\nHost: a b\r\n\r\n')), /Host/);
  });

  test('chunk decoder: split anywhere, ieof, trailers; lying and malformed sizes refused', () => {
    const stream = Buffer.from('5\r\nhello\r\n6;name=v\r\n world\r\n0; ieof\r\nX-T: 1\r\n\r\nNEXT');
    for (let step = 1; step <= stream.length; step++) {
      const decoder = new ChunkDecoder();
      const out: Buffer[] = [];
      let used = 0;
      for (let i = 0; i < stream.length && !decoder.done; i += step) used += decoder.push(stream.subarray(i, i + step), (d) => out.push(Buffer.from(d)));
      assert.equal(Buffer.concat(out).toString(), 'hello world');
      assert.equal(decoder.ieof, true);
      assert.equal(stream.subarray(used).toString(), 'NEXT', `step ${step}`);
    }
    const bad = (text: string, why: RegExp) => assert.throws(() => new ChunkDecoder().push(Buffer.from(text), () => {}), (e: IcapProtocolError) => e.status === 400 && why.test(e.message), text);
    bad('5\r\nhello world\r\n0\r\n\r\n', /longer than its size/);
    bad('zz\r\nhello\r\n', /malformed chunk size/);
    bad('-5\r\nhello\r\n', /malformed chunk size/);
    bad('123456789\r\n', /malformed chunk size/);
    bad(`${'0'.repeat(2000)}`, /too long/);
    bad('5\nhello\r\n', /CRLF/);
    bad(`0\r\n${'X-A: b\r\n'.repeat(2000)}`, /trailer too long/);
  });
});

describe('ICAP server', () => {
  let ctx: Awaited<ReturnType<typeof start>>;
  before(async () => {
    ctx = await start({ headerTimeoutMs: 300, bodyIdleTimeoutMs: 300, idleTimeoutMs: 5000, previewBytes: 1024, scanBytes: 64 * 1024, maxConnections: 500 });
  });
  after(() => ctx.server.close());

  test('OPTIONS advertises REQMOD, Preview, Transfer-Preview, Allow: 204, ISTag, Max-Connections, Options-TTL', async () => {
    const c = await ctx.client();
    c.write('OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\nEncapsulated: null-body=0\r\n\r\n');
    const res = await c.read();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('methods'), 'REQMOD');
    assert.equal(res.headers.get('allow'), '204');
    assert.equal(res.headers.get('preview'), '1024');
    assert.equal(res.headers.get('transfer-preview'), '*');
    assert.equal(res.headers.get('max-connections'), '500');
    assert.equal(res.headers.get('options-ttl'), '300');
    assert.equal(res.headers.get('istag'), '"test-1"');
    ctx.handler.tag = 'test-2';
    c.write('OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
    assert.equal((await c.read()).headers.get('istag'), '"test-2"', 'the ISTag follows the policy');
    ctx.handler.tag = 'test-1';
    c.close();
  });

  test('REQMOD: 204 when allowed, 200 echo without Allow: 204, 200 with a 403 page to block', async () => {
    const c = await ctx.client();
    c.write(reqmod({ url: 'http://ok.test/x?q=1' }).head);
    const allowed = await c.read();
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('istag'), '"test-1"');

    const echo = reqmod({ url: 'http://ok.test/x', allow204: false, headers: { 'X-A': 'b' } });
    c.write(echo.head);
    const echoed = await c.read();
    assert.equal(echoed.status, 200);
    assert.match(echoed.headers.get('encapsulated') ?? '', /^req-hdr=0, null-body=\d+$/);
    assert.equal(echoed.httpHead, 'GET http://ok.test/x HTTP/1.1\r\nHost: ok.test\r\nX-A: b\r\n\r\n');

    const body = 'name=x&card=SECRET';
    c.write(reqmod({ url: 'http://ok.test/upload', body }).head);
    const blocked = await c.read();
    assert.equal(blocked.status, 200);
    assert.match(blocked.headers.get('encapsulated') ?? '', /^res-hdr=0, res-body=\d+$/);
    assert.match(blocked.httpHead ?? '', /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.match(blocked.httpHead ?? '', /Content-Type: text\/html; charset=utf-8/);
    assert.equal(blocked.body?.toString(), '<h1>Blocked</h1><p>ok.test</p>');
    assert.equal(Buffer.concat(ctx.handler.seen.at(-1)?.body ?? []).toString(), body);
    c.close();
  });

  test('a body echoed without Allow: 204 comes back byte for byte', async () => {
    const c = await ctx.client();
    const body = Buffer.alloc(200_000, 'abcdefgh');
    c.write(reqmod({ url: 'http://ok.test/u', body, allow204: false }).head);
    const res = await c.read();
    assert.equal(res.status, 200);
    assert.match(res.httpHead ?? '', /^POST http:\/\/ok\.test\/u HTTP\/1\.1\r\n/);
    assert.ok(res.body?.equals(body));
    const tx = ctx.handler.seen.at(-1)!;
    assert.equal(Buffer.concat(tx.body ?? []).length, 64 * 1024, 'the policy gets the scan cap');
    assert.equal(tx.bodyBytes, 200_000);
    assert.equal(tx.truncated, true);
    c.close();
  });

  test('Preview: ieof decides at once; otherwise 100 Continue then the rest; a block from the preview needs no rest', async () => {
    const c = await ctx.client();
    const previews = ctx.handler.previews;
    c.write(reqmod({ url: 'http://ok.test/p', body: 'short body', preview: 1024 }).head);
    assert.equal((await c.read()).status, 204);
    assert.equal(ctx.handler.previews, previews, 'an ieof preview is the whole body');

    const body = `${'x'.repeat(1500)}SECRET`;
    const req = reqmod({ url: 'http://ok.test/p', body, preview: 1024 });
    c.write(req.head);
    assert.equal((await c.read()).status, 100);
    c.write(req.rest!);
    const res = await c.read();
    assert.equal(res.status, 200);
    assert.equal(Buffer.concat(ctx.handler.seen.at(-1)?.body ?? []).toString(), body);

    const early = reqmod({ url: 'http://early.test/p', body: 'y'.repeat(5000), preview: 1024 });
    c.write(early.head);
    const blocked = await c.read();
    assert.equal(blocked.status, 200);
    assert.equal(blocked.body?.toString(), '<p>early</p>');
    // The connection is still good for the next request.
    c.write(reqmod({ url: 'http://ok.test/after' }).head);
    assert.equal((await c.read()).status, 204);
    c.close();
  });

  test('keep-alive and pipelined requests in one write are answered in order', async () => {
    const c = await ctx.client();
    c.write(Buffer.concat([reqmod({ url: 'http://ok.test/1' }).head, reqmod({ url: 'http://blocked.test/2' }).head, reqmod({ url: 'http://ok.test/3', body: 'a=b' }).head]));
    assert.equal((await c.read()).status, 204);
    const second = await c.read();
    assert.equal(second.status, 200);
    assert.match(second.body?.toString() ?? '', /blocked\.test/);
    assert.equal((await c.read()).status, 204);
    c.write('OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nConnection: close\r\n\r\n');
    assert.equal((await c.read()).status, 200);
    await c.waitClosed();
  });

  test('many concurrent connections', async () => {
    const clients = await Promise.all(Array.from({ length: 200 }, () => ctx.client()));
    const statuses = await Promise.all(
      clients.map(async (c, i) => {
        const out: number[] = [];
        for (let k = 0; k < 5; k++) {
          c.write(reqmod({ url: `http://${(i + k) % 7 === 0 ? 'blocked' : 'ok'}.test/${i}/${k}`, body: `n=${i}` }).head);
          out.push((await c.read()).status);
        }
        c.close();
        return out;
      }),
    );
    const flat = statuses.flat();
    assert.equal(flat.length, 1000);
    assert.equal(flat.filter((s) => s === 200).length, Array.from({ length: 1000 }, (_, j) => (Math.floor(j / 5) + (j % 5)) % 7 === 0).filter(Boolean).length);
  });

  test('hostile requests get an ICAP error and a closed connection; the server keeps serving', async () => {
    const cases: Array<[string | Buffer, number, RegExp]> = [
      ['HELLO\r\n\r\n', 400, /request line/],
      ['REQMOD icap://127.0.0.1/reqmod ICAP/1.1\r\n\r\n', 505, /ICAP\/1\.0/],
      ['RESPMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nEncapsulated: res-hdr=0, null-body=10\r\n\r\n', 405, /REQMOD/],
      ['BREW icap://127.0.0.1/reqmod ICAP/1.0\r\n\r\n', 501, /BREW/],
      ['REQMOD icap://127.0.0.1/other ICAP/1.0\r\nEncapsulated: req-hdr=0, null-body=10\r\n\r\n', 404, /\/reqmod/],
      ['REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\n\r\n', 400, /Encapsulated header missing/],
      ['REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, req-body=9999999\r\n\r\n', 413, /limit/],
      ['REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nEncapsulated: req-body=0\r\n\r\n', 400, /req-hdr/],
      ['REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, null-body=40\r\n\r\nGET / HTTP', 408, /header timeout/],
      ['REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, null-body=12\r\n\r\nGET / HTTP/1', 400, /blank line/],
      ['REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nPreview: 5000\r\nEncapsulated: req-hdr=0, req-body=10\r\n\r\n', 400, /exceeds/],
      ['REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nPreview: -1\r\nEncapsulated: req-hdr=0, req-body=10\r\n\r\n', 400, /Preview/],
      [`REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 413, /ICAP header larger/],
      [`REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nX-Big: ${'a'.repeat(20_000)}`, 413, /ICAP header larger/],
      ['OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nEncapsulated: opt-body=0\r\n\r\n', 400, /OPTIONS request with a body/],
      [Buffer.concat([reqmod({ url: 'http://ok.test/', body: 'hello' }).head.subarray(0, -15), Buffer.from('5\r\nhello world\r\n0\r\n\r\n')]), 400, /longer than its size/],
      [Buffer.concat([reqmod({ url: 'http://ok.test/', body: 'hello' }).head.subarray(0, -15), Buffer.from('ffffffffff\r\n')]), 400, /chunk size/],
      [Buffer.concat([reqmod({ url: 'http://ok.test/', body: 'hello' }).head.subarray(0, -15), Buffer.from('ffff\r\nabc')]), 408, /body idle/],
      [Buffer.concat([reqmod({ url: 'http://ok.test/', body: 'x', preview: 10 }).head.subarray(0, -'1\r\nx\r\n0; ieof\r\n\r\n'.length), Buffer.from('a\r\n0123456789\r\n'.repeat(3))]), 400, /preview longer/],
    ];
    for (const [bytes, status, reason] of cases) {
      const c = await ctx.client();
      c.write(bytes);
      const res = await c.read();
      assert.equal(res.status, status, `${String(bytes).slice(0, 60)} → ${res.headers.get('x-error')}`);
      assert.match(res.headers.get('x-error') ?? '', reason);
      assert.equal(res.headers.get('connection'), 'close');
      await c.waitClosed();
    }
    const c = await ctx.client();
    c.write(reqmod({ url: 'http://ok.test/still' }).head);
    assert.equal((await c.read()).status, 204);
    c.close();
  });

  test('slowloris: a head trickled byte by byte is cut off by the header timeout', async () => {
    const c = await ctx.client();
    const bytes = reqmod({ url: 'http://ok.test/' }).head;
    let i = 0;
    const trickle = setInterval(() => {
      if (i < bytes.length && !c.closed) c.write(bytes.subarray(i, ++i));
    }, 50);
    try {
      const res = await c.read(5000);
      assert.equal(res.status, 408);
      await c.waitClosed();
    } finally {
      clearInterval(trickle);
    }
    assert.ok(i < bytes.length);
  });

  test('a policy failure is an ICAP 500, not a crash; a half-closed client still gets its answer', async () => {
    ctx.handler.throwOnDecide = true;
    const c = await ctx.client();
    c.write(reqmod({ url: 'http://ok.test/' }).head);
    assert.equal((await c.read()).status, 500);
    await c.waitClosed();
    ctx.handler.throwOnDecide = false;
    const h = await ctx.client();
    h.socket.end(reqmod({ url: 'http://blocked.test/' }).head);
    assert.equal((await h.read()).status, 200);
    await h.waitClosed();
  });
});

describe('ICAP server limits', () => {
  test('over Max-Connections a connection is answered 503 and closed; freed slots are reused', async () => {
    const { server, client } = await start({ maxConnections: 3 });
    try {
      const held = await Promise.all([client(), client(), client()]);
      const extra = await client();
      assert.equal((await extra.read()).status, 503);
      await extra.waitClosed();
      held[0].close();
      await new Promise((r) => setTimeout(r, 100));
      const again = await client();
      again.write(reqmod({ url: 'http://ok.test/' }).head);
      assert.equal((await again.read()).status, 204);
      for (const c of [...held, again]) c.close();
    } finally {
      await server.close();
    }
  });

  test('a body over the hold limit without Allow: 204 is decided on its start and streamed through', async () => {
    const { server, client, handler } = await start({ holdBytes: 4096, scanBytes: 1000 });
    try {
      const c = await client();
      const body = Buffer.alloc(1_000_000);
      for (let i = 0; i < body.length; i++) body[i] = (i * 7) % 251;
      c.write(reqmod({ url: 'http://ok.test/big', body, allow204: false }).head);
      const res = await c.read();
      assert.equal(res.status, 200);
      assert.ok(res.body?.equals(body), 'the whole body comes back');
      assert.equal(Buffer.concat(handler.seen.at(-1)?.body ?? []).length, 1000);
      assert.equal(handler.seen.at(-1)?.truncated, true);

      const secret = Buffer.concat([Buffer.from('SECRET'), Buffer.alloc(100_000, 'z')]);
      c.write(reqmod({ url: 'http://ok.test/big2', body: secret, allow204: false }).head);
      const blocked = await c.read();
      assert.match(blocked.httpHead ?? '', /403/);
      c.write(reqmod({ url: 'http://ok.test/next' }).head);
      assert.equal((await c.read()).status, 204);
      c.close();
    } finally {
      await server.close();
    }
  });
});
