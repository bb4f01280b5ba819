/**
 * Slow and greedy clients over real sockets: slow headers (slowloris), a stalled or trickling body,
 * and more connections from one address than allowed. Each is answered 408/429 problem+json and
 * closed, and the server keeps answering everyone else.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { loadConfig } from '../../src/app/config.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Exchange {
  socket: Socket;
  /** Resolves with everything the server wrote, once it closes the connection. */
  closed: Promise<{ answer: string; afterMs: number }>;
}

function open(url: string): Promise<Exchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    const closed = new Promise<{ answer: string; afterMs: number }>((done) => socket.on('close', () => done({ answer, afterMs: Date.now() - started })));
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** Writes one byte every `everyMs` until the socket closes. */
function trickle(socket: Socket, everyMs: number): void {
  const timer = setInterval(() => (socket.writable ? socket.write('a') : clearInterval(timer)), everyMs);
  socket.on('close', () => clearInterval(timer));
}

function assertProblem(answer: string, status: number, type: string): void {
  const [head, body] = answer.split('\r\n\r\n');
  assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), answer.slice(0, 200));
  assert.match(head, /content-type: application\/problem\+json/i);
  assert.equal((JSON.parse(body) as { type: string }).type, `https://thirdwatch.dev/problems/${type}`);
}

describe('slow and greedy clients', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', {
      THIRDWATCH_HEADERS_TIMEOUT_MS: '1000',
      THIRDWATCH_REQUEST_TIMEOUT_MS: '3000',
      THIRDWATCH_BODY_IDLE_TIMEOUT_MS: '700',
      THIRDWATCH_MAX_CONNECTIONS_PER_CLIENT: '4',
    });
  });
  after(async () => {
    await server?.close();
  });

  const healthy = async () => assert.equal((await fetch(`${server.url}/healthz`)).status, 200);

  test('the defaults bound every phase', () => {
    const config = loadConfig({ THIRDWATCH_DATA_DIR: '/nonexistent-thirdwatch-test' });
    assert.deepEqual([config.headersTimeoutMs, config.requestTimeoutMs, config.bodyIdleTimeoutMs, config.maxConnectionsPerClient], [10_000, 300_000, 15_000, 256]);
    assert.throws(() => loadConfig({ THIRDWATCH_DATA_DIR: '/x', THIRDWATCH_HEADERS_TIMEOUT_MS: '20000', THIRDWATCH_REQUEST_TIMEOUT_MS: '10000' }), /THIRDWATCH_HEADERS_TIMEOUT_MS/);
  });

  test('headers sent a byte at a time (slowloris) are cut off with 408 at the headers timeout', async () => {
    const { socket, closed } = await open(server.url);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    trickle(socket, 100);
    const { answer, afterMs } = await closed;
    assertProblem(answer, 408, 'request-timeout');
    assert.ok(afterMs >= 900 && afterMs < 4000, `closed after ${afterMs} ms`);
    await healthy();
  });

  test('an authenticated body that stalls is cut off with 408 at the body-idle timeout', async () => {
    const { socket, closed } = await open(server.url);
    socket.write(`POST /api/v1/vendors HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.tokens.admin}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`);
    const { answer, afterMs } = await closed;
    assertProblem(answer, 408, 'request-timeout');
    assert.ok(afterMs >= 600 && afterMs < 2500, `closed after ${afterMs} ms`);
    await healthy();
  });

  test('a body that trickles (never idle long enough) is cut off at the request timeout', async () => {
    const { socket, closed } = await open(server.url);
    socket.write(`POST /api/v1/vendors HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.tokens.admin}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"name":"`);
    trickle(socket, 200);
    const { answer, afterMs } = await closed;
    assertProblem(answer, 408, 'request-timeout');
    assert.ok(afterMs >= 2900 && afterMs < 6000, `closed after ${afterMs} ms`);
    await healthy();
  });

  test('a body with pauses shorter than the body-idle timeout is answered normally', async () => {
    const { socket, closed } = await open(server.url);
    const body = JSON.stringify({ name: 'Slow Sender Ltd' });
    socket.write(`POST /api/v1/vendors HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${server.tokens.admin}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    // Pauses shorter than the body-idle timeout are fine, however many.
    for (const part of [body.slice(0, 5), body.slice(5, 12), body.slice(12)]) {
      await new Promise((r) => setTimeout(r, 400));
      socket.write(part);
    }
    const { answer } = await closed;
    assert.match(answer, /^HTTP\/1\.1 201 /, answer.slice(0, 200));
  });

  test('one address holds at most the allowed connections; the next gets 429 problem+json', async () => {
    const held = await Promise.all([0, 1, 2, 3].map(() => open(server.url)));
    try {
      // The server has counted them once each has been accepted.
      await new Promise((r) => setTimeout(r, 100));
      const extra = await open(server.url);
      const { answer } = await extra.closed;
      assertProblem(answer, 429, 'too-many-connections');
    } finally {
      for (const { socket } of held) socket.destroy();
      await Promise.all(held.map((h) => h.closed));
    }
    await new Promise((r) => setTimeout(r, 50));
    await healthy();
  });

  test('an in-process request (app.inject) with a malformed body is a 400, not a 500 from the body timer', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/vendors', headers: { authorization: `Bearer ${server.tokens.admin}`, 'content-type': 'application/json' }, payload: '}' });
    assert.equal(res.statusCode, 400, res.body.slice(0, 300));
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
  });
});
