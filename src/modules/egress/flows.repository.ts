import { CompiledQuery, sql, type Expression, type SqlBool } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import { likePattern } from '../../platform/search-text.js';
import type { Sanction } from './egress.model.js';
import type { EgressDestinationsTable, EgressFlowsTable } from './flows.tables.js';

/** A flow row as written by the ingest hook and re-attribution (counts as numbers). */
export type FlowRow = Omit<EgressFlowsTable, 'requests' | 'bytes_out' | 'bytes_in'> & { requests: number; bytes_out: number; bytes_in: number };

const FLOW_COLUMNS = ['id', 'hour', 'client', 'app', 'destination', 'vendor_id', 'direction', 'product_id', 'requests', 'bytes_out', 'bytes_in', 'methods', 'content_types', 'data_classes', 'sanction', 'first_seen', 'last_seen'] as const;
const FLOW_KEY = ['destination', 'vendor_id', 'hour', 'client', 'app', 'direction'];
const SANCTION_RANK = `case when f.sanction = 'unsanctioned' then 2 when f.sanction = 'unknown' then 1 else 0 end`;

/** SQLite's limit on bound parameters per statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32). */
const SQLITE_MAX_PARAMETERS = 32_766;

export interface FlowFilter {
  vendorId?: string;
  sanction?: EgressFlowsTable['sanction'];
  dataClass?: string;
  /** Hours from (the hour holding it) and to (inclusive). */
  from?: string;
  to?: string;
  /** Part of the destination. */
  q?: string;
  destinations?: string[];
}

export interface FlowGroup {
  destination: string;
  vendor_id: string;
  requests: number;
  bytes_out: number;
  bytes_in: number;
  first_seen: string;
  last_seen: string;
  sanction_rank: number;
}

export class FlowsRepository {
  constructor(private readonly db: Executor) {}

  /**
   * The sets stay compact JSON sorted by code unit, as JavaScript writes them, on both engines.
   * Adds the rows to the hourly flows in one statement (SQLite: one per 1,900 rows, its parameter
   * limit): a row whose key exists adds its counts, widens first/last seen, unions its sets and
   * keeps the worse sanction. Rows must have distinct keys.
   */
  async upsertFlows(rows: FlowRow[]): Promise<void> {
    if (!rows.length) return;
    const pg = isPostgres(this.db);
    const union = (column: string) =>
      pg
        ? `${column} = (select coalesce('[' || string_agg(to_json(v)::text, ',' order by v collate "C") || ']', '[]') from (select json_array_elements_text(egress_flows.${column}::json) as v union select json_array_elements_text(excluded.${column}::json)) as u)`
        : `${column} = (select json_group_array(value) from (select value from json_each(egress_flows.${column}) union select value from json_each(excluded.${column}) order by value))`;
    const worse = `case when 'unsanctioned' in (egress_flows.sanction, excluded.sanction) then 'unsanctioned' when 'unknown' in (egress_flows.sanction, excluded.sanction) then 'unknown' else 'sanctioned' end`;
    const conflict = ` on conflict (${FLOW_KEY.join(', ')}) do update set
      requests = egress_flows.requests + excluded.requests,
      bytes_out = egress_flows.bytes_out + excluded.bytes_out,
      bytes_in = egress_flows.bytes_in + excluded.bytes_in,
      ${union('methods')}, ${union('content_types')}, ${union('data_classes')},
      sanction = ${worse},
      product_id = excluded.product_id,
      first_seen = ${pg ? 'least' : 'min'}(egress_flows.first_seen, excluded.first_seen),
      last_seen = ${pg ? 'greatest' : 'max'}(egress_flows.last_seen, excluded.last_seen)`;
    await this.insertRows('egress_flows', FLOW_COLUMNS, rows, conflict);
  }

  /** Records the destinations seen (first/last seen widened; the vendor found at this sight replaces the last one). */
  async upsertDestinations(rows: Array<Pick<EgressDestinationsTable, 'destination' | 'first_seen' | 'last_seen' | 'seen_vendor_id'>>): Promise<void> {
    if (!rows.length) return;
    const pg = isPostgres(this.db);
    const conflict = ` on conflict (destination) do update set
      first_seen = ${pg ? 'least' : 'min'}(egress_destinations.first_seen, excluded.first_seen),
      last_seen = ${pg ? 'greatest' : 'max'}(egress_destinations.last_seen, excluded.last_seen),
      seen_vendor_id = excluded.seen_vendor_id`;
    await this.insertRows('egress_destinations', ['destination', 'first_seen', 'last_seen', 'seen_vendor_id'], rows, conflict);
  }

  /**
   * PostgreSQL: one statement whatever the size (the rows as one JSON parameter, as in
   * platform/db/bulk.ts). SQLite: multi-row VALUES, as many rows a statement as its parameter
   * limit allows.
   */
  private async insertRows<R extends object>(table: string, columns: readonly string[], rows: R[], conflict: string): Promise<void> {
    const list = columns.join(', ');
    if (isPostgres(this.db)) {
      await this.db.executeQuery(CompiledQuery.raw(`insert into ${table} (${list}) select ${list} from json_populate_recordset(null::${table}, $1::json)${conflict}`, [JSON.stringify(rows)]));
      return;
    }
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const perStatement = Math.floor(SQLITE_MAX_PARAMETERS / columns.length);
    for (let from = 0; from < rows.length; from += perStatement) {
      const slice = rows.slice(from, from + perStatement);
      const parameters: unknown[] = [];
      for (const row of slice) for (const column of columns) parameters.push((row as Record<string, unknown>)[column] ?? null);
      await this.db.executeQuery(CompiledQuery.raw(`insert into ${table} (${list}) values ${Array(slice.length).fill(tuple).join(', ')}${conflict}`, parameters));
    }
  }

