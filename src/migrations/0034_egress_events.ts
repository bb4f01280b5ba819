import { sql, type Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Raw egress events (issue 12): one row per request or connection seen leaving the organisation,
 * from proxy and Zeek logs, the NDJSON API and the ICAP service. Kept for the retention window
 * only (THIRDWATCH_EGRESS_RETENTION_DAYS): flows keep the aggregates. URL queries and request
 * bodies are never stored.
 *
 * egress_ingest_offsets remembers how far a log file was read, so `thirdwatch egress ingest`
 * continues where it stopped; `head_hash` (the file's first bytes) tells a rotated file apart.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('egress_events')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('at', T.time, (c) => c.notNull())
    .addColumn('source', T.text, (c) => c.notNull())
    .addColumn('client', T.text)
    .addColumn('app', T.text)
    .addColumn('method', T.text)
    .addColumn('host', T.text, (c) => c.notNull())
    .addColumn('port', T.int)
    .addColumn('path', T.text)
    .addColumn('status', T.int)
    // bigint: a long connection moves more than 2 GiB.
    .addColumn('bytes_out', 'bigint', (c) => c.notNull())
    .addColumn('bytes_in', 'bigint', (c) => c.notNull())
    .addColumn('content_type', T.text)
    .addColumn('data_classes', T.json, (c) => c.notNull())
    .addColumn('detections', T.json, (c) => c.notNull())
    .addColumn('decision', T.text)
    .addColumn('reason', T.text)
    .addColumn('ingested_at', T.time, (c) => c.notNull())
    .execute();
  // Lists and exports read newest first (and the prune deletes oldest first) by event time.
  await db.schema.createIndex('egress_events_at').on('egress_events').columns(['at', 'id']).execute();
  await db.schema.createIndex('egress_events_host').on('egress_events').columns(['host', 'at']).execute();
  // The detections export reads only events that carried personal data.
  await sql`CREATE INDEX egress_events_detected ON egress_events (at, id) WHERE data_classes <> '[]'`.execute(db);

  await db.schema
    .createTable('egress_ingest_offsets')
    .addColumn('path', T.text, (c) => c.primaryKey())
    .addColumn('format', T.text, (c) => c.notNull())
    .addColumn('offset', 'bigint', (c) => c.notNull())
    .addColumn('line', T.int, (c) => c.notNull())
    .addColumn('head_length', T.int, (c) => c.notNull())
    .addColumn('head_hash', T.text, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
}
