import { connect, type Socket } from 'node:net';
import { ChunkDecoder, parseEncapsulated } from '../../src/modules/icap/icap.protocol.js';

/** An ICAP response as a test sees it. */
export interface IcapResponse {
  status: number;
  headers: Map<string, string>;
  /** The encapsulated HTTP head (request or response), when there is one. */
  httpHead: string | null;
  /** The de-chunked encapsulated body, when there is one. */
  body: Buffer | null;
}

/**
 * A raw ICAP client over one TCP connection, for tests: writes whatever bytes it is given (well
 * formed or not) and reads responses one at a time, so keep-alive, previews and 100 Continue can
 * be driven step by step.
 */
export class IcapTestClient {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<IcapTestClient> {
    const socket = connect({ port, host });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new IcapTestClient(socket);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async more(timeoutMs: number): Promise<void> {
    if (this.closed) throw new Error(`connection closed; unread: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ICAP response within ${timeoutMs} ms; have: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}`)), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Reads one whole response (head, encapsulated head and de-chunked body). */
  async read(timeoutMs = 10_000): Promise<IcapResponse> {
    let end: number;
    while ((end = this.buffer.indexOf('\r\n\r\n')) === -1) await this.more(timeoutMs);
    const lines = this.buffer.toString('latin1', 0, end).split('\r\n');
    this.buffer = this.buffer.subarray(end + 4);
    const status = Number(/^ICAP\/1\.0 (\d{3})/.exec(lines[0])?.[1] ?? NaN);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) headers.set(line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim());
    if (status === 100) return { status, headers, httpHead: null, body: null };
    const entries = parseEncapsulated(headers.get('encapsulated') ?? 'null-body=0', 1 << 20);
    const bodyEntry = entries.at(-1)!;
    let httpHead: string | null = null;
    if (bodyEntry.offset > 0) {
      while (this.buffer.length < bodyEntry.offset) await this.more(timeoutMs);
      httpHead = this.buffer.toString('latin1', 0, bodyEntry.offset);
      this.buffer = this.buffer.subarray(bodyEntry.offset);
    }
    let body: Buffer | null = null;
    if (bodyEntry.name !== 'null-body') {
      const decoder = new ChunkDecoder();
      const pieces: Buffer[] = [];
      for (;;) {
        const used = decoder.push(this.buffer, (d) => pieces.push(Buffer.from(d)));
        this.buffer = this.buffer.subarray(used);
        if (decoder.done) break;
        await this.more(timeoutMs);
      }
      body = Buffer.concat(pieces);
    }
    return { status, headers, httpHead, body };
  }

  /** Resolves when the server has closed the connection (rejects after the timeout). */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    while (!this.closed) await this.more(timeoutMs).catch((e: Error) => { if (!this.closed) throw e; });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Builds a REQMOD request: the HTTP head, an optional body (chunked, with an optional preview split). */
export function reqmod(options: {
  port?: number;
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  icapHeaders?: Record<string, string>;
  allow204?: boolean;
  /** Send only the first n bytes as a preview (with ieof when they are the whole body). */
  preview?: number;
}): { head: Buffer; rest: Buffer | null } {
  const body = options.body === undefined ? null : Buffer.from(options.body);
  const url = new URL(options.url);
  const httpHeaders = { Host: url.host, ...(body ? { 'Content-Length': String(body.length) } : {}), ...options.headers };
  const httpHead = `${options.method ?? (body ? 'POST' : 'GET')} ${options.url} HTTP/1.1\r\n${Object.entries(httpHeaders).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  const icapHeaders: Record<string, string> = {
    Host: '127.0.0.1',
    ...(options.allow204 === false ? {} : { Allow: '204' }),
    Encapsulated: body ? `req-hdr=0, req-body=${Buffer.byteLength(httpHead, 'latin1')}` : `req-hdr=0, null-body=${Buffer.byteLength(httpHead, 'latin1')}`,
    ...(options.preview !== undefined && body ? { Preview: String(options.preview) } : {}),
    ...options.icapHeaders,
  };
  const icapHead = `REQMOD icap://127.0.0.1:${options.port ?? 1344}/reqmod ICAP/1.0\r\n${Object.entries(icapHeaders).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  const chunked = (data: Buffer, last: string) => Buffer.concat([data.length ? Buffer.from(`${data.length.toString(16)}\r\n`) : Buffer.alloc(0), data, data.length ? Buffer.from('\r\n') : Buffer.alloc(0), Buffer.from(last)]);
  if (!body) return { head: Buffer.from(icapHead + httpHead, 'latin1'), rest: null };
  if (options.preview === undefined) return { head: Buffer.concat([Buffer.from(icapHead + httpHead, 'latin1'), chunked(body, '0\r\n\r\n')]), rest: null };
  const previewPart = body.subarray(0, options.preview);
  const whole = options.preview >= body.length;
  return {
    head: Buffer.concat([Buffer.from(icapHead + httpHead, 'latin1'), chunked(previewPart, whole ? '0; ieof\r\n\r\n' : '0\r\n\r\n')]),
    rest: whole ? null : chunked(body.subarray(options.preview), '0\r\n\r\n'),
  };
}
