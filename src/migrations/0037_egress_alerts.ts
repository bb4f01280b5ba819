import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Egress alerts (issue 12, modules/egress/alerts.*) and the two small memories their rules keep.
 *
 * egress_alerts: one row per alert; a recurrence of the same rule and dedupe_key within the rule's
 * window grows count and last_seen instead of adding a row (the service looks it up through
 * egress_alerts_dedupe). first/last_event_id point at egress_events rows, which retention prunes,
 * so they carry no foreign key; indicator, sighting and risk ids neither (other modules' tables).
 *
 * egress_alert_novelty: which destinations (or shared-hosting path owners) each product has
 * contacted: one row per pair, so its size is products × destinations, not events.
 *
 * egress_alert_baselines: one row per flow (source, destination) holding the current hour's bytes
 * and the recent active hours' totals as a short JSON array (bounded by the rule's window).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('egress_alerts')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('rule', T.text, (c) => c.notNull())
    .addColumn('dedupe_key', T.text, (c) => c.notNull())
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('severity', T.text, (c) => c.notNull())
    .addColumn('title', T.text, (c) => c.notNull())
    .addColumn('detail', T.text, (c) => c.notNull())
    .addColumn('vendor_id', T.id, (c) => c.references('vendors.id').onDelete('set null'))
    .addColumn('product_id', T.id, (c) => c.references('products.id').onDelete('set null'))
    .addColumn('destination', T.text, (c) => c.notNull())
    .addColumn('host', T.text, (c) => c.notNull())
    .addColumn('source', T.text, (c) => c.notNull())
    .addColumn('app', T.text)
    .addColumn('path_owner', T.text)
    .addColumn('sanction', T.text)
    .addColumn('data_classes', T.json, (c) => c.notNull())
    .addColumn('indicator_id', T.id)
    .addColumn('sighting_id', T.id)
    .addColumn('risk_id', T.id)
    .addColumn('evidence', T.json, (c) => c.notNull())
    .addColumn('count', T.int, (c) => c.notNull())
    .addColumn('first_seen', T.time, (c) => c.notNull())
    .addColumn('last_seen', T.time, (c) => c.notNull())
    .addColumn('first_event_id', T.id, (c) => c.notNull())
    .addColumn('last_event_id', T.id, (c) => c.notNull())
    .addColumn('acknowledged_at', T.time)
    .addColumn('acknowledged_by', T.text)
    .addColumn('resolved_at', T.time)
    .addColumn('resolved_by', T.text)
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('egress_alerts_dedupe').on('egress_alerts').columns(['dedupe_key', 'rule', 'status']).execute();
  await db.schema.createIndex('egress_alerts_rule').on('egress_alerts').columns(['rule', 'id']).execute();
  await db.schema.createIndex('egress_alerts_status').on('egress_alerts').columns(['status', 'id']).execute();
  await db.schema.createIndex('egress_alerts_vendor').on('egress_alerts').columns(['vendor_id', 'id']).execute();
  await db.schema.createIndex('egress_alerts_destination').on('egress_alerts').columns(['destination', 'id']).execute();

  await db.schema
    .createTable('egress_alert_novelty')
    .addColumn('product_id', T.id, (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('target', T.text, (c) => c.notNull())
    .addColumn('first_seen', T.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('egress_alert_novelty_pk', ['product_id', 'target'])
    .execute();

  await db.schema
    .createTable('egress_alert_baselines')
    .addColumn('flow_key', T.text, (c) => c.primaryKey())
    .addColumn('hour', T.time, (c) => c.notNull())
    .addColumn('bytes_out', T.real, (c) => c.notNull())
    .addColumn('history', T.json, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
}
