// Shared pieces of the process-level harnesses (`npm run soak`, `npm run crashtest`): the real
// server and CLI as separate processes over a fresh database, a keep-alive HTTP client, the
// server's memory read from /proc, and the result file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openDatabase } from '../src/platform/db/database.js';
import { benchEngines, percentile, reachablePostgres } from './lib.js';
import { CLI } from '../test/support/processes.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = ['--import', 'tsx'];
export const OSV_GO_ZIP = join(ROOT, '..', 'shared', 'data', 'osv', 'Go', 'all.zip');

export type EngineName = 'sqlite' | 'postgres';

/** `--name value` options with defaults; `--flag` alone reads as "true". */
export function parseArgs(argv: string[], defaults: Record<string, string>): Record<string, string> {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"`);
    const key = arg.slice(2);
    if (!(key in defaults)) throw new Error(`unknown option --${key} (known: ${Object.keys(defaults).map((k) => `--${k}`).join(', ')})`);
    const next = argv[i + 1];
    out[key] = next === undefined || next.startsWith('--') ? 'true' : (i++, next);
  }
  return out;
}

export interface Instance {
  engine: EngineName;
  dataDir: string;
  databaseUrl: string;
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** Fresh instances (a data directory plus a new SQLite file or PostgreSQL database) for the engines asked for. */
export async function freshInstances(which: string, label: string): Promise<Instance[]> {
  if (!['sqlite', 'postgres', 'both'].includes(which)) throw new Error(`--engine must be sqlite, postgres or both, got "${which}"`);
  const postgresUrl = which === 'sqlite' ? null : await reachablePostgres();
  if (which === 'postgres' && !postgresUrl) throw new Error('PostgreSQL is not reachable (THIRDWATCH_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)');
  if (which === 'both' && !postgresUrl) process.stderr.write('PostgreSQL is not reachable: running on SQLite only\n');
  const engines = await benchEngines({ quick: false, postgresUrl, log: () => undefined }, label);
  for (const unused of engines.filter((e) => which !== 'both' && e.name !== which)) await unused.drop();
  const instances = engines
    .filter((e) => which === 'both' || e.name === which)
    .map((e) => {
      const dataDir = mkdtempSync(join(tmpdir(), `tw-${label}-data-`));
      return {
        engine: e.name,
        dataDir,
        databaseUrl: e.url,
        env: { THIRDWATCH_DATA_DIR: dataDir, THIRDWATCH_DATABASE_URL: e.url, THIRDWATCH_LOG_LEVEL: 'warn' },
        drop: async () => {
          await e.drop();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    });
  // Interrupted: stop the servers and CLIs still running, then drop the databases and directories.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of children) child.kill('SIGKILL');
      void Promise.allSettled(instances.map((i) => i.drop())).then(() => process.exit(130));
    });
  }
  return instances;
}

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Processes started by the harness and still running. */
const children = new Set<ChildProcess>();

