/**
 * Turning an HTTP body into text segments to scan: content-encoding undone under a size cap,
 * binary refused, JSON walked value by value with its field path, forms and multipart split into
 * named fields. Everything here is linear in the body and bounded in memory by the cap.
 */
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { JsonNames, Layout } from './pii.layout.js';

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
  // An indexed loop: it runs for every body, and iterating the Buffer was a visible cost per small request.
  const length = Math.min(data.length, 1024);
  let control = 0;
  for (let i = 0; i < length; i++) {
    const b = data[i]!;
    if (b === 0) return true;
    if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) control++;
  }
  return length > 0 && control / length > 0.1;
}

const BINARY_TYPES = /^(image|audio|video|font)\/|^application\/(octet-stream|zip|gzip|x-gzip|pdf|x-protobuf|protobuf|vnd\.google\.protobuf|x-tar|x-7z-compressed|wasm)/;

export function isBinaryType(contentType: string): boolean {
  return BINARY_TYPES.test(contentType);
}

const MAX_DEPTH = 256;

function skipSpace(text: string, i: number, to: number): number {
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    i++;
  }
  return i;
}

const isDigitAt = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57;
};

/** The end of the JSON number at i, or -1: -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)? */
function numberEnd(text: string, i: number, to: number): number {
  if (text.charCodeAt(i) === 45) i++;
  if (i >= to || !isDigitAt(text, i)) return -1;
  if (text.charCodeAt(i) === 48) i++;
  else while (i < to && isDigitAt(text, i)) i++;
  if (i < to && text.charCodeAt(i) === 46) {
    i++;
    if (i >= to || !isDigitAt(text, i)) return -1;
    while (i < to && isDigitAt(text, i)) i++;
  }
  const e = text.charCodeAt(i);
  if (i < to && (e === 101 || e === 69)) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 43 || sign === 45) i++;
    if (i >= to || !isDigitAt(text, i)) return -1;
    while (i < to && isDigitAt(text, i)) i++;
  }
  return i;
}

/** The closing quote of a string with escapes whose content starts at `start`, or -1. */
function escapedStringEnd(text: string, start: number, to: number): number {
  let j = start;
  while (j < to) {
    const c = text.charCodeAt(j);
    if (c === 34) return j;
    j += c === 92 ? 2 : 1;
  }
  return -1;
}

/** After a value: whitespace, a comma, a closing bracket or the end. */
function endsValue(text: string, i: number, to: number): boolean {
  if (i >= to) return i === to;
  const c = text.charCodeAt(i);
  return c === 44 || c === 93 || c === 125 || c === 32 || c === 10 || c === 13 || c === 9;
}

/**
 * Reads the JSON document at [from, to) of `text` into `layout`: every string and number becomes
 * a value (numbers as written: JSON.parse would round 16-digit numbers and hide card numbers),
 * named lazily by its path ("customer.cards[0].number", after `prefix`). Strings written with
 * escapes are decoded and kept aside to be scanned on their own. Returns an error message for
 * malformed JSON, having added nothing, or null. One pass with no per-value allocation: strings
 * are skipped with indexOf. A value at position p of `text` is at p + `shift` in the body.
 */
