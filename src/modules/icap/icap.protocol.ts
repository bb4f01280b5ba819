/**
 * RFC 3507 (ICAP/1.0) message parsing: the request head, the Encapsulated header, the
 * encapsulated HTTP request head and the chunked body with its ICAP extension (`0; ieof`). Pure
 * functions and one incremental decoder, so the server only moves bytes and every hostile-input
 * rule lives here and is tested here. Nothing is trusted: sizes are bounded before bytes are kept.
 */

/** A message the server answers with an ICAP error status (and then closes the connection). */
export class IcapProtocolError extends Error {
  override name = 'IcapProtocolError';
  constructor(
    readonly status: 400 | 404 | 405 | 408 | 413 | 500 | 501 | 503 | 505,
    message: string,
  ) {
    super(message);
  }
}

export const ICAP_STATUS_TEXT: Record<number, string> = {
  100: 'Continue',
  200: 'OK',
  204: 'No Content',
  400: 'Bad Request',
  404: 'ICAP Service Not Found',
  405: 'Method Not Allowed For Service',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  500: 'Server Error',
  501: 'Method Not Implemented',
  503: 'Service Overloaded',
  505: 'ICAP Version Not Supported',
};

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_HEADER_LINES = 100;

export interface IcapHead {
  method: string;
  uri: string;
  /** The service path of the icap:// URI ("/reqmod"). */
  service: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Map<string, string>;
}

/** Parses the ICAP request line and headers (the bytes before the blank line, without it). */
export function parseIcapHead(text: string): IcapHead {
  const lines = text.split('\r\n');
  const requestLine = lines[0];
  const m = /^([A-Z]+) (\S+) ICAP\/(\d+\.\d+)$/.exec(requestLine);
  if (!m) {
    if (/^[A-Z]+ \S+ ICAP\/\S+$/.test(requestLine)) throw new IcapProtocolError(505, 'only ICAP/1.0 is spoken');
    throw new IcapProtocolError(400, `malformed request line "${clip(requestLine)}" (expected METHOD icap://host/service ICAP/1.0)`);
  }
  if (m[3] !== '1.0') throw new IcapProtocolError(505, `ICAP/${m[3]} is not supported (only ICAP/1.0)`);
  const [, method, uri] = m;
  let service: string;
  try {
    const url = new URL(uri);
    if (url.protocol !== 'icap:') throw new Error('scheme');
    service = url.pathname;
  } catch {
    throw new IcapProtocolError(400, `"${clip(uri)}" is not an icap:// URI`);
  }
  const headers = parseHeaderLines(lines.slice(1), 'ICAP');
  return { method, uri, service, headers };
}

function parseHeaderLines(lines: string[], what: string): Map<string, string> {
  if (lines.length > MAX_HEADER_LINES) throw new IcapProtocolError(400, `more than ${MAX_HEADER_LINES} ${what} header lines`);
  const headers = new Map<string, string>();
  for (const line of lines) {
    // Obsolete line folding is refused outright (RFC 7230 3.2.4): it is how headers get smuggled.
    if (/^[ \t]/.test(line)) throw new IcapProtocolError(400, `${what} header continuation lines are not accepted`);
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw new IcapProtocolError(400, `malformed ${what} header line "${clip(line)}"`);
    const value = line.slice(colon + 1).trim();
    if (/[\0\r\n]/.test(value)) throw new IcapProtocolError(400, `${what} header ${name} holds a control character`);
    const key = name.toLowerCase();
    const prior = headers.get(key);
    headers.set(key, prior === undefined ? value : `${prior}, ${value}`);
  }
  return headers;
}

export const ENCAPSULATED_NAMES = ['req-hdr', 'res-hdr', 'req-body', 'res-body', 'null-body', 'opt-body'] as const;
export type EncapsulatedName = (typeof ENCAPSULATED_NAMES)[number];
export interface EncapsulatedEntry {
  name: EncapsulatedName;
  offset: number;
}

const BODY_NAMES = new Set<EncapsulatedName>(['req-body', 'res-body', 'null-body', 'opt-body']);

/**
 * The Encapsulated header (RFC 3507 4.4.1): entries in order, offsets starting at 0 and never
 * decreasing, exactly one body entry and it comes last, each name once. `maxHeaderBytes` bounds
 * the encapsulated headers (the body entry's offset) before anything is read.
 */
