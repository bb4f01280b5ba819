// NVD CVE API 2.0 sync: fetches the CVEs modified since the last sync, window by window
// (lastModStartDate/lastModEndDate, at most 120 days each as the API requires), page by page
// (startIndex), and imports each page as the `nvd` feed does. Off by default: air-gapped installs
// import files instead (`thirdwatch feeds import nvd`).
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { Type, type Static } from 'typebox';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB } from '../../platform/db/schema.js';
import { invalidField } from '../../platform/errors.js';
import type { JobQueue } from '../../platform/jobs/queue.js';
import { outboundGet, OutboundRefusedError, REDACTED, redactUrl, type OutboundPolicy } from '../../platform/outbound.js';
import { readSetting, writeSetting } from '../../platform/settings.js';
import { AdvisoryRepository } from './advisories.repository.js';
import { emptyReport, type AdvisoryService, type BatchCheckpoint, type ImportReport } from './advisories.service.js';
import { FeedFormatError, parseNvdDocument } from './parsers/index.js';

export const NVD_SYNC_SETTINGS_KEY = 'nvd-sync';
const NVD_SYNC_STATE_KEY = 'nvd-sync-state';
export const NVD_SYNC_JOB = 'feeds.nvd-sync';
/** The feed_status row the sync reports under. */
export const NVD_SYNC_FEED = 'nvd-api';
/** The API refuses a lastModified window longer than 120 days. */
export const NVD_MAX_WINDOW_DAYS = 120;
const DAY_MS = 86_400_000;
const MAX_PAGE_BYTES = 256 * 1024 * 1024;
const MAX_PAGES_PER_RUN = 10_000;

export const NvdSyncSettingsSchema = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Off by default (air-gapped installs import files).' }),
    baseUrl: Type.String({ format: 'uri', maxLength: 2048, pattern: '^https?://', description: 'The CVE API 2.0 endpoint, or a mirror of it.' }),
    apiKey: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()], { description: 'Sent as the apiKey header. Write-only: shown as ***; sending *** back keeps the stored one, null removes it.' })),
    intervalHours: Type.Integer({ minimum: 1, maximum: 720, description: 'How often the sync runs (checked hourly).' }),
    resultsPerPage: Type.Integer({ minimum: 1, maximum: 2000 }),
    requestDelayMs: Type.Integer({ minimum: 0, maximum: 60_000, description: 'Pause between requests: NVD allows 5 requests per 30 s without a key, 50 with one.' }),
    initialDays: Type.Integer({ minimum: 1, maximum: 3650, description: 'The first sync fetches the records modified in this many days before it.' }),
    timeoutSeconds: Type.Integer({ minimum: 5, maximum: 3600, description: 'Per request.' }),
  },
  { additionalProperties: false },
);
export type NvdSyncSettings = Static<typeof NvdSyncSettingsSchema>;

export const DEFAULT_NVD_SYNC_SETTINGS: NvdSyncSettings = {
  enabled: false,
  baseUrl: 'https://services.nvd.nist.gov/rest/json/cves/2.0',
  apiKey: null,
  intervalHours: 2,
  resultsPerPage: 2000,
  requestDelayMs: 6000,
  initialDays: 120,
  timeoutSeconds: 120,
};

export const NvdSyncResultSchema = Type.Object({
  windows: Type.Integer(),
  pages: Type.Integer(),
  records: Type.Integer(),
  through: Type.String({ description: 'Records modified up to this instant are imported; the next sync starts here.' }),
  imported: Type.Integer(),
  updated: Type.Integer(),
  skipped: Type.Integer(),
  errors: Type.Integer(),
});
export type NvdSyncResult = Static<typeof NvdSyncResultSchema>;

interface SyncState {
  /** lastModEndDate of the last window imported whole. */
  through: string;
}

export class NvdSyncError extends Error {
  override name = 'NvdSyncError';
}

