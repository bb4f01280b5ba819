// The worker thread of sboms.reader.ts: reads one document at a time and hands its rows over
// serialised in slices, all in one message whose buffers move to the main thread (no copy is left
// here), so that the main thread can end this thread, and free its heap, before it decodes them.
import { serialize } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { SbomParseError } from './parsers/index.js';
import { readSbom, type ComponentRow } from './sboms.ingest.js';
import type { ReaderReply, ReaderRequest } from './sboms.reader.js';

const port = parentPort!;
/**
 * Rows per slice. The upload writes and matches a slice (and its findings) before it decodes the
 * next, so a slice's objects die young on the main thread: at 2,000 rows a heavy 10,000-component
 * upload promoted about twice as much to the old generation as at 500, and spent more in GC.
 */
const SLICE = 500;

/** The bytes in an ArrayBuffer of their own, which can be transferred (a pooled Buffer's cannot). */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

function serialized(rows: ComponentRow[]): Uint8Array[] {
  const slices: Uint8Array[] = [];
  for (let from = 0; from < rows.length; from += SLICE) slices.push(ownBuffer(serialize(rows.slice(from, from + SLICE))));
  return slices;
}

port.on('message', (request: ReaderRequest) => {
  try {
    const { components, packedEdges, ...read } = readSbom(request.body, { maxBytes: request.maxBytes, lenient: request.lenient });
    const slices = serialized(components);
    const edges = ownBuffer(packedEdges);
    port.postMessage({ type: 'read', read: { ...read, packedEdges: edges }, slices, count: components.length } satisfies ReaderReply, [edges.buffer as ArrayBuffer, ...slices.map((s) => s.buffer as ArrayBuffer)]);
  } catch (error) {
    const parse = error instanceof SbomParseError ? { message: error.message, pointer: error.pointer, details: error.details } : undefined;
    port.postMessage({ type: 'failed', parse, message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ReaderReply);
  }
});
