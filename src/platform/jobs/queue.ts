import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { RequestContext } from '../context.js';
import { isPostgres, isUniqueViolation } from '../db/database.js';
import type { DB, Executor } from '../db/schema.js';
import type { JobsTable } from '../db/tables.js';
import { newId } from '../ids.js';
import { yieldToEventLoop } from '../event-loop.js';

export interface EnqueueOptions {
  /** A second enqueue with the same key returns the first job instead of adding one. */
  idempotencyKey?: string;
  runAt?: Date;
  maxAttempts?: number;
  /** Who starts the job: the job acts as them, and they (besides admins) may watch and cancel it. */
  startedBy?: RequestContext;
  /** Bytes the job reads (an upload). Stored in the database in parts, so a worker on any replica can run it. */
  input?: Buffer;
  /** Hand the job straight to this worker (a process that runs its own job: the CLI, a request that waits). */
  claimFor?: { workerId: string; leaseMs: number };
}

export type Job = JobsTable;

export interface JobProgress {
  done?: number;
  total?: number | null;
  phase?: string;
}

/** Thrown into a running job when someone asked to cancel it; the worker then discards what it staged. */
export class JobCancelled extends Error {
  constructor() {
    super('cancelled on request');
  }
}

/** Thrown into a running job whose lease another worker has taken over: it must stop writing. */
export class JobLeaseLost extends Error {
  constructor(id: string) {
    super(`job ${id} is no longer held by this worker`);
  }
}

/**
 * The phase of a job that has staged all its work and is writing it out. It is the job's point of
 * no return: from then on a cancel is refused, and a failed or interrupted attempt keeps its staged
 * rows so the next attempt finishes the publish where it stopped (see JobRun.publishStep).
 */
export const PUBLISH_PHASE = 'publishing';

/** Input bytes are stored in parts of this size: every write of an upload stays a short transaction. */
const INPUT_PART_BYTES = 1024 * 1024;
/** Staged and input rows are removed in slices of this many, so cleanup never holds the write lock long. */
const CLEANUP_SLICE = 2000;
/** Staged rows per insert statement. */
const STAGE_ROWS_PER_STATEMENT = 500;
/** An upload that never finished (its process died) is given up after this long. */
const STALE_UPLOAD_MS = 60 * 60_000;
/** How long ended jobs stay visible in GET /api/v1/jobs before the daily prune removes them. */
export const JOB_RETENTION = { endedDays: 7, deadDays: 30 };
const PRUNE_SLICE = 1000;

/** Backoff before retry n (1-based): 2^n seconds, capped at an hour, with jitter against thundering herds. */
export function backoffMs(attempt: number, baseMs = 1000): number {
  const exp = Math.min(baseMs * 2 ** attempt, 3_600_000);
  return Math.round(exp * (0.75 + Math.random() * 0.5));
}

/**
 * The one durable job queue. Jobs live in the database; on PostgreSQL many workers claim with
 * FOR UPDATE SKIP LOCKED, on SQLite BEGIN IMMEDIATE serialises claims. A claim is a lease: a
 * worker that dies leaves a job that becomes claimable again when its lease runs out.
 */