export function readJson(text: string, layout: Layout, prefix = '', from = 0, to = text.length, shift = 0): string | null {
  const names = (layout.json ??= new JsonNames(text));
  const mark = layout.size;
  const root = names.root(prefix);
  const stack: number[] = [];
  /** The index of the current child of each open container. */
  const counts: number[] = [];
  let backslash = text.indexOf('\\', from);
  let keyStart = -1;
  let keyEnd = -1;
  let expectKey = false;
  let problem: string | null = null;
  let i = skipSpace(text, from, to);
  if (i >= to) problem = 'empty body';
  while (problem === null) {
    i = skipSpace(text, i, to);
    if (expectKey) {
      if (text.charCodeAt(i) !== 34) {
        problem = 'expected a key';
        break;
      }
      keyStart = i + 1;
      keyEnd = text.indexOf('"', keyStart);
      if (backslash !== -1 && backslash < keyStart) backslash = text.indexOf('\\', keyStart);
      if (keyEnd !== -1 && backslash !== -1 && backslash < keyEnd) {
        keyEnd = escapedStringEnd(text, keyStart, to);
        const decoded = keyEnd === -1 ? null : decodeString(text, keyStart, keyEnd);
        if (decoded === null) keyEnd = -1;
        else {
          names.escapedKeys.set(keyStart, decoded);
          layout.namesHidden = true;
        }
      }
      if (keyEnd === -1 || keyEnd >= to) {
        problem = 'bad key';
        break;
      }
      i = skipSpace(text, keyEnd + 1, to);
      if (text.charCodeAt(i) !== 58) {
        problem = 'expected ":"';
        break;
      }
      i = skipSpace(text, i + 1, to);
      expectKey = false;
    }
    // A value is expected here, named by its key or index in the open container.
    const depth = stack.length;
    const parent = depth === 0 ? root : stack[depth - 1]!;
    const inArray = depth > 0 && names.isArray(parent);
    const index = inArray ? counts[depth - 1]! : 0;
    const ks = depth === 0 || inArray ? -1 : keyStart;
    const ke = depth === 0 || inArray ? -1 : keyEnd;
    const c = text.charCodeAt(i);
    if (c === 123 || c === 91) {
      if (depth >= MAX_DEPTH) {
        problem = `nested deeper than ${MAX_DEPTH}`;
        break;
      }
      const array = c === 91;
      stack.push(names.node(parent, ks, ke, index, array));
      counts.push(0);
      i = skipSpace(text, i + 1, to);
      if (text.charCodeAt(i) !== (array ? 93 : 125)) {
        expectKey = !array;
        continue;
      }
      i++;
      stack.pop();
      counts.pop();
    } else if (c === 34) {
      const start = i + 1;
      let end = text.indexOf('"', start);
      if (backslash !== -1 && backslash < start) backslash = text.indexOf('\\', start);
      if (end !== -1 && backslash !== -1 && backslash < end) {
        end = escapedStringEnd(text, start, to);
        const decoded = end === -1 || end >= to ? null : decodeString(text, start, end);
        if (decoded === null) {
          problem = 'bad string';
          break;
        }
        layout.addJson(start, end, start + shift, parent, ks, ke, index, true);
        layout.decoded.push({ k: layout.size - 1, text: decoded });
      } else if (end === -1 || end >= to) {
        problem = 'bad string';
        break;
      } else layout.addJson(start, end, start + shift, parent, ks, ke, index, false);
      i = end + 1;
    } else {
      const start = i;
      if (c === 116 && text.startsWith('true', i)) i += 4;
      else if (c === 110 && text.startsWith('null', i)) i += 4;
      else if (c === 102 && text.startsWith('false', i)) i += 5;
      else {
        i = numberEnd(text, i, to);
        if (i !== -1) layout.addJson(start, i, start + shift, parent, ks, ke, index, false);
      }
      if (i === -1 || !endsValue(text, i, to)) {
        i = Math.max(i, start);
        problem = 'expected a value';
        break;
      }
    }
    // After a value: a comma, or closing brackets.
    for (;;) {
      i = skipSpace(text, i, to);
      const open = stack.length;
      if (open === 0) {
        if (i < to) problem = 'trailing content';
        break;
      }
      const ch = text.charCodeAt(i);
      const array = names.isArray(stack[open - 1]!);
      if (ch === 44) {
        i++;
        counts[open - 1] = counts[open - 1]! + 1;
        expectKey = !array;
        break;
      }
      if (ch === (array ? 93 : 125)) {
        i++;
        stack.pop();
        counts.pop();
        continue;
      }
      problem = i >= to ? 'unexpected end' : `unexpected "${text[i]}"`;
      break;
    }
    if (stack.length === 0 && problem === null) return null;
  }
  layout.truncate(mark);
  return `invalid JSON at offset ${i - from}: ${problem}`;
}

/** The string content at [start, end) with its escapes undone, or null when they are malformed. */
function decodeString(text: string, start: number, end: number): string | null {
  try {
    return JSON.parse(text.slice(start - 1, end + 1)) as string;
  } catch {
    return null;
  }
}

/**
 * application/x-www-form-urlencoded as text to scan: the decoded values, one a line, each named by
 * its decoded key and mapped back to where its raw value starts in the body.
 */
export function formLayout(body: string): { text: string; layout: Layout } {
  const layout = new Layout();
  layout.namesHidden = true;
  const values: string[] = [];
  let length = 0;
  let pos = 0;
  for (const pair of body.split('&')) {
    const eq = pair.indexOf('=');
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    if (rawValue) {
      const value = formDecode(rawValue);
      layout.add(length, length + value.length, pos + eq + 1, formDecode(pair.slice(0, eq)));
      values.push(value);
      length += value.length + 1;
    }
    pos += pair.length + 1;
  }
  return { text: values.join('\n'), layout };
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
