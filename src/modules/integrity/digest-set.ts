import { createHash, type Hash } from 'node:crypto';

/** One digest of a stream: an algorithm, and byte ranges [start, end) it leaves out (the Authenticode digest's). */
export interface DigestSpec {
  name: string;
  algorithm: string;
  skips?: Array<[number, number]>;
}

/** Several digests of one stream, fed its bytes in order, a chunk at a time. */
export class DigestSet {
  private at = 0;
  private readonly hashes: Array<{ name: string; hash: Hash; skips: Array<[number, number]> }>;

  constructor(specs: DigestSpec[]) {
    this.hashes = specs.map((s) => ({ name: s.name, hash: createHash(s.algorithm), skips: [...(s.skips ?? [])].sort((a, b) => a[0] - b[0]) }));
  }

  update(bytes: Uint8Array): void {
    for (const { hash, skips } of this.hashes) updateSkipping(hash, bytes, this.at, skips);
    this.at += bytes.length;
  }

  digests(): Record<string, string> {
    return Object.fromEntries(this.hashes.map(({ name, hash }) => [name, hash.digest('hex')]));
  }
}

/** Hashes the part of `bytes` (which start at stream offset `at`) outside every skip. */
function updateSkipping(hash: Hash, bytes: Uint8Array, at: number, skips: Array<[number, number]>): void {
  const end = at + bytes.length;
  let from = at;
  for (const [start, stop] of skips) {
    if (stop <= from) continue;
    if (start >= end) break;
    if (start > from) hash.update(bytes.subarray(from - at, start - at));
    from = Math.max(from, stop);
    if (from >= end) return;
  }
  hash.update(bytes.subarray(from - at));
}
