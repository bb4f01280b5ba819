// A hashing thread of hashing.ts: it keeps the digests of the jobs given to it and feeds them the
// blocks the main thread shares (SharedArrayBuffer, never copied), answering each block once done.
import { parentPort } from 'node:worker_threads';
import { DigestSet } from './digest-set.js';
import type { HashReply, HashRequest } from './hashing.js';

const port = parentPort!;
const jobs = new Map<number, DigestSet>();

port.on('message', (request: HashRequest) => {
  switch (request.type) {
    case 'open':
      jobs.set(request.job, new DigestSet(request.specs));
      return;
    case 'data': {
      const set = jobs.get(request.job);
      if (!set) return;
      set.update(new Uint8Array(request.block, 0, request.length));
      port.postMessage({ type: 'ack', job: request.job } satisfies HashReply);
      return;
    }
    case 'end': {
      const set = jobs.get(request.job);
      jobs.delete(request.job);
      if (set) port.postMessage({ type: 'done', job: request.job, digests: set.digests() } satisfies HashReply);
      return;
    }
    case 'drop':
      jobs.delete(request.job);
  }
});
