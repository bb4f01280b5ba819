import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { ROOT } from '../support/processes.js';

const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });

test('bench and harness results are never tracked: running them leaves the checkout clean', () => {
  assert.deepEqual(git('ls-files', 'bench/results').trim().split('\n'), ['bench/results/.gitkeep']);
  for (const file of ['bench/results/latest.json', 'bench/results/2030-01-01T00-00-00-000Z.json', 'bench/results/soak-latest.json']) {
    assert.equal(git('check-ignore', file).trim(), file);
  }
});
