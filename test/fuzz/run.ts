// `npm run fuzz [-- --inputs N] [--http-inputs N] [--seed S] [--jobs J] [target ...]`
// Property-based fuzzing (fast-check) of every parser entry point and of the HTTP routes. Targets
// run in child processes (a hang or an out-of-memory kill cannot take the run down with it); prints
// one table and writes bench/results/fuzz-<timestamp>.json. Exits non-zero on any crash, any input
// slower than --slow-ms, a hang, a process that died, or a peak RSS over --max-rss-mb.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { addToCorpus } from './corpus.js';
import type { TargetResult } from './harness.js';
import { allTargets } from './targets.js';
import type { WorkerJob } from './worker.js';

const USAGE = 'usage: npm run fuzz -- [--inputs N] [--http-inputs N] [--seed S] [--jobs J] [--slow-ms MS] [--max-seconds S] [--max-rss-mb MB] [--save] [--list] [target ...]';

function parseArgs(argv: string[]) {
  const options = { inputs: 1_000_000, httpInputs: undefined as number | undefined, seed: Date.now() % 2 ** 31, jobs: 1, slowMs: 1000, maxRssMb: 1536, hangMs: 60_000, maxSeconds: 0, list: false, save: false, names: [] as string[] };
  const number = (flag: string, value: string | undefined) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number, got ${value ?? 'nothing'}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--inputs') options.inputs = number(arg, argv[++i]);
    else if (arg === '--http-inputs') options.httpInputs = number(arg, argv[++i]);
    else if (arg === '--seed') options.seed = number(arg, argv[++i]);
    else if (arg === '--jobs') options.jobs = Math.max(1, number(arg, argv[++i]));
    else if (arg === '--slow-ms') options.slowMs = number(arg, argv[++i]);
    else if (arg === '--max-rss-mb') options.maxRssMb = number(arg, argv[++i]);
    else if (arg === '--hang-ms') options.hangMs = number(arg, argv[++i]);
    else if (arg === '--max-seconds') options.maxSeconds = number(arg, argv[++i]);
    else if (arg === '--list') options.list = true;
    else if (arg === '--save') options.save = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}\n${USAGE}`);
    else options.names.push(arg);
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
// HTTP inputs are whole requests through the real server, about a hundred times dearer than a parse.
const httpInputs = options.httpInputs ?? Math.max(1, Math.ceil(options.inputs / 10));
const targets = allTargets();
if (options.list) {
  for (const t of targets) console.log(`${t.name}\t${t.kind}`);
  process.exit(0);
}
// "version" selects every version:<comparator> target.
const matches = (name: string, t: { name: string }) => t.name === name || t.name.startsWith(`${name}:`);
const selected = options.names.length ? targets.filter((t) => options.names.some((n) => matches(n, t))) : targets;
const unknown = options.names.filter((n) => !targets.some((t) => matches(n, t)));
if (unknown.length) {
  console.error(`unknown target(s): ${unknown.join(', ')}; \`npm run fuzz -- --list\` names them all`);
  process.exit(2);
}

const results: TargetResult[] = [];
const log = (message: string) => process.stderr.write(`${message}\n`);
log(`fuzz: ${selected.length} targets, ${options.inputs.toLocaleString('en-US')} inputs per parser, ${httpInputs.toLocaleString('en-US')} per HTTP target, seed ${options.seed}, ${options.jobs} process(es)`);

/** Runs a queue of targets in one child; a child that hangs or dies is replaced for the rest of its queue. */
async function runQueue(queue: string[]): Promise<void> {
  while (queue.length) {
    await new Promise<void>((resolve) => {
      const child: ChildProcess = fork(new URL('./worker.ts', import.meta.url), [], {
        execArgv: ['--import', 'tsx', '--stack-size=984', `--max-old-space-size=${options.maxRssMb + 512}`],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      let current: string | null = null;
      let started = Date.now();
      let lastDone = 0;
      let watchdog: NodeJS.Timeout;
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          if (current) record(current, `hang: no progress for ${options.hangMs} ms after ${lastDone} inputs (replay with --seed ${options.seed})`, Date.now() - started, lastDone);
          child.kill('SIGKILL');
        }, options.hangMs);
      };
      const record = (target: string, message: string, durationMs: number, inputs: number) => {
        results.push({ target, kind: targets.find((t) => t.name === target)!.kind, inputs, crashes: [{ kind: 'crash', message, input: null, seed: options.seed }], slow: [], slowestMs: 0, inputsPerSecond: 0, peakRssMb: 0, peakHeapMb: 0, durationMs });
        log(`  ${target}: ${message}`);
        queue.splice(queue.indexOf(target), 1);
        current = null;
      };
      child.on('message', (message: { type: string; target: string; done?: number; result?: TargetResult; message?: string }) => {
        arm();
        if (message.type === 'error') record(message.target, message.message ?? 'failed', Date.now() - started, lastDone);
        if (message.type === 'start') {
          current = message.target;
          started = Date.now();
          lastDone = 0;
          log(`  ${message.target} …`);
        } else if (message.type === 'progress') lastDone = message.done ?? lastDone;
        else if (message.type === 'result' && message.result) {
          results.push(message.result);
          writeResults();
          queue.splice(queue.indexOf(message.result.target), 1);
          current = null;
          const r = message.result;
          log(`  ${r.target}: ${r.inputs.toLocaleString('en-US')} inputs, ${r.crashes.length} crashes, slowest ${r.slowestMs} ms`);
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(watchdog);
        if (current) record(current, `the fuzz process died (${signal ?? `exit code ${code}`}) after ${lastDone} inputs: out of memory or a native crash`, Date.now() - started, lastDone);
        resolve();
      });
      arm();
      const job: WorkerJob = { targets: [...queue], inputs: options.inputs, httpInputs, seed: options.seed, slowMs: options.slowMs, maxMs: options.maxSeconds * 1000 };
      child.send(job);
    });
  }
}

