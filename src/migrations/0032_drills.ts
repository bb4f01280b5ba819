import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Drills (modules/drills, issue 11): a playbook version run against a synthetic incident with its
 * side effects captured (every row a drill creates elsewhere carries its drill_id), and the report
 * kept as evidence that the plan was tested. incident_id, run_id and playbook_id carry no foreign
 * keys: those tables belong to modules whose migrations land independently of this one, and a
 * drill's record must outlive a playbook that is later deleted.
 *
 * drill_schedules: one recurring drill per (tier, playbook); the scheduler starts a drill when
 * next_run_at has passed and moves it on by every_days.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('drills')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('playbook_id', T.id, (c) => c.notNull())
    .addColumn('playbook_version', T.int, (c) => c.notNull())
    .addColumn('playbook_name', T.text, (c) => c.notNull())
    .addColumn('scenario', T.json, (c) => c.notNull())
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('incident_id', T.id)
    .addColumn('run_id', T.id)
    .addColumn('vendor_id', T.id, (c) => c.references('vendors.id').onDelete('set null'))
    .addColumn('schedule_id', T.id)
    .addColumn('started_by', T.text, (c) => c.notNull())
    .addColumn('started_at', T.time, (c) => c.notNull())
    .addColumn('finished_by', T.text)
    .addColumn('finished_at', T.time)
    .addColumn('report', T.json)
    .execute();
  await db.schema.createIndex('drills_playbook').on('drills').columns(['playbook_id', 'started_at']).execute();
  await db.schema.createIndex('drills_vendor').on('drills').columns(['vendor_id', 'started_at']).execute();
  await db.schema.createIndex('drills_status').on('drills').columns(['status', 'started_at']).execute();

  await db.schema
    .createTable('drill_schedules')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('tier', T.text, (c) => c.notNull())
    .addColumn('playbook_id', T.id, (c) => c.notNull())
    .addColumn('every_days', T.int, (c) => c.notNull())
    .addColumn('next_run_at', T.time, (c) => c.notNull())
    .addColumn('enabled', T.flag, (c) => c.notNull())
    .addColumn('last_drill_id', T.id)
    .addColumn('last_error', T.text)
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .addUniqueConstraint('drill_schedules_tier_playbook', ['tier', 'playbook_id'])
    .execute();
  await db.schema.createIndex('drill_schedules_due').on('drill_schedules').columns(['enabled', 'next_run_at']).execute();
}
