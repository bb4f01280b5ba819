// An ICAP service in a process of its own, so a test can read its memory from /proc while it runs.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ROOT } from '../support/processes.js';

export interface IcapProcess {
  port: number;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** The highest resident set size (VmRSS, MB) seen while `work` runs, sampled every 10 ms, and the size before it. */
  rssDuring<T>(work: Promise<T>): Promise<{ result: T; beforeMb: number; maxMb: number }>;
  /** What the service reported seeing of each request so far (its `{"seen": ...}` stdout lines). */
  seen(): Seen[];
  stop(): Promise<void>;
}

export interface Seen {
  method: string;
  host: string | null;
  port: number | null;
  path: string | null;
  bodyBytes: number;
  /** Detection types found in the body. */
  types: string[];
}

export async function startIcapProcess(env: Record<string, string> = {}): Promise<IcapProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/icap/hostile-service.ts'], { cwd: ROOT, env: { ...process.env, THIRDWATCH_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ICAP service did not start:\n${err}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`the ICAP service exited with ${code}:\n${err}`)));
    let listening = false;
    child.stdout!.on('data', (d) => {
      out += d;
      const m = listening ? null : /icap:\/\/[\d.]+:(\d+)\//.exec(out);
      if (m) {
        listening = true;
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  child.removeAllListeners('exit');
  const seen = () =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{"seen":'))
      .map((line) => (JSON.parse(line) as { seen: Seen }).seen);
  const status = (field: string) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
  return {
    port,
    peakRssMb: () => status('VmHWM'),
    seen,
    async rssDuring(work) {
      const beforeMb = status('VmRSS');
      let maxMb = beforeMb;
      const timer = setInterval(() => (maxMb = Math.max(maxMb, status('VmRSS'))), 10);
      try {
        const result = await work;
        return { result, beforeMb, maxMb: Math.max(maxMb, status('VmRSS')) };
      } finally {
        clearInterval(timer);
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
