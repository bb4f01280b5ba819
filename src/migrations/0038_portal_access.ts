import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Portal links that open no assessment (issue 11): a vendor without an assessment under way still
 * reaches the portal to report an incident. assessment_invitations.assessment_id becomes nullable.
 *
 * SQLite cannot drop NOT NULL in place: the table is rebuilt. portal_sessions references it with
 * ON DELETE CASCADE and foreign keys are on (and cannot be turned off inside the migration's
 * transaction), so the sessions are set aside first, or dropping the old table would delete them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`ALTER TABLE assessment_invitations ALTER COLUMN assessment_id DROP NOT NULL`.execute(db);
    return;
  }
  await sql`CREATE TABLE portal_sessions_kept AS SELECT * FROM portal_sessions`.execute(db);
  await sql`DROP TABLE portal_sessions`.execute(db);

  await db.schema
    .createTable('assessment_invitations_new')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('token_hash', T.text, (c) => c.notNull().unique())
    .addColumn('assessment_id', T.id)
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('contact_id', T.id, (c) => c.references('contacts.id').onDelete('set null'))
    .addColumn('email', T.text)
    .addColumn('emailed_at', T.time)
    .addColumn('expires_at', T.time, (c) => c.notNull())
    .addColumn('used_at', T.time)
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .execute();
  await sql`INSERT INTO assessment_invitations_new SELECT id, token_hash, assessment_id, vendor_id, contact_id, email, emailed_at, expires_at, used_at, created_by, created_at FROM assessment_invitations`.execute(db);
  await sql`DROP TABLE assessment_invitations`.execute(db);
  await sql`ALTER TABLE assessment_invitations_new RENAME TO assessment_invitations`.execute(db);
  await db.schema.createIndex('assessment_invitations_assessment').on('assessment_invitations').columns(['assessment_id', 'created_at']).execute();

  await db.schema
    .createTable('portal_sessions')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('token_hash', T.text, (c) => c.notNull().unique())
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('invitation_id', T.id, (c) => c.notNull().references('assessment_invitations.id').onDelete('cascade'))
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('expires_at', T.time, (c) => c.notNull())
    .addColumn('last_used_at', T.time)
    .execute();
  await sql`INSERT INTO portal_sessions SELECT id, token_hash, vendor_id, invitation_id, created_at, expires_at, last_used_at FROM portal_sessions_kept`.execute(db);
  await sql`DROP TABLE portal_sessions_kept`.execute(db);
}
