import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cpuMs } from '../../test/support/cpu-time.js';
import { position, readYaml } from './yaml.js';

const LIMITS = { maxChars: 128 * 1024, maxAliases: 10 };
const problem = (text: string, limits = LIMITS) => {
  const read = readYaml(text, limits);
  assert.equal(read.ok, false, 'refused');
  return read.ok ? null : { ...read.problems[0]!, at: position(read.lines, read.problems[0]!.offset) };
};

describe('readYaml', () => {
  test('reads core-schema YAML and JSON into plain values', () => {
    const read = readYaml('title: Drill\nanswers: { a: [1, 2], b: null }\nwhen: 2026-01-01\n', LIMITS);
    assert.ok(read.ok);
    // Known tags are not resolved: a date stays text, as in JSON.
    assert.deepEqual(read.value, { title: 'Drill', answers: { a: [1, 2], b: null }, when: '2026-01-01' });
    assert.deepEqual((readYaml('{"a": [true]}', LIMITS) as { value: unknown }).value, { a: [true] });
  });

  test('deep flow nesting is refused before the parser runs, in milliseconds', () => {
    // The fuzzer's drill-scenario input: 96 KB of "{" inside a mapping took 1.3 s in the yaml package.
    const deep = `answers:\n  legal-review: { de${'{'.repeat(96_000)}`;
    let refusal: ReturnType<typeof problem> = null;
    assert.ok(cpuMs(() => (refusal = problem(deep))) < 200);
    assert.match(refusal!.reason, /brackets nested 96001 deep \(at most 64\)/);
    assert.match(problem(`a: ${'[]'.repeat(5000)}`)!.reason, /5000 bracketed collections/);
  });

  test('size, aliases, duplicate and complex keys are refused with where they are', () => {
    assert.match(problem('a: 1\n', { maxChars: 3, maxAliases: 0 })!.reason, /longer than 3 characters/);
    assert.match(problem('a: &x [1]\nb: *x\n', { maxChars: 100, maxAliases: 0 })!.reason, /alias/i);
    const duplicate = problem('a: 1\nb:\n  c: 1\n  c: 2\n')!;
    assert.match(duplicate.reason, /map keys must be unique \("c" repeats\)/);
    assert.equal(duplicate.at, 'line 4, column 3');
    assert.match(problem('? [a]\n: 1\n')!.reason, /a key must be plain text/);
    assert.match(problem('a: !!js/function x\n')!.reason, /tag/i);
    const syntax = problem('a: [unclosed\n')!;
    assert.match(syntax.at, /^line \d+, column \d+$/);
  });
});
