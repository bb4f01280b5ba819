import http, { type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../../app/config.js';
import { answerClientError, writeRawProblem } from './problem.js';
import type { App } from './server.js';

/**
 * Slow and greedy clients: headers must arrive within the headers timeout and the whole request
 * within the request timeout (Node checks both every second); a body that stops sending for the
 * body-idle timeout is cut off with 408; and one client address holds at most so many connections
 * at a time (429 beyond them). Long handlers are not affected: the timers end with the request body.
 */
export function createServerWithTimeouts(config: Pick<Config, 'headersTimeoutMs' | 'requestTimeoutMs' | 'maxConnectionsPerClient'>) {
  return (handler: RequestListener): Server => {
    const server = http.createServer({ headersTimeout: config.headersTimeoutMs, requestTimeout: config.requestTimeoutMs, connectionsCheckingInterval: 1000 }, handler);
    if (config.maxConnectionsPerClient > 0) limitConnectionsPerClient(server, config.maxConnectionsPerClient);
    return server;
  };
}

function limitConnectionsPerClient(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? 'unknown';
    const count = (open.get(client) ?? 0) + 1;
    if (count > max) {
      writeRawProblem(socket, 'too_many_connections', `this client address already has ${max} open connections (THIRDWATCH_MAX_CONNECTIONS_PER_CLIENT)`);
      return;
    }
    open.set(client, count);
    socket.once('close', () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left > 0) open.set(client, left);
      else open.delete(client);
    });
  });
}

/** A request body that sends nothing for `idleMs` is answered 408 and its connection closed. */
export function installBodyIdleTimeout(app: App, idleMs: number): void {
  app.addHook('onRequest', async (request) => {
    const raw = request.raw;
    const length = Number(raw.headers['content-length'] ?? 0);
    if (!(length > 0) && raw.headers['transfer-encoding'] === undefined) return;
    // app.inject's simulated request has no socket to stall, and no setTimeout.
    if (raw.complete || typeof raw.setTimeout !== 'function') return;
    const socket = raw.socket;
    const onIdle = () => {
      request.log.info({ idleMs }, 'request body stalled; closing the connection');
      answerClientError(Object.assign(new Error('request body stalled'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), socket);
    };
    // On the request, not the socket: Node's own socket listener destroys a timed-out socket
    // silently unless the request handles the timeout.
    raw.setTimeout(idleMs, onIdle);
    const clear = () => {
      socket.setTimeout(0);
      raw.removeListener('timeout', onIdle);
    };
    raw.once('end', clear);
    raw.once('close', clear);
  });
}