const began = Date.now();
const resultsDir = new URL('../../bench/results/', import.meta.url);
const file = new URL(`fuzz-${new Date(began).toISOString().replace(/[:.]/g, '-')}.json`, resultsDir);
/** Rewritten after every target, so a long run stopped early still leaves its figures. */
function writeResults(): void {
  mkdirSync(resultsDir, { recursive: true });
  const body = { startedAt: new Date(began).toISOString(), durationMs: Date.now() - began, node: process.version, cpus: cpus().length, options: { ...options, httpInputs }, results };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
}
const queues: string[][] = Array.from({ length: Math.min(options.jobs, selected.length) }, () => []);
// HTTP first (it is the longest), then round-robin, so the processes finish at about the same time.
[...selected].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'http' ? -1 : 1)).forEach((t, i) => queues[i % queues.length].push(t.name));
await Promise.all(queues.map(runQueue));
results.sort((a, b) => selected.findIndex((t) => t.name === a.target) - selected.findIndex((t) => t.name === b.target));

const failures: string[] = [];
for (const r of results) {
  for (const c of r.crashes) failures.push(`${r.target}: crash: ${c.message}\n    input: ${clip(JSON.stringify(c.input))}`);
  for (const s of r.slow) failures.push(`${r.target}: slow: ${s.message}\n    input: ${clip(JSON.stringify(s.input))}`);
  if (r.peakRssMb > options.maxRssMb) failures.push(`${r.target}: peak RSS ${r.peakRssMb} MB is over --max-rss-mb ${options.maxRssMb}`);
}

const header = ['target', 'inputs', 'crashes', 'slow (>' + options.slowMs + ' ms/MiB)', 'slowest ms', 'inputs/s', 'peak RSS MB'];
const rows = results.map((r) => [r.target + (r.timeLimited ? ' (time limit)' : ''), r.inputs.toLocaleString('en-US'), String(r.crashes.length), String(r.slow.length), r.slowestMs.toFixed(1), r.inputsPerSecond.toLocaleString('en-US'), r.peakRssMb.toFixed(0)]);
const total = results.reduce((n, r) => n + r.inputs, 0);
rows.push(['total', total.toLocaleString('en-US'), String(results.reduce((n, r) => n + r.crashes.length, 0)), String(results.reduce((n, r) => n + r.slow.length, 0)), Math.max(0, ...results.map((r) => r.slowestMs)).toFixed(1), '', Math.max(0, ...results.map((r) => r.peakRssMb)).toFixed(0)]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(line(row));

writeResults();
console.log(`\nresults: ${file.pathname}`);
if (failures.length) {
  console.log(`\n${failures.length} failure(s):`);
  for (const f of failures) console.log(`  ${f}`);
  if (options.save) {
    for (const r of results) {
      const cases = r.crashes.filter((c) => c.input !== null).map((c) => ({ found: c.message, input: c.input }));
      const added = cases.length ? addToCorpus(r.target, cases) : 0;
      if (added) console.log(`  saved ${added} crasher(s) to test/fuzz/corpus for ${r.target}`);
    }
  } else console.log('\n--save keeps each crasher as a regression case in test/fuzz/corpus/<target>.json; then fix the parser.');
  process.exit(1);
}

function clip(text: string | undefined): string {
  if (text === undefined) return '(none)';
  return text.length > 400 ? `${text.slice(0, 400)}… (${text.length} characters; whole input in the results file)` : text;
}
