import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../db/database.js';
import { systemContext } from '../../context.js';
import { recordAudit, sealAuditChain } from '../audit.js';

/**
 * One "replica" for the audit concurrency tests, run in a worker thread with its own connections:
 * SQLite waits for its write lock synchronously, so writers sharing one thread would stall each other.
 */
export interface AuditLoad {
  url: string;
  role: 'writer' | 'sealer';
  name: string;
  /** Writers: events to record, this many transactions in flight at a time. */
  events: number;
  inFlight: number;
  /** Sealers: rounds of sealing, waiting for the lock or not. */
  rounds: number;
  wait: boolean;
}

const load = workerData as AuditLoad;
const database = openDatabase(load.url);
let done = 0;
try {
  if (load.role === 'writer') {
    let next = 0;
    await Promise.all(
      Array.from({ length: load.inFlight }, async () => {
        while (next < load.events) {
          const i = next++;
          await database.db.transaction().execute((trx) => recordAudit(trx, systemContext(load.name), { action: 'load.write', entityType: 'thing', entityId: `${load.name}-${i}` }));
          done++;
        }
      }),
    );
  } else {
    for (let round = 0; round < load.rounds; round++) {
      done += (await sealAuditChain(database.db, { wait: load.wait, batchSize: 5 })).sealed;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  parentPort!.postMessage({ done });
} finally {
  await database.close();
}
