// Thirdwatch's ICAP service (test/icap/icap-service.ts) in a process of its own over a fresh SQLite
// database (the default policy), so a test or bench can read its memory from /proc while it runs.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, scriptArgs } from '../support/processes.js';

export interface IcapProcess {
  port: number;
  pid: number;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** The highest resident set size (VmRSS, MB) seen while `work` runs, sampled every 10 ms, and the size before it. */
  rssDuring<T>(work: Promise<T>): Promise<{ result: T; beforeMb: number; maxMb: number }>;
  stop(): Promise<void>;
}

export async function startIcapProcess(env: Record<string, string> = {}): Promise<IcapProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-icap-'));
  const child = spawn(process.execPath, scriptArgs('test/icap/icap-service.ts'), {
    cwd: ROOT,
    env: { ...process.env, THIRDWATCH_LOG_LEVEL: 'warn', THIRDWATCH_DATA_DIR: dir, THIRDWATCH_DATABASE_URL: `sqlite://${join(dir, 'thirdwatch.db')}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ICAP service did not start:\n${err}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`the ICAP service exited with ${code}:\n${err}`)));
    const onData = (d: Buffer) => {
      out += d;
      const m = /icap:\/\/[^\s/]+:(\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
  });
  child.removeAllListeners('exit');
  const status = (field: string) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
  return {
    port,
    pid: child.pid!,
    peakRssMb: () => status('VmHWM'),
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
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
