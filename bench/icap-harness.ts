// Processes for the ICAP bench: a discarding HTTP upstream, Debian's Squid and Debian's c-icap,
// each in its own process on 127.0.0.1 so the load generator does not share their event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { processTree } from './harness.js';

export const SQUID = '/usr/sbin/squid';
export const C_ICAP = '/usr/bin/c-icap';
const C_ICAP_MODULES = '/usr/lib/x86_64-linux-gnu/c_icap';

export interface Running {
  port: number;
  /** CPU time (user + system) the process and its child processes have used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** utime + stime of a process and, recursively, of its children (c-icap serves from forked children), in ms. */
export function processTreeCpuMs(pid: number, procRoot = '/proc'): number {
  const ticks = (child: number): number => {
    try {
      // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
      const fields = readFileSync(`${procRoot}/${child}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  // Summed in clock ticks, so that the conversion to ms happens once for the whole tree.
  return processTree(pid, procRoot).reduce((total, child) => total + ticks(child), 0) * (1000 / CLOCK_TICKS);
}
/** USER_HZ: Linux reports process times in 1/100 s on every platform Node runs on. */
const CLOCK_TICKS = 100;

/** A port that was free a moment ago (Squid and c-icap cannot be asked for an ephemeral one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(child: ChildProcess, port: number, what: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${what} did not listen on ${port} within 30 s:\n${log()}`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/** A temporary root for run directories, which Squid's and c-icap's unprivileged users can traverse. */
export function runRoot(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(root, 0o755);
  return root;
}

/** Squid and c-icap drop to an unprivileged user when started as root: their directory must be theirs to write. */
export function runDir(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  return dir;
}

// Reads what a long-running child wrote, for error messages.
function tail(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(-30).join('\n') : '';
}

/** An HTTP server that reads and discards the body and answers a short 200, in a child node process. */
export async function startUpstream(): Promise<Running> {
  const code = `
    import http from 'node:http';
    const server = http.createServer((req, res) => {
      let bytes = 0;
      req.on('data', (d) => (bytes += d.length));
      req.on('end', () => res.end(JSON.stringify({ received: bytes })));
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.once('exit', (c) => reject(new Error(`upstream exited with ${c}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  child.removeAllListeners('exit');
  return { port, cpuMs: () => processTreeCpuMs(child.pid!), stop: stopper(child) };
}

export interface SquidOptions {
  /** Directory for Squid's configuration, logs, pid file. */
  dir: string;
  /** host name → 127.0.0.1, written as Squid's hosts_file (the test's "internet"). */
  hosts: string[];
  /** An ICAP REQMOD service URL, or none for Squid alone. */
  icap?: string;
  /** Extra squid.conf lines (ports with ssl-bump, ssl_bump rules). When set, they replace the plain http_port. */
  listen?: (port: number) => string[];
}

/** Squid in the foreground (-N) on a loopback port, caching off, forwarding to hosts mapped to 127.0.0.1. */
export async function startSquid(options: SquidOptions): Promise<Running & { accessLog: string; cacheLog: string }> {
  const port = await freePort();
  const { dir } = options;
  const hostsFile = join(dir, 'hosts');
  writeFileSync(hostsFile, options.hosts.map((h) => `127.0.0.1 ${h}\n`).join(''));
  const accessLog = join(dir, 'access.log');
  const cacheLog = join(dir, 'cache.log');
  const lines = [
    ...(options.listen ? options.listen(port) : [`http_port 127.0.0.1:${port}`]),
    `hosts_file ${hostsFile}`,
    'http_access allow all',
    'cache deny all',
    'cache_mem 16 MB',
    'pinger_enable off',
    'via off',
    'forwarded_for delete',
    'max_filedescriptors 4096',
    'shutdown_lifetime 0 seconds',
    `pid_filename ${join(dir, 'squid.pid')}`,
    // %>st: bytes the client sent (the default formats omit upload size).
    'logformat thirdwatch %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %>st %rm %ru %[un %Sh/%<a %mt',
    `access_log stdio:${accessLog} thirdwatch`,
    `cache_log ${cacheLog}`,
    `coredump_dir ${dir}`,
  ];
  if (options.icap) {
    lines.push('icap_enable on', `icap_service thirdwatch_reqmod reqmod_precache ${options.icap} bypass=off`, 'adaptation_access thirdwatch_reqmod allow all');
  }
  const config = join(dir, 'squid.conf');
  writeFileSync(config, `${lines.join('\n')}\n`);
  const child = spawn(SQUID, ['-N', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  await waitForPort(child, port, 'squid', () => `${stderr}\n${tail(cacheLog)}`);
  return { port, accessLog, cacheLog, cpuMs: () => processTreeCpuMs(child.pid!), stop: stopper(child) };
}

/** Debian's c-icap with its echo service at icap://127.0.0.1:PORT/echo. */
export async function startCIcap(dir: string): Promise<Running & { url: string }> {
  const port = await freePort();
  const serverLog = join(dir, 'server.log');
  const root = process.getuid?.() === 0;
  const lines = [
    `Port 127.0.0.1:${port}`,
    ...(root ? ['User proxy', 'Group proxy'] : []),
    `PidFile ${join(dir, 'c-icap.pid')}`,
    `CommandsSocket ${join(dir, 'c-icap.ctl')}`,
    'Timeout 300',
    'MaxKeepAliveRequests 1000000',
    'KeepAliveTimeout 600',
    // One process of enough threads for every connection Squid opens under the bench's load.
    'StartServers 1',
    'MaxServers 2',
    'ThreadsPerChild 64',
    'MinSpareThreads 8',
    'MaxSpareThreads 64',
    `TmpDir ${dir}`,
    'MaxMemObject 2097152',
    'DebugLevel 0',
    'Pipelining on',
    `ModulesDir ${C_ICAP_MODULES}`,
    `ServicesDir ${C_ICAP_MODULES}`,
    `ServerLog ${serverLog}`,
    `AccessLog ${join(dir, 'access.log')}`,
    'Service echo srv_echo.so',
  ];
  const config = join(dir, 'c-icap.conf');
  writeFileSync(config, `${lines.join('\n')}\n`);
  const child = spawn(C_ICAP, ['-N', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  await waitForPort(child, port, 'c-icap', () => `${stderr}\n${tail(serverLog)}`);
  return { port, url: `icap://127.0.0.1:${port}/echo`, cpuMs: () => processTreeCpuMs(child.pid!), stop: stopper(child) };
}
