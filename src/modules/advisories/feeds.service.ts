import { createWriteStream } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB } from '../../platform/db/schema.js';
import { AppError, invalidField, validationError } from '../../platform/errors.js';
import type { JobQueue } from '../../platform/jobs/queue.js';
import { isCredentialParam, outboundGet, OutboundRefusedError, REDACTED, redactUrl, type OutboundPolicy, type OutboundResponse } from '../../platform/outbound.js';
import { readSetting, writeSetting } from '../../platform/settings.js';
import type { VexService } from '../findings/vex.service.js';
import { emptyReport, IMPORT_BATCH, type AdvisoryService, type BatchCheckpoint, type ImportReport } from './advisories.service.js';
import type { JobLauncher, LaunchOptions } from '../../platform/jobs/launcher.js';
import type { Job } from '../../platform/jobs/queue.js';
import type { JobRun } from '../../platform/jobs/worker.js';
import { AdvisoryRepository } from './advisories.repository.js';
import { FEED_KINDS, type FeedSettings } from './advisories.schemas.js';
import {
  FeedFormatError,
  isFeedKind,
  parseCsaf,
  parseCycloneDxVex,
  parseEpss,
  parseKev,
  parseOpenVex,
  parseNvdDocument,
  parseOsvDocuments,
  readNvdDirectory,
  readNvdZip,
  readOsvDirectory,
  readOsvZip,
  type FeedKind,
  type NormalizedAdvisory,
  type ParseOutcome,
  UnstorableTextError,
} from './parsers/index.js';

export const FEED_SETTINGS_KEY = 'feeds';
export const FEED_SYNC_SCHEDULE = { name: 'feeds-sync', cron: '7 * * * *', jobKind: 'feeds.sync' };

const OSV_BUCKET = 'https://osv-vulnerabilities.storage.googleapis.com';

/**
 * The public feeds, configured but off: many installations are air-gapped, so fetching is opted
 * into (PUT /api/v1/settings/feeds); local import always works.
 */
