import { sql, type Kysely } from 'kysely';
import { isPostgres, isUniqueViolation } from '../db/database.js';
import type { DB, Executor } from '../db/schema.js';
import type { JobsTable } from '../db/tables.js';
import { newId } from '../ids.js';

export interface EnqueueOptions {
  /** A second enqueue with the same key returns the first job instead of adding one. */
  idempotencyKey?: string;
  runAt?: Date;
  maxAttempts?: number;
}

export type Job = JobsTable;

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
  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: { backoffBaseMs?: number } = {},
  ) {}

  async enqueue(kind: string, payload: unknown, options: EnqueueOptions = {}, executor: Executor = this.db): Promise<string> {
    const row: JobsTable = {
      id: newId(),
      kind,
      payload: JSON.stringify(payload ?? {}),
      status: 'queued',
      attempts: 0,
      max_attempts: options.maxAttempts ?? 5,
      run_at: (options.runAt ?? new Date()).toISOString(),
      locked_by: null,
      locked_until: null,
      last_error: null,
      idempotency_key: options.idempotencyKey ?? null,
      created_at: new Date().toISOString(),
      finished_at: null,
      result: null,
    };
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
          .set({ status: 'running', locked_by: workerId, locked_until: until, attempts: sql`attempts + 1` })
          .where('id', '=', candidate.id)
          .returningAll()
          .executeTakeFirst()) ?? null
      );
    });
  }

  /** Completion only counts for the worker that still holds the lease. */
  async complete(job: Job, workerId: string, result: unknown): Promise<boolean> {
    const updated = await this.db
      .updateTable('jobs')
      .set({ status: 'done', finished_at: new Date().toISOString(), locked_until: null, result: JSON.stringify(result ?? null) })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  async fail(job: Job, workerId: string, error: Error): Promise<'retry' | 'dead'> {
    const attempts = Number(job.attempts);
    const dead = attempts >= Number(job.max_attempts);
    await this.db
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
      .execute();
    return dead ? 'dead' : 'retry';
  }

  get(id: string) {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(filter: { status?: string; kind?: string; limit: number }) {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .$if(!!filter.status, (q) => q.where('status', '=', filter.status as JobsTable['status']))
      .$if(!!filter.kind, (q) => q.where('kind', '=', filter.kind!))
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
