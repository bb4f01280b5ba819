import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { systemContext, type RequestContext } from '../context.js';
import type { Executor } from '../db/schema.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import { nextRun, parseCron } from './cron.js';
import { JobCancelled, PUBLISH_PHASE, type Job, type JobProgress, type JobQueue } from './queue.js';
import { yieldToEventLoop } from '../event-loop.js';

/**
 * What a running job may do besides computing its result. Long jobs (imports, large uploads) use
 * it this way, so they never hold the write lock or the event loop for long and stay all-or-nothing:
 *
 *   1. `input()` reads the uploaded bytes (stored with the job by `enqueue(kind, payload, { input })`).
 *   2. Work in bounded chunks; after each, `stage(rows)` keeps the chunk's output (one short
 *      transaction, invisible to everyone else) and `progress({ done, total, phase })` records
 *      progress, extends the lease, yields to the event loop, and throws if a cancel was requested.
 *   3. Publish: either in one short transaction that reads `staged()` back and calls
 *      `finish(trx, result)`, so the published work and the job's end commit together; or, when
 *      the work is too large for one short transaction, in steps (see `publishStep`).
 *
 * The worker discards staged rows when the job fails, is cancelled or is retried after its worker
 * died (lease expiry), and discards the input once the job has ended; except once publishing in
 * steps has begun: then the staged rows are the record of decided work and stay until it is done.
 */
export interface JobRun {
  job: Job;
  /** Who started the job (the job acts as them), or the system for scheduled work. */
  ctx: RequestContext;
  input(): Promise<Buffer>;
  /**
   * Never call inside a transaction: it writes on its own connection, and SQLite has one, so it
   * would wait for the transaction that waits for it. `finish()` marks progress complete itself.
   */
  progress(progress: JobProgress): Promise<void>;
  stage(rows: unknown[]): Promise<void>;
  staged<T>(from: number, limit: number, executor?: Executor): Promise<Array<{ seq: number; data: T }>>;
  /** Ends the job as done inside the caller's transaction. */
  finish(executor: Executor, result: unknown): Promise<void>;
  /**
   * Publishing in steps, for work too large to write in one short transaction. Each step is its
   * own short transaction that writes a bounded slice of the staged work and calls this with the
   * steps done so far. The first step is the point of no return (the job is in PUBLISH_PHASE):
   * cancels are refused from then on, and an attempt that fails or whose process dies is retried
   * with its staged rows kept; the retry sees `resumeAt` and continues with the next step. So the
   * work is applied whole, never half, though others can see it arrive step by step. Steps must
   * be written so that doing one twice is harmless (upserts), as a crash can end an attempt
   * between a step's commit and the next.
   */
  publishStep(executor: Executor, progress: { done: number; total: number }): Promise<void>;
  /** Steps already published by an earlier attempt of this job, or null when it had not begun publishing. */
  resumeAt: number | null;
}

