/**
 * Turning an HTTP body into text segments to scan: content-encoding undone under a size cap,
 * binary refused, JSON walked value by value with its field path, forms and multipart split into
 * named fields. Everything here is linear in the body and bounded in memory by the cap.
 */
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import type { Segment } from './pii.detectors.js';

export interface Decoded {
  data: Buffer;
  truncated: boolean;
  error: string | null;
}

/**
 * Undoes Content-Encoding (gzip, deflate, br; several in order) keeping at most `cap` bytes. A body
 * that expands past the cap (a compression bomb or just a large body) is cut there with an error;
 * a corrupt or truncated stream keeps what decoded before the damage.
 */
export async function decodeContent(body: Buffer, contentEncoding: string | null | undefined, cap: number): Promise<Decoded> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
  let data = body;
  let truncated = false;
  if (codings.length > 4) return { data: Buffer.alloc(0), truncated: false, error: `content-encoding: more than 4 codings ("${codings.join(', ')}")` };
  for (const coding of codings.reverse()) {
    let stream: Transform;
    if (coding === 'gzip' || coding === 'x-gzip') stream = createGunzip();
    else if (coding === 'deflate') stream = (data[0] ?? 0) % 16 === 8 && ((data[0] ?? 0) * 256 + (data[1] ?? 0)) % 31 === 0 ? createInflate() : createInflateRaw();
    else if (coding === 'br') stream = createBrotliDecompress();
    else return { data: Buffer.alloc(0), truncated: false, error: `content-encoding: "${coding.slice(0, 40)}" is not supported (gzip, deflate, br)` };
    const out = await inflateCapped(stream, data, cap);
    if (out.error) return { data: out.data, truncated: out.truncated, error: `content-encoding ${coding}: ${out.error}` };
    data = out.data;
    truncated ||= out.truncated;
  }
  if (data.length > cap) return { data: data.subarray(0, cap), truncated: true, error: null };
  return { data, truncated, error: null };
}

function inflateCapped(stream: Transform, input: Buffer, cap: number): Promise<Decoded> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const finish = (truncated: boolean, error: string | null): void => {
      if (done) return;
      done = true;
      stream.removeAllListeners('data');
      stream.destroy();
      resolve({ data: Buffer.concat(chunks, total), truncated, error });
    };
    stream.on('data', (chunk: Buffer) => {
      const room = cap - total;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        total = cap;
        finish(true, `expands beyond ${cap} bytes (compression bomb or oversized body); scanned the first ${cap}`);
        return;
      }
      chunks.push(chunk);
      total += chunk.length;
    });
    stream.on('end', () => finish(false, null));
    stream.on('error', (error: NodeJS.ErrnoException) => finish(false, `corrupt or truncated stream (${error.code ?? error.message})`));
    stream.end(input);
  });
}

/** Control bytes other than tab/CR/LF/FF in the first KiB: images, archives, protobuf. */
export function looksBinary(data: Buffer): boolean {
  const sample = data.subarray(0, 1024);
  let control = 0;
  for (const b of sample) {
    if (b === 0) return true;
    if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) control++;
  }
  return sample.length > 0 && control / sample.length > 0.1;
}

const BINARY_TYPES = /^(image|audio|video|font)\/|^application\/(octet-stream|zip|gzip|x-gzip|pdf|x-protobuf|protobuf|vnd\.google\.protobuf|x-tar|x-7z-compressed|wasm)/;

export function isBinaryType(contentType: string): boolean {
  return BINARY_TYPES.test(contentType);
}

export interface JsonLeaf {
  path: string;
  value: string;
  offset: number;
}

const MAX_DEPTH = 256;

/**
 * Walks JSON without JSON.parse (which would round 16-digit numbers and hide card numbers), calling
 * `leaf` for every string and number with its path ("customer.cards[0].number"). Returns an error
 * message for invalid JSON (the caller then scans the body as text), or null.
 */
