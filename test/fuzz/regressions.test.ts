// Replays every minimised crasher the fuzzer found (test/fuzz/corpus/<target>.json) through its
// target's check: each one crashed a parser or a route once, and must now be rejected cleanly.
import { describe, test } from 'node:test';
import { corpusTargets, readCorpus } from './corpus.js';
import { allTargets } from './targets.js';

const targets = new Map(allTargets().map((t) => [t.name, t]));

describe('fuzz regressions', () => {
  for (const name of corpusTargets()) {
    test(name, async () => {
      const target = targets.get(name);
      if (!target) throw new Error(`test/fuzz/corpus has a file for ${name}, which is no fuzz target`);
      const session = await target.open();
      try {
        for (const { found, decoded } of readCorpus(name)) {
          try {
            await session.check(decoded);
          } catch (error) {
            throw new Error(`${name}: a crasher fails again (first found as: ${found}): ${(error as Error).message}`, { cause: error });
          }
        }
      } finally {
        await session.close?.();
      }
    });
  }
});
