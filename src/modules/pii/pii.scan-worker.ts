// A worker thread of pii.threads.ts: scans one body at a time with the same scanBody as the main
// thread, reading it where the caller copied it, in the memory they share. The custom pattern list
// (and that memory) come with a job only when they changed, so the regexes are compiled once per
// thread and list, as scanBody's cache does on the main thread.
import { parentPort } from 'node:worker_threads';
import { scanBody, type CustomPattern } from './pii.scan.js';
import type { ScanJob, ScanReply } from './pii.threads.js';

const port = parentPort!;
let patterns: CustomPattern[] = [];
let shared = new SharedArrayBuffer(0);

port.on('message', (job: ScanJob) => {
  if (job.patterns) patterns = job.patterns;
  if (job.shared) shared = job.shared;
  const body = Buffer.from(shared, 0, job.length);
  scanBody(body, job.headers, { maxBytes: job.maxBytes, patterns, detectionsOnly: job.detectionsOnly }).then(
    (result) => port.postMessage({ id: job.id, result } satisfies ScanReply),
    (error: unknown) => port.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) } satisfies ScanReply),
  );
});
