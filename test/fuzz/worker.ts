// One fuzz process: runs the targets it is given, one after the other, and reports to the parent over IPC.
import { fuzzTarget } from './harness.js';
import { allTargets } from './targets.js';

export interface WorkerJob {
  targets: string[];
  inputs: number;
  httpInputs: number;
  seed: number;
  slowMs: number;
  maxMs: number;
}

const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

process.once('message', async (job: WorkerJob) => {
  const byName = new Map(allTargets().map((t) => [t.name, t]));
  for (const name of job.targets) {
    const target = byName.get(name)!;
    await send({ type: 'start', target: name });
    try {
      const result = await fuzzTarget(target, {
        inputs: target.kind === 'http' ? job.httpInputs : job.inputs,
        seed: job.seed,
        slowMs: job.slowMs,
        maxMs: job.maxMs,
        onProgress: (done) => void send({ type: 'progress', target: name, done }),
      });
      await send({ type: 'result', result });
    } catch (error) {
      // The harness or the target's setup failed (not an input): report it as this target's failure and go on.
      process.stderr.write(`fuzz ${name}: ${(error as Error).stack ?? String(error)}\n`);
      await send({ type: 'error', target: name, message: `the fuzz run itself failed: ${(error as Error).message}` });
    }
  }
  process.disconnect();
});
