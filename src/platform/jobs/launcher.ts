import type { RequestContext } from '../context.js';
import { AppError } from '../errors.js';
import type { Job, JobQueue } from './queue.js';
import type { Worker } from './worker.js';

export interface LaunchOptions {
  startedBy: RequestContext;
  /** The upload the job reads; stored in the database with the job. */
  input?: Buffer;
  maxAttempts?: number;
  /** Run the job in this process now and answer it ended (the CLI; a request with ?wait=true). */
  wait?: boolean;
  /** While waiting: called with the job as it progresses (for a progress bar). */
  onProgress?: (job: Job) => void;
}

const PROGRESS_POLL_MS = 200;

/**
 * Starts jobs for people: routes and CLI commands that import or upload go through here. Without
 * `wait` the job is queued for any worker (the route answers 202 and the job's URL); with it this
 * process is the worker of its own job. A waited job that fails is not retried behind the back of
 * whoever saw it fail; one whose process dies is (its lease runs out and another worker takes it).
 */
export class JobLauncher {
  constructor(
    private readonly queue: JobQueue,
    private readonly runner: Worker,
  ) {}

  async start(kind: string, payload: unknown, options: LaunchOptions): Promise<Job> {
    const id = await this.queue.enqueue(kind, payload, {
      input: options.input,
      startedBy: options.startedBy,
      maxAttempts: options.maxAttempts ?? 3,
      claimFor: options.wait ? this.runner.claim : undefined,
    });
    if (!options.wait) return (await this.queue.get(id))!;
    const onProgress = options.onProgress;
    const timer = onProgress
      ? setInterval(() => {
          void this.queue.get(id).then((job) => job && onProgress(job), () => undefined);
        }, PROGRESS_POLL_MS)
      : null;
    try {
      return await this.runner.runClaimed(id, { retry: false });
    } finally {
      if (timer) clearInterval(timer);
    }
  }
}

/** The result of a job that was waited for, or the error that says why there is none. */
export function resultOf<T>(job: Job): T {
  if (job.status === 'done') return JSON.parse(job.result ?? 'null') as T;
  // What a cancel leaves (nothing, for an all-or-nothing import) is each route's to document.
  if (job.status === 'cancelled') throw new AppError('conflict', `job ${job.id} was cancelled before it ended`);
  if (job.status === 'queued' || job.status === 'running') {
    // It failed while publishing: its work is decided, and a worker completes it.
    throw new AppError('unavailable', `job ${job.id} was interrupted while publishing; it will be completed: follow GET /api/v1/jobs/${job.id}`, [], { location: `/api/v1/jobs/${job.id}` });
  }
  // The job's own error may be a database message: it is kept on the job (admins see it), not sent here.
  throw new AppError('internal_error', `job ${job.id} failed; nothing was written (GET /api/v1/jobs/${job.id} has its error)`);
}
