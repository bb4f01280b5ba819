import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Vendor assessments: one row per questionnaire sent to a vendor, pinned to the template version
 * it was created from (answers keep that version when the template is edited later).
 *
 * assessment_answers holds the current answer per question; its history is the audit trail (each
 * save is an event). assessment_remediations are the follow-up items a reviewer raises from answers,
 * kept per vendor as well so open items count against the vendor without a join.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('assessments')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('template_id', T.id, (c) => c.notNull().references('assessment_templates.id'))
    .addColumn('template_version', T.int, (c) => c.notNull())
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('due_at', T.text)
    .addColumn('scores', T.json)
    .addColumn('sent_at', T.time)
    .addColumn('submitted_at', T.time)
    .addColumn('closed_at', T.time)
    .addColumn('cancelled_at', T.time)
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('assessments_vendor').on('assessments').columns(['vendor_id', 'id']).execute();
  await db.schema.createIndex('assessments_status_due').on('assessments').columns(['status', 'due_at']).execute();

  await db.schema
    .createTable('assessment_answers')
    .addColumn('assessment_id', T.id, (c) => c.notNull().references('assessments.id').onDelete('cascade'))
    .addColumn('question_id', T.text, (c) => c.notNull())
    .addColumn('value', T.json, (c) => c.notNull())
    .addColumn('meta', T.json, (c) => c.notNull().defaultTo('{}'))
    .addColumn('state', T.text, (c) => c.notNull())
    .addColumn('comment', T.text)
    .addColumn('answered_at', T.time, (c) => c.notNull())
    .addColumn('answered_by', T.text, (c) => c.notNull())
    .addColumn('reviewed_at', T.time)
    .addColumn('reviewed_by', T.text)
    .addPrimaryKeyConstraint('assessment_answers_pk', ['assessment_id', 'question_id'])
    .execute();

  await db.schema
    .createTable('assessment_remediations')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('assessment_id', T.id, (c) => c.notNull().references('assessments.id').onDelete('cascade'))
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('question_id', T.text)
    .addColumn('title', T.text, (c) => c.notNull())
    .addColumn('description', T.text, (c) => c.notNull().defaultTo(''))
    .addColumn('due_at', T.text)
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .addColumn('closed_at', T.time)
    .addColumn('closed_by', T.text)
    .execute();
  await db.schema.createIndex('assessment_remediations_assessment').on('assessment_remediations').columns(['assessment_id', 'id']).execute();
  await db.schema.createIndex('assessment_remediations_vendor').on('assessment_remediations').columns(['vendor_id', 'status', 'id']).execute();
}
