import { sql } from 'kysely';
import { insertJsonRows } from '../../platform/db/bulk.js';
import type { Executor } from '../../platform/db/schema.js';
import type { CursorPosition } from '../../platform/http/pagination.js';
import type { EgressEvent } from './egress.model.js';
import type { EgressEventsTable, EgressIngestOffsetsTable } from './ingest.tables.js';

export interface EventFilter {
  /** The host or any of its subdomains. */
  host?: string;
  /** Hosts under one of the vendor's domains. */
  vendorId?: string;
  decision?: string;
  source?: string;
  client?: string;
  /** Inclusive lower and exclusive upper bound on the event time. */
  from?: string;
  to?: string;
  /** Only events whose body carried personal data. */
  detected?: boolean;
}

export function toRow(id: string, event: EgressEvent, ingestedAt: string): EgressEventsTable {
  return {
    id,
    at: event.at,
    source: event.source,
    client: event.client,
    app: event.app,
    method: event.method,
    host: event.host,
    port: event.port,
    path: event.path,
    status: event.status,
    bytes_out: event.bytesOut,
    bytes_in: event.bytesIn,
    content_type: event.contentType,
    data_classes: JSON.stringify(event.dataClasses),
    detections: JSON.stringify(event.detections),
    decision: event.decision,
    reason: event.reason,
    scan_truncated: event.scanTruncated ? 1 : 0,
    ingested_at: ingestedAt,
  };
}

export class IngestRepository {
  constructor(private readonly db: Executor) {}

  /** One multi-row statement per slice (bulk.ts), not one per event. */
  async insert(rows: EgressEventsTable[]): Promise<void> {
    await insertJsonRows(this.db, 'egress_events', rows as unknown as Array<Record<string, unknown>>);
  }

  async get(id: string): Promise<EgressEventsTable | undefined> {
    return this.db.selectFrom('egress_events').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Newest first by event time; `after` is the (at, id) of the previous page's last row. */
  async list(filter: EventFilter, after: CursorPosition | null, limit: number): Promise<EgressEventsTable[]> {
    let query = this.db.selectFrom('egress_events').selectAll();
    if (filter.host) {
      const host = filter.host;
      query = query.where((eb) => eb.or([eb('host', '=', host), eb('host', 'like', sql<string>`${`%.${host.replace(/[\\%_]/g, (c) => `\\${c}`)}`} escape '\\'`)]));
    }
    if (filter.vendorId) {
      const vendorId = filter.vendorId;
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('vendor_domains')
            .select(sql`1`.as('one'))
            .where('vendor_domains.vendor_id', '=', vendorId)
            .where((inner) => inner.or([inner('vendor_domains.domain', '=', inner.ref('egress_events.host')), inner(inner.ref('egress_events.host'), 'like', sql<string>`'%.' || vendor_domains.domain`)])),
        ),
      );
    }
    if (filter.decision) query = query.where('decision', '=', filter.decision);
    if (filter.source) query = query.where('source', '=', filter.source);
    if (filter.client) query = query.where('client', '=', filter.client);
    if (filter.from) query = query.where('at', '>=', filter.from);
    if (filter.to) query = query.where('at', '<', filter.to);
    if (filter.detected) query = query.where('data_classes', '<>', '[]');
    if (after) {
      const at = String(after.key);
      query = query.where((eb) => eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('id', '<', after.id)])]));
    }
    return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /** Deletes up to `limit` events older than `before` (oldest first): the prune job's step. */
  async deleteOlderThan(before: string, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('egress_events')
      .where('id', 'in', (eb) => eb.selectFrom('egress_events').select('id').where('at', '<', before).orderBy('at').limit(limit))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async offset(path: string): Promise<EgressIngestOffsetsTable | undefined> {
    return this.db.selectFrom('egress_ingest_offsets').selectAll().where('path', '=', path).executeTakeFirst();
  }

  async saveOffset(row: EgressIngestOffsetsTable): Promise<void> {
    await this.db
      .insertInto('egress_ingest_offsets')
      .values(row)
      .onConflict((oc) => oc.column('path').doUpdateSet({ format: row.format, offset: row.offset, line: row.line, head_length: row.head_length, head_hash: row.head_hash, updated_at: row.updated_at }))
      .execute();
  }
}