export function parseEncapsulated(value: string | undefined, maxHeaderBytes: number): EncapsulatedEntry[] {
  if (value === undefined || value === '') throw new IcapProtocolError(400, 'Encapsulated header missing');
  if (value.length > 200) throw new IcapProtocolError(400, 'Encapsulated header too long');
  const entries: EncapsulatedEntry[] = [];
  for (const part of value.split(',')) {
    const m = /^\s*([a-z-]+)=(\d{1,10})\s*$/.exec(part);
    if (!m) throw new IcapProtocolError(400, `malformed Encapsulated entry "${clip(part.trim())}" (expected name=offset)`);
    const name = m[1] as EncapsulatedName;
    if (!ENCAPSULATED_NAMES.includes(name)) throw new IcapProtocolError(400, `unknown Encapsulated entry "${m[1]}"`);
    if (entries.some((e) => e.name === name)) throw new IcapProtocolError(400, `Encapsulated entry ${name} given twice`);
    const offset = Number(m[2]);
    const previous = entries.at(-1);
    if (previous && BODY_NAMES.has(previous.name)) throw new IcapProtocolError(400, `Encapsulated ${previous.name} must be the last entry`);
    if (!previous && offset !== 0) throw new IcapProtocolError(400, `the first Encapsulated entry must be at offset 0, not ${offset}`);
    if (previous && offset < previous.offset) throw new IcapProtocolError(400, `Encapsulated offsets go backwards (${name}=${offset} after ${previous.name}=${previous.offset})`);
    if (previous && offset === previous.offset) throw new IcapProtocolError(400, `Encapsulated ${previous.name} is empty`);
    entries.push({ name, offset });
  }
  const last = entries.at(-1)!;
  if (!BODY_NAMES.has(last.name)) throw new IcapProtocolError(400, 'Encapsulated must end with a body entry (req-body, res-body, null-body or opt-body)');
  if (last.offset > maxHeaderBytes) throw new IcapProtocolError(413, `encapsulated headers of ${last.offset} bytes exceed the ${maxHeaderBytes}-byte limit`);
  return entries;
}

export interface HttpRequestHead {
  method: string;
  /** The request target as sent: absolute URL (proxy form), authority (CONNECT) or origin form. */
  target: string;
  version: string;
  headers: Map<string, string>;
  /** Lower-case host (IPv6 without brackets), from the target or the Host header; null when there is none. */
  host: string | null;
  port: number | null;
  /** Path without query or fragment; null for CONNECT. */
  path: string | null;
  scheme: string | null;
}

/** Parses the encapsulated HTTP request head (the req-hdr section, ending with the blank line). */
export function parseHttpRequestHead(bytes: Buffer): HttpRequestHead {
  const text = bytes.toString('latin1');
  if (!text.endsWith('\r\n\r\n')) throw new IcapProtocolError(400, 'the encapsulated HTTP header does not end with a blank line at its Encapsulated offset');
  const lines = text.slice(0, -4).split('\r\n');
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) (HTTP\/\d\.\d)$/.exec(lines[0]);
  if (!m) throw new IcapProtocolError(400, `malformed encapsulated HTTP request line "${clip(lines[0])}"`);
  const [, method, target, version] = m;
  const headers = parseHeaderLines(lines.slice(1), 'HTTP');
  let host: string | null = null;
  let port: number | null = null;
  let path: string | null = null;
  let scheme: string | null = null;
  if (method.toUpperCase() === 'CONNECT') {
    const authority = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/@[\]]+)):(\d{1,5})$/.exec(target);
    if (!authority) throw new IcapProtocolError(400, `malformed CONNECT target "${clip(target)}"`);
    host = (authority[1] ?? authority[2]).toLowerCase();
    port = Number(authority[3]);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new IcapProtocolError(400, `malformed encapsulated request URL "${clip(target)}"`);
    }
    host = url.hostname.replace(/^\[|\]$/g, '') || null;
    scheme = url.protocol.slice(0, -1);
    port = url.port ? Number(url.port) : scheme === 'https' ? 443 : scheme === 'http' ? 80 : null;
    path = url.pathname;
  } else {
    const hostHeader = headers.get('host');
    if (hostHeader) {
      const h = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/@[\]]+))(?::(\d{1,5}))?$/.exec(hostHeader);
      if (!h) throw new IcapProtocolError(400, `malformed encapsulated Host header "${clip(hostHeader)}"`);
      host = (h[1] ?? h[2]).toLowerCase();
      port = h[3] ? Number(h[3]) : null;
    }
    path = target.startsWith('/') ? target.replace(/[?#].*$/s, '') : null;
  }
  if (host !== null) host = host.replace(/\.$/, '');
  if (port !== null && port > 65535) throw new IcapProtocolError(400, `port ${port} is out of range`);
  return { method, target, version, headers, host, port, path, scheme };
}

