import type { RequestContext } from '../../platform/context.js';
import { conflict, notFound } from '../../platform/errors.js';
import { ownerKey, PUBLISH_PHASE, type Job, type JobQueue } from '../../platform/jobs/queue.js';
import type { JobView } from './jobs.schemas.js';

/** Jobs as people see them: their own, or all of them for admins. */
export class JobService {
  constructor(private readonly queue: JobQueue) {}

  async get(id: string, ctx: RequestContext): Promise<JobView> {
    return presentJob(await this.visible(id, ctx));
  }

  async cancel(id: string, ctx: RequestContext): Promise<JobView> {
    await this.visible(id, ctx);
    const job = (await this.queue.requestCancel(id))!;
    if (job.phase === PUBLISH_PHASE && (job.status === 'running' || job.status === 'queued')) {
      throw conflict(`job ${id} is publishing what it staged and can no longer be cancelled; it will complete`);
    }
    return presentJob(job);
  }

  async list(filter: { status?: string; kind?: string; limit?: number }): Promise<JobView[]> {
    return (await this.queue.list({ ...filter, limit: filter.limit ?? 100 })).map(presentJob);
  }

  /** Someone else's job answers 404, as if it did not exist: job ids say nothing about others' work. */
  private async visible(id: string, ctx: RequestContext): Promise<Job> {
    const job = await this.queue.get(id);
    if (!job || (ctx.actor.role !== 'admin' && job.owner_key !== ownerKey(ctx.actor))) throw notFound('job', id);
    return job;
  }
}

export function presentJob(job: Job): JobView {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    progress: { done: Number(job.progress_done), total: job.progress_total === null ? null : Number(job.progress_total), phase: job.phase },
    result: job.result === null ? null : (JSON.parse(job.result) as unknown),
    error: job.last_error,
    cancelRequested: Boolean(Number(job.cancel_requested)),
    attempts: Number(job.attempts),
    maxAttempts: Number(job.max_attempts),
    createdBy: job.created_by ? (JSON.parse(job.created_by) as { name: string }).name : null,
    createdAt: job.created_at,
    runAt: job.run_at,
    startedAt: job.started_at,
    finishedAt: job.finished_at,
  };
}
