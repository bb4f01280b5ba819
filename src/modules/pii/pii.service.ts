import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB } from '../../platform/db/schema.js';
import { invalidField, validationError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Detection } from './pii.model.js';
import { patternProblems, type CustomPattern } from './pii.patterns.js';
import { PiiRepository } from './pii.repository.js';
import { scanBody, scanText, summarize, type ScanResult } from './pii.scan.js';
import type { PiiPatternsTable } from './pii.tables.js';
import type { ScanThreads } from './pii.threads.js';

/**
 * A body this large is worth handing to a scan thread (tuned with `npm run bench -- icap`): the
 * hand-off cost the ICAP service about 0.5 ms of CPU per 64 KB request, more than that body's scan
 * (about 0.2 ms); from some 128 KB a scan would hold up the service's event loop for longer.
 */
export const DEFAULT_OFF_THREAD_BYTES = 128 * 1024;

export interface PiiServiceOptions {
  /** Decoded bytes scanned per body (THIRDWATCH_PII_MAX_SCAN_BYTES). */
  maxScanBytes: number;
  /** Bodies of at least this many bytes are scanned on `threads` (when given), smaller ones here: a hand-off costs more than their scan. */
  offThreadBytes?: number;
  threads?: ScanThreads | null;
  /** How long the pattern list is reused before it is read again (other replicas may have saved one). */
  patternTtlMs?: number;
  now?: () => number;
}

export interface SampleInput {
  text?: string;
  /** base64 */
  body?: string;
  contentType?: string | null;
  contentEncoding?: string | null;
}

export type SampleResult = ScanResult & { summary: ReturnType<typeof summarize> };

function present(row: PiiPatternsTable): CustomPattern {
  return {
    name: row.name,
    pattern: row.pattern,
    caseInsensitive: row.case_insensitive === 1,
    confidence: row.confidence,
    ...(row.description ? { description: row.description } : {}),
  };
}

/**
 * The detection engine with the organisation's custom patterns: what the ICAP service, egress
 * ingestion and the policy editor's "test a sample" call. The pattern list is cached (the same
 * array object, so its compiled regexes are reused) and refreshed after a save or the TTL.
 */
export class PiiService {
  private cache: { patterns: CustomPattern[]; at: number } | null = null;
  private loading: Promise<CustomPattern[]> | null = null;
  private readonly now: () => number;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: PiiServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The custom patterns in force (cached). */
  async patterns(): Promise<CustomPattern[]> {
    const ttl = this.options.patternTtlMs ?? 30_000;
    if (this.cache && this.now() - this.cache.at < ttl) return this.cache.patterns;
    this.loading ??= new PiiRepository(this.db)
      .patterns()
      .then((rows) => {
        const patterns = rows.map(present);
        this.cache = { patterns, at: this.now() };
        return patterns;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  /**
   * `body`: one buffer, or the pieces it arrived in (on a scan thread, copied into memory it shares
   * with this one; see ScanThreads.scan). `detectionsOnly`: see ScanOptions.
   */
  async scanBody(body: Buffer | Buffer[], headers: { contentType?: string | null; contentEncoding?: string | null }, scan: { detectionsOnly?: boolean } = {}): Promise<ScanResult> {
    const options = { maxBytes: this.options.maxScanBytes, patterns: await this.patterns(), detectionsOnly: scan.detectionsOnly ?? false };
    const threads = this.options.threads;
    const length = Array.isArray(body) ? body.reduce((sum, piece) => sum + piece.length, 0) : body.length;
    if (threads && length >= (this.options.offThreadBytes ?? DEFAULT_OFF_THREAD_BYTES)) return threads.scan(body, headers, options);
    return scanBody(Array.isArray(body) ? Buffer.concat(body, length) : body, headers, options);
  }

  /** Starts the scan threads now rather than at the first large body (the ICAP service does, to be ready for load). */
  startThreads(): void {
    this.options.threads?.start();
  }

  /** Ends the scan threads (after the scans they have). */
  async close(): Promise<void> {
    await this.options.threads?.close();
  }

  async scanText(text: string): Promise<Detection[]> {
    return scanText(text, { maxBytes: this.options.maxScanBytes, patterns: await this.patterns() });
  }

  /** "Test a sample": text or a (base64, possibly compressed) body, with a summary. */
  async scanSample(input: SampleInput): Promise<SampleResult> {
    if ((input.text === undefined) === (input.body === undefined)) throw invalidField('/text', 'give either text or body (base64), not both and not neither');
    let result: ScanResult;
    if (input.text !== undefined) {
      const detections = await this.scanText(input.text);
      result = { detections, scannedBytes: Math.min(Buffer.byteLength(input.text), this.options.maxScanBytes), truncated: input.text.length > this.options.maxScanBytes, format: 'text', error: null };
    } else {
      const body = input.body ?? '';
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(body)) throw invalidField('/body', 'expected base64');
      result = await this.scanBody(Buffer.from(body, 'base64'), { contentType: input.contentType ?? null, contentEncoding: input.contentEncoding ?? null });
    }
    return { ...result, summary: summarize(result.detections) };
  }

  /** Replaces the custom pattern list after checking every pattern is in the linear-time subset; audited. */
  async replacePatterns(patterns: CustomPattern[], ctx: RequestContext): Promise<CustomPattern[]> {
    const problems = patternProblems(patterns);
    if (problems.length) throw validationError(`${problems.length} pattern problem(s): ${problems[0]!.field} ${problems[0]!.reason}`, problems);
    const at = new Date(this.now()).toISOString();
    const rows: PiiPatternsTable[] = patterns.map((p, position) => ({
      id: newId(),
      name: p.name,
      pattern: p.pattern,
      case_insensitive: p.caseInsensitive ? 1 : 0,
      confidence: p.confidence ?? 0.8,
      description: p.description?.trim() || null,
      position,
      updated_by: ctx.actor.name,
      updated_at: at,
    }));
    const saved = await this.db.transaction().execute(async (trx) => {
      const repo = new PiiRepository(trx);
      const before = (await repo.patterns()).map(present);
      await repo.replacePatterns(rows);
      const after = rows.map(present);
      await recordAudit(trx, ctx, { action: 'pii.patterns.replace', entityType: 'pii_patterns', entityId: null, before, after });
      return after;
    });
    this.cache = { patterns: saved, at: this.now() };
    return saved;
  }
}