export const DEFAULT_FEED_SETTINGS: FeedSettings = {
  sources: [
    ...['Go', 'npm', 'PyPI', 'Maven', 'crates.io', 'RubyGems', 'NuGet', 'Packagist', 'Debian', 'Alpine'].map((ecosystem) => ({
      name: `osv-${ecosystem.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
      kind: 'osv' as const,
      url: `${OSV_BUCKET}/${encodeURIComponent(ecosystem)}/all.zip`,
      enabled: false,
    })),
    { name: 'cisa-kev', kind: 'kev', url: 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json', enabled: false },
    { name: 'first-epss', kind: 'epss', url: 'https://epss.empiricalsecurity.com/epss_scores-current.csv.gz', enabled: false },
  ],
  intervalHours: 6,
  timeoutSeconds: 300,
  maxBytes: 2 * 1024 * 1024 * 1024,
};

export interface FeedImportOptions {
  /** Provenance label (OSV/CSAF records' origin; the issuer of VEX statements). */
  source?: string;
  /** VEX: the issuing vendor (statements apply to its products) and the product they are about. */
  vendorId?: string;
  productId?: string;
  /** The feed_status row this import is recorded under (a configured source's name); default local:<kind>. */
  feedName?: string;
  url?: string | null;
  /** csv-iocs: the column mapping, "value=indicator,type=kind". */
  columns?: string;
  /** Between batches: progress, and the place to stop (a cancelled job). */
  checkpoint?: BatchCheckpoint;
}

/** The `feeds.import` job: an upload (the job's input) or, from the CLI, a file or directory on this machine. */
export const FEED_IMPORT_JOB = 'feeds.import';
export interface FeedImportJobPayload {
  kind: string;
  path?: string;
  source?: string;
  vendorId?: string;
  productId?: string;
  columns?: string;
}

/** The report of any import: CSAF adds its statements, threat intel its unsupported patterns, sightings and source, mentions how many matched vendors. */
export type CsafReport = ImportReport & { statements?: { imported: number; updated: number; skipped: number }; unsupported?: number; sightings?: number; source?: string; matched?: number };

/**
 * Feed kinds another module imports (threat intel, mentions). The route, the job, the CLI, the
 * size checks and the feed status stay this module's, so every kind is imported the same way.
 */
export interface FeedImporter {
  readonly feedKinds: readonly string[];
  importBuffer(kind: string, body: Buffer, options: FeedImportOptions, ctx: RequestContext): Promise<CsafReport>;
  importPath(kind: string, path: string, options: FeedImportOptions, ctx: RequestContext): Promise<CsafReport>;
}

type ResolvedKind = { kind: FeedKind; importer?: undefined } | { kind: string; importer: FeedImporter };

/**
 * Feed imports from uploads, files, directories and configured URLs, and their status. Parsing is
 * the parsers' (pure, tested); this service turns a whole-document problem into a 400 and hands
 * records to the advisory, KEV/EPSS and VEX importers.
 */
export class FeedService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly advisories: AdvisoryService,
    private readonly vex: VexService,
    private readonly jobs: JobQueue,
    private readonly limits: { maxUploadBytes: number },
    private readonly logger: Logger,
    private readonly outbound: OutboundPolicy = { allowPrivate: false },
    /** Kinds other modules import: threat intel (stix, misp, csv-iocs), mentions. */
    private readonly importers: readonly FeedImporter[] = [],
  ) {}

  /** Every kind an import accepts. */
  kinds(): string[] {
    return [...FEED_KINDS, ...this.importers.flatMap((i) => i.feedKinds)];
  }

  private resolveKind(kind: string): ResolvedKind {
    if (isFeedKind(kind)) return { kind };
    const importer = this.importers.find((i) => i.feedKinds.includes(kind));
    if (!importer) throw invalidField('kind', `unknown feed kind "${kind.slice(0, 40)}"; one of ${this.kinds().join(', ')}`);
    return { kind, importer };
  }

  /**
   * Starts a `feeds.import` job for an upload (HTTP body) or a path (the CLI); see JobLauncher for
   * wait and onProgress. What can be judged before the job runs (the kind, an empty or oversized
   * body, the VEX vendor and product) is judged here, so the request that starts it gets the 4xx.
   */
  async startImport(kindText: string, source: { body: Buffer } | { path: string }, options: Omit<FeedImportOptions, 'checkpoint'> & Pick<LaunchOptions, 'wait' | 'onProgress'>, ctx: RequestContext, launcher: JobLauncher): Promise<Job> {
    const { kind } = this.resolveKind(kindText);
    if ('body' in source) this.checkBody(source.body);
    if (kind === 'openvex' || kind === 'cyclonedx-vex' || kind === 'csaf') await this.vex.checkScope(options);
    const payload: FeedImportJobPayload = { kind, path: 'path' in source ? source.path : undefined, source: options.source, vendorId: options.vendorId, productId: options.productId, columns: options.columns };
    return launcher.start(FEED_IMPORT_JOB, payload, { input: 'body' in source ? source.body : undefined, startedBy: ctx, wait: options.wait, onProgress: options.onProgress });
  }

  /**
   * The `feeds.import` job. Records are written in batches, each its own transaction, as before;
   * between batches the job reports records done of total and stops there when cancelled: the
   * batches written stay, each whole (the feed's status says where it stopped).
   */
  async runImportJob(payload: FeedImportJobPayload, run: JobRun): Promise<CsafReport> {
    await run.progress({ phase: 'reading', done: 0, total: null });
    const options: FeedImportOptions = {
      source: payload.source,
      vendorId: payload.vendorId,
      productId: payload.productId,
      columns: payload.columns,
      // Threat-intel kinds store a document in one transaction: they report no batches (and are not stopped mid-way).
      checkpoint: (done, total) => run.progress({ phase: 'importing', done, total }),
    };
    if (payload.path) return this.importPath(payload.kind, payload.path, options, run.ctx);
    return this.importBuffer(payload.kind, await run.input(), options, run.ctx);
  }

  private checkBody(body: Buffer): void {
    if (!body.length) throw invalidField('/', 'the request body is empty: send the feed document (or an OSV zip) as the body');
    if (body.length > this.limits.maxUploadBytes) throw new AppError('payload_too_large', `the feed is ${body.length} bytes, over the limit of ${this.limits.maxUploadBytes} bytes`);
  }

  /** An upload (HTTP body): raw document, gzip (EPSS) or zip (OSV all.zip). */
  async importBuffer(kindText: string, body: Buffer, options: FeedImportOptions, ctx: RequestContext): Promise<CsafReport> {
    const resolved = this.resolveKind(kindText);
    this.checkBody(body);
    if (resolved.importer) return this.recorded(resolved.kind, options, ctx, () => resolved.importer.importBuffer(resolved.kind, body, options, ctx));
    return this.recorded(resolved.kind, options, ctx, () => this.importBytes(resolved.kind, body, options, ctx, options.source ?? 'upload'));
  }

  /** A file or (OSV) a directory on this machine: the CLI's path. */
  async importPath(kindText: string, path: string, options: FeedImportOptions, ctx: RequestContext): Promise<CsafReport> {
    const resolved = this.resolveKind(kindText);
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      throw invalidField('path', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (resolved.importer) return this.recorded(resolved.kind, options, ctx, () => resolved.importer.importPath(resolved.kind, path, options, ctx));
    const { kind } = resolved;
    const origin = options.source ?? basename(path);
    return this.recorded(kind, options, ctx, async () => {
      const trees = kind === 'osv' || kind === 'nvd';
      if (kind === 'osv' && info.isDirectory()) return this.streamAdvisories((onRecord, onProgress) => readOsvDirectory(path, onRecord, { onProgress }), origin, ctx, options.checkpoint);
      if (kind === 'nvd' && info.isDirectory()) return this.streamAdvisories((onRecord, onProgress) => readNvdDirectory(path, onRecord, { onProgress }), origin, ctx, options.checkpoint);
      if (!info.isFile()) throw invalidField('path', `${path} is not a file${trees ? ' or directory' : ''}`);
      if (kind === 'osv' && (await isZipFile(path))) return this.streamAdvisories((onRecord, onProgress) => readOsvZip(path, onRecord, { onProgress }), origin, ctx, options.checkpoint);
      if (kind === 'nvd' && (await isZipFile(path))) return this.streamAdvisories((onRecord, onProgress) => readNvdZip(path, onRecord, { onProgress }), origin, ctx, options.checkpoint);
      return this.importBytes(kind, await readFile(path), options, ctx, origin);
    });
  }

  private async importBytes(kind: FeedKind, body: Buffer, options: FeedImportOptions, ctx: RequestContext, origin: string): Promise<CsafReport> {
    switch (kind) {
      case 'osv':
        if (isZip(body)) return this.streamAdvisories((onRecord, onProgress) => readOsvZip(body, onRecord, { onProgress }), origin, ctx, options.checkpoint);
        return this.withParsed(() => parseOsvDocuments(body), (outcome) => this.advisories.importAdvisories(outcome.items, origin, ctx, reportOf(outcome), options.checkpoint));
      case 'nvd':
        if (isZip(body)) return this.streamAdvisories((onRecord, onProgress) => readNvdZip(body, onRecord, { onProgress }), origin, ctx, options.checkpoint);
        return this.withParsed(() => parseNvdDocument(body), (outcome) => this.advisories.importAdvisories(outcome.items, origin, ctx, reportOf(outcome), options.checkpoint));
      case 'kev':
        return this.withParsed(() => parseKev(body), (outcome) => this.advisories.importKev(outcome.items, outcome.meta, ctx, reportOf(outcome), options.checkpoint));
      case 'epss':
        return this.withParsed(() => parseEpss(body), (outcome) => this.advisories.importEpss(outcome.items, outcome.meta, ctx, reportOf(outcome), options.checkpoint));
      case 'openvex':
      case 'cyclonedx-vex': {
        const outcome = this.parse(() => (kind === 'openvex' ? parseOpenVex(body) : parseCycloneDxVex(body)));
        const { vendorName } = await this.vex.checkScope(options);
        const source = options.source ?? vendorName ?? outcome.meta?.author ?? kind;
        const document = outcome.meta?.id ?? outcome.meta?.serialNumber ?? null;
        return this.vex.importStatements(outcome.items, { source, vendorId: options.vendorId, productId: options.productId, document }, ctx, reportOf(outcome), options.checkpoint);
      }
      case 'csaf': {
        const outcome = this.parse(() => parseCsaf(body));
        const { vendorName } = await this.vex.checkScope(options);
        const trackingId = outcome.meta?.trackingId ?? 'unknown';
        for (const advisory of outcome.advisories) advisory.source = `csaf:${trackingId}`.slice(0, 200);
        // One document, two parts: progress counts its advisories, then its statements.
        const advisories = outcome.advisories.length;
        const total = advisories + outcome.items.length;
        const report: CsafReport = await this.advisories.importAdvisories(outcome.advisories, origin, ctx, { ...emptyReport(), errors: [...outcome.errors] }, options.checkpoint && ((done) => options.checkpoint!(done, total)));
        const statements = await this.vex.importStatements(outcome.items, { source: options.source ?? vendorName ?? `csaf:${trackingId}`, vendorId: options.vendorId, productId: options.productId, document: trackingId }, ctx, emptyReport(), options.checkpoint && ((done) => options.checkpoint!(advisories + done, total)));
        report.statements = { imported: statements.imported, updated: statements.updated, skipped: statements.skipped };
        report.errors.push(...statements.errors);
        report.findings.updated += statements.findings.updated;
        return report;
      }
    }
  }

  /**
   * Streams OSV or NVD records into the importer one batch at a time: an archive is never held whole.
   * Progress counts archive entries (or files) read of all.
   */
  private async streamAdvisories(
    read: (onRecord: (a: NormalizedAdvisory) => Promise<void>, onProgress: (done: number, total: number) => void) => Promise<ParseOutcome<NormalizedAdvisory>>,
    origin: string,
    ctx: RequestContext,
    checkpoint?: BatchCheckpoint,
  ): Promise<ImportReport> {
    const report = emptyReport();
    let pending: NormalizedAdvisory[] = [];
    const entries = { done: 0, total: null as number | null };
    const outcome = await this.parseAsync(() =>
      read(
        async (advisory) => {
          pending.push(advisory);
          if (pending.length >= IMPORT_BATCH) {
            const batch = pending;
            pending = [];
            await this.advisories.importBatch(batch, origin, ctx, report);
            await checkpoint?.(entries.done, entries.total);
          }
        },
        (done, total) => Object.assign(entries, { done, total }),
      ),
    );
    if (pending.length) await this.advisories.importBatch(pending, origin, ctx, report);
    await this.advisories.afterBulk(report.imported + report.updated);
    report.errors.unshift(...outcome.errors);
    return report;
  }

  private parse<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw feedProblem(error);
    }
  }

  private async parseAsync<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw feedProblem(error);
    }
  }

  private withParsed<T extends ParseOutcome<unknown>>(parse: () => T, run: (outcome: T) => Promise<ImportReport>): Promise<ImportReport> {
    return run(this.parse(parse));
  }

  /** Runs an import and records its outcome (or failure) in the feed's status. */
  private async recorded(kind: string, options: FeedImportOptions, ctx: RequestContext, run: () => Promise<CsafReport>): Promise<CsafReport> {
    const repo = new AdvisoryRepository(this.db);
    const name = options.feedName ?? `local:${kind}`;
    const startedAt = new Date().toISOString();
    try {
      const report = await run();
      await repo.saveFeedStatus({
        name,
        kind,
        url: options.url ?? null,
        last_attempt_at: startedAt,
        last_success_at: new Date().toISOString(),
        last_error: null,
        last_result: JSON.stringify({ imported: report.imported, updated: report.updated, skipped: report.skipped, errors: report.errors.length, findings: report.findings, by: ctx.actor.name }),
      });
      return report;
    } catch (error) {
      await repo.saveFeedStatus({ name, kind, url: options.url ?? null, last_attempt_at: startedAt, last_error: (error as Error).message.slice(0, 2000), last_error_at: new Date().toISOString() });
      throw error;
    }
  }

  // Settings and status.

  /** The settings as stored, credentials included: for fetching only, never for showing. */
  async settings(): Promise<FeedSettings> {
    return (await readSetting<FeedSettings>(this.db, FEED_SETTINGS_KEY)) ?? DEFAULT_FEED_SETTINGS;
  }

  /** The settings as shown (to admins): credentials in source URLs are write-only, shown as ***. */
  async settingsView(): Promise<FeedSettings> {
    return redactSettings(await this.settings());
  }

  /**
   * A source URL whose credentials are *** (as the view shows them) keeps the credentials stored
   * for the source of that name, so settings read, edited and written back lose nothing.
   */
  async setSettings(settings: FeedSettings, ctx: RequestContext): Promise<FeedSettings> {
    const names = new Set<string>();
    settings.sources.forEach((s, i) => {
      if (names.has(s.name)) throw validationError(`source name "${s.name}" is used twice`, [{ field: `/sources/${i}/name`, reason: 'is not unique' }]);
      names.add(s.name);
    });
    await this.db.transaction().execute(async (trx) => {
      const before = (await readSetting<FeedSettings>(trx, FEED_SETTINGS_KEY)) ?? DEFAULT_FEED_SETTINGS;
      const stored = { ...settings, sources: settings.sources.map((s, i) => ({ ...s, url: keepCredentials(s.url, before.sources.find((b) => b.name === s.name)?.url, i) })) };
      await writeSetting(trx, FEED_SETTINGS_KEY, stored);
      await recordAudit(trx, ctx, { action: 'settings.feeds.update', entityType: 'settings', entityId: FEED_SETTINGS_KEY, before: redactSettings(before), after: redactSettings(stored) });
    });
    return redactSettings(settings);
  }

  async overview() {
    const settings = await this.settings();
    const repo = new AdvisoryRepository(this.db);
    const statuses = new Map((await repo.feedStatuses()).map((s) => [s.name, s]));
    const feeds = [
      ...settings.sources.map((s) => ({ name: s.name, kind: s.kind, url: redactUrl(s.url), enabled: s.enabled, status: statuses.get(s.name) })),
      ...[...statuses.values()].filter((s) => !settings.sources.some((c) => c.name === s.name)).map((s) => ({ name: s.name, kind: s.kind, url: s.url === null ? null : redactUrl(s.url), enabled: false, status: s })),
    ].map(({ status, ...feed }) => ({
      ...feed,
      lastAttemptAt: status?.last_attempt_at ?? null,
      lastSuccessAt: status?.last_success_at ?? null,
      lastError: status?.last_error ?? null,
      lastErrorAt: status?.last_error_at ?? null,
      lastResult: status?.last_result ? (JSON.parse(status.last_result) as Record<string, unknown>) : null,
    }));
    const schedule = await this.db.selectFrom('schedules').select('next_run_at').where('name', '=', FEED_SYNC_SCHEDULE.name).executeTakeFirst();
    return { feeds, totals: await repo.totals(), schedule: { intervalHours: settings.intervalHours, nextCheckAt: schedule?.next_run_at ?? null } };
  }

  // Scheduled sync.

  /**
   * The hourly job: one fetch job per enabled source that is due (its interval since the last
   * success has passed). Idempotency keys make concurrent replicas enqueue each fetch once.
   */
  async syncDue(options: { names?: string[]; force?: boolean } = {}): Promise<{ enqueued: string[] }> {
    const settings = await this.settings();
    const statuses = new Map((await new AdvisoryRepository(this.db).feedStatuses()).map((s) => [s.name, s]));
    const now = Date.now();
    const enqueued: string[] = [];
    for (const source of settings.sources) {
      if (options.names ? !options.names.includes(source.name) : !source.enabled) continue;
      const last = statuses.get(source.name)?.last_success_at;
      if (!options.force && last && now - Date.parse(last) < settings.intervalHours * 3_600_000 - 60_000) continue;
      const slot = options.force ? new Date(now).toISOString() : new Date(Math.floor(now / 3_600_000) * 3_600_000).toISOString();
      await this.jobs.enqueue('feeds.fetch', { name: source.name }, { idempotencyKey: `feeds.fetch:${source.name}:${slot}`, maxAttempts: 5 });
      enqueued.push(source.name);
    }
    return { enqueued };
  }

  /**
   * Fetches one configured source (with a timeout and a size cap, conditionally on its ETag) into
   * a temporary file and imports it. A failure is recorded in the feed's status and thrown, so the
   * job queue retries it with backoff.
   */
  async fetchAndImport(name: string, ctx: RequestContext, checkpoint?: BatchCheckpoint): Promise<Record<string, unknown>> {
    const settings = await this.settings();
    const source = settings.sources.find((s) => s.name === name);
    if (!source) return { skipped: `feed source ${name} is no longer configured` };
    // The URL as shown, stored and logged: its credentials never leave the settings.
    const shown = redactUrl(source.url);
    const repo = new AdvisoryRepository(this.db);
    const status = await repo.feedStatus(name);
    const startedAt = new Date().toISOString();
    const dir = await mkdtemp(join(tmpdir(), 'thirdwatch-feed-'));
    try {
      const headers: Record<string, string> = { 'user-agent': 'thirdwatch-feed-sync' };
      if (status?.etag) headers['if-none-match'] = status.etag;
      if (status?.last_modified) headers['if-modified-since'] = status.last_modified;
      const signal = AbortSignal.timeout(settings.timeoutSeconds * 1000);
      let response: OutboundResponse;
      try {
        response = await outboundGet(source.url, { policy: this.outbound, headers, signal });
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        const why = signal.aborted ? `no answer within ${settings.timeoutSeconds} s` : e instanceof OutboundRefusedError ? `refused: ${e.message}` : (e.code ?? e.message);
        throw new Error(`cannot fetch ${shown}: ${why}`);
      }
      if (response.status === 304) {
        response.body.resume();
        await repo.saveFeedStatus({ name, kind: source.kind, url: shown, last_attempt_at: startedAt, last_success_at: new Date().toISOString(), last_error: null, last_result: JSON.stringify({ notModified: true }) });
        return { name, notModified: true };
      }
      if (response.status < 200 || response.status > 299) {
        response.body.resume();
        throw new Error(`fetching ${shown} answered HTTP ${response.status}`);
      }
      const declared = Number(response.headers['content-length'] ?? NaN);
      if (declared > settings.maxBytes) {
        response.body.destroy();
        throw new Error(`${shown} is ${declared} bytes, over the ${settings.maxBytes}-byte limit`);
      }
      const file = join(dir, 'feed');
      let received = 0;
      const body = response.body;
      body.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > settings.maxBytes) body.destroy(new Error(`${shown} sent more than the ${settings.maxBytes}-byte limit`));
      });
      await pipeline(body, createWriteStream(file));
      const report = await this.importPath(source.kind, file, { feedName: name, url: shown, source: shown, checkpoint }, ctx);
      await repo.saveFeedStatus({ name, kind: source.kind, etag: headerText(response.headers.etag), last_modified: headerText(response.headers['last-modified']) });
      this.logger.info({ feed: name, imported: report.imported, updated: report.updated, skipped: report.skipped, errors: report.errors.length }, 'feed synced');
      return { name, imported: report.imported, updated: report.updated, skipped: report.skipped, errors: report.errors.length, findings: report.findings };
    } catch (error) {
      await repo.saveFeedStatus({ name, kind: source.kind, url: shown, last_attempt_at: startedAt, last_error: (error as Error).message.slice(0, 2000), last_error_at: new Date().toISOString() });
      this.logger.warn({ feed: name, err: (error as Error).message }, 'feed sync failed; the job queue retries it with backoff');
      throw error;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function redactSettings(settings: FeedSettings): FeedSettings {
  return { ...settings, sources: settings.sources.map((s) => ({ ...s, url: redactUrl(s.url) })) };
}

function keepCredentials(url: string, storedUrl: string | undefined, index: number): string {
  const given = new URL(url);
  const redactedParams = [...new Set([...given.searchParams.keys()].filter((name) => isCredentialParam(name) && given.searchParams.getAll(name).includes(REDACTED)))];
  if (given.username !== REDACTED && given.password !== REDACTED && !redactedParams.length) return url;
  const stored = storedUrl ? new URL(storedUrl) : null;
  const missing = () => invalidField(`/sources/${index}/url`, 'has *** credentials but no credentials are stored for this source name: give the real ones');
  if (!stored) throw missing();
  for (const part of ['username', 'password'] as const) {
    if (given[part] !== REDACTED) continue;
    if (!stored[part]) throw missing();
    given[part] = stored[part];
  }
  for (const name of redactedParams) {
    const kept = stored.searchParams.getAll(name);
    const values = given.searchParams.getAll(name);
    if (values.length !== kept.length) throw missing();
    given.searchParams.delete(name);
    values.forEach((value, i) => given.searchParams.append(name, value === REDACTED ? kept[i] : value));
  }
  return given.toString();
}

function headerText(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function reportOf(outcome: ParseOutcome<unknown>): ImportReport {
  return { ...emptyReport(), errors: [...outcome.errors] };
}

function feedProblem(error: unknown): unknown {
  if (error instanceof UnstorableTextError) return validationError(`the feed cannot be read: ${error.message}`, [{ field: error.field, reason: error.reason }]);
  if (error instanceof FeedFormatError) return validationError(`the feed cannot be read: ${error.message}`, [{ field: '/', reason: error.message }]);
  return error;
}

function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 0x03 || bytes[2] === 0x05);
}

async function isZipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    return isZip(head);
  } finally {
    await handle.close();
  }
}
