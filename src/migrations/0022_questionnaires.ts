import type { Kysely } from 'kysely';
import { makeAppendOnly, T } from '../platform/db/migration-helpers.js';

/**
 * Questionnaire templates and their versions. A version is immutable (append-only): editing a
 * template adds a version, and assessments keep the version they were sent with. The shipped
 * templates are seeded at start-up by QuestionnaireService.syncShipped (see thirdwatch.ts), which
 * also adds a version when a release changes their content.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('assessment_templates')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('key', T.text, (c) => c.unique())
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('description', T.text, (c) => c.notNull().defaultTo(''))
    .addColumn('current_version', T.int, (c) => c.notNull())
    .addColumn('shipped_sha256', T.text)
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('assessment_templates_name').on('assessment_templates').columns(['name', 'id']).execute();

  await db.schema
    .createTable('assessment_template_versions')
    .addColumn('template_id', T.id, (c) => c.notNull().references('assessment_templates.id'))
    .addColumn('version', T.int, (c) => c.notNull())
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('description', T.text, (c) => c.notNull())
    .addColumn('content', T.json, (c) => c.notNull())
    .addColumn('content_sha256', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('assessment_template_versions_pk', ['template_id', 'version'])
    .execute();
  await makeAppendOnly(db, 'assessment_template_versions');
}

