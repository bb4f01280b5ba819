import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

// Shared shapes and helpers for `npm run bench` suites. Each suite in bench/suites/*.bench.ts
// exports `run(ctx)` and returns rows; bench/run.ts prints them as a table and writes JSON.
export interface BenchRow {
  suite: string;
  name: string;
  value: number;
  unit: string;
  /** The same measurement for a peer library run in the same process, when one exists. */
  peer?: { name: string; value: number };
  /** ours / peer for throughput-like units, peer / ours for time-like units: > 1 means we are faster. */
  ratio?: number;
  notes?: string;
}

export interface BenchContext {
  /** Ask for a smaller workload (used by `npm run bench -- --quick`). */
  quick: boolean;
  /** PostgreSQL URL to benchmark against, when reachable. */
  postgresUrl: string | null;
  log(message: string): void;
}

export type BenchSuite = (ctx: BenchContext) => Promise<BenchRow[]>;

/** Runs fn repeatedly for at least minMs and returns operations per second. */
export function opsPerSecond(fn: () => void, minMs = 500): number {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 100; i++) fn();
    ops += 100;
    elapsed = performance.now() - start;
  }
  return (ops / elapsed) * 1000;
}

export function percentile(samples: number[], p: number): number {
  if (!samples.length) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

/** Wall-clock ms of each of `rounds` calls, after one warm-up call (JIT, schema compilation, caches). */
export async function timeRounds(rounds: number, fn: () => unknown): Promise<number[]> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

export function median(samples: number[]): number {
  return percentile(samples, 50);
}

export interface BenchEngine {
  name: 'sqlite' | 'postgres';
  url: string;
  drop(): Promise<void>;
}

/** A fresh SQLite file, plus a fresh PostgreSQL database when one is reachable; each dropped after use. */
export async function benchEngines(ctx: BenchContext, suite: string): Promise<BenchEngine[]> {
  const dir = mkdtempSync(join(tmpdir(), `tw-bench-${suite}-`));
  const list: BenchEngine[] = [{ name: 'sqlite', url: `sqlite://${join(dir, 'bench.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }];
  if (!ctx.postgresUrl) {
    ctx.log(`PostgreSQL not reachable: ${suite} benchmarks run on SQLite only`);
    return list;
  }
  const admin = ctx.postgresUrl;
  const name = `thirdwatch_bench_${suite}_${randomBytes(4).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  list.push({ name: 'postgres', url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) });
  return list;
}

/** The PostgreSQL server benches and harnesses use, when one answers (THIRDWATCH_BENCH_DATABASE_URL, else the test one). */
export async function reachablePostgres(): Promise<string | null> {
  const url = process.env.THIRDWATCH_BENCH_DATABASE_URL ?? process.env.THIRDWATCH_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return url;
  } catch {
    return null;
  }
}
