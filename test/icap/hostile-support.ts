// Raw sockets for the hostile ICAP tests: whatever bytes a test wants, on the wire as it wants them
// (all at once, trickled, or streamed without end), and what the service did about it.
import { connect, type Socket } from 'node:net';

export interface Exchange {
  reply: string;
  /** The service ended or closed the connection (rather than the test giving up waiting). */
  closed: boolean;
  ms: number;
}

/** Writes `input`, optionally half-closes, and collects the reply until the service closes or `waitMs` passes. */
export function exchange(port: number, input: Buffer | string, options: { end?: boolean; waitMs?: number } = {}): Promise<Exchange> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const received: Buffer[] = [];
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply: Buffer.concat(received).toString('latin1'), closed, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), options.waitMs ?? 10_000);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => {});
    // The service ending its side is its close: the test's own side may still be open for writing.
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    if (options.end) socket.end(input);
    else socket.write(input);
  });
}

/**
 * Keeps writing `next()` until it returns null (then half-closes), the service ends or closes the
 * connection, or `limitMs` passes. With `ignoreEnd`, a client that goes on writing after the service
 * has ended its side: only a closed connection (a failed write) stops it.
 */
export function stream(port: number, head: Buffer | string, next: () => Buffer | null, limitMs: number, options: { ignoreEnd?: boolean } = {}): Promise<Exchange & { sent: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    let sent = 0;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply: Buffer.concat(received).toString('latin1'), closed, ms: performance.now() - started, sent });
    };
    const timer = setTimeout(() => finish(false), limitMs);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => finish(true));
    if (!options.ignoreEnd) socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    const pump = () => {
      while (!done) {
        const piece = next();
        if (!piece) return void socket.end();
        sent += piece.length;
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
    };
    socket.write(head);
    pump();
  });
}

/** A REQMOD for `url` whose encapsulated HTTP head is `httpHead`, with the given body bytes already chunked (or none). */
export function reqmod(httpHead: string, chunkedBody: string | Buffer | null, icapHeaders: string[] = ['Allow: 204']): Buffer {
  const enc = chunkedBody === null ? `req-hdr=0, null-body=${Buffer.byteLength(httpHead, 'latin1')}` : `req-hdr=0, req-body=${Buffer.byteLength(httpHead, 'latin1')}`;
  const head = `REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\nEncapsulated: ${enc}\r\n${icapHeaders.map((h) => `${h}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head + httpHead, 'latin1'), chunkedBody === null ? Buffer.alloc(0) : Buffer.from(chunkedBody as Buffer)]);
}

export function post(url: string, headers: Record<string, string | number>): string {
  return `POST ${url} HTTP/1.1\r\nHost: ${new URL(url).host}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

/** The body as one chunk and the last chunk. */
export function chunked(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
}

export const OPTIONS = 'OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: 127.0.0.1\r\nEncapsulated: null-body=0\r\n\r\n';

export function status(reply: string): number | null {
  const m = /^ICAP\/1\.0 (\d{3}) /.exec(reply);
  return m ? Number(m[1]) : null;
}
