import type { Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';
import { T } from '../platform/db/migration-helpers.js';

/**
 * The vendor portal (issue 10): single-use invitation links to an assessment, portal sessions (a
 * vendor-scoped principal), evidence files and the log of assessment reminders sent.
 *
 * Links and session tokens are stored as SHA-256 hashes only. Evidence bytes are stored once per
 * content hash (portal_blobs) however many vendors or uploads carry them; portal_files is what a
 * vendor uploaded (one row per vendor and content). assessment_id has no foreign key: assessments
 * (0023) are never deleted, only cancelled, and this migration must not depend on their order.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const blob = isPostgres(db) ? 'bytea' : 'blob';
  await db.schema
    .createTable('assessment_invitations')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('token_hash', T.text, (c) => c.notNull().unique())
    .addColumn('assessment_id', T.id, (c) => c.notNull())
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('contact_id', T.id, (c) => c.references('contacts.id').onDelete('set null'))
    .addColumn('email', T.text)
    .addColumn('emailed_at', T.time)
    .addColumn('expires_at', T.time, (c) => c.notNull())
    .addColumn('used_at', T.time)
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .execute();
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

  await db.schema
    .createTable('portal_blobs')
    .addColumn('sha256', T.text, (c) => c.primaryKey())
    .addColumn('content', blob, (c) => c.notNull())
    .addColumn('size_bytes', T.int, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('portal_files')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('sha256', T.text, (c) => c.notNull().references('portal_blobs.sha256'))
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('media_type', T.text, (c) => c.notNull())
    .addColumn('size_bytes', T.int, (c) => c.notNull())
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addUniqueConstraint('portal_files_vendor_content', ['vendor_id', 'sha256'])
    .execute();

  // One row per reminder sent: the job writes it in the transaction that decides to send, so a
  // reminder goes out once however often or on however many replicas the job runs.
  await db.schema
    .createTable('assessment_reminders')
    .addColumn('assessment_id', T.id, (c) => c.notNull())
    .addColumn('kind', T.text, (c) => c.notNull())
    .addColumn('email', T.text, (c) => c.notNull())
    .addColumn('sent_at', T.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('assessment_reminders_pk', ['assessment_id', 'kind'])
    .execute();
}
