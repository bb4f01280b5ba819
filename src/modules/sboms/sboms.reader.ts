// Reads uploaded documents on a worker thread, so that parsing and validating a large SBOM (seconds
// for 50,000 components) never holds the event loop: requests keep being answered meanwhile. The
// rows come back in slices, one per message the main thread asks for, so taking them over is
// bounded work too. One worker serves uploads one at a time (the CPU-bound half of an upload; the
// database half overlaps with the next one's reading). It is let go when idle, sooner after a large
// document, so that its heap goes back to the system (a new one compiles the schema validators again).
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SbomParseError, type SbomParseIssue } from './parsers/index.js';
import type { ComponentRow, ReadSbom } from './sboms.ingest.js';

export type ReaderRequest =
  | { type: 'read'; body: Uint8Array; maxBytes: number; lenient: boolean }
  | { type: 'rows'; from: number; to: number }
  | { type: 'release' };

export type ReaderReply =
  // A Buffer crosses threads as a plain Uint8Array.
  | { type: 'read'; read: Omit<ReadSbom, 'components' | 'packedEdges'> & { packedEdges: Uint8Array }; count: number }
  | { type: 'rows'; rows: ComponentRow[] }
  | { type: 'failed'; parse?: { message: string; pointer?: string; details?: SbomParseIssue[] }; message: string };

/** Rows per message: deserialising one slice on the main thread takes a few milliseconds. */
const SLICE = 2_000;
const IDLE_MS = 5 * 60_000;
/** After a document this large the worker's heap grew to hold it: it is let go after a shorter idle time. */
const LARGE_BYTES = 8 * 1024 * 1024;
const IDLE_AFTER_LARGE_MS = 20_000;

function startWorker(): Worker {
  const file = new URL(`./sboms.read-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  if (!file.pathname.endsWith('.ts')) return new Worker(file);
  // Running from source (tests, tsx): the worker registers the TypeScript loader before importing.
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); })`, { eval: true });
}

class SbomReader {
  private worker: Worker | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private idle: NodeJS.Timeout | null = null;

  /** Reads one document (SbomParseError when it cannot be read); calls queue up behind one another. */
  read(body: Buffer, options: { maxBytes: number; lenient?: boolean }): Promise<ReadSbom> {
    const run = this.queue.then(() => this.readOne(body, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readOne(body: Buffer, options: { maxBytes: number; lenient?: boolean }): Promise<ReadSbom> {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const worker = this.worker ?? this.start();
    // Held while a document is read (a CLI upload must not exit meanwhile), not while idle.
    worker.ref();
    try {
      // One copy, handed over rather than copied again: the caller keeps its buffer.
      const copy = new Uint8Array(body);
      const first = await ask(worker, { type: 'read', body: copy, maxBytes: options.maxBytes, lenient: options.lenient ?? false }, [copy.buffer]);
      if (first.type === 'failed') {
        if (first.parse) throw new SbomParseError(first.parse.message, first.parse.pointer, first.parse.details);
        throw new Error(`reading the SBOM failed: ${first.message}`);
      }
      if (first.type !== 'read') throw new Error(`unexpected reader reply ${first.type}`);
      const components: ComponentRow[] = new Array(first.count);
      for (let from = 0; from < first.count; from += SLICE) {
        const reply = await ask(worker, { type: 'rows', from, to: Math.min(first.count, from + SLICE) });
        if (reply.type !== 'rows') throw new Error(`unexpected reader reply ${reply.type}`);
        for (let i = 0; i < reply.rows.length; i++) components[from + i] = reply.rows[i];
      }
      worker.postMessage({ type: 'release' } satisfies ReaderRequest);
      const edges = first.read.packedEdges;
      return { ...first.read, packedEdges: Buffer.from(edges.buffer, edges.byteOffset, edges.byteLength), components };
    } finally {
      if (this.worker === worker) {
        worker.unref();
        this.idle = setTimeout(() => this.stop(), body.length >= LARGE_BYTES ? IDLE_AFTER_LARGE_MS : IDLE_MS).unref();
      }
    }
  }

  private start(): Worker {
    const worker = startWorker();
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
export function readSbomOffThread(body: Buffer, options: { maxBytes: number; lenient?: boolean }): Promise<ReadSbom> {
  return reader.read(body, options);
}
