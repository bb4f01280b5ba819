import type { Kysely } from 'kysely';
import { T, makeAppendOnly } from '../platform/db/migration-helpers.js';

/**
 * Playbooks (modules/playbooks): a playbook and its immutable versions (every save appends one; a
 * run keeps the version it started with), the runs on incidents (drill_id set for drill runs) and
 * one row per step a run reached, which is the step's durable state: the step job commits its
 * effects and this row in one transaction, so a step that committed is never done twice.
 *
 * Runs carry no foreign key to incidents: a run outlives nothing it points at, and the incidents
 * module owns the life of its rows. trigger_key makes "start this playbook on this incident" happen
 * once however many events (and replicas) ask for it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('playbooks')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('key', T.text, (c) => c.unique())
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('enabled', T.flag, (c) => c.notNull().defaultTo(1))
    .addColumn('current_version', T.int, (c) => c.notNull())
    .addColumn('shipped_sha256', T.text)
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('playbook_versions')
    .addColumn('playbook_id', T.id, (c) => c.notNull().references('playbooks.id'))
    .addColumn('version', T.int, (c) => c.notNull())
    .addColumn('yaml', T.text, (c) => c.notNull())
    .addColumn('document', T.json, (c) => c.notNull())
    .addColumn('content_sha256', T.text, (c) => c.notNull())
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('playbook_versions_pk', ['playbook_id', 'version'])
    .execute();
  await makeAppendOnly(db, 'playbook_versions');

  await db.schema
    .createTable('playbook_runs')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('playbook_id', T.id, (c) => c.notNull().references('playbooks.id'))
    .addColumn('playbook_version', T.int, (c) => c.notNull())
    .addColumn('incident_id', T.id, (c) => c.notNull())
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('drill_id', T.id)
    .addColumn('trigger', T.text, (c) => c.notNull())
    .addColumn('trigger_key', T.text, (c) => c.unique())
    .addColumn('answer', T.json)
    .addColumn('error', T.text)
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('started_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .addColumn('finished_at', T.time)
    .execute();
  await db.schema.createIndex('playbook_runs_incident').on('playbook_runs').columns(['incident_id', 'id']).execute();
  await db.schema.createIndex('playbook_runs_drill').on('playbook_runs').columns(['drill_id', 'id']).execute();

  await db.schema
    .createTable('playbook_run_steps')
    .addColumn('run_id', T.id, (c) => c.notNull().references('playbook_runs.id').onDelete('cascade'))
    .addColumn('step_id', T.text, (c) => c.notNull())
    .addColumn('seq', T.int, (c) => c.notNull())
    .addColumn('type', T.text, (c) => c.notNull())
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('attempt', T.int, (c) => c.notNull().defaultTo(0))
    .addColumn('task_id', T.id)
    .addColumn('wake_at', T.time)
    .addColumn('output', T.json)
    .addColumn('error', T.text)
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('started_at', T.time)
    .addColumn('finished_at', T.time)
    .addPrimaryKeyConstraint('playbook_run_steps_pk', ['run_id', 'step_id'])
    .execute();
  await db.schema.createIndex('playbook_run_steps_task').on('playbook_run_steps').column('task_id').execute();
}
