// Reads uploaded documents on a worker thread, so that parsing and validating a large SBOM (seconds
// for 50,000 components) never holds the event loop: requests keep being answered meanwhile. The
// rows come back serialised in slices, each decoded only when the upload takes it (after it has
// written the slice before), so taking them over is bounded work and the main thread never holds
// a large document's rows all at once. One worker serves uploads one at a time (the CPU-bound half of an
// upload; the database half overlaps with the next one's reading). After a large document the
// worker is ended as soon as its answer arrives, before the rows are decoded: its heap (the parsed
// document, the rows it prepared) goes back to the system instead of adding to the main thread's
// copy of the rows at the upload's peak. A small document keeps it (a new one compiles the schema
// validators again); it is let go when idle.
import { deserialize } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { moduleWorker } from '../../platform/threads.js';
import { SbomParseError, type SbomParseIssue } from './parsers/index.js';
import type { ComponentRow, ReadSbom } from './sboms.ingest.js';

export type ReaderRequest = { type: 'read'; body: Uint8Array; maxBytes: number; lenient: boolean };

export type ReaderReply =
  // A Buffer crosses threads as a plain Uint8Array; each slice is v8.serialize of some rows.
  | { type: 'read'; read: Omit<ReadSbom, 'components' | 'packedEdges'> & { packedEdges: Uint8Array }; slices: Uint8Array[]; count: number }
  | { type: 'failed'; parse?: { message: string; pointer?: string; details?: SbomParseIssue[] }; message: string };

/** An upload as the reader thread answers it: its rows are decoded a slice at a time, as they are taken. */
export interface ReadSbomSlices extends Omit<ReadSbom, 'components'> {
  componentCount: number;
  /** The rows in document order, one slice at a time; each slice's bytes are let go once it is decoded. Can be taken once. */
  slices(): Generator<ComponentRow[]>;
}

const IDLE_MS = 5 * 60_000;
/** A document this large grows the worker's heap to hold it: the worker is ended right after it. */
const LARGE_BYTES = 8 * 1024 * 1024;

class SbomReader {
  private worker: Worker | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private idle: NodeJS.Timeout | null = null;

  /** Reads one document (SbomParseError when it cannot be read); calls queue up behind one another. */
  read(body: Buffer, options: { maxBytes: number; lenient?: boolean }): Promise<ReadSbomSlices> {
    const run = this.queue.then(() => this.readOne(body, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readOne(body: Buffer, options: { maxBytes: number; lenient?: boolean }): Promise<ReadSbomSlices> {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const worker = this.worker ?? this.start();
    // Held while a document is read (a CLI upload must not exit meanwhile), not while idle.
    worker.ref();
    const large = body.length >= LARGE_BYTES;
    let reply: ReaderReply;
    try {
      // One copy, handed over rather than copied again: the caller keeps its buffer.
      const copy = new Uint8Array(body);
      reply = await ask(worker, { type: 'read', body: copy, maxBytes: options.maxBytes, lenient: options.lenient ?? false }, [copy.buffer]);
    } finally {
      if (this.worker === worker) {
        worker.unref();
        if (large) this.stop();
        else this.idle = setTimeout(() => this.stop(), IDLE_MS).unref();
      }
    }
    if (reply.type === 'failed') {
      if (reply.parse) throw new SbomParseError(reply.parse.message, reply.parse.pointer, reply.parse.details);
      throw new Error(`reading the SBOM failed: ${reply.message}`);
    }
    const { slices, count } = reply;
    const edges = reply.read.packedEdges;
    let taken = false;
    return {
      ...reply.read,
      packedEdges: Buffer.from(edges.buffer, edges.byteOffset, edges.byteLength),
      componentCount: count,
      *slices() {
        if (taken) throw new Error('the rows of an SBOM read can be taken once');
        taken = true;
        let at = 0;
        for (let i = 0; i < slices.length; i++) {
          const rows = deserialize(slices[i]) as ComponentRow[];
          // Each slice's bytes go as soon as its rows are decoded.
          slices[i] = EMPTY;
          at += rows.length;
          yield rows;
        }
        if (at !== count) throw new Error(`the SBOM reader sent ${at} rows of ${count}`);
      },
    };
  }

  private start(): Worker {
    const worker = moduleWorker(import.meta.url, './sboms.read-worker');
    worker.once('exit', () => {
      if (this.worker === worker) this.worker = null;
    });
    // Failures reach the pending request through ask(); this keeps an idle worker's from being unhandled.
    worker.on('error', () => undefined);
    this.worker = worker;
    return worker;
  }

  private stop(): void {
    const worker = this.worker;
    this.worker = null;
    if (worker) void worker.terminate();
  }
}

const EMPTY = new Uint8Array(0);

function ask(worker: Worker, request: ReaderRequest, transfer: ArrayBuffer[] = []): Promise<ReaderReply> {
  return new Promise((resolve, reject) => {
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (reply: ReaderReply) => {
      done();
      resolve(reply);
    };
    const onError = (error: Error) => {
      done();
      reject(new Error(`the SBOM reader thread failed: ${error.message}`, { cause: error }));
    };
    const onExit = (code: number) => {
      done();
      reject(new Error(`the SBOM reader thread exited (code ${code})`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(request, transfer);
  });
}

const reader = new SbomReader();

/** Parses, validates and prepares an uploaded SBOM off the event loop (see readSbom). */
export function readSbomOffThread(body: Buffer, options: { maxBytes: number; lenient?: boolean }): Promise<ReadSbomSlices> {
  return reader.read(body, options);
}
