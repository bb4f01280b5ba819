import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Node's arguments that run one of this checkout's TypeScript files: the JavaScript compiled beside
 * it when the tests run compiled (scripts/run-tests.mjs, where this module is .js too), else the
 * source through tsx.
 */
export function scriptArgs(path: string): string[] {
  return import.meta.url.endsWith('.js') ? [path.replace(/\.ts$/, '.js')] : ['--import', 'tsx', path];
}

/**
 * How a test starts `thirdwatch`: from this checkout's sources (see scriptArgs); or, when
 * THIRDWATCH_TEST_CLI=build (CI sets it after `npm run build`), the compiled CLI that
 * bin/thirdwatch.js runs, which starts on ~1.9 s of CPU instead of tsx's ~3.7 s.
 */
export const CLI = cliCommand();

function cliCommand(): string[] {
  if (process.env.THIRDWATCH_TEST_CLI !== 'build') return scriptArgs('src/cli.ts');
  if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('THIRDWATCH_TEST_CLI=build, but dist/cli.js is missing: run npm run build');
  return ['dist/cli.js'];
}

/** Runs `thirdwatch ...` to completion. */
export function runCli(args: string[], env: Record<string, string>, input?: string) {
  const result = spawnSync(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, THIRDWATCH_LOG_LEVEL: 'warn', ...env },
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same, without blocking the event loop, for running beside in-process HTTP traffic. */
export function runCliAsync(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, env: { ...process.env, THIRDWATCH_LOG_LEVEL: 'warn', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

export interface ServeProcess {
  url: string;
  initialToken: string | null;
  /** What serve printed on stdout up to its ready message. */
  banner: string;
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `thirdwatch serve --port 0` and waits for its "listening on" line. */
export function startServe(env: Record<string, string>, args: string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...CLI, 'serve', '--port', '0', ...args], {
    cwd: ROOT,
    // Serve starts the ICAP service too: on an ephemeral port, so parallel tests do not collide on 1344.
    env: { ...process.env, THIRDWATCH_LOG_LEVEL: 'warn', THIRDWATCH_ICAP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in time:\n${stderr}`)), 60_000);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${stderr}`)));
    child.stdout!.on('data', (d) => {
      stdout += d;
      const listening = /listening on (http:\/\/\S+)/.exec(stdout);
      // The token, when there is one, is printed right after the listening line.
      if (listening && (stdout.includes('Sign in at') || !stdout.includes('First start'))) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({
          url: listening[1],
          initialToken: /^\s+(tw_[A-Za-z0-9_-]+)$/m.exec(stdout)?.[1] ?? null,
          banner: stdout,
          child,
          stop: (signal = 'SIGTERM') =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill(signal);
            }),
        });
      }
    });
  });
}
