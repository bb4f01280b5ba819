// The ICAP bench's CPU figure for a service is its whole process tree, read from /proc. c-icap does
// its work in a forked child, so a child's time must count exactly once, in the same unit.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { processTreeCpuMs } from '../../bench/icap-harness.js';

function fakeProcess(root: string, pid: number, utime: number, stime: number, children: number[]): void {
  mkdirSync(join(root, String(pid), 'task', String(pid)), { recursive: true });
  // The command name holds a space and a parenthesis, as a real one may; 11 fields before utime.
  const fields = ['S', '1', '1', '1', '0', '-1', '4194560', '0', '0', '0', '0', String(utime), String(stime), '0', '0', '20', '0', '1'];
  writeFileSync(join(root, String(pid), 'stat'), `${pid} (c-icap (x) y) ${fields.join(' ')}\n`);
  writeFileSync(join(root, String(pid), 'task', String(pid), 'children'), children.map((c) => `${c} `).join(''));
}

test('a process tree three levels deep counts each process once, in ms (100 ticks a second)', () => {
  const root = mkdtempSync(join(tmpdir(), 'tw-proc-'));
  try {
    fakeProcess(root, 10, 3, 2, [11]); // 5 ticks
    fakeProcess(root, 11, 10, 10, [12, 13]); // 20 ticks
    fakeProcess(root, 12, 30, 0, []); // 30 ticks
    fakeProcess(root, 13, 0, 45, []); // 45 ticks
    assert.equal(processTreeCpuMs(10, root), 1000);
    assert.equal(processTreeCpuMs(11, root), 950);
    assert.equal(processTreeCpuMs(12, root), 300);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
