// Finds where the members of a JSON document's top-level object lie in its UTF-8 bytes, and where
// the elements of some of its arrays lie, without parsing them: a large document can then be parsed
// a piece at a time (the object without those arrays, then one element at a time), so it is never
// in memory as one text and one parsed tree. Only the structure between the pieces is checked
// here; each piece is checked by JSON.parse. Anything unexpected answers null, and the caller
// parses the document whole, which also words the error.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export interface SplitJson {
  /** The top-level object with each split array emptied (`[]`), as text. */
  skeleton(): string;
  /** Per split array present: its elements' byte ranges, [start, end) pairs in document order. */
  elements: Map<string, number[]>;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(bytes: Buffer, at: number): number {
  while (at < bytes.length && isSpace(bytes[at])) at++;
  return at;
}

/** The end (exclusive) of the string starting at `at`, or -1. */
function stringEnd(bytes: Buffer, at: number): number {
  for (let quote = bytes.indexOf(QUOTE, at + 1); quote !== -1; quote = bytes.indexOf(QUOTE, quote + 1)) {
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
  }
  return -1;
}

/** The end (exclusive) of the value starting at `at`, or -1; brackets are only counted, JSON.parse checks the rest. */
function valueEnd(bytes: Buffer, at: number): number {
  const first = bytes[at];
  if (first === QUOTE) return stringEnd(bytes, at);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    let end = at;
    while (end < bytes.length && !isSpace(bytes[end]) && bytes[end] !== COMMA && bytes[end] !== CLOSE_BRACE && bytes[end] !== CLOSE_BRACKET) end++;
    return end > at ? end : -1;
  }
  let depth = 0;
  for (let i = at; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      const end = stringEnd(bytes, i);
      if (end === -1) return -1;
      i = end - 1;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
    else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Element ranges of the array starting at `at`, and its end; null when its commas and brackets are not as JSON has them. */
function arrayElements(bytes: Buffer, at: number): { ranges: number[]; end: number } | null {
  const ranges: number[] = [];
  let i = skipSpace(bytes, at + 1);
  if (bytes[i] === CLOSE_BRACKET) return { ranges, end: i + 1 };
  for (;;) {
    const end = valueEnd(bytes, i);
    if (end === -1) return null;
    ranges.push(i, end);
    i = skipSpace(bytes, end);
    if (bytes[i] === CLOSE_BRACKET) return { ranges, end: i + 1 };
    if (bytes[i] !== COMMA) return null;
    i = skipSpace(bytes, i + 1);
  }
}

/**
 * The top-level object of `bytes` (from `start`, past any byte-order mark) with the arrays named in
 * `split` taken apart. Null when the document is not one object, when a key repeats, or when a
 * split member is there but not an array (the whole-document parse handles those).
 */
export function splitJsonObject(bytes: Buffer, start: number, split: ReadonlySet<string>): SplitJson | null {
  let i = skipSpace(bytes, start);
  if (bytes[i] !== OPEN_BRACE) return null;
  const pieces: Buffer[] = [Buffer.from('{')];
  const elements = new Map<string, number[]>();
  const keys = new Set<string>();
  i = skipSpace(bytes, i + 1);
  if (bytes[i] !== CLOSE_BRACE) {
    for (;;) {
      if (bytes[i] !== QUOTE) return null;
      const keyEnd = stringEnd(bytes, i);
      if (keyEnd === -1) return null;
      let key: unknown;
      try {
        key = JSON.parse(bytes.toString('utf8', i, keyEnd));
      } catch {
        return null;
      }
      if (typeof key !== 'string' || keys.has(key)) return null;
      keys.add(key);
      const colon = skipSpace(bytes, keyEnd);
      if (bytes[colon] !== COLON) return null;
      const valueStart = skipSpace(bytes, colon + 1);
      if (keys.size > 1) pieces.push(Buffer.from(','));
      pieces.push(bytes.subarray(i, keyEnd), Buffer.from(':'));
      let end: number;
      if (split.has(key) && bytes[valueStart] === OPEN_BRACKET) {
        const array = arrayElements(bytes, valueStart);
        if (!array) return null;
        elements.set(key, array.ranges);
        pieces.push(Buffer.from('[]'));
        end = array.end;
      } else {
        if (split.has(key)) return null;
        end = valueEnd(bytes, valueStart);
        if (end === -1) return null;
        pieces.push(bytes.subarray(valueStart, end));
      }
      i = skipSpace(bytes, end);
      if (bytes[i] === CLOSE_BRACE) break;
      if (bytes[i] !== COMMA) return null;
      i = skipSpace(bytes, i + 1);
    }
  }
  if (skipSpace(bytes, i + 1) !== bytes.length) return null;
  pieces.push(Buffer.from('}'));
  return { skeleton: () => Buffer.concat(pieces).toString('utf8'), elements };
}
