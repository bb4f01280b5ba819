import { SingleBar } from 'cli-progress';

/** CLI output rules: results on stdout (one JSON document with --json), diagnostics on stderr. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/**
 * A progress bar on a TTY (cli-progress, on stderr), nothing otherwise, so logs, pipes and --json
 * output stay clean. `update` may also name the phase of a job (parsing, checking, publishing).
 */
export function progress(label: string): { update(done: number, total: number, phase?: string): void; done(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, done: () => undefined };
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${label} [{bar}] {value}/{total} {phase}`,
    barCompleteChar: '#',
    barIncompleteChar: '-',
    barsize: 30,
    fps: 10,
    hideCursor: true,
  });
  let started = false;
  return {
    update(done, total, phase = '') {
      if (!started) {
        bar.start(total, done, { phase });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, { phase });
      }
    },
    done() {
      if (started) bar.stop();
    },
  };
}
