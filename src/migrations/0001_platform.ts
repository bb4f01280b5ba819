import type { Kysely } from 'kysely';
import { T, makeAppendOnly } from '../platform/db/migration-helpers.js';
import { newId } from '../platform/ids.js';

export const SEEDED_TEAMS = [
  { key: 'it', name: 'IT' },
  { key: 'security', name: 'Security' },
  { key: 'legal', name: 'Legal' },
  { key: 'privacy', name: 'Privacy' },
  { key: 'compliance', name: 'Compliance' },
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('email', T.text, (c) => c.notNull().unique())
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('password_hash', T.text)
    .addColumn('role', T.text, (c) => c.notNull())
    .addColumn('disabled', T.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('teams')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('key', T.text, (c) => c.notNull().unique())
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .execute();
  const now = new Date().toISOString();
  await db
    .insertInto('teams')
    .values(SEEDED_TEAMS.map((t) => ({ id: newId(), key: t.key, name: t.name, created_at: now })))
    .execute();

  await db.schema
    .createTable('team_members')
    .addColumn('team_id', T.id, (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('user_id', T.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('role', T.text, (c) => c.notNull())
    .addColumn('token_hash', T.text, (c) => c.notNull().unique())
    .addColumn('prefix', T.text, (c) => c.notNull())
    .addColumn('user_id', T.id, (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('created_by', T.text)
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('last_used_at', T.time)
    .addColumn('expires_at', T.time)
    .addColumn('revoked_at', T.time)
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', T.text, (c) => c.primaryKey())
    .addColumn('user_id', T.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('expires_at', T.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('auth_failures')
    .addColumn('client_key', T.text, (c) => c.notNull())
    .addColumn('window_start', T.time, (c) => c.notNull())
    .addColumn('failures', T.int, (c) => c.notNull())
    .addPrimaryKeyConstraint('auth_failures_pk', ['client_key', 'window_start'])
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('seq', T.int, (c) => c.primaryKey())
    .addColumn('id', T.id, (c) => c.notNull().unique())
    .addColumn('at', T.time, (c) => c.notNull())
    .addColumn('actor_type', T.text, (c) => c.notNull())
    .addColumn('actor_id', T.text)
    .addColumn('actor_name', T.text, (c) => c.notNull())
    .addColumn('action', T.text, (c) => c.notNull())
    .addColumn('entity_type', T.text, (c) => c.notNull())
    .addColumn('entity_id', T.text)
    .addColumn('before', T.json)
    .addColumn('after', T.json)
    .addColumn('request_id', T.text)
    .addColumn('prev_hash', T.text, (c) => c.notNull())
    .addColumn('hash', T.text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_entity').on('audit_events').columns(['entity_type', 'entity_id', 'seq']).execute();
  await makeAppendOnly(db, 'audit_events');

  // One row that serialises appends to the hash chain across processes (locked FOR UPDATE on PostgreSQL).
  await db.schema
    .createTable('audit_head')
    .addColumn('id', T.int, (c) => c.primaryKey())
    .addColumn('seq', T.int, (c) => c.notNull())
    .addColumn('hash', T.text, (c) => c.notNull())
    .execute();
  await db.insertInto('audit_head').values({ id: 1, seq: 0, hash: '0'.repeat(64) }).execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('kind', T.text, (c) => c.notNull())
    .addColumn('payload', T.json, (c) => c.notNull())
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('attempts', T.int, (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', T.int, (c) => c.notNull())
    .addColumn('run_at', T.time, (c) => c.notNull())
    .addColumn('locked_by', T.text)
    .addColumn('locked_until', T.time)
    .addColumn('last_error', T.text)
    .addColumn('idempotency_key', T.text, (c) => c.unique())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('finished_at', T.time)
    .addColumn('result', T.json)
    .execute();
  await db.schema.createIndex('jobs_claim').on('jobs').columns(['status', 'run_at']).execute();

  await db.schema
    .createTable('schedules')
    .addColumn('name', T.text, (c) => c.primaryKey())
    .addColumn('cron', T.text, (c) => c.notNull())
    .addColumn('job_kind', T.text, (c) => c.notNull())
    .addColumn('next_run_at', T.time, (c) => c.notNull())
    .addColumn('last_run_at', T.time)
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', T.text, (c) => c.primaryKey())
    .addColumn('value', T.json, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
}
