// Hashing an artifact as it streams in: one pass over the bytes feeds MD5, SHA-1, SHA-256, SHA-512
// and, for a signed PE image, its Authenticode SHA-256 digest (so the signature check reads only
// the headers and the certificate table afterwards, never the whole file again). Past the first
// megabyte the digests are computed on hashing threads, spread by cost, fed blocks the calling
// thread shares with them: the event loop only copies bytes, and on two cores the digests take
// about half the time they would take in sequence. A few blocks at most are in flight per file:
// memory stays bounded whatever the size.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { payloadTooLarge } from '../../platform/errors.js';
import { moduleWorker } from '../../platform/threads.js';
import { DigestSet, type DigestSpec } from './digest-set.js';
import { authenticodeSkips, bufferSource, PeFormatError, readPeLayout, type PeLayout } from './pe.js';

/** The Authenticode digest computed while the file streamed in, and the layout it was computed for. */
export interface StreamedAuthenticode {
  layout: Pick<PeLayout, 'checksumOffset' | 'certDirectoryOffset' | 'certTable'>;
  size: number;
  algorithm: 'sha256';
  digest: string;
}

export interface FileHashes {
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
  /** Null unless the file starts as a signed PE image whose headers lie in its first megabyte. */
  authenticode: StreamedAuthenticode | null;
}

export type HashRequest =
  | { type: 'open'; job: number; specs: DigestSpec[] }
  | { type: 'data'; job: number; block: SharedArrayBuffer; length: number }
  | { type: 'end'; job: number }
  | { type: 'drop'; job: number };

export type HashReply = { type: 'ack'; job: number } | { type: 'done'; job: number; digests: Record<string, string> };

const PLAIN: DigestSpec[] = ['md5', 'sha1', 'sha256', 'sha512'].map((algorithm) => ({ name: algorithm, algorithm }));
/** Time per byte relative to SHA-256 on this kind of machine (SHA-NI speeds SHA-1 and SHA-256 only). */
const COST: Record<string, number> = { md5: 2.3, sha512: 2.2, sha256: 1, sha1: 0.9 };
/** Inputs up to this size are hashed on the calling thread: a round trip to the threads would cost more. */
const INLINE_BYTES = 1 << 20;
const BLOCK_BYTES = 1 << 20;
/** Blocks handed over and not yet hashed by every thread of the job, before reading waits. */
const IN_FLIGHT_BLOCKS = 8;
const IDLE_MS = 60_000;

/**
 * Hashes a stream in one pass, optionally copying it to a file, holding a bounded number of bytes
 * at a time. Over `maxBytes` it stops reading and fails with 413; the partial copy is the caller's
 * to remove.
 */
export async function hashStream(input: Readable | AsyncIterable<Buffer>, options: { maxBytes?: number; copyTo?: string } = {}): Promise<FileHashes> {
  const out = options.copyTo ? createWriteStream(options.copyTo, { flags: 'wx' }) : null;
  let size = 0;
  let head: Buffer[] = [];
  let job: ThreadedDigests | null = null;
  let layout: StreamedAuthenticode['layout'] | null = null;
  let digests: Record<string, string>;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (options.maxBytes !== undefined && size > options.maxBytes) throw payloadTooLarge(options.maxBytes);
      if (out && !out.write(chunk)) await once(out, 'drain');
      if (job) await job.update(chunk);
      else {
        head.push(chunk);
        if (size < INLINE_BYTES) continue;
        const first = Buffer.concat(head);
        head = [];
        layout = await signedPeLayout(first);
        job = threads.open(specsFor(layout));
        await job.update(first);
      }
    }
    if (job) digests = await job.end();
    else {
      const all = Buffer.concat(head);
      layout = await signedPeLayout(all);
      const set = new DigestSet(specsFor(layout));
      set.update(all);
      digests = set.digests();
    }
  } catch (error) {
    job?.drop();
    throw error;
  } finally {
    if (out) {
      out.end();
      await once(out, 'close');
    }
  }
  const { md5, sha1, sha256, sha512, authenticode } = digests;
  return { size, md5, sha1, sha256, sha512, authenticode: layout ? { layout, size, algorithm: 'sha256', digest: authenticode } : null };
}

export function hashFile(path: string, maxBytes?: number): Promise<FileHashes> {
  return hashStream(createReadStream(path, { highWaterMark: 1 << 20 }), { maxBytes });
}

function specsFor(layout: StreamedAuthenticode['layout'] | null): DigestSpec[] {
  return layout ? [...PLAIN, { name: 'authenticode', algorithm: 'sha256', skips: authenticodeSkips(layout) }] : PLAIN;
}

/** The layout of a signed PE image whose headers lie within `head`, else null (not PE, unsigned, unreadable: the signature check says which). */
async function signedPeLayout(head: Buffer): Promise<StreamedAuthenticode['layout'] | null> {
  if (head.length < 2 || head[0] !== 0x4d || head[1] !== 0x5a) return null;
  try {
    const { checksumOffset, certDirectoryOffset, certTable } = await readPeLayout(bufferSource(head));
    return certTable.size ? { checksumOffset, certDirectoryOffset, certTable } : null;
  } catch (error) {
    if (error instanceof PeFormatError) return null;
    throw error;
  }
}

