import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unifiedDiff } from './playbooks.diff.js';

/** Applies a unified diff the way patch(1) does, checking every context and removed line. */
function apply(from: string, diff: string): string {
  if (!diff) return from;
  const a = from === '' ? [] : from.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let pos = 0;
  const lines = diff.replace(/\n$/, '').split('\n').slice(2);
  for (const line of lines) {
    const hunk = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(line);
    if (hunk) {
      const start = Number(hunk[2]) === 0 ? Number(hunk[1]) : Number(hunk[1]) - 1;
      while (pos < start) out.push(a[pos++]);
      continue;
    }
    const body = line.slice(1);
    if (line[0] === '+') out.push(body);
    else {
      assert.equal(a[pos], body, `the diff's ${line[0] === '-' ? 'removed' : 'context'} line differs from the source at ${pos + 1}`);
      if (line[0] === ' ') out.push(body);
      pos++;
    }
  }
  while (pos < a.length) out.push(a[pos++]);
  return out.length ? `${out.join('\n')}\n` : '';
}

test('unified diffs turn the old version into the new one, with three lines of context per hunk', () => {
  let seed = 11;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let t = 0; t < 500; t++) {
    const a = Array.from({ length: rnd(40) }, () => `line ${rnd(8)}`);
    const b = a.filter(() => rnd(5) > 0).map((l) => (rnd(10) === 0 ? `changed ${rnd(5)}` : l));
    for (let i = rnd(4); i > 0; i--) b.splice(rnd(b.length + 1), 0, `new ${rnd(4)}`);
    const from = a.length ? `${a.join('\n')}\n` : '';
    const to = b.length ? `${b.join('\n')}\n` : '';
    const diff = unifiedDiff(from, to, { from: 'v1', to: 'v2' });
    assert.equal(diff === '', from === to);
    assert.equal(apply(from, diff), to, diff);
  }
  assert.equal(unifiedDiff('a\nb\nc\nd\ne\nf\ng\nh\ni\n', 'a\nb\nc\nd\nE\nf\ng\nh\ni\n', { from: 'x v1', to: 'x v2' }), '--- x v1\n+++ x v2\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n');
});

test('a large version against a small change stays fast (Myers: cost grows with the edit, not the product of lengths)', () => {
  const big = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n');
  const started = performance.now();
  const diff = unifiedDiff(big, big.replace('line 10000\n', 'line ten thousand\n'), { from: 'a', to: 'b' });
  assert.match(diff, /-line 10000\n\+line ten thousand\n/);
  assert.ok(performance.now() - started < 2000, `${Math.round(performance.now() - started)} ms`);
});

test('two unrelated large versions give a whole replacement, in bounded time and memory', () => {
  const a = Array.from({ length: 8000 }, (_, i) => `a ${i}`).join('\n');
  const b = Array.from({ length: 8000 }, (_, i) => `b ${i}`).join('\n');
  const started = performance.now();
  const diff = unifiedDiff(a, b, { from: 'a', to: 'b' });
  assert.ok(performance.now() - started < 5000, `${Math.round(performance.now() - started)} ms`);
  assert.equal(diff.split('\n').filter((l) => l.startsWith('-a ')).length, 8000);
  assert.equal(diff.split('\n').filter((l) => l.startsWith('+b ')).length, 8000);
});
