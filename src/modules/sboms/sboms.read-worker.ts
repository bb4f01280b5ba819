// The worker thread of sboms.reader.ts: reads one document at a time and hands its rows over in
// slices, each when the main thread asks for it.
import { parentPort } from 'node:worker_threads';
import { SbomParseError } from './parsers/index.js';
import { readSbom, type ComponentRow } from './sboms.ingest.js';
import type { ReaderReply, ReaderRequest } from './sboms.reader.js';

const port = parentPort!;
let rows: ComponentRow[] = [];

port.on('message', (request: ReaderRequest) => {
  if (request.type === 'rows') {
    port.postMessage({ type: 'rows', rows: rows.slice(request.from, request.to) } satisfies ReaderReply);
    return;
  }
  if (request.type === 'release') {
    rows = [];
    return;
  }
  rows = [];
  try {
    const { components, ...read } = readSbom(request.body, { maxBytes: request.maxBytes, lenient: request.lenient });
    rows = components;
    port.postMessage({ type: 'read', read, count: components.length } satisfies ReaderReply);
  } catch (error) {
    const parse = error instanceof SbomParseError ? { message: error.message, pointer: error.pointer, details: error.details } : undefined;
    port.postMessage({ type: 'failed', parse, message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ReaderReply);
  }
});