/** One stream's digests on the hashing threads: blocks go to every thread of the job, each hashing its share. */
class ThreadedDigests {
  private block: Uint8Array;
  private filled = 0;
  private sent = 0;
  private readonly acked: Map<Worker, number>;
  private readonly results = new Map<Worker, Record<string, string>>();
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(
    readonly id: number,
    private readonly release: () => void,
    workers: Worker[],
    /** IN_FLIGHT_BLOCKS + 1 blocks, reused in turn: one is filled while the others are being hashed. */
    private readonly ring: SharedArrayBuffer[],
  ) {
    this.acked = new Map(workers.map((w) => [w, 0]));
    this.block = new Uint8Array(ring[0]);
  }

  uses(worker: Worker): boolean {
    return this.acked.has(worker);
  }

  async update(chunk: Uint8Array): Promise<void> {
    for (let at = 0; at < chunk.length; ) {
      const n = Math.min(chunk.length - at, BLOCK_BYTES - this.filled);
      this.block.set(chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === BLOCK_BYTES) await this.flush();
    }
  }

  async end(): Promise<Record<string, string>> {
    try {
      await this.flush();
      this.post({ type: 'end', job: this.id });
      await this.until(() => this.results.size === this.acked.size);
      return Object.assign({}, ...this.results.values()) as Record<string, string>;
    } finally {
      this.close();
    }
  }

  drop(): void {
    if (this.closed) return;
    this.post({ type: 'drop', job: this.id });
    this.close();
  }

  reply(worker: Worker, reply: HashReply): void {
    if (reply.type === 'ack') this.acked.set(worker, this.acked.get(worker)! + 1);
    else this.results.set(worker, reply.digests);
    this.wake?.();
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.wake?.();
  }

  private async flush(): Promise<void> {
    if (this.filled) {
      this.post({ type: 'data', job: this.id, block: this.block.buffer as SharedArrayBuffer, length: this.filled });
      this.sent++;
      this.block = new Uint8Array(this.ring[this.sent % this.ring.length]);
      this.filled = 0;
    }
    // The next block was handed over ring.length blocks ago: every thread must be done with it.
    await this.until(() => this.sent - Math.min(...this.acked.values()) < this.ring.length);
  }

  private async until(ready: () => boolean): Promise<void> {
    while (!this.failure && !ready()) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
    if (this.failure) throw this.failure;
  }

  private post(request: HashRequest): void {
    for (const worker of this.acked.keys()) worker.postMessage(request);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }

  /** The blocks, for the next job (a dropped job's threads may still read them: its digests are discarded). */
  get blocks(): SharedArrayBuffer[] {
    return this.ring;
  }
}

/** The hashing threads: started on first use, held while a job runs, ended after a minute idle. */
class HashThreads {
  private readonly workers: Array<Worker | null> = [];
  /** Rings of blocks of finished jobs; allocating fresh shared memory per file let RSS grow faster than it was collected. */
  private readonly rings: SharedArrayBuffer[][] = [];
  private readonly jobs = new Map<number, ThreadedDigests>();
  private next = 1;
  private idle: NodeJS.Timeout | null = null;

  open(specs: DigestSpec[]): ThreadedDigests {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const count = Math.max(1, Math.min(2, availableParallelism()));
    const shares: DigestSpec[][] = Array.from({ length: count }, () => []);
    const loads = new Array<number>(count).fill(0);
    for (const spec of [...specs].sort((a, b) => (COST[b.algorithm] ?? 1) - (COST[a.algorithm] ?? 1))) {
      const lightest = loads.indexOf(Math.min(...loads));
      shares[lightest].push(spec);
      loads[lightest] += COST[spec.algorithm] ?? 1;
    }
    const used = shares.flatMap((share, i) => (share.length ? [{ share, worker: this.worker(i) }] : []));
    const id = this.next++;
    const ring = this.rings.pop() ?? Array.from({ length: IN_FLIGHT_BLOCKS + 1 }, () => new SharedArrayBuffer(BLOCK_BYTES));
    const job: ThreadedDigests = new ThreadedDigests(id, () => this.done(job), used.map((u) => u.worker), ring);
    this.jobs.set(id, job);
    for (const { share, worker } of used) {
      // Held while a job runs (a CLI check must not exit meanwhile), not while idle.
      worker.ref();
      worker.postMessage({ type: 'open', job: id, specs: share } satisfies HashRequest);
    }
    return job;
  }

  private worker(index: number): Worker {
    const existing = this.workers[index];
    if (existing) return existing;
    const worker = moduleWorker(import.meta.url, './hashing.worker');
    worker.on('message', (reply: HashReply) => this.jobs.get(reply.job)?.reply(worker, reply));
    worker.on('error', (error) => this.lost(worker, new Error(`a hashing thread failed: ${error.message}`, { cause: error })));
    worker.once('exit', (code) => this.lost(worker, new Error(`a hashing thread exited (code ${code})`)));
    this.workers[index] = worker;
    return worker;
  }

  private lost(worker: Worker, error: Error): void {
    const index = this.workers.indexOf(worker);
    if (index !== -1) this.workers[index] = null;
    for (const job of this.jobs.values()) if (job.uses(worker)) job.fail(error);
  }

  private done(job: ThreadedDigests): void {
    this.jobs.delete(job.id);
    if (this.rings.length < 2) this.rings.push(job.blocks);
    if (this.jobs.size) return;
    for (const worker of this.workers) worker?.unref();
    this.idle = setTimeout(() => {
      this.rings.length = 0;
      for (const worker of this.workers.splice(0)) void worker?.terminate();
    }, IDLE_MS).unref();
  }
}

const threads = new HashThreads();
