/**
 * The oracle of the WebAssembly prefilter (src/modules/pii/pii.prefilter.wat): the same walk in
 * JavaScript, one character at a time through a class table, as the scan ran it before.
 * Test code only: test/pii/prefilter.test.ts asserts both give the same anchors.
 */
import type { Anchors } from '../../src/modules/pii/pii.prefilter.js';

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

const TOKEN_CHARS = new Uint8Array(256);
for (let c = 0; c < 128; c++) if (isDigit(c) || isUpper(c) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 43 || c === 47 || c === 46 || c === 126) TOKEN_CHARS[c] = 1;
const TOKEN = 1;
const DIGIT = 3;
const MARK = 4;
const TOKEN_MARK = 5;
const CLASSES = new Uint8Array(256);
for (let c = 0; c < 128; c++) if (TOKEN_CHARS[c] === 1) CLASSES[c] = TOKEN;
for (let c = 48; c <= 57; c++) CLASSES[c] = DIGIT;
for (const c of '@:') CLASSES[c.charCodeAt(0)] = MARK;
for (const c of '+_-ABJpP') CLASSES[c.charCodeAt(0)] = TOKEN_MARK;

/** The anchors of `text` (its codes: `bytes`, or the text's with everything outside ASCII as 128) for these issuer prefixes. */
export function referencePrefilter(text: string, prefixes: readonly string[], bytes?: Uint8Array): Anchors {
  const codes = bytes ?? asciiCodes(text);
  const triggers: { index: number; prefix: string; at: number }[][] = [];
  for (const [index, prefix] of prefixes.entries()) {
    const at = Math.max(0, prefix.search(/[-_:]/));
    (triggers[prefix.charCodeAt(at)] ??= []).push({ index, prefix, at });
  }
  const out: Anchors = { groups: new Int32Array(0), letterStarts: new Int32Array(0), longTokens: new Int32Array(0), ats: [], pluses: [], colonPairs: [], jwtStarts: [], pemStarts: [], prefixStarts: [], prefixIndexes: [], passwordHint: false };
  const groups: number[] = [];
  const letterStarts: number[] = [];
  const longTokens: number[] = [];
  const len = text.length;

  const mark = (i: number): void => {
    const c = codes[i]!;
    if (c === 64) out.ats.push(i);
    else if (c === 43) out.pluses.push(i);
    else if (c === 58) {
      let j = i + 1;
      while (j < i + 5 && isHex(codes[j] ?? -1)) j++;
      if (codes[j] === 58) out.colonPairs.push(i);
    } else if (c === 74) {
      if (i >= 2 && codes[i - 1] === 121 && codes[i - 2] === 101) out.jwtStarts.push(i - 2);
    } else if (c === 66) {
      if (i >= 5 && text.startsWith('-----BEGIN ', i - 5)) out.pemStarts.push(i - 5);
    } else if (c === 112 || c === 80) {
      if (!out.passwordHint) {
        const c1 = codes[i + 1]! | 32;
        out.passwordHint = (c1 === 97 && (codes[i + 2]! | 32) === 115 && (codes[i + 3]! | 32) === 115) || (c1 === 119 && (codes[i + 2]! | 32) === 100);
      }
      return;
    }
    for (const { index, prefix, at } of triggers[c] ?? []) {
      const p = i - at;
      if (p >= 0 && text.startsWith(prefix, p)) {
        out.prefixStarts.push(p);
        out.prefixIndexes.push(index);
      }
    }
  };

  const letterStart = (g: number): void => {
    const c1 = g >= 1 ? codes[g - 1]! : -1;
    if (c1 === 32) {
      if (g >= 3 && isUpper(codes[g - 3]!) && isUpper(codes[g - 2]!)) letterStarts.push(g - 3);
      return;
    }
    if (!isUpper(c1)) return;
    if (g >= 2 && isUpper(codes[g - 2]!)) letterStarts.push(g - 2);
    if (c1 === 88 || c1 === 89 || c1 === 90) letterStarts.push(g - 1);
  };

  let i = 0;
  while (i < len) {
    let f = CLASSES[codes[i]!]!;
    if ((f & TOKEN) === 0) {
      if (f !== 0) mark(i);
      i++;
      continue;
    }
    const s = i;
    while (i < len) {
      f = CLASSES[codes[i]!]!;
      if (f === TOKEN) i++;
      else if (f === DIGIT) {
        const g = i;
        do i++;
        while (i < len && isDigit(codes[i]!));
        groups.push(g, i);
        letterStart(g);
      } else if (f === TOKEN_MARK) {
        mark(i);
        i++;
      } else break;
    }
    // base64 padding belongs to the token; any other "=" separates a name from its value
    let pad = i;
    while (pad < len && codes[pad] === 61 && pad - i < 2) pad++;
    if (pad > i && (pad === len || TOKEN_CHARS[codes[pad]!] !== 1)) i = pad;
    if (i - s >= 20 && i - s <= 512) longTokens.push(s, i);
  }
  return { ...out, groups: Int32Array.from(groups), letterStarts: Int32Array.from(letterStarts), longTokens: Int32Array.from(longTokens) };
}

function asciiCodes(text: string): Uint8Array {
  const codes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) codes[i] = Math.min(text.charCodeAt(i), 128);
  return codes;
}