export function walkJson(text: string, leaf: (l: JsonLeaf) => void, prefix = ''): string | null {
  let i = 0;
  const n = text.length;
  type Frame = { array: boolean; path: string; index: number };
  const stack: Frame[] = [];
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
  };
  const str = (): string | null => {
    const start = ++i;
    let escaped = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        i++;
      } else if (c < 32) return null;
      i++;
    }
    if (i >= n) return null;
    const raw = text.slice(start, i);
    i++;
    if (!escaped) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return null;
    }
  };
  const childPath = (frame: Frame | undefined, key: string | null): string => {
    if (!frame) return prefix;
    if (frame.array) return `${frame.path}[${frame.index}]`;
    return frame.path ? `${frame.path}.${key}` : (key ?? '');
  };
  const fail = (what: string): string => `invalid JSON at offset ${i}: ${what}`;

  let key: string | null = null;
  ws();
  if (i >= n) return fail('empty body');
  for (;;) {
    // A value is expected here.
    ws();
    const frame = stack[stack.length - 1];
    const path = childPath(frame, key);
    const c = text[i];
    if (c === '{' || c === '[') {
      if (stack.length >= MAX_DEPTH) return fail(`nested deeper than ${MAX_DEPTH}`);
      stack.push({ array: c === '[', path, index: 0 });
      i++;
      ws();
      if (text[i] === (c === '{' ? '}' : ']')) {
        i++;
        stack.pop();
      } else if (c === '{') {
        if (text[i] !== '"') return fail('expected a key');
        const k = str();
        if (k === null) return fail('bad key');
        ws();
        if (text[i] !== ':') return fail('expected ":"');
        i++;
        key = k;
        continue;
      } else continue;
    } else if (c === '"') {
      const start = i + 1;
      const s = str();
      if (s === null) return fail('bad string');
      leaf({ path, value: s, offset: start });
    } else {
      const start = i;
      while (i < n && /[-+0-9.eEa-z]/.test(text[i]!)) i++;
      const token = text.slice(start, i);
      if (!/^(-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?|true|false|null)$/.test(token)) return fail('expected a value');
      if (token[0] !== 't' && token[0] !== 'f' && token[0] !== 'n') leaf({ path, value: token, offset: start });
    }
    // After a value: a comma, or closing brackets.
    for (;;) {
      ws();
      const top = stack[stack.length - 1];
      if (!top) {
        return i < n ? fail('trailing content') : null;
      }
      const ch = text[i];
      if (ch === ',') {
        i++;
        top.index++;
        if (!top.array) {
          ws();
          if (text[i] !== '"') return fail('expected a key');
          const k = str();
          if (k === null) return fail('bad key');
          ws();
          if (text[i] !== ':') return fail('expected ":"');
          i++;
          key = k;
        }
        break;
      }
      if (ch === (top.array ? ']' : '}')) {
        i++;
        stack.pop();
        continue;
      }
      return fail(i >= n ? 'unexpected end' : `unexpected "${ch}"`);
    }
  }
}

/** Splits application/x-www-form-urlencoded into named values. */
export function formSegments(text: string): Segment[] {
  const out: Segment[] = [];
  let pos = 0;
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    if (rawValue) out.push({ text: formDecode(rawValue), base: pos + eq + 1, field: formDecode(rawKey) });
    pos += pair.length + 1;
  }
  return out;
}

function formDecode(value: string): string {
  const plus = value.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

export interface MultipartPart {
  name: string | null;
  filename: string | null;
  contentType: string | null;
  text: string;
  offset: number;
}

/** The boundary parameter of a multipart Content-Type, or null. */
export function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/**
 * Splits multipart/form-data into parts. A body cut before its closing boundary yields the parts
 * seen so far (the last one as far as it goes) and an error saying so.
 */
export function multipartParts(text: string, boundary: string): { parts: MultipartPart[]; error: string | null } {
  const delimiter = `--${boundary}`;
  const parts: MultipartPart[] = [];
  let at = text.indexOf(delimiter);
  if (at === -1) return { parts, error: 'multipart body has no boundary line' };
  for (;;) {
    let p = at + delimiter.length;
    if (text.startsWith('--', p)) return { parts, error: null };
    if (text[p] === '\r') p++;
    if (text[p] === '\n') p++;
    // Headers are looked for in a bounded window so a body of many header-less parts stays linear.
    const window = text.slice(p, p + 8196);
    let headerEnd = window.indexOf('\r\n\r\n');
    let bodyStart = headerEnd + 4;
    const lf = window.indexOf('\n\n');
    if (lf !== -1 && (headerEnd === -1 || lf < headerEnd)) {
      headerEnd = lf;
      bodyStart = lf + 2;
    }
    if (headerEnd === -1) return { parts, error: 'multipart part headers are truncated or larger than 8 KiB' };
    const headers = window.slice(0, headerEnd);
    bodyStart += p;
    const next = text.indexOf(`\n${delimiter}`, bodyStart);
    const end = next === -1 ? text.length : text[next - 1] === '\r' ? next - 1 : next;
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    parts.push({
      name: /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? null,
      filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? null,
      contentType: /content-type:\s*([^\r\n;]*)/i.exec(headers)?.[1]?.trim().toLowerCase() ?? null,
      text: text.slice(bodyStart, end),
      offset: bodyStart,
    });
    if (next === -1) return { parts, error: 'multipart body ends without its closing boundary' };
    at = next + 1;
  }
}
