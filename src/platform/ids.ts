import { randomFillSync } from 'node:crypto';

const DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/**
 * Random bytes are drawn 4 KiB at a time: one CSPRNG call per 256 ids instead of one each (a
 * findings write makes ~20,000 ids at once, and a per-id call was a measurable share of it).
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;

/**
 * Each id is spelled into one 36-byte buffer and read out as a single flat string: concatenating
 * its 20 hex pairs built a rope of 19 intermediate strings that the engines' bindings then flatten,
 * 10 times the CPU and garbage (2 µs an id, ~40 ms of a 20,000-finding upload).
 */
const text = Buffer.alloc(36, '-', 'latin1');

function hexByte(at: number, byte: number): void {
  text[at] = DIGITS[byte >>> 4];
  text[at + 1] = DIGITS[byte & 0x0f];
}

/**
 * UUIDv7 (RFC 9562): time-ordered, so primary keys double as a stable creation order for
 * cursor pagination and index locality on both engines.
 */
export function newId(now = Date.now()): string {
  if (offset + 10 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const r = offset;
  offset += 10;
  // 48-bit big-endian milliseconds, version 7, then 74 random bits with the RFC 4122 variant.
  const high = Math.floor(now / 0x1000000);
  const low = now % 0x1000000;
  hexByte(0, (high >>> 16) & 0xff);
  hexByte(2, (high >>> 8) & 0xff);
  hexByte(4, high & 0xff);
  hexByte(6, (low >>> 16) & 0xff);
  hexByte(9, (low >>> 8) & 0xff);
  hexByte(11, low & 0xff);
  hexByte(14, 0x70 | (pool[r] & 0x0f));
  hexByte(16, pool[r + 1]);
  hexByte(19, 0x80 | (pool[r + 2] & 0x3f));
  hexByte(21, pool[r + 3]);
  for (let i = 0; i < 6; i++) hexByte(24 + 2 * i, pool[r + 4 + i]);
  return text.toString('latin1', 0, 36);
}

export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

export function nowIso(): string {
  return new Date().toISOString();
}
