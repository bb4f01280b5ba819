import { sql, type Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Data flows and destination triage (issue 12, modules/egress/flows.* and destinations.*).
 *
 * egress_flows: egress events aggregated by hour, one row per (hour, client, app, destination,
 * vendor, direction). The key columns hold '' instead of NULL ("no client", "unattributed"): a
 * unique index treats NULLs as distinct on both engines, and the ingest upsert needs one row per
 * key. destination is the registrable domain of the host (public suffixes, private ones such as
 * github.io included, from tldts) or the IP address itself. methods, content_types and
 * data_classes are sorted JSON sets; sanction is what the destination's attribution made of the
 * data classes when the flow was recorded (and again when a person triages the destination).
 * vendor_id and product_id carry no foreign keys: a flow records where data went even after the
 * vendor is deleted.
 *
 * egress_destinations: every destination seen, with a person's assignment (vendor, product,
 * sanction override) and the vendor attribution found at the last sight (seen_vendor_id), so the
 * unattributed ones can be listed for triage.
 *
 * products.endpoints: host names a product talks to (JSON list; subdomains included), the product
 * endpoints attribution maps destinations through.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('egress_flows')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('hour', T.time, (c) => c.notNull())
    .addColumn('client', T.text, (c) => c.notNull())
    .addColumn('app', T.text, (c) => c.notNull())
    .addColumn('destination', T.text, (c) => c.notNull())
    .addColumn('vendor_id', T.text, (c) => c.notNull())
    .addColumn('direction', T.text, (c) => c.notNull())
    .addColumn('product_id', T.id)
    .addColumn('requests', 'bigint', (c) => c.notNull())
    .addColumn('bytes_out', 'bigint', (c) => c.notNull())
    .addColumn('bytes_in', 'bigint', (c) => c.notNull())
    .addColumn('methods', T.json, (c) => c.notNull())
    .addColumn('content_types', T.json, (c) => c.notNull())
    .addColumn('data_classes', T.json, (c) => c.notNull())
    .addColumn('sanction', T.text, (c) => c.notNull())
    .addColumn('first_seen', T.time, (c) => c.notNull())
    .addColumn('last_seen', T.time, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('egress_flows_key')
    .on('egress_flows')
    .columns(['destination', 'vendor_id', 'hour', 'client', 'app', 'direction'])
    .unique()
    .execute();
  await db.schema.createIndex('egress_flows_hour').on('egress_flows').columns(['hour']).execute();
  await db.schema.createIndex('egress_flows_vendor').on('egress_flows').columns(['vendor_id', 'hour']).execute();

  await db.schema
    .createTable('egress_destinations')
    .addColumn('destination', T.text, (c) => c.primaryKey())
    .addColumn('first_seen', T.time, (c) => c.notNull())
    .addColumn('last_seen', T.time, (c) => c.notNull())
    .addColumn('seen_vendor_id', T.id)
    .addColumn('vendor_id', T.id)
    .addColumn('product_id', T.id)
    .addColumn('sanction', T.text)
    .addColumn('assigned_by', T.text)
    .addColumn('assigned_at', T.time)
    .execute();
  await sql`CREATE INDEX egress_destinations_unattributed ON egress_destinations (destination) WHERE vendor_id IS NULL AND seen_vendor_id IS NULL`.execute(db);

  await db.schema.alterTable('products').addColumn('endpoints', T.json, (c) => c.notNull().defaultTo('[]')).execute();
}
