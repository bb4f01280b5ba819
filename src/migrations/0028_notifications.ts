import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Notifications (modules/notifications, issue 11): channels (webhook, e-mail, Slack-compatible,
 * syslog), per-event templates that replace the shipped defaults, the outbox (one row per channel
 * and message; a drill's rows are `captured` and never sent) and the delivery log (one row per
 * attempt). Outbox rows keep the channel's name and type and carry no foreign key to it: deleting a
 * channel must not erase what was sent through it. incident_id and drill_id carry none either, so
 * this migration does not depend on the order of the incident and drill migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notification_channels')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('name', T.text, (c) => c.notNull().unique())
    .addColumn('type', T.text, (c) => c.notNull())
    .addColumn('enabled', T.flag, (c) => c.notNull())
    .addColumn('config', T.json, (c) => c.notNull())
    .addColumn('events', T.json, (c) => c.notNull())
    .addColumn('audiences', T.json, (c) => c.notNull())
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('notification_templates')
    .addColumn('event', T.text, (c) => c.primaryKey())
    .addColumn('subject', T.text, (c) => c.notNull())
    .addColumn('body', T.text, (c) => c.notNull())
    .addColumn('updated_by', T.text, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('notification_outbox')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('channel_id', T.id, (c) => c.notNull())
    .addColumn('channel_name', T.text, (c) => c.notNull())
    .addColumn('channel_type', T.text, (c) => c.notNull())
    .addColumn('event', T.text, (c) => c.notNull())
    .addColumn('subject', T.text, (c) => c.notNull())
    .addColumn('body', T.text, (c) => c.notNull())
    .addColumn('html', T.text)
    .addColumn('data', T.json, (c) => c.notNull())
    .addColumn('request', T.json)
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('attempts', T.int, (c) => c.notNull())
    .addColumn('max_attempts', T.int, (c) => c.notNull())
    .addColumn('next_attempt_at', T.time)
    .addColumn('last_error', T.text)
    .addColumn('incident_id', T.id)
    .addColumn('drill_id', T.id)
    .addColumn('created_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('sent_at', T.time)
    .execute();
  await db.schema.createIndex('notification_outbox_drill').on('notification_outbox').columns(['drill_id', 'id']).execute();
  await db.schema.createIndex('notification_outbox_incident').on('notification_outbox').columns(['incident_id', 'id']).execute();
  await db.schema.createIndex('notification_outbox_status').on('notification_outbox').columns(['status', 'id']).execute();
  await db.schema.createIndex('notification_outbox_channel').on('notification_outbox').columns(['channel_id', 'id']).execute();

  await db.schema
    .createTable('notification_deliveries')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('outbox_id', T.id, (c) => c.notNull().references('notification_outbox.id').onDelete('cascade'))
    .addColumn('channel_id', T.id, (c) => c.notNull())
    .addColumn('attempt', T.int, (c) => c.notNull())
    .addColumn('outcome', T.text, (c) => c.notNull())
    .addColumn('status_code', T.int)
    .addColumn('error', T.text)
    .addColumn('target', T.text)
    .addColumn('started_at', T.time, (c) => c.notNull())
    .addColumn('duration_ms', T.int, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notification_deliveries_outbox').on('notification_deliveries').columns(['outbox_id', 'attempt']).execute();
  await db.schema.createIndex('notification_deliveries_channel').on('notification_deliveries').columns(['channel_id', 'id']).execute();
}
