import type { Kysely, Transaction } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB } from '../../platform/db/schema.js';
import { invalidField, notFound, validationError, type FieldProblem } from '../../platform/errors.js';
import { decodeCursor, encodeCursor, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import type { DetectionSummary, DetectionType } from '../pii/pii.model.js';
import { scanBody, summarize, type ScanResult } from '../pii/pii.scan.js';
import { EGRESS_DECISIONS, EGRESS_SOURCES, type EgressEvent } from './egress.model.js';
import { IngestRepository, toRow, type EventFilter } from './ingest.repository.js';
import type { EgressEventsTable } from './ingest.tables.js';
import { normalizeHost, type BodySample, type LineParser } from './parsers/common.js';
import type { Line } from './parsers/lines.js';

export type StoredEgressEvent = EgressEvent & { id: string };
export type IngestHook = (trx: Transaction<DB>, events: StoredEgressEvent[], ctx: RequestContext) => Promise<void>;

/** What a body scan yields for an event: the personal-data classes and their counts (the body itself is dropped). */
export type BodyScanner = (body: BodySample) => Promise<{ dataClasses: DetectionType[]; detections: DetectionSummary; truncated: boolean }>;

/**
 * The personal-data engine over a body. dataClasses holds the types found with medium or high
 * confidence (what flows and alerts act on); the summary counts every tier. A body the engine
 * could only partly read (a compression bomb cut at its cap) keeps what was found in the part read.
 */
export function bodyScanner(scan: (body: Buffer, headers: { contentType: string | null; contentEncoding: string | null }) => Promise<ScanResult>): BodyScanner {
  return async (body) => {
    const result = await scan(body.data, { contentType: body.contentType, contentEncoding: body.contentEncoding });
    const dataClasses = [...new Set(result.detections.filter((d) => d.tier !== 'low').map((d) => d.type))];
    return { dataClasses, detections: summarize(result.detections), truncated: result.truncated };
  };
}

/** The engine with its defaults (no custom patterns): what a service built without the PiiService uses. */
export const piiBodyScanner = bodyScanner((body, headers) => scanBody(body, headers));

export const PRUNE_JOB = 'egress.prune-events';
export const PRUNE_SCHEDULE = { name: 'egress-events-prune', cron: '40 * * * *', jobKind: PRUNE_JOB };

/** Events per transaction when ingesting a stream: big enough to amortise the commit, small enough to bound memory. */
export const BATCH_SIZE = 2000;
/** Rejected lines reported back in full; beyond that only counted. */
export const MAX_REPORTED_REJECTIONS = 1000;
const PRUNE_SLICE = 5000;

export interface LineRejection {
  line: number;
  field: string;
  reason: string;
}

export interface StreamReport {
  accepted: number;
  skipped: number;
  rejected: LineRejection[];
  rejectedCount: number;
  /** The last line read and the byte offset after it (a resume point). */
  lines: number;
  offset: number;
}

export interface StreamOptions {
  /** Runs in each batch's transaction after the events and hooks: the CLI stores its resume offset there. */
  afterBatch?: (trx: Transaction<DB>, position: { line: number; offset: number }) => Promise<void>;
  onProgress?: (position: { line: number; offset: number; accepted: number }) => void;
  batchSize?: number;
  /**
   * The stream has ended (an HTTP body): a last line without a line break is a whole line, and a
   * bad one is rejected. Otherwise (a log file still being written) it is left for the next run.
   */
  lastLineComplete?: boolean;
}

export type EgressEventView = StoredEgressEvent & { scanTruncated: boolean; ingestedAt: string };

export function presentEvent(row: EgressEventsTable): EgressEventView {
  return {
    id: row.id,
    at: row.at,
    source: row.source as EgressEvent['source'],
    client: row.client,
    app: row.app,
    method: row.method,
    host: row.host,
    port: row.port,
    path: row.path,
    status: row.status,
    bytesOut: Number(row.bytes_out),
    bytesIn: Number(row.bytes_in),
    contentType: row.content_type,
    dataClasses: JSON.parse(row.data_classes) as DetectionType[],
    detections: JSON.parse(row.detections) as DetectionSummary,
    decision: row.decision as EgressEvent['decision'],
    reason: row.reason,
    scanTruncated: Number(row.scan_truncated) === 1,
    ingestedAt: row.ingested_at,
  };
}

export interface EventQuery {
  host?: string;
  vendorId?: string;
  decision?: string;
  source?: string;
  client?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

/**
 * The one place egress events are stored (issue 12): log parsers, the NDJSON API and the ICAP
 * service hand their events here, a batch per transaction, and the hooks registered by flows and
 * alerts run inside that transaction, so an event is never stored without its aggregates.
 */
export class EgressIngestService {
  private readonly hooks: IngestHook[] = [];

  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: { retentionDays: number; scanBody?: BodyScanner },
  ) {
    this.scanBody = options.scanBody ?? piiBodyScanner;
  }

  private readonly scanBody: BodyScanner;

  /** Hooks run in registration order, in the ingesting transaction (a hook that throws rolls the batch back). */
  onIngested(hook: IngestHook): void {
    this.hooks.push(hook);
  }

  async ingest(events: EgressEvent[], ctx: RequestContext): Promise<{ stored: number; ids: string[] }> {
    return this.store(events, ctx);
  }

  private async store(events: EgressEvent[], ctx: RequestContext, after?: (trx: Transaction<DB>) => Promise<void>): Promise<{ stored: number; ids: string[] }> {
    for (const [i, event] of events.entries()) checkEvent(event, i);
    if (!events.length && !after) return { stored: 0, ids: [] };
    const now = new Date().toISOString();
    const stored: StoredEgressEvent[] = events.map((event) => ({ ...event, id: event.id ?? newId() }));
    await this.db.transaction().execute(async (trx) => {
      if (stored.length) {
        await new IngestRepository(trx).insert(stored.map((event) => toRow(event.id, event, now)));
        for (const hook of this.hooks) await hook(trx, stored, ctx);
      }
      if (after) await after(trx);
    });
    return { stored: stored.length, ids: stored.map((e) => e.id) };
  }

  /**
   * Parses a stream of lines and stores its events batch by batch: a bad line is reported (line
   * number, field, reason) and the rest goes on. A last line without a line break that does not
   * parse is taken as still being written: it is neither stored nor reported, and the resume
   * offset stays before it.
   */
  async ingestLines(lines: AsyncIterable<Line>, parser: LineParser, ctx: RequestContext, options: StreamOptions = {}): Promise<StreamReport> {
    const batchSize = options.batchSize ?? BATCH_SIZE;
    const report: StreamReport = { accepted: 0, skipped: 0, rejected: [], rejectedCount: 0, lines: 0, offset: 0 };
    let batch: EgressEvent[] = [];
    let position = { line: 0, offset: 0 };
    let dirty = false;
    const reject = (line: number, field: string, reason: string) => {
      report.rejectedCount++;
      if (report.rejected.length < MAX_REPORTED_REJECTIONS) report.rejected.push({ line, field, reason });
    };
    const flush = async () => {
      const events = batch;
      batch = [];
      dirty = false;
      const at = { ...position };
      await this.store(events, ctx, options.afterBatch ? (trx) => options.afterBatch!(trx, at) : undefined);
      report.accepted += events.length;
      options.onProgress?.({ ...at, accepted: report.accepted });
    };
    for await (const line of lines) {
      if (line.tooLong) {
        reject(line.number, 'line', 'longer than the largest line accepted: skipped');
      } else {
        const outcome = parser.parse(line.text);
        if (outcome.kind === 'error') {
          if (!line.terminated && !options.lastLineComplete) break;
          reject(line.number, outcome.field, outcome.reason);
        } else if (outcome.kind === 'skip') {
          report.skipped++;
        } else {
          const event = outcome.event;
          if (outcome.body) {
            const scanned = await this.scanBody(outcome.body);
            event.dataClasses = scanned.dataClasses;
            event.detections = scanned.detections;
            event.scanTruncated = scanned.truncated;
          }
          batch.push(event);
        }
      }
      position = { line: line.number, offset: line.end };
      dirty = true;
      if (batch.length >= batchSize) await flush();
    }
    if (dirty) await flush();
    report.lines = position.line;
    report.offset = position.offset;
    return report;
  }

  /** One audit entry per upload or file run (not per event: the ICAP service ingests continuously). */
  async recordIngestion(ctx: RequestContext, summary: { via: 'api' | 'cli'; accepted: number; rejected: number; path?: string; format?: string }): Promise<void> {
    await this.db.transaction().execute((trx) => recordAudit(trx, ctx, { action: 'egress.events.ingested', entityType: 'egress_events', entityId: null, after: summary }));
  }

  async get(id: string): Promise<EgressEventView> {
    const row = await new IngestRepository(this.db).get(id);
    if (!row) throw notFound('egress event', id);
    return presentEvent(row);
  }

  async list(query: EventQuery, options: { detected?: boolean } = {}): Promise<PageOf<EgressEventView>> {
    const limit = query.limit ?? 50;
    const after = decodeCursor(query.cursor, 'string');
    const rows = await new IngestRepository(this.db).list(this.filter(query, options.detected), after, limit + 1);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return { items: page.map(presentEvent), nextCursor: more && last ? encodeCursor({ key: last.at, id: last.id }) : null };
  }

  /** Every matching event, newest first, read a page at a time (exports stream this). */
  async *all(query: Omit<EventQuery, 'limit' | 'cursor'>, options: { detected?: boolean } = {}): AsyncGenerator<EgressEventView> {
    const repository = new IngestRepository(this.db);
    const filter = this.filter(query, options.detected);
    let after: { key: string; id: string } | null = null;
    for (;;) {
      const rows = await repository.list(filter, after, 1000);
      for (const row of rows) yield presentEvent(row);
      if (rows.length < 1000) return;
      const last = rows[rows.length - 1];
      after = { key: last.at, id: last.id };
    }
  }

  private filter(query: EventQuery, detected?: boolean): EventFilter {
    let host: string | undefined;
    if (query.host !== undefined) {
      host = normalizeHost(query.host) ?? undefined;
      if (!host) throw invalidField('host', 'is not a host name or IP address');
    }
    return { host, vendorId: query.vendorId, decision: query.decision, source: query.source, client: query.client, from: query.from, to: query.to, detected };
  }

  /** Deletes events older than the retention window, a slice per statement so no transaction grows large. */
  async prune(now = new Date()): Promise<{ deleted: number; before: string }> {
    const before = new Date(now.getTime() - this.options.retentionDays * 86_400_000).toISOString();
    const repository = new IngestRepository(this.db);
    let deleted = 0;
    for (;;) {
      const n = await repository.deleteOlderThan(before, PRUNE_SLICE);
      deleted += n;
      if (n < PRUNE_SLICE) return { deleted, before };
    }
  }
}

/** Callers inside Thirdwatch (ICAP, tests) hand events in directly: the few things storage relies on are checked. */
function checkEvent(event: EgressEvent, index: number): void {
  const problems: FieldProblem[] = [];
  if (!event.host || normalizeHost(event.host) !== event.host) problems.push({ field: `/events/${index}/host`, reason: 'must be a lower-case host name (punycode) or IP address' });
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(event.at)) problems.push({ field: `/events/${index}/at`, reason: 'must be an ISO 8601 UTC time' });
  if (!EGRESS_SOURCES.includes(event.source)) problems.push({ field: `/events/${index}/source`, reason: `must be one of ${EGRESS_SOURCES.join(', ')}` });
  if (event.decision !== null && !EGRESS_DECISIONS.includes(event.decision)) problems.push({ field: `/events/${index}/decision`, reason: `must be one of ${EGRESS_DECISIONS.join(', ')} or null` });
  if (!Number.isSafeInteger(event.bytesOut) || event.bytesOut < 0 || !Number.isSafeInteger(event.bytesIn) || event.bytesIn < 0) problems.push({ field: `/events/${index}/bytes`, reason: 'bytesOut and bytesIn must be whole numbers from 0' });
  if (event.path !== null && /[?#]/.test(event.path)) problems.push({ field: `/events/${index}/path`, reason: 'must not carry a query or fragment (they are never stored)' });
  if (problems.length) throw validationError('an egress event is not storable', problems);
}
