import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Jobs that people start and watch: progress, phase, who started them, a cancel request, when they
 * started; their uploaded input (job_inputs, in parts, so a worker on any replica can read it and
 * no part is a huge row) and rows staged by a running job until its short publish step
 * (job_staged_rows). Both are removed when the job ends.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('progress_done', T.int, (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('jobs').addColumn('progress_total', T.int).execute();
  await db.schema.alterTable('jobs').addColumn('phase', T.text).execute();
  await db.schema.alterTable('jobs').addColumn('started_at', T.time).execute();
  await db.schema.alterTable('jobs').addColumn('cancel_requested', T.flag, (c) => c.notNull().defaultTo(0)).execute();
  // Who started the job ({ type, id, name, role }); the job acts as them, and they may watch it.
  await db.schema.alterTable('jobs').addColumn('created_by', T.json).execute();
  await db.schema.alterTable('jobs').addColumn('owner_key', T.text).execute();
  await db.schema.createIndex('jobs_owner').on('jobs').columns(['owner_key', 'created_at']).execute();

  const blob = isPostgres(db) ? sql`bytea` : sql`blob`;
  await db.schema
    .createTable('job_inputs')
    .addColumn('job_id', T.id, (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('part', T.int, (c) => c.notNull())
    .addColumn('data', blob, (c) => c.notNull())
    .addPrimaryKeyConstraint('job_inputs_pk', ['job_id', 'part'])
    .execute();

  await db.schema
    .createTable('job_staged_rows')
    .addColumn('job_id', T.id, (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('seq', T.int, (c) => c.notNull())
    .addColumn('data', T.json, (c) => c.notNull())
    .addPrimaryKeyConstraint('job_staged_rows_pk', ['job_id', 'seq'])
    .execute();
}
