import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { newId } from '../ids.js';
import { nextRun, parseCron } from './cron.js';
import type { Job, JobQueue } from './queue.js';

export type JobHandler = (payload: any, job: Job) => Promise<unknown>;

export interface ScheduleDefinition {
  name: string;
  cron: string;
  jobKind: string;
}

export interface WorkerOptions {
  pollMs?: number;
  leaseMs?: number;
  workerId?: string;
}

/**
 * Runs jobs of the registered kinds and fires due schedules. Handlers must be idempotent: a job
 * whose worker died mid-run is run again after its lease expires.
 */
export class Worker {
  readonly id: string;
  private readonly handlers = new Map<string, JobHandler>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private stopRequested = false;
  private readonly pollMs: number;
  private readonly leaseMs: number;

  constructor(
    private readonly queue: JobQueue,
    private readonly logger: Logger,
    options: WorkerOptions = {},
  ) {
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${newId().slice(-6)}`;
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
  }

  handle(kind: string, handler: JobHandler): this {
    this.handlers.set(kind, handler);
    return this;
  }

  async registerSchedules(schedules: ScheduleDefinition[]): Promise<void> {
    for (const s of schedules) {
      await this.queue.ensureSchedule(s.name, s.cron, s.jobKind, nextRun(parseCron(s.cron), new Date()));
    }
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopRequested = false;
    const loop = () => {
      if (this.stopped) return;
      this.running = this.drain()
        .then(() => undefined)
        .catch((error) => this.logger.error({ err: error }, 'worker loop failed'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(loop, this.pollMs);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopRequested = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Fires due schedules, then runs jobs until none is due. Exposed for tests and `thirdwatch` one-shots. */
  async drain(): Promise<number> {
    await this.fireDueSchedules();
    let ran = 0;
    while (!this.stopRequested) {
      const job = await this.queue.claim(this.id, this.leaseMs);
      if (!job) break;
      await this.run(job);
      ran++;
    }
    return ran;
  }

  private async fireDueSchedules(): Promise<void> {
    const now = new Date();
    for (const schedule of await this.queue.dueSchedules(now)) {
      const fired = await this.queue.fireSchedule(schedule, nextRun(parseCron(schedule.cron), now));
      if (fired) this.logger.info({ schedule: schedule.name }, 'schedule fired');
    }
  }

  private async run(job: Job): Promise<void> {
    const handler = this.handlers.get(job.kind);
    const log = this.logger.child({ job: job.id, kind: job.kind, attempt: job.attempts });
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      const result = await handler(JSON.parse(job.payload), job);
      if (!(await this.queue.complete(job, this.id, result))) log.warn('job lease was lost before completion; another worker owns it');
    } catch (error) {
      const outcome = await this.queue.fail(job, this.id, error as Error);
      log[outcome === 'dead' ? 'error' : 'warn']({ err: error, outcome }, 'job failed');
    }
  }
}