/** Starts `thirdwatch <args>` the way tests do (test/support/processes.ts: the build when THIRDWATCH_TEST_CLI=build, else through tsx), with extra node flags if given (node flags that load TypeScript, `--import x.ts`, get the sources through tsx); `done` settles when it exits. */
export function startCli(args: string[], env: Record<string, string>, nodeArgs: string[] = []): { child: ChildProcess; done: Promise<CliResult> } {
  const command = nodeArgs.some((arg) => arg.endsWith('.ts')) ? [...TSX, ...nodeArgs, 'src/cli.ts'] : [...nodeArgs, ...CLI];
  const child = spawn(process.execPath, [...command, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
  return { child, done };
}

export const runCli = (args: string[], env: Record<string, string>) => startCli(args, env).done;

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Admin token printed on the first start of an instance; null on later starts. */
  initialToken: string | null;
  stderr(): string;
  /** Stops it (SIGTERM waits for a clean shutdown; SIGKILL does not) and resolves once it is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `thirdwatch serve --port 0` and waits until it prints where it listens. `nodeArgs` go to
 * the server's node only (e.g. `--cpu-prof`), not to the harness or the CLI runs beside it.
 */
export function startServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess> {
  // Serve starts the ICAP service too: on an ephemeral port, so servers of a run never collide on 1344.
  const { child, done } = startCli(['serve', '--port', '0'], { THIRDWATCH_ICAP_PORT: '0', ...env }, nodeArgs);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = done.then(() => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start within 120 s:\n${stderr}`));
    }, 120_000);
    void exited.then(() => reject(new Error(`serve exited before listening:\n${stderr}`)));
    child.stdout!.on('data', (d) => {
      stdout += d;
      const listening = /listening on (http:\/\/\S+)/.exec(stdout);
      if (!listening || (stdout.includes('First start') && !stdout.includes('Sign in at'))) return;
      clearTimeout(timer);
      resolve({
        url: listening[1].replace('localhost', '127.0.0.1'),
        pid: child.pid!,
        child,
        initialToken: /^\s+(tw_[A-Za-z0-9_-]+)$/m.exec(stdout)?.[1] ?? null,
        stderr: () => stderr,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      });
    });
  });
}

/** Resident memory of a process in bytes (VmRSS), or null once it is gone. */
export function rssOf(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The direct children of a process. */
export function childProcesses(pid: number, procRoot = '/proc'): number[] {
  try {
    return readdirSync(`${procRoot}/${pid}/task`).flatMap((task) =>
      readFileSync(`${procRoot}/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** A process and, recursively, its children (a multi-process `serve`, c-icap's forked servers). */
export function processTree(pid: number, procRoot = '/proc'): number[] {
  return [pid, ...childProcesses(pid, procRoot).flatMap((child) => processTree(child, procRoot))];
}

/** The resident memory of a process and its children, or null once the process is gone. */
export function treeRssOf(pid: number): number | null {
  const sizes = processTree(pid).map(rssOf);
  return sizes[0] === null ? null : sizes.reduce<number>((sum, bytes) => sum + (bytes ?? 0), 0);
}

/** CPU time (user + system, all threads) a process has used, in seconds, or null once it is gone. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them, in
    // clock ticks (USER_HZ, 100 on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

export interface HttpResult {
  status: number;
  body: string;
  ms: number;
  headers?: IncomingHttpHeaders;
  /** Set when no answer came (connection refused or reset, timeout). */
  error?: string;
}

export interface HttpClient {
  call(method: string, path: string, options?: { json?: unknown; body?: string | Buffer; contentType?: string; timeoutMs?: number }): Promise<HttpResult>;
  close(): void;
}

/** A keep-alive client with one socket per concurrent caller (node:http costs the load generator less CPU than fetch). */
export function httpClient(baseUrl: string, token: string, sockets: number): HttpClient {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const base = new URL(baseUrl);
  return {
    call(method, path, options = {}) {
      const body = options.json !== undefined ? JSON.stringify(options.json) : options.body;
      const headers: Record<string, string | number> = { authorization: `Bearer ${token}` };
      if (body !== undefined) {
        headers['content-type'] = options.json !== undefined ? 'application/json' : (options.contentType ?? 'application/octet-stream');
        headers['content-length'] = Buffer.byteLength(body);
      }
      const started = performance.now();
      return new Promise((resolve) => {
        const req = httpRequest({ host: base.hostname, port: base.port, method, path, headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started, headers: res.headers }));
          res.on('error', (e) => resolve({ status: 0, body: '', ms: performance.now() - started, error: e.message }));
        });
        req.setTimeout(options.timeoutMs ?? 60_000, () => req.destroy(new Error('timed out')));
        req.on('error', (e) => resolve({ status: 0, body: '', ms: performance.now() - started, error: (e as NodeJS.ErrnoException).code ?? e.message }));
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summarise(samples: number[]): LatencySummary {
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    count: samples.length,
    p50: round(percentile(samples, 50)),
    p90: round(percentile(samples, 90)),
    p99: round(percentile(samples, 99)),
    max: round(samples.reduce((m, s) => Math.max(m, s), 0)),
  };
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** Writes bench/results/<name>-<timestamp>.json and returns its path. */
export function writeResult(name: string, result: unknown): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/**
 * Waits until no job created since `since` is queued (and due) or running: uploads and imports
 * may be answered 202 and finish in the background. Returns the jobs still unfinished at the timeout.
 */
export async function waitForJobs(databaseUrl: string, since: string, timeoutMs = 300_000): Promise<number> {
  const { db, close } = openDatabase(databaseUrl);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = new Date().toISOString();
      const row = await db
        .selectFrom('jobs')
        .select(sql<number>`count(*)`.as('n'))
        .where('created_at', '>=', since)
        .where((eb) => eb.or([eb('status', '=', 'running'), eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', now)])]))
        .executeTakeFirstOrThrow();
      if (Number(row.n) === 0 || Date.now() > deadline) return Number(row.n);
      await sleep(500);
    }
  } finally {
    await close();
  }
}
