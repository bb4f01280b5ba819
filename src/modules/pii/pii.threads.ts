import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { moduleWorker } from '../../platform/threads.js';
import type { CustomPattern } from './pii.patterns.js';
import { scanBody, type ScanResult } from './pii.scan.js';

type Headers = { contentType?: string | null; contentEncoding?: string | null };

/** One body to scan, as posted to a worker (pii.scan-worker.ts). */
export interface ScanJob {
  id: number;
  /** The body: the first `length` bytes of the thread's shared buffer. */
  length: number;
  /** The thread's shared buffer, only when it is new (the first job, or a body larger than the last buffer). */
  shared?: SharedArrayBuffer;
  headers: Headers;
  maxBytes: number;
  detectionsOnly: boolean;
  /** The custom patterns, only when they differ from the ones this worker was last sent. */
  patterns?: CustomPattern[];
}
export type ScanReply = { id: number; result: ScanResult } | { id: number; error: string };

export interface ScanThreadsOptions {
  /** Worker threads (THIRDWATCH_PII_SCAN_THREADS); 0 scans everything on the calling thread. */
  threads: number;
  /** Bodies waiting for a thread; past this a body is scanned on the calling thread (back pressure, same result). */
  maxQueue?: number;
  /** A scan not answered in this time fails (its thread is replaced): the caller's fail mode applies. */
  timeoutMs?: number;
  logger?: Logger;
}

interface Pending {
  job: ScanJob;
  /** The body's pieces, copied into the thread's shared buffer when the job goes to a thread. */
  body: Uint8Array[];
  patterns: CustomPattern[];
  resolve: (result: ScanResult) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** The pattern list this worker holds. */
  patterns: CustomPattern[] | null;
  /** The memory the bodies go to this worker in (it holds the same buffer). */
  shared: SharedArrayBuffer | null;
  busy: Pending | null;
  timer: NodeJS.Timeout | null;
}

export interface ScanThreadStats {
  threads: number;
  busy: number;
  queued: number;
  offThread: number;
  onThread: number;
  failures: number;
}

const NO_PATTERNS: CustomPattern[] = [];

/** A thread's shared buffer for a body of `length` bytes: at least 64 KiB, a power of two, so it is rarely replaced. */
const sharedSize = (length: number): number => 2 ** Math.max(16, Math.ceil(Math.log2(Math.max(1, length))));

/**
 * Scans bodies on a pool of worker threads, so large bodies are scanned on several cores at once
 * and the calling event loop keeps answering while they are. The result is scanBody's, computed
 * the same way on another thread. A full queue, or a closed pool, scans on the calling thread
 * instead; a thread that crashes or does not answer in time fails its scan and is replaced.
 */
export class ScanThreads {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextId = 1;
  private closed = false;
  private readonly counts = { offThread: 0, onThread: 0, failures: 0 };

  constructor(private readonly options: ScanThreadsOptions) {}

  get stats(): ScanThreadStats {
    return { threads: this.slots.length, busy: this.slots.filter((s) => s.busy).length, queued: this.queue.length, ...this.counts };
  }

  /** Starts every thread now instead of at the first body (a thread takes a moment to load the engine). */
  start(): void {
    while (!this.closed && this.slots.length < this.options.threads) this.slots.push(this.spawn());
  }

  /**
   * `body`: one buffer, or the pieces it arrived in (the ICAP service's socket reads). The pieces
   * are copied, once, into memory the thread shares with the caller (a buffer per thread, kept
   * from one body to the next), and the thread scans them there: neither side allocates a buffer
   * per body (posting the pieces cost a serialised copy, a deserialised one and a joined one,
   * whose garbage took the scan thread about as long to collect as the prefilter takes to walk).
   * The body must stay as it is until the scan settles.
   */
  scan(body: Buffer | Buffer[], headers: Headers, options: { maxBytes: number; patterns?: CustomPattern[]; detectionsOnly?: boolean }): Promise<ScanResult> {
    const patterns = options.patterns ?? NO_PATTERNS;
    if (this.closed || this.options.threads <= 0 || this.queue.length >= (this.options.maxQueue ?? 64)) {
      this.counts.onThread++;
      return scanBody(Array.isArray(body) ? Buffer.concat(body) : body, headers, { maxBytes: options.maxBytes, patterns, detectionsOnly: options.detectionsOnly });
    }
    this.counts.offThread++;
    const pieces = Array.isArray(body) ? body : [body];
    const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
    const job: ScanJob = { id: this.nextId++, length, headers: { contentType: headers.contentType ?? null, contentEncoding: headers.contentEncoding ?? null }, maxBytes: options.maxBytes, detectionsOnly: options.detectionsOnly ?? false };
    const promise = new Promise<ScanResult>((resolve, reject) => this.queue.push({ job, body: pieces, patterns, resolve, reject }));
    const tracked = promise.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    this.dispatch();
    return promise;
  }

  /** Scans what is queued or running, then ends the threads; later scans run on the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.inFlight]);
    await Promise.all(this.slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.options.threads) {
        slot = this.spawn();
        this.slots.push(slot);
      }
      if (!slot) return;
      const pending = this.queue.shift()!;
      slot.busy = pending;
      const job = slot.patterns === pending.patterns ? pending.job : { ...pending.job, patterns: pending.patterns };
      slot.patterns = pending.patterns;
      // The thread reads the body only while it is busy with this job: the buffer is free again at its answer.
      if (!slot.shared || slot.shared.byteLength < job.length) job.shared = slot.shared = new SharedArrayBuffer(sharedSize(job.length));
      const shared = new Uint8Array(slot.shared);
      let at = 0;
      for (const piece of pending.body) {
        shared.set(piece, at);
        at += piece.length;
      }
      pending.body = [];
      slot.worker.ref();
      slot.timer = setTimeout(() => this.fail(slot, new Error(`the personal-data scan took longer than ${this.options.timeoutMs ?? 30_000} ms`)), this.options.timeoutMs ?? 30_000);
      slot.worker.postMessage(job);
    }
  }

  private spawn(): Slot {
    const worker = moduleWorker(import.meta.url, './pii.scan-worker');
    const slot: Slot = { worker, patterns: null, shared: null, busy: null, timer: null };
    // Idle threads do not keep the process alive; a busy one does until it answers.
    worker.unref();
    worker.on('message', (reply: ScanReply) => {
      const pending = slot.busy;
      if (!pending || pending.job.id !== reply.id) return;
      this.release(slot);
      if ('error' in reply) {
        this.counts.failures++;
        pending.reject(new Error(`the personal-data scan failed: ${reply.error}`));
      } else pending.resolve(reply.result);
      this.dispatch();
    });
    worker.on('error', (error) => this.fail(slot, new Error(`a personal-data scan thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.fail(slot, new Error(`a personal-data scan thread exited (code ${code})`)));
    return slot;
  }

  private release(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.busy = null;
    slot.worker.unref();
  }

  /** Drops a thread that crashed, exited or hangs; its scan fails and the queue goes on with a new thread. */
  private fail(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    this.slots.splice(index, 1);
    const pending = slot.busy;
    this.release(slot);
    void slot.worker.terminate();
    if (pending) {
      this.counts.failures++;
      this.options.logger?.warn({ err: error }, 'personal-data scan thread replaced');
      pending.reject(error);
    }
    this.dispatch();
  }
}
