// A worker thread of pii.threads.ts: scans one body at a time with the same scanBody as the main
// thread. The custom pattern list comes with a job only when it changed, so its regexes are
// compiled once per thread and list, as scanBody's cache does on the main thread.
import { parentPort } from 'node:worker_threads';
import { scanBody, type CustomPattern } from './pii.scan.js';
import type { ScanJob, ScanReply } from './pii.threads.js';

const port = parentPort!;
let patterns: CustomPattern[] = [];

port.on('message', (job: ScanJob) => {
  if (job.patterns) patterns = job.patterns;
  const body = job.body.length === 1 ? Buffer.from(job.body[0]!.buffer, job.body[0]!.byteOffset, job.body[0]!.byteLength) : Buffer.concat(job.body);
  scanBody(body, job.headers, { maxBytes: job.maxBytes, patterns, detectionsOnly: job.detectionsOnly }).then(
    (result) => port.postMessage({ id: job.id, result } satisfies ScanReply),
    (error: unknown) => port.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) } satisfies ScanReply),
  );
});
