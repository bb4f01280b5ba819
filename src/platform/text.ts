import { isUtf8 } from 'node:buffer';
import { validationError } from './errors.js';

/**
 * Text rules shared by every way data comes in. Bodies must be valid UTF-8 (nothing is silently
 * replaced with U+FFFD), and stored strings must hold neither U+0000 (PostgreSQL text cannot, and
 * SQLite's LIKE stops at it) nor an unpaired UTF-16 surrogate (both engines store it as bytes that
 * read back as a different string).
 */

const NUL_REASON = 'must not contain the NUL character (U+0000)';
const SURROGATE_REASON = 'must not contain an unpaired UTF-16 surrogate (U+D800–U+DFFF)';

const ANY_SURROGATE = /[\ud800-\udfff]/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  if (isUtf8(bytes)) return -1;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (need === 0 || i + need > n - 1) return i;
    const b1 = bytes[i + 1];
    // Overlong forms, UTF-16 surrogates encoded as UTF-8, and code points above U+10FFFF.
    if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return i;
    for (let k = 1; k <= need; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}

/** Decodes UTF-8 (a leading BOM dropped); invalid bytes are a 400 naming the byte offset. */
export function decodeUtf8(bytes: Uint8Array, what = 'the body'): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw notUtf8(bytes, what);
  }
}

export function notUtf8(bytes: Uint8Array, what = 'the body') {
  const offset = invalidUtf8Offset(bytes);
  return validationError(`${what} is not valid UTF-8: invalid byte sequence at byte offset ${offset}`, [{ field: `byte ${offset}`, reason: 'is not valid UTF-8' }]);
}

/** Why a string cannot be stored as written, or null when it can. */
export function unstorableReason(value: string): string | null {
  if (value.includes('\u0000')) return NUL_REASON;
  // isWellFormed is slow on Node 20: only strings holding a surrogate at all (rare) pay for it.
  if (ANY_SURROGATE.test(value) && !(value as string & { isWellFormed(): boolean }).isWellFormed()) return SURROGATE_REASON;
  return null;
}

/**
 * The JSON pointer and reason of the first string (or object key) in a parsed value that cannot be
 * stored, or null. Iterative, so deep nesting cannot overflow the stack.
 */
export function findUnstorable(root: unknown): { field: string; reason: string } | null {
  // The JSON pointer is spelled only for the value at fault: imports check every record, and
  // building a pointer per key was most of the work.
  type Entry = { value: unknown; parent: Entry | null; key: string };
  const pointer = (entry: Entry | null, last = ''): string => {
    let path = last;
    for (let e = entry; e && e.parent; e = e.parent) path = `/${e.key.replace(/~/g, '~0').replace(/\//g, '~1')}${path}`;
    return path;
  };
  const stack: Entry[] = [{ value: root, parent: null, key: '' }];
  while (stack.length) {
    const entry = stack.pop()!;
    const value = entry.value;
    if (typeof value === 'string') {
      const reason = unstorableReason(value);
      if (reason) return { field: pointer(entry), reason };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], parent: entry, key: String(i) });
    } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const reason = unstorableReason(key);
        if (reason) return { field: pointer(entry, `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`), reason };
        stack.push({ value: (value as Record<string, unknown>)[key], parent: entry, key });
      }
    }
  }
  return null;
}

/**
 * In JSON bytes, the first `\u0000` escape or unpaired surrogate escape (`"\ud800"`), with its
 * byte offset: the parsed document would hold a string that cannot be stored. Escaped backslashes
 * (`\\u0000` is text) are told apart by counting the backslashes before the match. Works on the
 * bytes, so a large upload is not decoded twice.
 */
export function findUnstorableJsonEscape(bytes: Buffer): { offset: number; reason: string } | null {
  for (let at = bytes.indexOf('\\u'); at !== -1; at = bytes.indexOf('\\u', at + 2)) {
    let backslashes = 0;
    for (let i = at - 1; i >= 0 && bytes[i] === 0x5c; i--) backslashes++;
    if (backslashes % 2 === 1) continue;
    const unit = hexUnit(bytes, at + 2);
    if (unit === 0) return { offset: at, reason: NUL_REASON };
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit <= 0xdbff && bytes[at + 6] === 0x5c && bytes[at + 7] === 0x75) {
      const low = hexUnit(bytes, at + 8);
      if (low >= 0xdc00 && low <= 0xdfff) {
        at += 6;
        continue;
      }
    }
    return { offset: at, reason: SURROGATE_REASON };
  }
  return null;
}

/** The UTF-16 unit of four hex digits at `at`, or -1. */
function hexUnit(bytes: Buffer, at: number): number {
  const text = bytes.toString('latin1', at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(text) ? parseInt(text, 16) : -1;
}
