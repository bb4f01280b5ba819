import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Random bytes are drawn 4 KiB at a time: one CSPRNG call per 256 ids instead of one each (a
 * findings write makes ~20,000 ids at once, and a per-id call was a measurable share of it).
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;

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
  return (
    HEX[(high >>> 16) & 0xff] + HEX[(high >>> 8) & 0xff] + HEX[high & 0xff] + HEX[(low >>> 16) & 0xff] + '-' +
    HEX[(low >>> 8) & 0xff] + HEX[low & 0xff] + '-' +
    HEX[0x70 | (pool[r] & 0x0f)] + HEX[pool[r + 1]] + '-' +
    HEX[0x80 | (pool[r + 2] & 0x3f)] + HEX[pool[r + 3]] + '-' +
    HEX[pool[r + 4]] + HEX[pool[r + 5]] + HEX[pool[r + 6]] + HEX[pool[r + 7]] + HEX[pool[r + 8]] + HEX[pool[r + 9]]
  );
}

export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

export function nowIso(): string {
  return new Date().toISOString();
}
