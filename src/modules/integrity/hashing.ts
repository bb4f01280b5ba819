import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { payloadTooLarge } from '../../platform/errors.js';

export interface FileHashes {
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
}

const ALGORITHMS = ['md5', 'sha1', 'sha256', 'sha512'] as const;

/**
 * Hashes a stream with the four algorithms in one pass, optionally copying it to a file, holding
 * one chunk at a time (memory stays bounded whatever the size). Over `maxBytes` it stops reading
 * and fails with 413; the partial copy is the caller's to remove.
 */
export async function hashStream(input: Readable | AsyncIterable<Buffer>, options: { maxBytes?: number; copyTo?: string } = {}): Promise<FileHashes> {
  const hashes = ALGORITHMS.map((alg) => createHash(alg));
  const out = options.copyTo ? createWriteStream(options.copyTo, { flags: 'wx' }) : null;
  let size = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (options.maxBytes !== undefined && size > options.maxBytes) throw payloadTooLarge(options.maxBytes);
      for (const hash of hashes) hash.update(chunk);
      if (out && !out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    if (out) {
      out.end();
      await once(out, 'close');
    }
  }
  const [md5, sha1, sha256, sha512] = hashes.map((h) => h.digest('hex'));
  return { size, md5, sha1, sha256, sha512 };
}

export function hashFile(path: string, maxBytes?: number): Promise<FileHashes> {
  return hashStream(createReadStream(path, { highWaterMark: 1 << 20 }), { maxBytes });
}
