// Minimised crashers, one JSON file per target under test/fuzz/corpus/, replayed by regressions.test.ts.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { decodeInput } from './harness.js';

export interface CorpusCase {
  /** What the input did before the fix. */
  found: string;
  input: unknown;
}

const DIR = new URL('./corpus/', import.meta.url);
const fileOf = (target: string) => new URL(`${target.replace(/:/g, '.')}.json`, DIR);

export function corpusTargets(): string[] {
  if (!existsSync(DIR)) return [];
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length).replace(/\./g, ':'))
    .sort();
}

export function readCorpus(target: string): Array<CorpusCase & { decoded: unknown }> {
  const cases = JSON.parse(readFileSync(fileOf(target), 'utf8')) as CorpusCase[];
  return cases.map((c) => ({ ...c, decoded: decodeInput(c.input) }));
}

/** Adds cases (already encoded with encodeInput) to a target's corpus file, skipping ones it holds. */
export function addToCorpus(target: string, cases: CorpusCase[]): number {
  mkdirSync(DIR, { recursive: true });
  const file = fileOf(target);
  const existing: CorpusCase[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
  const known = new Set(existing.map((c) => JSON.stringify(c.input)));
  const fresh = cases.filter((c) => !known.has(JSON.stringify(c.input)));
  if (fresh.length) writeFileSync(file, `${JSON.stringify([...existing, ...fresh], null, 2)}\n`);
  return fresh.length;
}
