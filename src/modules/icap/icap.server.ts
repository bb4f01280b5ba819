import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  ChunkDecoder,
  chunk,
  ICAP_STATUS_TEXT,
  IcapProtocolError,
  LAST_CHUNK,
  parseEncapsulated,
  parseHttpRequestHead,
  parseIcapHead,
  type EncapsulatedEntry,
  type HttpRequestHead,
  type IcapHead,
} from './icap.protocol.js';

/** What the policy answers for one adapted request. */
export type IcapDecision = { action: 'allow' } | { action: 'block'; status: number; html: string };

/** One REQMOD transaction as the policy sees it. */
export interface IcapTransaction {
  icap: IcapHead;
  http: HttpRequestHead;
  /** The client's address as the proxy reports it (X-Client-IP), else null. */
  clientIp: string | null;
  /**
   * The first `scanBytes` of the body as the pieces it arrived in (null: the request has no body):
   * views of the socket's reads, which the echo writes back too, so read them, never change them.
   * Not joined here: a joined copy is a new buffer per request on this thread's heap, and at 1 MB
   * a request those buffers set off a full garbage collection of the whole service every few dozen
   * requests (~3 ms of CPU a request); they are copied once into memory a scan thread shares
   * (ScanThreads.scan).
   */
  body: Buffer[] | null;
  /** Body bytes seen in total; in the preview phase, those of the preview. */
  bodyBytes: number;
  /** The body went on past what `body` holds (scan cap, or only the preview so far). */
  truncated: boolean;
  startedAt: number;
}

export interface IcapHandler {
  /** The service tag (RFC 3507 4.7): changes whenever the policy does. Unquoted. */
  istag(): string;
  /**
   * After a preview that did not hold the whole body: a final decision now (the rest of the body
   * is never sent), or null to ask for the rest with 100 Continue.
   */
  afterPreview(tx: IcapTransaction): Promise<IcapDecision | null>;
  /** The decision on the request (its body as far as scanned). Throwing answers ICAP 500. */
  decide(tx: IcapTransaction): Promise<IcapDecision>;
}

export interface IcapServerOptions {
  host?: string;
  port: number;
  /** Connections served at once; the next is answered 503 and closed. Advertised as Max-Connections. */
  maxConnections?: number;
  /** Preview size advertised in OPTIONS, and the largest preview accepted. */
  previewBytes?: number;
  /** ICAP request head (request line and headers). */
  maxIcapHeaderBytes?: number;
  /** The encapsulated HTTP request head. */
  maxHttpHeaderBytes?: number;
  /** Body bytes handed to the policy; the rest streams past. */
  scanBytes?: number;
  /** Body held for an echo when the client did not allow 204, before the decision is taken on what has arrived. */
  holdBytes?: number;
  /** A head (ICAP + HTTP) must arrive within this time of its first byte: slowloris. */
  headerTimeoutMs?: number;
  /** A body that sends nothing for this long is cut off. */
  bodyIdleTimeoutMs?: number;
  /** A whole request must arrive within this time. */
  requestTimeoutMs?: number;
  /** A kept-alive connection with no request for this long is closed. */
  idleTimeoutMs?: number;
  optionsTtlSeconds?: number;
  logger?: Logger;
}

export interface IcapStats {
  connections: number;
  connectionsTotal: number;
  refusedConnections: number;
  requests: number;
  options: number;
  responses: Record<string, number>;
  protocolErrors: number;
  timeouts: number;
}

const DEFAULTS = {
  host: '127.0.0.1',
  maxConnections: 1000,
  previewBytes: 4096,
  maxIcapHeaderBytes: 16 * 1024,
  maxHttpHeaderBytes: 64 * 1024,
  scanBytes: 1024 * 1024,
  holdBytes: 8 * 1024 * 1024,
  headerTimeoutMs: 10_000,
  bodyIdleTimeoutMs: 30_000,
  requestTimeoutMs: 300_000,
  idleTimeoutMs: 120_000,
  optionsTtlSeconds: 300,
};

