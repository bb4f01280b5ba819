import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { before, describe, test } from 'node:test';
import { analyseSignature } from './authenticode.js';
import { DigestSet } from './digest-set.js';
import { hashStream } from './hashing.js';
import { authenticodeDigest, bufferSource, parsePe } from './pe.js';
import { buildPe, makeSigner, signPe, type TestSigner } from './test-support/pe-builder.js';

/** A deterministic PRNG, so a failure repeats. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function bytes(length: number, seed: number): Buffer {
  const random = prng(seed);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** The bytes as a stream of chunks of random sizes (1 byte to 300 KB). */
function chunked(data: Buffer, seed: number): Readable {
  const random = prng(seed);
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; ) {
    const n = 1 + Math.floor(random() * (random() < 0.2 ? 16 : 300_000));
    chunks.push(data.subarray(at, at + n));
    at += n;
  }
  return Readable.from(chunks);
}

const plain = (data: Buffer) => Object.fromEntries(['md5', 'sha1', 'sha256', 'sha512'].map((a) => [a, createHash(a).update(data).digest('hex')]));

describe('artifact hashing', () => {
  let signer: TestSigner;
  before(async () => {
    signer = await makeSigner('Hashing Test Signer');
  });

  test('the four digests of inputs below, at and above the inline size, whatever the chunking', async () => {
    for (const [length, seed] of [[0, 1], [1000, 2], [1 << 20, 3], [(1 << 20) + 1, 4], [5_300_017, 5]] as const) {
      const data = bytes(length, seed);
      const result = await hashStream(chunked(data, seed));
      assert.deepEqual({ md5: result.md5, sha1: result.sha1, sha256: result.sha256, sha512: result.sha512 }, plain(data), `length ${length}`);
      assert.equal(result.size, length);
      assert.equal(result.authenticode, null);
    }
  });

  test('a digest that skips ranges hashes exactly the bytes outside them, however chunks fall', () => {
    const data = bytes(10_000, 7);
    const random = prng(8);
    for (let round = 0; round < 200; round++) {
      const skips: Array<[number, number]> = [];
      for (let at = Math.floor(random() * 50); at < data.length && skips.length < 4; at += 1 + Math.floor(random() * 4000)) {
        const end = Math.min(data.length + 10, at + Math.floor(random() * 300));
        skips.push([at, end]);
        at = end;
      }
      const expected = createHash('sha256');
      let from = 0;
      for (const [start, end] of skips) {
        expected.update(data.subarray(from, Math.max(from, start)));
        from = Math.max(from, end);
      }
      expected.update(data.subarray(Math.min(from, data.length)));
      const set = new DigestSet([{ name: 'x', algorithm: 'sha256', skips }]);
      for (let at = 0; at < data.length; ) {
        const n = 1 + Math.floor(random() * 700);
        set.update(data.subarray(at, at + n));
        at += n;
      }
      assert.equal(set.digests().x, expected.digest('hex'), JSON.stringify(skips));
    }
  });

  test('a signed PE: the Authenticode digest comes from the same pass, equal to reading the file again, padding and all', async () => {
    for (const [size, padding] of [[4096, undefined], [3_000_000, undefined], [3_000_000, Buffer.from('hidden payload after the signature')]] as const) {
      const image = await signPe(buildPe({ body: bytes(size, size) }), signer, { padding });
      const hashes = await hashStream(chunked(image, 11));
      assert.ok(hashes.authenticode, `size ${size}`);
      const source = bufferSource(image);
      assert.equal(hashes.authenticode.digest, await authenticodeDigest(source, await parsePe(source), 'sha256'));
      assert.equal(hashes.sha256, plain(image).sha256);
      const streamed = await analyseSignature(source, { streamed: hashes.authenticode });
      const reread = await analyseSignature(source);
      assert.equal(streamed.status, 'valid', streamed.problems.join('; '));
      assert.deepEqual(streamed, reread);
      assert.equal(streamed.padding.suspicious, padding !== undefined);
    }
  });

  test('a streamed digest that does not fit the file is not used: other algorithm, other layout, other size', async () => {
    const sha1Signed = await signPe(buildPe({ body: bytes(2_000_000, 3) }), signer, { digest: 'sha1' });
    const hashes = await hashStream(chunked(sha1Signed, 12));
    const result = await analyseSignature(bufferSource(sha1Signed), { streamed: hashes.authenticode });
    assert.deepEqual([result.status, result.digestAlgorithm], ['valid', 'sha1']);

    const image = await signPe(buildPe({ body: bytes(2_000_000, 4) }), signer);
    const own = (await hashStream(Readable.from([image]))).authenticode!;
    const wrong = { ...own, digest: '00'.repeat(32) };
    assert.equal((await analyseSignature(bufferSource(image), { streamed: { ...wrong, size: own.size + 1 } })).status, 'valid');
    assert.equal((await analyseSignature(bufferSource(image), { streamed: { ...wrong, layout: { ...own.layout, checksumOffset: own.layout.checksumOffset + 1 } } })).status, 'valid');
    // The same layout and size: the streamed digest is the one compared (here a wrong one, so invalid).
    assert.equal((await analyseSignature(bufferSource(image), { streamed: wrong })).status, 'invalid');
  });

  test('over the limit: 413 mid-stream, the partial copy left to the caller, and the threads serve the next file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tw-hashing-'));
    try {
      const data = bytes(6_000_000, 9);
      await assert.rejects(hashStream(chunked(data, 13), { maxBytes: 4_000_000, copyTo: join(dir, 'partial') }), (error: { status?: number }) => error.status === 413);
      const copy = join(dir, 'copy');
      const result = await hashStream(chunked(data, 14), { copyTo: copy });
      assert.equal(result.sha512, plain(data).sha512);
      assert.ok((await readFile(copy)).equals(data));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('several files at once keep their own digests', async () => {
    const inputs = [bytes(3_000_000, 21), bytes(2_500_000, 22), bytes(4_100_000, 23)];
    const results = await Promise.all(inputs.map((data, i) => hashStream(chunked(data, 30 + i))));
    results.forEach((r, i) => assert.equal(r.md5, plain(inputs[i]).md5));
  });
});
