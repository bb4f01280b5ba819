import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/processes.js';

const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });

// CI also runs the suite from a plain copy of the checkout (on another Node), which has no git metadata.
const notACheckout = !existsSync(join(ROOT, '.git')) && 'not a git checkout';

test('bench and harness results are never tracked: running them leaves the checkout clean', { skip: notACheckout }, () => {
  assert.deepEqual(git('ls-files', 'bench/results').trim().split('\n'), ['bench/results/.gitkeep']);
  for (const file of ['bench/results/latest.json', 'bench/results/2030-01-01T00-00-00-000Z.json', 'bench/results/soak-latest.json']) {
    assert.equal(git('check-ignore', file).trim(), file);
  }
});