export const REQMOD_SERVICE = '/reqmod';
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

/**
 * An RFC 3507 ICAP server for REQMOD on node:net: OPTIONS, REQMOD with Preview (ieof and
 * 100 Continue), 204 when the client allows it and 200 with the request echoed when it does not,
 * 200 with an HTTP 403 page to block, chunked bodies, persistent connections. Every malformed
 * request is answered with an ICAP error and the connection closed (its framing cannot be
 * trusted after that); nothing a client sends can throw out of a connection.
 */
export class IcapServer {
  private readonly server: Server;
  private readonly options: Required<Omit<IcapServerOptions, 'logger'>> & { logger?: Logger };
  private readonly sockets = new Set<Socket>();
  readonly stats: IcapStats = { connections: 0, connectionsTotal: 0, refusedConnections: 0, requests: 0, options: 0, responses: {}, protocolErrors: 0, timeouts: 0 };

  constructor(
    private readonly handler: IcapHandler,
    options: IcapServerOptions,
  ) {
    this.options = { ...DEFAULTS, ...options } as typeof this.options;
    // Half-open: a client may send its request and shut its side; the answer still goes out.
    this.server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.accept(socket));
    this.server.on('error', (error) => this.options.logger?.error({ err: error }, 'icap server error'));
  }

  async listen(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('ICAP server has no TCP address');
    return { host: address.address, port: address.port };
  }

  /** Stops accepting, closes idle connections at once and busy ones after `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) if ((socket as SocketWithState).icapIdle) socket.destroy();
    const timer = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  private accept(socket: Socket): void {
    this.stats.connectionsTotal++;
    if (this.sockets.size >= this.options.maxConnections) {
      this.stats.refusedConnections++;
      socket.on('error', () => {});
      socket.end(statusHead(503, this.handler.istag(), 'too many connections', true));
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    this.sockets.add(socket);
    this.stats.connections = this.sockets.size;
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.stats.connections = this.sockets.size;
    });
    new Connection(socket as SocketWithState, this.handler, this.options, this.stats);
  }
}

type SocketWithState = Socket & { icapIdle?: boolean };

type Phase = 'icap-head' | 'http-head' | 'preview' | 'body' | 'deciding' | 'closed';

/** One client connection: a loop over requests, each parsed from `pending` as bytes arrive. */
class Connection {
  private pending: Buffer = Buffer.alloc(0);
  private phase: Phase = 'icap-head';
  private timer: NodeJS.Timeout | null = null;
  private requestTimer: NodeJS.Timeout | null = null;
  // The request being read.
  private icap: IcapHead | null = null;
  private encapsulated: EncapsulatedEntry[] = [];
  private http: HttpRequestHead | null = null;
  private httpHeadBytes: Buffer | null = null;
  private decoder: ChunkDecoder | null = null;
  private previewLimit = 0;
  private allow204 = false;
  private closeAfter = false;
  private scanned: Buffer[] = [];
  private scannedBytes = 0;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private bodyBytes = 0;
  private startedAt = 0;
  /** Set once decided: block answers after the body is drained; allow without 204 streams the rest. */
  private decision: IcapDecision | null = null;
  private streaming = false;

  constructor(
    private readonly socket: SocketWithState,
    private readonly handler: IcapHandler,
    private readonly options: Required<Omit<IcapServerOptions, 'logger'>> & { logger?: Logger },
    private readonly stats: IcapStats,
  ) {
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('error', () => this.destroy());
    // The client has said all it will: answer a request being decided, drop anything unfinished.
    socket.on('end', () => {
      if (this.phase === 'deciding') this.closeAfter = true;
      else this.destroy();
    });
    socket.on('close', () => this.clearTimers());
    this.waitForRequest();
  }