export class JobQueue {
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: { backoffBaseMs?: number } = {},
  ) {}

  /** Calls `fn` on every wake(); answers the function that stops it. A started Worker listens so. */
  onWake(fn: () => void): () => void {
    this.wakers.add(fn);
    return () => this.wakers.delete(fn);
  }

  /**
   * Tells the workers of this process that jobs are due now, so they run them at once instead of at
   * their next poll. Call it once the transaction that enqueued them has committed: woken before, a
   * worker on another connection finds nothing yet. Workers of other processes find them by polling.
   */
  wake(): void {
    for (const fn of this.wakers) fn();
  }

  async enqueue(kind: string, payload: unknown, options: EnqueueOptions = {}, executor: Executor = this.db): Promise<string> {
    if ((options.input || options.claimFor) && executor !== this.db) throw new Error('a job with input or a direct claim is enqueued outside a transaction');
    const actor = options.startedBy?.actor;
    const now = new Date();
    const row: JobsTable = {
      id: newId(),
      kind,
      payload: JSON.stringify(payload ?? {}),
      status: options.input ? 'uploading' : 'queued',
      attempts: 0,
      max_attempts: options.maxAttempts ?? 5,
      run_at: (options.runAt ?? now).toISOString(),
      locked_by: null,
      locked_until: null,
      last_error: null,
      idempotency_key: options.idempotencyKey ?? null,
      created_at: now.toISOString(),
      finished_at: null,
      result: null,
      progress_done: 0,
      progress_total: null,
      phase: null,
      started_at: null,
      cancel_requested: 0,
      created_by: actor ? JSON.stringify({ type: actor.type, id: actor.id, name: actor.name, role: actor.role, requestId: options.startedBy?.requestId ?? null }) : null,
      owner_key: actor ? ownerKey(actor) : null,
    };
    if (options.claimFor) Object.assign(row, this.claimedState(options.claimFor, now), { status: options.input ? 'uploading' : 'running' });
    if (options.input) {
      await executor.insertInto('jobs').values(row).execute();
      await this.storeInput(row.id, options.input);
      await this.db
        .updateTable('jobs')
        .set({ status: options.claimFor ? 'running' : 'queued' })
        .where('id', '=', row.id)
        .where('status', '=', 'uploading')
        .execute();
      return row.id;
    }
    if (options.idempotencyKey) {
      const inserted = await executor
        .insertInto('jobs')
        .values(row)
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted) return inserted.id;
      const existing = await executor.selectFrom('jobs').select('id').where('idempotency_key', '=', options.idempotencyKey).executeTakeFirstOrThrow();
      return existing.id;
    }
    await executor.insertInto('jobs').values(row).execute();
    return row.id;
  }

  private claimedState(claim: { workerId: string; leaseMs: number }, now: Date) {
    return {
      locked_by: claim.workerId,
      locked_until: new Date(now.getTime() + claim.leaseMs).toISOString(),
      attempts: 1,
      started_at: now.toISOString(),
    };
  }

  /** One short statement per part: a 50 MB upload never holds the write lock for long. */
  private async storeInput(jobId: string, input: Buffer): Promise<void> {
    for (let part = 0, offset = 0; offset < input.length || part === 0; part++, offset += INPUT_PART_BYTES) {
      await this.db.insertInto('job_inputs').values({ job_id: jobId, part, data: input.subarray(offset, offset + INPUT_PART_BYTES) }).execute();
      await yieldToEventLoop();
    }
  }

  /** The job's uploaded bytes, read part by part. */
  async readInput(jobId: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (let part = 0; ; part++) {
      const row = await this.db.selectFrom('job_inputs').select('data').where('job_id', '=', jobId).where('part', '=', part).executeTakeFirst();
      if (!row) break;
      parts.push(Buffer.from(row.data));
    }
    return Buffer.concat(parts);
  }

  /** Appends rows to the job's staging area in one short transaction; nothing staged is visible elsewhere. */
  async stage(jobId: string, firstSeq: number, rows: unknown[]): Promise<void> {
    if (!rows.length) return;
    const insert = (executor: Executor, from: number) =>
      executor
        .insertInto('job_staged_rows')
        .values(rows.slice(from, from + STAGE_ROWS_PER_STATEMENT).map((data, j) => ({ job_id: jobId, seq: firstSeq + from + j, data: JSON.stringify(data) })))
        .execute();
    // One statement is atomic on its own (an import stages one row per chunk): no BEGIN/COMMIT round trips.
    if (rows.length <= STAGE_ROWS_PER_STATEMENT) {
      await insert(this.db, 0);
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += STAGE_ROWS_PER_STATEMENT) await insert(trx, i);
    });
  }

  /** Staged rows from seq `from` on, at most `limit` of them, in order. */
  async readStaged<T>(jobId: string, from: number, limit: number, executor: Executor = this.db): Promise<Array<{ seq: number; data: T }>> {
    const rows = await executor
      .selectFrom('job_staged_rows')
      .select(['seq', 'data'])
      .where('job_id', '=', jobId)
      .where('seq', '>=', from)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ seq: Number(r.seq), data: JSON.parse(r.data) as T }));
  }

  /** Removes a job's staged rows and its input: the job has ended. */
  async discardScratch(jobId: string): Promise<void> {
    await this.discardStaged(jobId);
    await this.db.deleteFrom('job_inputs').where('job_id', '=', jobId).execute();
  }

  /** Removes a job's staged rows in slices, each its own short statement. */
  async discardStaged(jobId: string): Promise<void> {
    const top = await this.db.selectFrom('job_staged_rows').select((eb) => eb.fn.max('seq').as('max')).where('job_id', '=', jobId).executeTakeFirst();
    const max = top?.max === null || top?.max === undefined ? -1 : Number(top.max);
    for (let from = 0; from <= max; from += CLEANUP_SLICE) {
      await this.db.deleteFrom('job_staged_rows').where('job_id', '=', jobId).where('seq', '<', from + CLEANUP_SLICE).execute();
      await yieldToEventLoop();
    }
  }

  /** The running worker's heartbeat: keeps its claim while it lives, lets it lapse when it dies. */
  async renewLease(job: Job, workerId: string, leaseMs: number): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ locked_until: new Date(Date.now() + leaseMs).toISOString() })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .execute();
  }

  /**
   * Records progress and extends the lease (a long job keeps its claim while it reports). Throws
   * JobCancelled when a cancel was requested and JobLeaseLost when another worker took the job over.
   */
  async reportProgress(job: Job, workerId: string, leaseMs: number, progress: JobProgress): Promise<void> {
    const updated = await this.db
      .updateTable('jobs')
      .set({
        ...(progress.done !== undefined ? { progress_done: progress.done } : {}),
        ...(progress.total !== undefined ? { progress_total: progress.total } : {}),
        ...(progress.phase !== undefined ? { phase: progress.phase } : {}),
        locked_until: new Date(Date.now() + leaseMs).toISOString(),
      })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .returning('cancel_requested')
      .executeTakeFirst();
    if (!updated) throw new JobLeaseLost(job.id);
    if (Number(updated.cancel_requested)) throw new JobCancelled();
  }

  /**
   * Records a publish step inside the transaction that writes it, so the step and the record of it
   * commit together: an attempt that resumes the publish starts at `done`. Throws JobLeaseLost
   * (rolling the step back) when another worker has taken the job over.
   */
  async recordPublishStep(job: Job, workerId: string, leaseMs: number, executor: Executor, progress: { done: number; total: number }): Promise<void> {
    const updated = await executor
      .updateTable('jobs')
      .set({ phase: PUBLISH_PHASE, progress_done: progress.done, progress_total: progress.total, locked_until: new Date(Date.now() + leaseMs).toISOString() })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (!Number(updated.numUpdatedRows)) throw new JobLeaseLost(job.id);
  }

  /**
   * Asks a job to stop. A job not yet running is cancelled at once; a running one stops at its next
   * progress report. A job that has begun publishing is past cancelling and is left alone. Answers
   * the job as it is now, or undefined when it does not exist.
   */
  async requestCancel(id: string): Promise<Job | undefined> {
    const now = new Date().toISOString();
    const notPublishing = (eb: ExpressionBuilder<DB, 'jobs'>) => eb.or([eb('phase', 'is', null), eb('phase', '!=', PUBLISH_PHASE)]);
    const waiting = await this.db
      .updateTable('jobs')
      .set({ status: 'cancelled', cancel_requested: 1, finished_at: now, locked_by: null, locked_until: null })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'uploading'])
      .where(notPublishing)
      .executeTakeFirst();
    if (Number(waiting.numUpdatedRows)) await this.discardScratch(id);
    else await this.db.updateTable('jobs').set({ cancel_requested: 1 }).where('id', '=', id).where('status', '=', 'running').where(notPublishing).execute();
    return this.get(id);
  }

  /** Ends a running job as cancelled (its worker saw the request) and discards what it staged. */
  async markCancelled(job: Job, workerId: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ status: 'cancelled', finished_at: new Date().toISOString(), locked_by: null, locked_until: null })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .execute();
    await this.discardScratch(job.id);
  }

  /**
   * Housekeeping any worker may run: gives up uploads whose process died, and removes input and
   * staged rows left by jobs that ended while their process was killed before it cleaned up.
   */
  async sweep(now = new Date()): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ status: 'dead', last_error: 'the upload never completed', finished_at: now.toISOString() })
      .where('status', '=', 'uploading')
      .where('created_at', '<', new Date(now.getTime() - STALE_UPLOAD_MS).toISOString())
      .execute();
    const ended = ['done', 'dead', 'cancelled'] as const;
    const leftovers = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('status', 'in', ended)
      .where((eb) =>
        eb.or([
          eb.exists(eb.selectFrom('job_inputs').select('job_id').whereRef('job_inputs.job_id', '=', 'jobs.id')),
          eb.exists(eb.selectFrom('job_staged_rows').select('job_id').whereRef('job_staged_rows.job_id', '=', 'jobs.id')),
        ]),
      )
      .limit(20)
      .execute();
    for (const { id } of leftovers) await this.discardScratch(id);
  }

  /**
   * Deletes ended jobs past their retention: the audit sealer alone ends 1,440 jobs a day. Failed
   * jobs are kept longer, for whoever investigates them. Deletes in slices so no statement holds
   * the write lock for long; jobs whose scratch rows are still there are left to sweep first.
   */
  async prune(now = new Date(), retention = JOB_RETENTION): Promise<number> {
    const cutoff = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
    let deleted = 0;
    for (;;) {
      const slice = this.db
        .selectFrom('jobs')
        .select('id')
        .where((eb) =>
          eb.or([
            eb.and([eb('status', 'in', ['done', 'cancelled'] as const), eb('finished_at', '<', cutoff(retention.endedDays))]),
            eb.and([eb('status', '=', 'dead'), eb('finished_at', '<', cutoff(retention.deadDays))]),
          ]),
        )
        .where((eb) => eb.not(eb.exists(eb.selectFrom('job_inputs').select('job_id').whereRef('job_inputs.job_id', '=', 'jobs.id'))))
        .where((eb) => eb.not(eb.exists(eb.selectFrom('job_staged_rows').select('job_id').whereRef('job_staged_rows.job_id', '=', 'jobs.id'))))
        .limit(PRUNE_SLICE);
      const result = await this.db.deleteFrom('jobs').where('id', 'in', slice).executeTakeFirst();
      const count = Number(result.numDeletedRows);
      deleted += count;
      if (count < PRUNE_SLICE) return deleted;
    }
  }

  /** Claims the oldest due job (or one whose lease expired) for this worker. */
  async claim(workerId: string, leaseMs: number): Promise<Job | null> {
    const now = new Date();
    const nowIso = now.toISOString();
    const until = new Date(now.getTime() + leaseMs).toISOString();
    const pg = isPostgres(this.db);
    return this.db.transaction().execute(async (trx) => {
      const candidate = await trx
        .selectFrom('jobs')
        .select('id')
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', nowIso)]),
            eb.and([eb('status', '=', 'running'), eb('locked_until', '<', nowIso)]),
          ]),
        )
        .orderBy('run_at')
        .limit(1)
        .$if(pg, (q) => q.forUpdate().skipLocked())
        .executeTakeFirst();
      if (!candidate) return null;
      return (
        (await trx
          .updateTable('jobs')
          .set({ status: 'running', locked_by: workerId, locked_until: until, attempts: sql`attempts + 1`, started_at: nowIso })
          .where('id', '=', candidate.id)
          .returningAll()
          .executeTakeFirst()) ?? null
      );
    });
  }

  /**
   * Completion only counts for the worker that still holds the lease. Pass the transaction that
   * publishes the job's work, so the work and the job's end commit together.
   */
  async complete(job: Job, workerId: string, result: unknown, executor: Executor = this.db): Promise<boolean> {
    const updated = await executor
      .updateTable('jobs')
      // A job that ends has done all it counted.
      .set({ status: 'done', finished_at: new Date().toISOString(), locked_until: null, result: JSON.stringify(result ?? null), progress_done: sql`coalesce(progress_total, progress_done)` })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  /**
   * Retries the job later with backoff, or (after its last attempt, or with retry false) marks it
   * dead. A job that has begun publishing is always retried, its staged rows kept: its work is
   * decided, and the next attempt completes it.
   */
  async fail(job: Job, workerId: string, error: Error, retry = true): Promise<'retry' | 'dead'> {
    const attempts = Number(job.attempts);
    const publishing = (await this.db.selectFrom('jobs').select('phase').where('id', '=', job.id).executeTakeFirst())?.phase === PUBLISH_PHASE;
    const dead = !publishing && (!retry || attempts >= Number(job.max_attempts));
    const updated = await this.db
      .updateTable('jobs')
      .set({
        status: dead ? 'dead' : 'queued',
        run_at: dead ? job.run_at : new Date(Date.now() + backoffMs(attempts, this.options.backoffBaseMs)).toISOString(),
        last_error: error.message.slice(0, 2000),
        locked_by: null,
        locked_until: null,
        finished_at: dead ? new Date().toISOString() : null,
      })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .executeTakeFirst();
    // A failed attempt starts again from its input, so what it staged goes now (unless another
    // worker has taken the job over: its rows are its own).
    if (Number(updated.numUpdatedRows) && !publishing) await (dead ? this.discardScratch(job.id) : this.discardStaged(job.id));
    return dead ? 'dead' : 'retry';
  }

  get(id: string) {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(filter: { status?: string; kind?: string; owner?: RequestContext['actor']; limit: number }) {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .$if(!!filter.status, (q) => q.where('status', '=', filter.status as JobsTable['status']))
      .$if(!!filter.kind, (q) => q.where('kind', '=', filter.kind!))
      .$if(!!filter.owner, (q) => q.where('owner_key', '=', ownerKey(filter.owner!)))
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .execute();
  }

  /** Registers a recurring job; re-registering keeps its next run unless the expression changed. */
  async ensureSchedule(name: string, cron: string, jobKind: string, nextRunAt: Date): Promise<void> {
    const existing = await this.db.selectFrom('schedules').selectAll().where('name', '=', name).executeTakeFirst();
    if (existing && existing.cron === cron && existing.job_kind === jobKind) return;
    try {
      if (existing) {
        await this.db.updateTable('schedules').set({ cron, job_kind: jobKind, next_run_at: nextRunAt.toISOString() }).where('name', '=', name).execute();
      } else {
        await this.db.insertInto('schedules').values({ name, cron, job_kind: jobKind, next_run_at: nextRunAt.toISOString(), last_run_at: null }).execute();
      }
    } catch (error) {
      // Another replica registered the same schedule at the same moment: theirs is as good as ours.
      if (!isUniqueViolation(error)) throw error;
    }
  }

  dueSchedules(now: Date) {
    return this.db.selectFrom('schedules').selectAll().where('next_run_at', '<=', now.toISOString()).execute();
  }

  /**
   * Advances a schedule by compare-and-set on its next_run_at, and enqueues the run with an
   * idempotency key of that instant: of several replicas ticking at once exactly one enqueues.
   */
  async fireSchedule(schedule: { name: string; job_kind: string; next_run_at: string }, following: Date): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const advanced = await trx
        .updateTable('schedules')
        .set({ next_run_at: following.toISOString(), last_run_at: new Date().toISOString() })
        .where('name', '=', schedule.name)
        .where('next_run_at', '=', schedule.next_run_at)
        .executeTakeFirst();
      if (Number(advanced.numUpdatedRows) !== 1) return false;
      await this.enqueue(schedule.job_kind, { schedule: schedule.name, due: schedule.next_run_at }, { idempotencyKey: `schedule:${schedule.name}:${schedule.next_run_at}` }, trx);
      return true;
    });
  }
}

/** The key that ties a job to the actor who started it. */
export function ownerKey(actor: RequestContext['actor']): string {
  return `${actor.type}:${actor.id ?? actor.name}`;
}