export class NvdSyncService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly advisories: AdvisoryService,
    private readonly jobs: JobQueue,
    private readonly logger: Logger,
    private readonly outbound: OutboundPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  async settings(): Promise<NvdSyncSettings> {
    return { ...DEFAULT_NVD_SYNC_SETTINGS, ...(await readSetting<NvdSyncSettings>(this.db, NVD_SYNC_SETTINGS_KEY)) };
  }

  /** As shown to admins: the API key is write-only. */
  async settingsView(): Promise<NvdSyncSettings> {
    return redact(await this.settings());
  }

  async setSettings(settings: NvdSyncSettings, ctx: RequestContext): Promise<NvdSyncSettings> {
    let stored: NvdSyncSettings = settings;
    await this.db.transaction().execute(async (trx) => {
      const before: NvdSyncSettings = { ...DEFAULT_NVD_SYNC_SETTINGS, ...(await readSetting<NvdSyncSettings>(trx, NVD_SYNC_SETTINGS_KEY)) };
      let apiKey = settings.apiKey ?? null;
      if (apiKey === REDACTED) {
        if (!before.apiKey) throw invalidField('/apiKey', 'is *** but no API key is stored: give the real one');
        apiKey = before.apiKey;
      }
      stored = { ...settings, apiKey: apiKey || null };
      await writeSetting(trx, NVD_SYNC_SETTINGS_KEY, stored);
      await recordAudit(trx, ctx, { action: 'settings.nvd-sync.update', entityType: 'settings', entityId: NVD_SYNC_SETTINGS_KEY, before: redact(before), after: redact(stored) });
    });
    return redact(stored);
  }

  /** Called by the hourly feeds.sync job: one sync job when enabled and its interval has passed (idempotent per hour across replicas). */
  async syncDue(options: { force?: boolean } = {}): Promise<{ enqueued: string[] }> {
    const settings = await this.settings();
    if (!settings.enabled && !options.force) return { enqueued: [] };
    const last = (await new AdvisoryRepository(this.db).feedStatus(NVD_SYNC_FEED))?.last_success_at;
    const now = this.now();
    if (!options.force && last && now - Date.parse(last) < settings.intervalHours * 3_600_000 - 60_000) return { enqueued: [] };
    const slot = options.force ? new Date(now).toISOString() : new Date(Math.floor(now / 3_600_000) * 3_600_000).toISOString();
    await this.jobs.enqueue(NVD_SYNC_JOB, {}, { idempotencyKey: `${NVD_SYNC_JOB}:${slot}`, maxAttempts: 5 });
    return { enqueued: [NVD_SYNC_FEED] };
  }

  /**
   * Fetches and imports everything modified since the last sync. The position moves on after each
   * window imported whole, so a failure (recorded in the feed status, then thrown for the job queue
   * to retry) starts again at the window it stopped in; records imported twice are skipped as unchanged.
   */
  async sync(ctx: RequestContext, checkpoint?: BatchCheckpoint): Promise<NvdSyncResult> {
    const settings = await this.settings();
    const repo = new AdvisoryRepository(this.db);
    const startedAt = new Date(this.now()).toISOString();
    const shown = redactUrl(settings.baseUrl);
    const report = emptyReport();
    const counts = { windows: 0, pages: 0, records: 0 };
    try {
      const state = await readSetting<SyncState>(this.db, NVD_SYNC_STATE_KEY);
      const end = this.now();
      let from = state ? Date.parse(state.through) : end - settings.initialDays * DAY_MS;
      while (from < end) {
        const to = Math.min(end, from + NVD_MAX_WINDOW_DAYS * DAY_MS);
        await this.importWindow(settings, new Date(from), new Date(to), report, counts, ctx, checkpoint);
        counts.windows++;
        from = to;
        await writeSetting(this.db, NVD_SYNC_STATE_KEY, { through: new Date(to).toISOString() } satisfies SyncState);
      }
      const through = new Date(Math.max(from, end)).toISOString();
      const result: NvdSyncResult = { ...counts, through, imported: report.imported, updated: report.updated, skipped: report.skipped, errors: report.errors.length };
      await repo.saveFeedStatus({ name: NVD_SYNC_FEED, kind: 'nvd', url: shown, last_attempt_at: startedAt, last_success_at: new Date(this.now()).toISOString(), last_error: null, last_result: JSON.stringify({ ...result, findings: report.findings, firstErrors: report.errors.slice(0, 20) }) });
      this.logger.info({ feed: NVD_SYNC_FEED, ...result }, 'NVD synced');
      return result;
    } catch (error) {
      await repo.saveFeedStatus({ name: NVD_SYNC_FEED, kind: 'nvd', url: shown, last_attempt_at: startedAt, last_error: (error as Error).message.slice(0, 2000), last_error_at: new Date(this.now()).toISOString() });
      this.logger.warn({ feed: NVD_SYNC_FEED, err: (error as Error).message }, 'NVD sync failed; the job queue retries it with backoff');
      throw error;
    }
  }

  private async importWindow(settings: NvdSyncSettings, from: Date, to: Date, report: ImportReport, counts: { pages: number; records: number }, ctx: RequestContext, checkpoint?: BatchCheckpoint): Promise<void> {
    let startIndex = 0;
    for (;;) {
      if (counts.pages >= MAX_PAGES_PER_RUN) throw new NvdSyncError(`more than ${MAX_PAGES_PER_RUN} pages in one sync`);
      if (counts.pages > 0 && settings.requestDelayMs > 0) await new Promise((r) => setTimeout(r, settings.requestDelayMs));
      const url = new URL(settings.baseUrl);
      url.searchParams.set('lastModStartDate', from.toISOString());
      url.searchParams.set('lastModEndDate', to.toISOString());
      url.searchParams.set('resultsPerPage', String(settings.resultsPerPage));
      url.searchParams.set('startIndex', String(startIndex));
      const body = await this.fetchPage(settings, url);
      counts.pages++;
      let outcome;
      try {
        outcome = parseNvdDocument(body);
      } catch (error) {
        if (error instanceof FeedFormatError) throw new NvdSyncError(`${redactUrl(url.toString())} did not answer a CVE API 2.0 page: ${error.message}`);
        throw error;
      }
      if (outcome.meta?.totalResults === undefined) throw new NvdSyncError(`${redactUrl(url.toString())} did not answer a CVE API 2.0 page (no totalResults)`);
      counts.records += outcome.items.length;
      report.errors.push(...outcome.errors);
      await this.advisories.importAdvisories(outcome.items, NVD_SYNC_FEED, ctx, report);
      const total = Number(outcome.meta.totalResults);
      const received = outcome.items.length + outcome.errors.length;
      startIndex += received;
      await checkpoint?.(counts.records, null);
      if (startIndex >= total) return;
      // An empty page before the total would loop for ever, and moving on would skip records.
      if (received === 0) throw new NvdSyncError(`${redactUrl(url.toString())} answered no records at startIndex ${startIndex} of ${total}`);
    }
  }

  private async fetchPage(settings: NvdSyncSettings, url: URL): Promise<Buffer> {
    const shown = redactUrl(url.toString());
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'thirdwatch-nvd-sync' };
    if (settings.apiKey) headers.apikey = settings.apiKey;
    const signal = AbortSignal.timeout(settings.timeoutSeconds * 1000);
    let response;
    try {
      response = await outboundGet(url.toString(), { policy: this.outbound, headers, signal, credentialHeaders: ['apikey'] });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new NvdSyncError(`cannot fetch ${shown}: ${signal.aborted ? `no answer within ${settings.timeoutSeconds} s` : e instanceof OutboundRefusedError ? `refused: ${e.message}` : (e.code ?? e.message)}`);
    }
    if (response.status < 200 || response.status > 299) {
      response.body.resume();
      const hint = response.status === 403 || response.status === 429 ? ' (rate limited or a bad API key)' : '';
      throw new NvdSyncError(`${shown} answered HTTP ${response.status}${hint}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_PAGE_BYTES) {
        response.body.destroy();
        throw new NvdSyncError(`${shown} sent a page over ${MAX_PAGE_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }
}

function redact(settings: NvdSyncSettings): NvdSyncSettings {
  return { ...settings, apiKey: settings.apiKey ? REDACTED : null };
}
