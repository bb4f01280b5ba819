import type { Flag, Json } from '../../platform/db/tables.js';

/** A destination for notifications. config is the type's JSON (see notifications.schemas.ts); secrets in it are write-only through the API. */
export interface NotificationChannelsTable {
  id: string;
  name: string;
  /** webhook, email, slack, syslog. */
  type: string;
  enabled: Flag;
  config: Json;
  /** JSON array of event names the channel subscribes to; "*" is every event. */
  events: Json;
  /** JSON array of teams (TEAMS) the channel serves: messages addressed to one of them reach it. */
  audiences: Json;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** An event's template, replacing the shipped default. */
export interface NotificationTemplatesTable {
  event: string;
  subject: string;
  body: string;
  updated_by: string;
  updated_at: string;
}

/**
 * One message for one channel. status: pending (a delivery job will try it), sent, failed (the
 * last attempt failed; another is scheduled at next_attempt_at), dead (attempts exhausted),
 * captured (a drill's: recorded, never sent). request is the exact request a webhook or Slack
 * message is (or, captured, would be) sent with.
 */
export interface NotificationOutboxTable {
  id: string;
  channel_id: string;
  channel_name: string;
  channel_type: string;
  event: string;
  subject: string;
  /** The rendered text. */
  body: string;
  /** E-mail: the HTML alternative, values escaped. */
  html: string | null;
  data: Json;
  request: Json | null;
  status: string;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  incident_id: string | null;
  drill_id: string | null;
  created_by: string;
  created_at: string;
  sent_at: string | null;
}

/** The delivery log: one row per attempt. outcome: sent or failed. */
export interface NotificationDeliveriesTable {
  id: string;
  outbox_id: string;
  channel_id: string;
  attempt: number;
  outcome: string;
  status_code: number | null;
  error: string | null;
  /** Where the attempt went (URL with credentials redacted, SMTP recipients, syslog host:port). */
  target: string | null;
  started_at: string;
  duration_ms: number;
}

export interface NotificationTables {
  notification_channels: NotificationChannelsTable;
  notification_templates: NotificationTemplatesTable;
  notification_outbox: NotificationOutboxTable;
  notification_deliveries: NotificationDeliveriesTable;
}
