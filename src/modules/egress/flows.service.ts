import type { Kysely } from 'kysely';
import type { DB, Executor } from '../../platform/db/schema.js';
import { invalidField } from '../../platform/errors.js';
import { decodeCursor, encodeCursor, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import type { DetectionType } from '../pii/pii.model.js';
import type { Attribution, EgressAttribution } from './attribution.js';
import type { EgressEvent, Sanction } from './egress.model.js';
import { FlowsRepository, SANCTION_OF_RANK, type FlowFilter, type FlowRow } from './flows.repository.js';
import type { DataFlow, DataFlowGraph, DataFlowGraphQueryType, DataFlowQueryType } from './flows.schemas.js';

/** What the hook needs of a stored event (EgressIngestService hands StoredEgressEvent, a superset). */
export type FlowEvent = Pick<EgressEvent, 'at' | 'client' | 'app' | 'method' | 'host' | 'bytesOut' | 'bytesIn' | 'contentType' | 'dataClasses' | 'direction'>;

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]{1,60}\/[a-z0-9!#$&^_.+-]{1,100}$/;
const METHOD = /^[A-Z][A-Z0-9_-]{0,19}$/;

/** "application/json; charset=utf-8" → "application/json"; anything else that is not a media type is dropped. */
export function mediaType(contentType: string | null): string | null {
  if (!contentType) return null;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return MEDIA_TYPE.test(type) ? type : null;
}

/** The start of the event's hour (ISO 8601 UTC); null for a time no engine can order. */
export function hourOf(at: string): string | null {
  const ms = Date.parse(at);
  if (!Number.isFinite(ms)) return null;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 13)}:00:00.000Z`;
}

interface Accumulator {
  row: Omit<FlowRow, 'methods' | 'content_types' | 'data_classes' | 'sanction'>;
  attribution: Attribution;
  methods: Set<string>;
  contentTypes: Set<string>;
  dataClasses: Set<DetectionType>;
}

const sortedJson = (values: Iterable<string>) => JSON.stringify([...values].sort());

/**
 * Data flows: egress events summed per hour, client or app, destination (registrable domain or IP),
 * vendor and direction, with the methods, content types and personal-data classes seen, and
 * whether the destination was sanctioned for that data.
 */
export class FlowService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly attribution: EgressAttribution,
  ) {}

  /**
   * The ingest hook (EgressIngestService.onIngested), in the batch's transaction: one upsert of
   * the batch's flows and one of its destinations, whatever the batch size.
   */
  aggregate = async (trx: Executor, events: readonly FlowEvent[]): Promise<void> => {
    if (!events.length) return;
    const attributions = await this.attribution.resolveMany(trx, events.map((e) => e.host));
    const flows = new Map<string, Accumulator>();
    const destinations = new Map<string, { destination: string; first_seen: string; last_seen: string; seen_vendor_id: string | null }>();
    for (const event of events) {
      const hour = hourOf(event.at);
      if (!hour) continue;
      const at = new Date(Date.parse(event.at)).toISOString();
      const attribution = attributions.get(event.host)!;
      const { destination } = attribution;
      const client = event.client ?? '';
      const app = event.app ?? '';
      const vendorId = attribution.vendorId ?? '';
      const direction = event.direction ?? 'outbound';
      const key = `${destination}\u0000${vendorId}\u0000${hour}\u0000${client}\u0000${app}\u0000${direction}`;
      let acc = flows.get(key);
      if (!acc) {
        acc = {
          row: { id: newId(), hour, client, app, destination, vendor_id: vendorId, direction, product_id: attribution.productId, requests: 0, bytes_out: 0, bytes_in: 0, first_seen: at, last_seen: at },
          attribution,
          methods: new Set(),
          contentTypes: new Set(),
          dataClasses: new Set(),
        };
        flows.set(key, acc);
      }
      const row = acc.row;
      row.requests++;
      row.bytes_out += safeCount(event.bytesOut);
      row.bytes_in += safeCount(event.bytesIn);
      if (at < row.first_seen) row.first_seen = at;
      if (at > row.last_seen) row.last_seen = at;
      const method = event.method?.toUpperCase();
      if (method && METHOD.test(method)) acc.methods.add(method);
      const type = mediaType(event.contentType);
      if (type) acc.contentTypes.add(type);
      for (const c of event.dataClasses) acc.dataClasses.add(c);
      const seen = destinations.get(destination);
      if (!seen) destinations.set(destination, { destination, first_seen: at, last_seen: at, seen_vendor_id: attribution.vendorId });
      else {
        if (at < seen.first_seen) seen.first_seen = at;
        if (at > seen.last_seen) seen.last_seen = at;
        seen.seen_vendor_id ??= attribution.vendorId;
      }
    }
    const repo = new FlowsRepository(trx);
    await repo.upsertFlows([...flows.values()].map((acc) => this.finish(acc)));
    await repo.upsertDestinations([...destinations.values()]);
  };

  private finish(acc: Accumulator): FlowRow {
    const classes = [...acc.dataClasses];
    return {
      ...acc.row,
      methods: sortedJson(acc.methods),
      content_types: sortedJson(acc.contentTypes),
      data_classes: sortedJson(classes),
      sanction: this.attribution.sanctionOf(acc.attribution, classes),
    };
  }

  /**
   * Gives a destination's flows the attribution it has now (after a person assigned it): each row
   * takes the new vendor and product, its sanction is worked out again from its data classes, and
   * rows that now share a key are merged.
   */
  async reattribute(trx: Executor, attribution: Attribution): Promise<number> {
    const repo = new FlowsRepository(trx);
    const rows = await repo.rowsOf(attribution.destination);
    if (!rows.length) return 0;
    await repo.deleteOf(attribution.destination);
    const merged = new Map<string, FlowRow>();
    for (const old of rows) {
      const classes = JSON.parse(old.data_classes) as DetectionType[];
      const row: FlowRow = { ...old, vendor_id: attribution.vendorId ?? '', product_id: attribution.productId, sanction: this.attribution.sanctionOf(attribution, classes) };
      const key = `${row.hour}\u0000${row.client}\u0000${row.app}\u0000${row.direction}`;
      const into = merged.get(key);
      merged.set(key, into ? mergeRows(into, row) : row);
    }
    await repo.upsertFlows([...merged.values()]);
    return rows.length;
  }

  /**
   * The vendors-changed hook (their approved data categories): the flows attributed to them get
   * their sanction worked out again, so a flow judged against the old categories does not keep
   * that judgement. Only rows whose sanction changes are written.
   */
  resanction = async (trx: Executor, vendorIds: string[]): Promise<number> => {
    this.attribution.invalidate();
    const repo = new FlowsRepository(trx);
    const rows = await repo.sanctionsOfVendors(vendorIds);
    if (!rows.length) return 0;
    const now = await this.attribution.sanctionsNow(trx, rows.map((r) => ({ destination: r.destination, vendorId: r.vendor_id, dataClasses: JSON.parse(r.data_classes) as DetectionType[] })));
    const changed = new Map<Sanction, string[]>();
    rows.forEach((row, i) => {
      if (now[i] === row.sanction) return;
      const ids = changed.get(now[i]) ?? [];
      ids.push(row.id);
      changed.set(now[i], ids);
    });
    for (const [sanction, ids] of changed) await repo.setSanction(ids, sanction);
    return [...changed.values()].reduce((n, ids) => n + ids.length, 0);
  };

  async list(query: DataFlowQueryType): Promise<PageOf<DataFlow>> {
    const limit = query.limit ?? 50;
    const filter = flowFilter(query);
    const cursor = decodeCursor(query.cursor, 'number');
    let after: { bytes: number; destination: string; vendorId: string } | null = null;
    if (cursor) {
      const [destination, vendorId, extra] = cursor.id.split('\u001f');
      if (vendorId === undefined || extra !== undefined) throw invalidField('cursor', 'is not a cursor returned by this endpoint');
      after = { bytes: Number(cursor.key), destination, vendorId };
    }
    const repo = new FlowsRepository(this.db);
    const found = await repo.groups(filter, after, limit);
    const groups = found.slice(0, limit);
    const details = groups.length ? await repo.details({ ...filter, destinations: [...new Set(groups.map((g) => g.destination))] }) : [];
    const names = await repo.vendorNames(groups.map((g) => g.vendor_id));
    const sets = new Map<string, { sources: Set<string>; methods: Set<string>; contentTypes: Set<string>; dataClasses: Set<string> }>();
    for (const d of details) {
      const key = `${d.destination}\u001f${d.vendor_id}`;
      let set = sets.get(key);
      if (!set) sets.set(key, (set = { sources: new Set(), methods: new Set(), contentTypes: new Set(), dataClasses: new Set() }));
      set.sources.add(sourceLabel(d.client, d.app));
      for (const m of JSON.parse(d.methods) as string[]) set.methods.add(m);
      for (const c of JSON.parse(d.content_types) as string[]) set.contentTypes.add(c);
      for (const c of JSON.parse(d.data_classes) as string[]) set.dataClasses.add(c);
    }
    const items = groups.map((g): DataFlow => {
      const set = sets.get(`${g.destination}\u001f${g.vendor_id}`);
      return {
        destination: g.destination,
        vendor: g.vendor_id ? { id: g.vendor_id, name: names.get(g.vendor_id) ?? null } : null,
        sanction: SANCTION_OF_RANK[g.sanction_rank] as Sanction,
        requests: g.requests,
        bytes: g.bytes_out + g.bytes_in,
        bytesOut: g.bytes_out,
        bytesIn: g.bytes_in,
        dataClasses: sorted(set?.dataClasses),
        firstSeen: g.first_seen,
        lastSeen: g.last_seen,
        sources: sorted(set?.sources),
        methods: sorted(set?.methods),
        contentTypes: sorted(set?.contentTypes),
      };
    });
    const last = groups[groups.length - 1];
    return { items, nextCursor: found.length > limit && last ? encodeCursor({ key: last.bytes_out + last.bytes_in, id: `${last.destination}\u001f${last.vendor_id}` }) : null };
  }

  /**
   * The flow map: sources → vendors → destinations for the largest `limit` destinations by bytes.
   * An unattributed destination is reached from its sources directly.
   */
  async graph(query: DataFlowGraphQueryType): Promise<DataFlowGraph> {
    const repo = new FlowsRepository(this.db);
    const rows = await repo.graphEdges(flowFilter(query));
    const byDestination = new Map<string, number>();
    for (const r of rows) byDestination.set(r.destination, (byDestination.get(r.destination) ?? 0) + r.bytes);
    const kept = new Set(
      [...byDestination.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, query.limit ?? 50)
        .map(([d]) => d),
    );
    const names = await repo.vendorNames(rows.map((r) => r.vendor_id));
    const nodes = new Map<string, DataFlowGraph['nodes'][number]>();
    const edges = new Map<string, DataFlowGraph['edges'][number] & { classes: Set<string>; rank: number }>();
    const node = (id: string, kind: 'source' | 'vendor' | 'destination', label: string, requests: number, bytes: number, rank: number) => {
      const n = nodes.get(id) ?? { id, kind, label, requests: 0, bytes: 0, sanction: null };
      n.requests += requests;
      n.bytes += bytes;
      if (kind === 'destination') n.sanction = worse(n.sanction, SANCTION_OF_RANK[rank]);
      nodes.set(id, n);
    };
    const edge = (from: string, to: string, requests: number, bytes: number, classes: string[], rank: number) => {
      const key = `${from}\u0000${to}`;
      const e = edges.get(key) ?? { from, to, requests: 0, bytes: 0, dataClasses: [], sanction: 'sanctioned', classes: new Set<string>(), rank: 0 };
      e.requests += requests;
      e.bytes += bytes;
      for (const c of classes) e.classes.add(c);
      e.rank = Math.max(e.rank, rank);
      edges.set(key, e);
    };
    for (const r of rows) {
      if (!kept.has(r.destination)) continue;
      const classes = JSON.parse(r.data_classes) as string[];
      const source = `source:${sourceLabel(r.client, r.app)}`;
      const destination = `destination:${r.destination}`;
      node(source, 'source', sourceLabel(r.client, r.app), r.requests, r.bytes, r.sanction_rank);
      node(destination, 'destination', r.destination, r.requests, r.bytes, r.sanction_rank);
      if (r.vendor_id) {
        const vendor = `vendor:${r.vendor_id}`;
        node(vendor, 'vendor', names.get(r.vendor_id) ?? r.vendor_id, r.requests, r.bytes, r.sanction_rank);
        edge(source, vendor, r.requests, r.bytes, classes, r.sanction_rank);
        edge(vendor, destination, r.requests, r.bytes, classes, r.sanction_rank);
      } else {
        edge(source, destination, r.requests, r.bytes, classes, r.sanction_rank);
      }
    }
    return {
      nodes: [...nodes.values()].sort((a, b) => a.kind.localeCompare(b.kind) || b.bytes - a.bytes || a.id.localeCompare(b.id)),
      edges: [...edges.values()]
        .map(({ classes, rank, ...e }) => ({ ...e, dataClasses: [...classes].sort(), sanction: SANCTION_OF_RANK[rank] as Sanction }))
        .sort((a, b) => b.bytes - a.bytes || a.from.localeCompare(b.from) || a.to.localeCompare(b.to)),
    };
  }
}

/** A client and its app read as "app on client"; either alone as itself. */
export function sourceLabel(client: string, app: string): string {
  if (client && app) return `${app} on ${client}`;
  return client || app || 'unknown';
}

function flowFilter(query: { vendorId?: string; sanction?: Sanction; dataClass?: string; from?: string; to?: string; q?: string }): FlowFilter {
  const time = (field: 'from' | 'to') => {
    const value = query[field];
    if (value === undefined) return undefined;
    const ms = Date.parse(value);
    if (!Number.isFinite(ms)) throw invalidField(`/${field}`, 'must be a date-time');
    return new Date(ms).toISOString();
  };
  return { vendorId: query.vendorId, sanction: query.sanction, dataClass: query.dataClass, from: time('from'), to: time('to'), q: query.q };
}

function worse(a: Sanction | null, b: Sanction): Sanction {
  if (a === null) return b;
  return SANCTION_OF_RANK.indexOf(a) >= SANCTION_OF_RANK.indexOf(b) ? a : b;
}

function sorted(set: Set<string> | undefined): string[] {
  return set ? [...set].sort() : [];
}

function safeCount(n: number): number {
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function mergeSets(a: string, b: string): string {
  return sortedJson(new Set([...(JSON.parse(a) as string[]), ...(JSON.parse(b) as string[])]));
}

function mergeRows(a: FlowRow, b: FlowRow): FlowRow {
  return {
    ...a,
    requests: a.requests + b.requests,
    bytes_out: a.bytes_out + b.bytes_out,
    bytes_in: a.bytes_in + b.bytes_in,
    methods: mergeSets(a.methods, b.methods),
    content_types: mergeSets(a.content_types, b.content_types),
    data_classes: mergeSets(a.data_classes, b.data_classes),
    sanction: worse(a.sanction, b.sanction),
    first_seen: a.first_seen < b.first_seen ? a.first_seen : b.first_seen,
    last_seen: a.last_seen > b.last_seen ? a.last_seen : b.last_seen,
  };
}