export type JobHandler = (payload: any, job: Job, run: JobRun) => Promise<unknown>;

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
  /** A wake() that came while the loop was running: it loops again at once instead of after pollMs. */
  private woken = false;
  private unsubscribe: (() => void) | null = null;
  private readonly pollMs: number;
  private readonly leaseMs: number;

  constructor(
    private readonly queue: JobQueue,
    private readonly logger: Logger,
    options: WorkerOptions = {},
  ) {
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${newId().slice(-6)}`;
    this.pollMs = options.pollMs ?? 1000;
    // Short, because a heartbeat renews it while the job runs: a killed worker's job is taken over within this.
    this.leaseMs = options.leaseMs ?? 30_000;
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
      this.timer = null;
      this.woken = false;
      this.running = this.drain()
        .then(() => undefined)
        .catch((error) => this.logger.error({ err: error }, 'worker loop failed'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(loop, this.woken ? 0 : this.pollMs);
        });
    };
    this.unsubscribe = this.queue.onWake(() => {
      if (this.stopped) return;
      if (this.running) {
        this.woken = true;
      } else if (this.timer) {
        clearTimeout(this.timer);
        loop();
      }
    });
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopRequested = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Fires due schedules, then runs jobs until none is due. Exposed for tests and `thirdwatch` one-shots. */
  async drain(): Promise<number> {
    await this.fireDueSchedules();
    await this.queue.sweep();
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

  /** The lease a job handed to this worker by `enqueue(..., { claimFor })` should carry. */
  get claim() {
    return { workerId: this.id, leaseMs: this.leaseMs };
  }

  /**
   * Runs a job this worker already holds (enqueued with `claimFor: worker.claim`): the CLI and a
   * request that waits are the workers of their own jobs. Answers the job as it ended.
   */
  async runClaimed(id: string, options: { retry?: boolean } = {}): Promise<Job> {
    const job = await this.queue.get(id);
    if (!job) throw new Error(`job ${id} does not exist`);
    let problem: AppError | undefined;
    if (job.status === 'running' && job.locked_by === this.id) problem = await this.run(job, options.retry ?? true);
    const ended = (await this.queue.get(id))!;
    // Whoever waited gets the problem the job met with their input (a 400, a 404), as a request would.
    if (problem && ended.status === 'dead') throw problem;
    return ended;
  }

  /** Runs a claimed job to its end; answers the client problem (AppError, 4xx) it failed with, if any. */
  private async run(job: Job, retry = true): Promise<AppError | undefined> {
    const handler = this.handlers.get(job.kind);
    const log = this.logger.child({ job: job.id, kind: job.kind, attempt: job.attempts });
    let finished = false;
    let nextSeq = 0;
    // An earlier attempt that got as far as publishing left its staged rows for this one to finish.
    const resuming = Number(job.attempts) > 1 && job.phase === PUBLISH_PHASE;
    const run: JobRun = {
      job,
      ctx: job.created_by ? startedBy(job.created_by) : systemContext(`job ${job.kind}`),
      input: () => this.queue.readInput(job.id),
      progress: async (progress) => {
        await this.queue.reportProgress(job, this.id, this.leaseMs, progress);
        await yieldToEventLoop();
      },
      stage: async (rows) => {
        await this.queue.stage(job.id, nextSeq, rows);
        nextSeq += rows.length;
      },
      staged: (from, limit, executor) => this.queue.readStaged(job.id, from, limit, executor),
      finish: async (executor, result) => {
        if (!(await this.queue.complete(job, this.id, result, executor))) throw new Error(`job ${job.id} lease was lost before completion`);
        finished = true;
      },
      publishStep: (executor, progress) => this.queue.recordPublishStep(job, this.id, this.leaseMs, executor, progress),
      resumeAt: resuming ? Number(job.progress_done) : null,
    };
    const heartbeat = setInterval(() => {
      this.queue.renewLease(job, this.id, this.leaseMs).catch((error) => log.warn({ err: error }, 'job lease renewal failed'));
    }, this.leaseMs / 3);
    heartbeat.unref();
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      // An earlier attempt whose worker died may have staged rows: this attempt starts afresh.
      if (Number(job.attempts) > 1 && !resuming) await this.queue.discardStaged(job.id);
      const result = await handler(JSON.parse(job.payload), job, run);
      if (!finished && !(await this.queue.complete(job, this.id, result))) log.warn('job lease was lost before completion; another worker owns it');
      await this.queue.discardScratch(job.id);
    } catch (error) {
      if (error instanceof JobCancelled) {
        await this.queue.markCancelled(job, this.id);
        log.info('job cancelled');
        return;
      }
      // A problem with the job's input (a 4xx) fails the same way every time: no retry.
      const problem = error instanceof AppError && error.status < 500 ? error : undefined;
      const outcome = await this.queue.fail(job, this.id, error as Error, retry && !problem);
      // A client's problem is theirs (they get it, or see it on the job): not an operator's warning.
      log[problem ? 'info' : outcome === 'dead' ? 'error' : 'warn']({ err: error, outcome }, 'job failed');
      return problem;
    } finally {
      clearInterval(heartbeat);
    }
  }
}

function startedBy(json: string): RequestContext {
  const { requestId, ...actor } = JSON.parse(json) as RequestContext['actor'] & { requestId: string | null };
  return { actor, requestId };
}