  /** Every flow row of a destination (re-attribution reads them, deletes them and writes them again). */
  async rowsOf(destination: string): Promise<FlowRow[]> {
    const rows = await this.db.selectFrom('egress_flows').selectAll().where('destination', '=', destination).execute();
    return rows.map((r) => ({ ...r, requests: Number(r.requests), bytes_out: Number(r.bytes_out), bytes_in: Number(r.bytes_in) }));
  }

  /** The flow rows attributed to these vendors, with what their sanction is worked out from. */
  async sanctionsOfVendors(vendorIds: string[]) {
    if (!vendorIds.length) return [];
    return this.db.selectFrom('egress_flows').select(['id', 'destination', 'vendor_id', 'data_classes', 'sanction']).where('vendor_id', 'in', vendorIds).execute();
  }

  async setSanction(ids: string[], sanction: Sanction): Promise<void> {
    for (let i = 0; i < ids.length; i += 1000) await this.db.updateTable('egress_flows').set({ sanction }).where('id', 'in', ids.slice(i, i + 1000)).execute();
  }

  async deleteOf(destination: string): Promise<void> {
    await this.db.deleteFrom('egress_flows').where('destination', '=', destination).execute();
  }

  private filtered(filter: FlowFilter) {
    let query = this.db.selectFrom('egress_flows as f');
    if (filter.vendorId) query = query.where('f.vendor_id', '=', filter.vendorId);
    if (filter.sanction) query = query.where('f.sanction', '=', filter.sanction);
    if (filter.dataClass) query = query.where('f.data_classes', 'like', `%"${filter.dataClass}"%`);
    if (filter.from) query = query.where('f.hour', '>=', `${filter.from.slice(0, 13)}:00:00.000Z`);
    if (filter.to) query = query.where('f.hour', '<=', filter.to);
    if (filter.q) query = query.where('f.destination', 'like', sql<string>`${likePattern(filter.q.toLowerCase())} escape '\\'`);
    if (filter.destinations) query = query.where('f.destination', 'in', filter.destinations.length ? filter.destinations : ['']);
    return query;
  }

  /**
   * Flows summed per (destination, vendor) over the filtered hours, largest first; `after` is the
   * last group of the previous page (its byte total, destination and vendor).
   */
  async groups(filter: FlowFilter, after: { bytes: number; destination: string; vendorId: string } | null, limit: number): Promise<FlowGroup[]> {
    const total = sql<number>`sum(f.bytes_out) + sum(f.bytes_in)`;
    let query = this.filtered(filter)
      .select([
        'f.destination',
        'f.vendor_id',
        sql<number>`sum(f.requests)`.as('requests'),
        sql<number>`sum(f.bytes_out)`.as('bytes_out'),
        sql<number>`sum(f.bytes_in)`.as('bytes_in'),
        sql<string>`min(f.first_seen)`.as('first_seen'),
        sql<string>`max(f.last_seen)`.as('last_seen'),
        sql<number>`max(${sql.raw(SANCTION_RANK)})`.as('sanction_rank'),
      ])
      .groupBy(['f.destination', 'f.vendor_id']);
    if (after) {
      const { bytes, destination, vendorId } = after;
      query = query.having((eb) =>
        eb.or([
          eb(total, '<', bytes),
          eb.and([eb(total, '=', bytes), eb.or([eb('f.destination', '>', destination), eb.and([eb('f.destination', '=', destination), eb('f.vendor_id', '>', vendorId)])])]),
        ]) as Expression<SqlBool>,
      );
    }
    const rows = await query.orderBy(total, 'desc').orderBy('f.destination').orderBy('f.vendor_id').limit(limit + 1).execute();
    return rows.map((r) => ({ ...r, requests: Number(r.requests), bytes_out: Number(r.bytes_out), bytes_in: Number(r.bytes_in), sanction_rank: Number(r.sanction_rank) }));
  }

  /** The distinct sources and sets behind the groups of these destinations (few rows: sets repeat hour after hour). */
  async details(filter: FlowFilter) {
    return this.filtered(filter)
      .select(['f.destination', 'f.vendor_id', 'f.client', 'f.app', 'f.methods', 'f.content_types', 'f.data_classes'])
      .distinct()
      .execute();
  }

  /** Flows summed per (source, vendor, destination, data classes) for the graph. */
  async graphEdges(filter: FlowFilter) {
    const rows = await this.filtered(filter)
      .select([
        'f.client',
        'f.app',
        'f.vendor_id',
        'f.destination',
        'f.data_classes',
        sql<number>`sum(f.requests)`.as('requests'),
        sql<number>`sum(f.bytes_out) + sum(f.bytes_in)`.as('bytes'),
        sql<number>`max(${sql.raw(SANCTION_RANK)})`.as('sanction_rank'),
      ])
      .groupBy(['f.client', 'f.app', 'f.vendor_id', 'f.destination', 'f.data_classes'])
      .execute();
    return rows.map((r) => ({ ...r, requests: Number(r.requests), bytes: Number(r.bytes), sanction_rank: Number(r.sanction_rank) }));
  }

  async vendorNames(ids: string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter(Boolean))];
    if (!wanted.length) return new Map();
    const rows = await this.db.selectFrom('vendors').select(['id', 'name']).where('id', 'in', wanted).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}

export const SANCTION_OF_RANK = ['sanctioned', 'unknown', 'unsanctioned'] as const;
