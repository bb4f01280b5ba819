// Runs one target with fast-check: counts inputs, times each one, samples memory, and keeps every
// distinct crash minimised (fast-check shrinks the failing input before it reports it).
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { minimise } from './minimise.js';
import { Crash, type Target } from './target.js';
import { cpuMsAsync } from '../support/cpu-time.js';

export interface Finding {
  kind: 'crash' | 'slow';
  message: string;
  /** The (minimised, for crashes) input, encoded with encodeInput. */
  input: unknown;
  durationMs?: number;
  seed?: number;
}

export interface TargetResult {
  target: string;
  kind: 'parser' | 'http';
  inputs: number;
  crashes: Finding[];
  slow: Finding[];
  slowestMs: number;
  inputsPerSecond: number;
  peakRssMb: number;
  peakHeapMb: number;
  durationMs: number;
  /** The time limit stopped the target before it ran all its inputs. */
  timeLimited?: boolean;
}

export interface RunOptions {
  inputs: number;
  seed: number;
  /** An input is slow past slowMs per started MiB (so 1 s for anything up to 1 MiB, 2 s up to 2 MiB, ...). */
  slowMs: number;
  /** Stop the target after this long even if fewer inputs ran (0: no limit). */
  maxMs?: number;
  onProgress?: (done: number) => void;
}

/** Distinct crashes kept per target; after that the target stops, since its parser needs fixing first. */
const MAX_FAILING_RUNS = 10;
const MAX_SLOW_KEPT = 10;
const MINIMISE_MS = 30_000;

export async function fuzzTarget(target: Target<unknown>, options: RunOptions): Promise<TargetResult> {
  const session = await target.open();
  // The clock (inputs/s, --max-seconds) starts once the inputs are ready: a server start or seed loading is not fuzzing.
  let started = performance.now();
  const crashes: Finding[] = [];
  const slow: Finding[] = [];
  const signatures = new Set<string>();
  const slowCandidates: Array<{ input: unknown; ms: number; seed: number }> = [];
  let executed = 0;
  let timeLimited = false;
  let slowestMs = 0;
  let peakRss = 0;
  let peakHeap = 0;
  let lastProgress = started;
  const sampleMemory = () => {
    const { rss, heapUsed } = process.memoryUsage();
    peakRss = Math.max(peakRss, rss);
    peakHeap = Math.max(peakHeap, heapUsed);
  };
  // A slow input is timed a second time, in this process's CPU time, and counts only if slow twice:
  // a first use that compiles a schema, or a loaded machine stretching wall time, is not the input's fault.
  const limitFor = (input: unknown) => options.slowMs * Math.max(1, Math.ceil(sizeOf(input) / 2 ** 20));
  const retimeSlow = async () => {
    for (const { input, ms, seed } of slowCandidates.splice(0)) {
      const again = await cpuMsAsync(() => Promise.resolve(session.check(input)).catch(() => undefined));
      slowestMs = Math.max(slowestMs, Math.min(ms, again));
      if (again > limitFor(input) && slow.length < MAX_SLOW_KEPT) {
        slow.push({ kind: 'slow', message: `one input took ${Math.round(ms)} ms, then ${Math.round(again)} ms of CPU`, input: encodeInput(input), durationMs: Math.round(Math.min(ms, again)), seed });
      }
    }
  };
  try {
    const arbitrary = await target.inputs(session);
    started = performance.now();
    let planned = 0;
    let seed = options.seed;
    for (let failingRuns = 0; planned < options.inputs && failingRuns < MAX_FAILING_RUNS; seed++) {
      // Inputs run while fast-check shrinks a failure are not judged for speed: they repeat a known defect.
      let shrinking = false;
      const property = fc.asyncProperty(arbitrary, async (input) => {
        await retimeSlow();
        const t0 = performance.now();
        try {
          await session.check(input);
        } catch (error) {
          shrinking = true;
          throw error;
        } finally {
          const ms = performance.now() - t0;
          executed++;
          if (ms > limitFor(input) && !shrinking) slowCandidates.push({ input, ms, seed });
          else if (ms > slowestMs && !shrinking) slowestMs = ms;
          if ((executed & 63) === 0 || ms > options.slowMs) sampleMemory();
          const now = performance.now();
          if (now - lastProgress > 1000) {
            lastProgress = now;
            options.onProgress?.(executed);
          }
        }
      });
      const left = options.maxMs ? options.maxMs - (performance.now() - started) : 0;
      if (options.maxMs && left <= 0) {
        timeLimited = true;
        break;
      }
      const details = await fc.check(property, { numRuns: options.inputs - planned, seed, ...(options.maxMs ? { interruptAfterTimeLimit: left } : {}) });
      await retimeSlow();
      if (details.interrupted) {
        timeLimited = true;
        break;
      }
      planned += details.failed ? details.numRuns : options.inputs - planned;
      if (!details.failed) break;
      failingRuns++;
      const error = details.errorInstance;
      const message = error instanceof Error ? error.message : String(error);
      const signature = signatureOf(error);
      if (signatures.has(signature)) continue;
      signatures.add(signature);
      const minimiseUntil = performance.now() + MINIMISE_MS;
      const smallest = await minimise(details.counterexample?.[0], async (candidate) => {
        // Progress keeps the parent's hang watchdog quiet; the time bound keeps big inputs from minimising for minutes.
        options.onProgress?.(executed);
        if (performance.now() > minimiseUntil) return false;
        try {
          await session.check(candidate);
          return false;
        } catch (again) {
          return signatureOf(again) === signature;
        }
      }, target.kind === 'http' ? 200 : 4000);
      crashes.push({
        kind: 'crash',
        message: error instanceof Crash ? message : `the check itself failed: ${message}`,
        input: encodeInput(smallest),
        seed,
      });
    }
  } finally {
    sampleMemory();
    await session.close?.();
  }
  const durationMs = performance.now() - started;
  return {
    target: target.name,
    kind: target.kind,
    inputs: executed,
    crashes,
    slow,
    slowestMs: round(slowestMs),
    inputsPerSecond: Math.round(executed / (durationMs / 1000)),
    peakRssMb: round(peakRss / 2 ** 20),
    peakHeapMb: round(peakHeap / 2 ** 20),
    durationMs: Math.round(durationMs),
    ...(timeLimited ? { timeLimited } : {}),
  };
}

/** Characters or bytes in an input (the sum over the parts of a tuple or a request). */
function sizeOf(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + sizeOf(v), 0);
  if (typeof value === 'object' && value !== null) return Object.values(value).reduce((n: number, v) => n + sizeOf(v), 0);
  return 0;
}

/** The same defect reached by different inputs has the same error class and the same innermost source frame. */
function signatureOf(error: unknown): string {
  const root = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (!(root instanceof Error)) return String(root);
  const frame = (root.stack ?? '').split('\n').find((line) => line.includes('/src/')) ?? '';
  return `${root.name}|${frame.trim()}|${frame ? '' : root.message.replace(/"[^"]*"|\d+/g, '_')}`;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Inputs as JSON: byte strings (invalid UTF-8 cannot be a JSON string) become { "$bytes": base64 }. */
export function encodeInput(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(encodeInput);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeInput(v)]));
  return value;
}

export function decodeInput(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeInput);
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (typeof record.$bytes === 'string' && Object.keys(record).length === 1) return new Uint8Array(Buffer.from(record.$bytes, 'base64'));
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, decodeInput(v)]));
  }
  return value;
}