const MAX_SIZE_LINE = 1024;
const MAX_TRAILER = 8192;
/** 8 hex digits: no chunk over 4 GiB. Larger sizes are lies by construction, refused before waiting for them. */
const SIZE_LINE = /^([0-9a-fA-F]{1,8})[ \t]*(?:;(.*))?$/;

/**
 * Incremental decoder of an ICAP chunked body. push() takes any slice of the stream, hands out
 * the data of each chunk, and returns how many bytes it used: after the last chunk (and its
 * trailer) the rest belongs to the next message. A chunk whose data is not followed by CRLF
 * (a lying size), an overlong size line or a non-hex size throws IcapProtocolError.
 */
export class ChunkDecoder {
  private state: 'size' | 'data' | 'data-cr' | 'data-lf' | 'trailer' | 'done' = 'size';
  private line = '';
  private remaining = 0;
  private trailerBytes = 0;
  /** The last chunk carried `ieof`: the preview held the whole body. */
  ieof = false;
  /** Body bytes decoded so far. */
  bytes = 0;

  get done(): boolean {
    return this.state === 'done';
  }

  push(input: Buffer, onData: (data: Buffer) => void): number {
    let i = 0;
    while (i < input.length && this.state !== 'done') {
      switch (this.state) {
        case 'size':
        case 'trailer': {
          const lf = input.indexOf(0x0a, i);
          const end = lf === -1 ? input.length : lf + 1;
          this.line += input.toString('latin1', i, end);
          i = end;
          const limit = this.state === 'size' ? MAX_SIZE_LINE : MAX_TRAILER - this.trailerBytes;
          if (this.line.length > limit) throw new IcapProtocolError(400, this.state === 'size' ? 'chunk size line too long' : 'chunked trailer too long');
          if (lf === -1) break;
          if (!this.line.endsWith('\r\n')) throw new IcapProtocolError(400, 'chunk line not terminated by CRLF');
          const line = this.line.slice(0, -2);
          this.line = '';
          if (this.state === 'trailer') {
            this.trailerBytes += line.length + 2;
            if (line === '') this.state = 'done';
            break;
          }
          const m = SIZE_LINE.exec(line);
          if (!m) throw new IcapProtocolError(400, `malformed chunk size "${clip(line)}"`);
          const size = parseInt(m[1], 16);
          if (size === 0) {
            this.ieof = (m[2] ?? '').split(';').some((ext) => ext.trim().toLowerCase() === 'ieof');
            this.state = 'trailer';
          } else {
            this.remaining = size;
            this.state = 'data';
          }
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, input.length - i);
          onData(input.subarray(i, i + take));
          this.bytes += take;
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = 'data-cr';
          break;
        }
        case 'data-cr':
          if (input[i] !== 0x0d) throw new IcapProtocolError(400, 'chunk data longer than its size says (no CRLF after it)');
          i++;
          this.state = 'data-lf';
          break;
        case 'data-lf':
          if (input[i] !== 0x0a) throw new IcapProtocolError(400, 'chunk data longer than its size says (no CRLF after it)');
          i++;
          this.state = 'size';
          break;
      }
    }
    return i;
  }
}

/** Encodes data as one chunk (nothing for empty data: a zero-size chunk would end the body). */
export function chunk(data: Buffer): Buffer[] {
  return data.length ? [Buffer.from(`${data.length.toString(16)}\r\n`, 'latin1'), data, CRLF] : [];
}
export const CRLF = Buffer.from('\r\n', 'latin1');
export const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

function clip(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
}