  private onData(data: Buffer): void {
    if (this.phase === 'closed') return;
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    this.socket.icapIdle = false;
    if (this.phase === 'deciding') {
      // A client that talks while we decide is buffered only up to one head's worth, then stopped.
      if (this.pending.length > this.options.maxIcapHeaderBytes + this.options.maxHttpHeaderBytes) this.socket.pause();
      return;
    }
    this.pump();
  }

  /** Runs the parser over `pending` until it needs more bytes or waits on a decision. */
  private pump(): void {
    try {
      for (;;) {
        if (this.phase === 'icap-head') {
          if (!this.pending.length) return;
          if (!this.requestTimer) this.startRequestTimers();
          if (!this.readIcapHead()) return;
        } else if (this.phase === 'http-head') {
          if (!this.readHttpHead()) return;
        } else if (this.phase === 'preview' || this.phase === 'body') {
          if (!this.readBody()) return;
        } else {
          return;
        }
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private readIcapHead(): boolean {
    const end = this.pending.indexOf(HEAD_END);
    const limit = this.options.maxIcapHeaderBytes;
    if (end === -1) {
      if (this.pending.length > limit) throw new IcapProtocolError(413, `ICAP header larger than ${limit} bytes`);
      return false;
    }
    if (end + 4 > limit) throw new IcapProtocolError(413, `ICAP header larger than ${limit} bytes`);
    // Leading blank lines between requests are tolerated (RFC 7230 3.5).
    const text = this.pending.toString('latin1', 0, end).replace(/^(\r\n)+/, '');
    this.pending = this.pending.subarray(end + 4);
    const icap = parseIcapHead(text);
    this.icap = icap;
    this.stats.requests++;
    this.closeAfter = /(^|,)\s*close\s*(,|$)/i.test(icap.headers.get('connection') ?? '');
    if (icap.method === 'OPTIONS') {
      this.stats.options++;
      if (icap.service !== REQMOD_SERVICE) throw new IcapProtocolError(404, `no ICAP service at ${icap.service} (the service is ${REQMOD_SERVICE})`);
      const enc = icap.headers.get('encapsulated');
      if (enc !== undefined && !/^\s*null-body=0\s*$/.test(enc)) throw new IcapProtocolError(400, 'an OPTIONS request with a body is not accepted');
      this.respond([this.optionsResponse()]);
      this.finishRequest();
      return true;
    }
    if (icap.method === 'RESPMOD') throw new IcapProtocolError(405, 'this service adapts requests (REQMOD) only');
    if (icap.method !== 'REQMOD') throw new IcapProtocolError(501, `method ${icap.method} is not implemented`);
    if (icap.service !== REQMOD_SERVICE) throw new IcapProtocolError(404, `no ICAP service at ${icap.service} (the service is ${REQMOD_SERVICE})`);
    this.encapsulated = parseEncapsulated(icap.headers.get('encapsulated'), this.options.maxHttpHeaderBytes);
    if (this.encapsulated[0].name !== 'req-hdr') throw new IcapProtocolError(400, 'REQMOD needs the HTTP request header (Encapsulated: req-hdr=0, ...)');
    if (this.encapsulated.length !== 2 || !['req-body', 'null-body'].includes(this.encapsulated[1].name)) {
      throw new IcapProtocolError(400, 'REQMOD carries req-hdr then req-body or null-body');
    }
    this.allow204 = (icap.headers.get('allow') ?? '').split(',').some((v) => v.trim() === '204');
    const preview = icap.headers.get('preview');
    if (preview !== undefined) {
      if (!/^\d{1,9}$/.test(preview)) throw new IcapProtocolError(400, `malformed Preview "${preview.slice(0, 20)}"`);
      if (Number(preview) > this.options.previewBytes) throw new IcapProtocolError(400, `Preview of ${preview} bytes exceeds the ${this.options.previewBytes} this service asked for`);
    }
    this.previewLimit = preview === undefined ? -1 : Number(preview);
    this.phase = 'http-head';
    return true;
  }

  private readHttpHead(): boolean {
    const length = this.encapsulated[1].offset;
    if (this.pending.length < length) return false;
    this.httpHeadBytes = Buffer.from(this.pending.subarray(0, length));
    this.http = parseHttpRequestHead(this.httpHeadBytes);
    this.pending = this.pending.subarray(length);
    if (this.encapsulated[1].name === 'null-body') {
      this.decideNow(false);
      return false;
    }
    this.decoder = new ChunkDecoder();
    this.phase = this.previewLimit >= 0 ? 'preview' : 'body';
    return true;
  }

  private readBody(): boolean {
    const decoder = this.decoder!;
    const used = decoder.push(this.pending, (data) => this.onBodyData(data));
    this.pending = this.pending.subarray(used);
    // Closed, or the hold limit was reached and the policy is deciding mid-body.
    if (this.phase === 'closed' || this.phase === 'deciding') return false;
    if (!decoder.done) {
      if (this.phase === 'preview' && decoder.bytes > this.previewLimit) throw new IcapProtocolError(400, `preview longer than the announced ${this.previewLimit} bytes`);
      this.armTimer(this.options.bodyIdleTimeoutMs, 'body idle');
      return false;
    }
    if (this.phase === 'preview') {
      if (decoder.bytes > this.previewLimit) throw new IcapProtocolError(400, `preview longer than the announced ${this.previewLimit} bytes`);
      if (decoder.ieof) {
        this.decideNow(false);
        return false;
      }
      this.afterPreview();
      return false;
    }
    // The whole body has arrived.
    if (this.streaming) {
      this.socket.write(LAST_CHUNK);
      this.finishRequest();
      return true;
    }
    if (this.decision) {
      this.send(this.decision);
      this.finishRequest();
      return true;
    }
    this.decideNow(false);
    return false;
  }

  private onBodyData(data: Buffer): void {
    this.bodyBytes += data.length;
    // `data` is kept as it is, a view: Node gives every socket read a buffer of its own and never
    // writes to it again, so the scanned and the held body are the same bytes, never copied.
    if (this.scannedBytes < this.options.scanBytes) {
      const take = data.subarray(0, this.options.scanBytes - this.scannedBytes);
      this.scanned.push(take);
      this.scannedBytes += take.length;
    }
    if (this.streaming) {
      if (!this.write(chunk(data))) {
        this.socket.pause();
        this.socket.once('drain', () => this.socket.resume());
      }
      return;
    }
    if (this.decision || this.allow204) return;
    this.held.push(data);
    this.heldBytes += data.length;
    // Too much to hold for an echo: decide on what has arrived and stream the rest.
    if (this.heldBytes > this.options.holdBytes && this.phase !== 'deciding') this.decideNow(true);
  }

  /** Writes the parts in one go (one writev, no concatenated copy); false when the socket's buffer is full. */
  private write(parts: Buffer[]): boolean {
    if (parts.length === 1) return this.socket.write(parts[0]);
    this.socket.cork();
    let ok = true;
    for (const part of parts) ok = this.socket.write(part);
    this.socket.uncork();
    return ok;
  }

  private transaction(truncated: boolean): IcapTransaction {
    const hasBody = this.encapsulated[1]?.name === 'req-body';
    return {
      icap: this.icap!,
      http: this.http!,
      clientIp: this.icap!.headers.get('x-client-ip') ?? null,
      // A copy of the list: past the hold limit the body goes on arriving while the policy decides.
      body: hasBody ? [...this.scanned] : null,
      bodyBytes: this.bodyBytes,
      truncated: truncated || this.bodyBytes > this.scannedBytes,
      startedAt: this.startedAt,
    };
  }

  private afterPreview(): void {
    this.phase = 'deciding';
    this.clearTimer();
    this.handler.afterPreview(this.transaction(true)).then(
      (decision) => {
        if (this.phase === 'closed') return;
        // Echoing needs the whole body, so without 204 an allow still asks for the rest.
        if (decision && (decision.action === 'block' || this.allow204)) {
          this.send(decision);
          this.finishRequest();
        } else {
          this.socket.write('ICAP/1.0 100 Continue\r\n\r\n');
          this.decoder = new ChunkDecoder();
          this.phase = 'body';
          this.armTimer(this.options.bodyIdleTimeoutMs, 'body idle');
        }
        this.resume();
      },
      (error: unknown) => this.fail(error),
    );
  }

  /** Asks the policy; `midBody`: the body goes on (hold limit reached) and is read after the answer. */
  private decideNow(midBody: boolean): void {
    const previous = this.phase;
    this.phase = 'deciding';
    this.clearTimer();
    if (midBody) this.socket.pause();
    this.handler.decide(this.transaction(midBody)).then(
      (decision) => {
        if (this.phase === 'closed') return;
        if (!midBody) {
          this.send(decision);
          this.finishRequest();
        } else {
          this.decision = decision;
          if (decision.action === 'allow') {
            this.startEcho(false);
            this.countStatus(200);
          }
          this.held = [];
          this.heldBytes = 0;
          this.phase = previous;
          this.socket.resume();
        }
        this.resume();
      },
      (error: unknown) => this.fail(error),
    );
  }

  private resume(): void {
    if (this.phase === 'closed') return;
    this.socket.resume();
    this.pump();
  }

  private send(decision: IcapDecision): void {
    if (decision.action === 'block') {
      this.respond(this.blockResponse(decision));
    } else if (this.allow204) {
      this.respond([statusHead(204, this.handler.istag(), null, this.closeAfter)]);
    } else {
      this.startEcho(true);
      this.countStatus(200);
    }
  }

  /** 200 with the request unchanged: its head, then the held body; `complete`: that is all of it, else the rest streams after it. */
  private startEcho(complete: boolean): void {
    const head = this.httpHeadBytes!;
    const hasBody = this.encapsulated[1].name === 'req-body';
    const enc = hasBody ? `req-hdr=0, req-body=${head.length}` : `req-hdr=0, null-body=${head.length}`;
    const parts = [Buffer.from(`ICAP/1.0 200 OK\r\n${commonHeaders(this.handler.istag())}Encapsulated: ${enc}\r\n${this.closeAfter ? 'Connection: close\r\n' : ''}\r\n`, 'latin1'), head];
    if (hasBody) for (const piece of this.held) parts.push(...chunk(piece));
    if (hasBody && complete) parts.push(LAST_CHUNK);
    this.write(parts);
    this.streaming = hasBody && !complete;
  }

  private blockResponse(decision: { status: number; html: string }): Buffer[] {
    const html = Buffer.from(decision.html, 'utf8');
    const httpHead = Buffer.from(
      `HTTP/1.1 ${decision.status} ${decision.status === 403 ? 'Forbidden' : 'Blocked'}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${html.length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n`,
      'latin1',
    );
    const head = Buffer.from(
      `ICAP/1.0 200 OK\r\n${commonHeaders(this.handler.istag())}Encapsulated: res-hdr=0, res-body=${httpHead.length}\r\n${this.closeAfter ? 'Connection: close\r\n' : ''}\r\n`,
      'latin1',
    );
    return [head, httpHead, ...chunk(html), LAST_CHUNK];
  }

  private optionsResponse(): Buffer {
    const o = this.options;
    return Buffer.from(
      'ICAP/1.0 200 OK\r\n' +
        commonHeaders(this.handler.istag()) +
        'Methods: REQMOD\r\n' +
        'Service: Thirdwatch ICAP (personal data and indicator egress policy)\r\n' +
        'Service-ID: thirdwatch\r\n' +
        `Max-Connections: ${o.maxConnections}\r\n` +
        `Options-TTL: ${o.optionsTtlSeconds}\r\n` +
        'Allow: 204\r\n' +
        `Preview: ${o.previewBytes}\r\n` +
        'Transfer-Preview: *\r\n' +
        'Encapsulated: null-body=0\r\n' +
        (this.closeAfter ? 'Connection: close\r\n' : '') +
        '\r\n',
      'latin1',
    );
  }

  private respond(parts: Buffer[]): void {
    const status = Number(parts[0].toString('latin1', 9, 12));
    this.countStatus(status);
    this.socket.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }

  private countStatus(status: number): void {
    this.stats.responses[status] = (this.stats.responses[status] ?? 0) + 1;
  }

  /** The response is out: drain nothing more, reset, and read the next request (or close). */
  private finishRequest(): void {
    if (this.streaming && !this.decoder?.done) return;
    this.clearTimers();
    if (this.closeAfter) {
      this.phase = 'closed';
      this.socket.end();
      return;
    }
    this.icap = null;
    this.http = null;
    this.httpHeadBytes = null;
    this.decoder = null;
    this.encapsulated = [];
    this.scanned = [];
    this.scannedBytes = 0;
    this.held = [];
    this.heldBytes = 0;
    this.bodyBytes = 0;
    this.decision = null;
    this.streaming = false;
    this.phase = 'icap-head';
    this.waitForRequest();
  }

  private waitForRequest(): void {
    this.socket.icapIdle = this.pending.length === 0;
    this.armTimer(this.options.idleTimeoutMs, 'idle');
  }

  private startRequestTimers(): void {
    this.startedAt = Date.now();
    this.armTimer(this.options.headerTimeoutMs, 'header');
    this.requestTimer = setTimeout(() => this.timeout('request'), this.options.requestTimeoutMs);
    this.requestTimer.unref();
  }

  private armTimer(ms: number, what: 'idle' | 'header' | 'body idle'): void {
    this.clearTimer();
    this.timer = setTimeout(() => this.timeout(what), ms);
    this.timer.unref();
  }

  private timeout(what: string): void {
    if (this.phase === 'closed') return;
    if (what === 'idle') {
      this.destroy();
      return;
    }
    this.stats.timeouts++;
    this.options.logger?.debug({ what }, 'icap request timed out');
    // Mid-response (streaming an echo) there is no way to say anything: just close.
    if (this.streaming || this.phase === 'deciding') this.destroy();
    else this.fail(new IcapProtocolError(408, `${what} timeout`));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private clearTimers(): void {
    this.clearTimer();
    if (this.requestTimer) clearTimeout(this.requestTimer);
    this.requestTimer = null;
  }

  /** Answers an error (unless a response is under way) and closes: the stream's framing is lost. */
  private fail(error: unknown): void {
    if (this.phase === 'closed') return;
    const status = error instanceof IcapProtocolError ? error.status : 500;
    if (error instanceof IcapProtocolError) {
      this.stats.protocolErrors++;
      this.options.logger?.debug({ status, reason: error.message }, 'icap request refused');
    } else {
      this.options.logger?.error({ err: error }, 'icap request failed');
    }
    this.phase = 'closed';
    this.clearTimers();
    if (!this.streaming) {
      this.countStatus(status);
      this.socket.end(statusHead(status, this.handler.istag(), error instanceof IcapProtocolError ? error.message : 'internal error', true));
    } else {
      this.socket.destroy();
    }
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private destroy(): void {
    this.phase = 'closed';
    this.clearTimers();
    this.socket.destroy();
  }
}

function commonHeaders(istag: string): string {
  return `Date: ${new Date().toUTCString()}\r\nServer: Thirdwatch-ICAP/1.0\r\nISTag: "${istag}"\r\n`;
}

/** A status line with no encapsulated message; `reason` goes in X-Error (sanitised) for whoever debugs the proxy. */
function statusHead(status: number, istag: string, reason: string | null, close: boolean): Buffer {
  const error = reason ? `X-Error: ${reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 200)}\r\n` : '';
  return Buffer.from(
    `ICAP/1.0 ${status} ${ICAP_STATUS_TEXT[status] ?? 'Error'}\r\n${commonHeaders(istag)}${error}Encapsulated: null-body=0\r\n${close ? 'Connection: close\r\n' : ''}\r\n`,
    'latin1',
  );
}
