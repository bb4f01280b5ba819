// TAXII 2.1 client: polls configured collections for new objects (GET {collection}/objects/ with
// added_after, paging with next while more is true, or with X-TAXII-Date-Added-Last when a server
// says more but gives no next), imports their indicators, and remembers where it stopped.
import { Type, type Static } from 'typebox';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB } from '../../platform/db/schema.js';
import { invalidField, validationError } from '../../platform/errors.js';
import type { JobQueue } from '../../platform/jobs/queue.js';
import { outboundGet, OutboundRefusedError, REDACTED, redactUrl, type OutboundPolicy } from '../../platform/outbound.js';
import { readSetting, writeSetting } from '../../platform/settings.js';
import { IndicatorRepository } from './indicators.repository.js';
import type { IndicatorImportReport, IndicatorService } from './indicators.service.js';
import { MAX_BUNDLE_OBJECTS, readObjects } from './parsers/index.js';

export const TAXII_SETTINGS_KEY = 'taxii';
export const TAXII_SCHEDULE = { name: 'taxii-poll', cron: '*/15 * * * *', jobKind: 'taxii.poll' };
const MEDIA_TYPE = 'application/taxii+json;version=2.1';
const MAX_PAGES = 1000;
const MAX_PAGE_BYTES = 64 * 1024 * 1024;

export const TaxiiCollectionSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'Also the source label of the indicators it yields (taxii:NAME).' }),
    url: Type.String({ format: 'uri', maxLength: 2048, pattern: '^https?://', description: 'The collection URL: https://host/api-root/collections/{id}/' }),
    username: Type.Optional(Type.String({ maxLength: 200 })),
    password: Type.Optional(Type.String({ maxLength: 500, description: 'Write-only: shown as ***; sending *** back keeps the stored one.' })),
    token: Type.Optional(Type.String({ maxLength: 4000, description: 'A bearer token instead of a user name and password. Write-only like the password.' })),
    enabled: Type.Boolean(),
    intervalMinutes: Type.Integer({ minimum: 15, maximum: 10_080 }),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'limit= asked of the server per page (it may send fewer).' })),
  },
  { additionalProperties: false },
);
export const TaxiiSettingsSchema = Type.Object(
  { collections: Type.Array(TaxiiCollectionSchema, { maxItems: 100 }), timeoutSeconds: Type.Integer({ minimum: 5, maximum: 3600 }) },
  { additionalProperties: false },
);
export type TaxiiSettings = Static<typeof TaxiiSettingsSchema>;
type Collection = TaxiiSettings['collections'][number];

export const DEFAULT_TAXII_SETTINGS: TaxiiSettings = { collections: [], timeoutSeconds: 120 };

export class TaxiiError extends Error {
  override name = 'TaxiiError';
}

export class TaxiiService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly indicators: IndicatorService,
    private readonly jobs: JobQueue,
    private readonly logger: Logger,
    private readonly outbound: OutboundPolicy,
  ) {}

  async settings(): Promise<TaxiiSettings> {
    return (await readSetting<TaxiiSettings>(this.db, TAXII_SETTINGS_KEY)) ?? DEFAULT_TAXII_SETTINGS;
  }

  /** As shown to admins: passwords and tokens are write-only. */
  async settingsView(): Promise<TaxiiSettings> {
    return redact(await this.settings());
  }

  async setSettings(settings: TaxiiSettings, ctx: RequestContext): Promise<TaxiiSettings> {
    const names = new Set<string>();
    settings.collections.forEach((c, i) => {
      if (names.has(c.name)) throw validationError(`collection name "${c.name}" is used twice`, [{ field: `/collections/${i}/name`, reason: 'is not unique' }]);
      names.add(c.name);
      if (c.token && (c.username || c.password)) throw invalidField(`/collections/${i}/token`, 'give a token or a user name and password, not both');
    });
    await this.db.transaction().execute(async (trx) => {
      const before = (await readSetting<TaxiiSettings>(trx, TAXII_SETTINGS_KEY)) ?? DEFAULT_TAXII_SETTINGS;
      const stored: TaxiiSettings = {
        ...settings,
        collections: settings.collections.map((c, i) => {
          const old = before.collections.find((b) => b.name === c.name);
          const keep = (key: 'password' | 'token') => {
            if (c[key] !== REDACTED) return c[key];
            if (!old?.[key]) throw invalidField(`/collections/${i}/${key}`, `is *** but no ${key} is stored for this collection name: give the real one`);
            return old[key];
          };
          return { ...c, password: keep('password'), token: keep('token') };
        }),
      };
      await writeSetting(trx, TAXII_SETTINGS_KEY, stored);
      await recordAudit(trx, ctx, { action: 'settings.taxii.update', entityType: 'settings', entityId: TAXII_SETTINGS_KEY, before: redact(before), after: redact(stored) });
    });
    return redact(settings);
  }

  async status() {
    const settings = await this.settings();
    const states = new Map((await new IndicatorRepository(this.db).taxiiStates()).map((s) => [s.name, s]));
    return settings.collections.map((c) => {
      const s = states.get(c.name);
      return {
        name: c.name,
        url: redactUrl(c.url),
        enabled: c.enabled,
        addedAfter: s?.added_after ?? null,
        lastAttemptAt: s?.last_attempt_at ?? null,
        lastSuccessAt: s?.last_success_at ?? null,
        lastError: s?.last_error ?? null,
        lastResult: s?.last_result ? (JSON.parse(s.last_result) as Record<string, unknown>) : null,
      };
    });
  }

  /** The scheduled job: one poll job per enabled collection whose interval has passed (idempotent per slot across replicas). */
  async pollDue(options: { names?: string[]; force?: boolean } = {}): Promise<{ enqueued: string[] }> {
    const settings = await this.settings();
    const states = new Map((await new IndicatorRepository(this.db).taxiiStates()).map((s) => [s.name, s]));
    const now = Date.now();
    const enqueued: string[] = [];
    for (const c of settings.collections) {
      if (options.names ? !options.names.includes(c.name) : !c.enabled) continue;
      const last = states.get(c.name)?.last_success_at;
      if (!options.force && last && now - Date.parse(last) < c.intervalMinutes * 60_000 - 30_000) continue;
      const slot = options.force ? new Date(now).toISOString() : new Date(Math.floor(now / 900_000) * 900_000).toISOString();
      await this.jobs.enqueue('taxii.fetch', { name: c.name }, { idempotencyKey: `taxii.fetch:${c.name}:${slot}`, maxAttempts: 5 });
      enqueued.push(c.name);
    }
    return { enqueued };
  }

  /**
   * Polls one collection from where the last poll stopped and imports what it sent (one import, one
   * transaction). The new added_after is stored only with a successful import: a failure is
   * recorded and thrown, so the job retries from the same point.
   */
  async poll(name: string, ctx: RequestContext): Promise<IndicatorImportReport & { pages: number; objects: number; addedAfter: string | null }> {
    const collection = (await this.settings()).collections.find((c) => c.name === name);
    if (!collection) throw invalidField('name', `no TAXII collection named ${name} is configured`);
    const repo = new IndicatorRepository(this.db);
    const state = await repo.taxiiState(name);
    const startedAt = new Date().toISOString();
    try {
      const fetched = await this.fetchObjects(collection, state?.added_after ?? null);
      const report = await this.indicators.importOutcome(readObjects(fetched.objects), `taxii:${name}`, ctx);
      const result = { ...report, pages: fetched.pages, objects: fetched.objects.length, addedAfter: fetched.addedAfter };
      await repo.saveTaxiiState({
        name,
        added_after: fetched.addedAfter,
        last_attempt_at: startedAt,
        last_success_at: new Date().toISOString(),
        last_error: null,
        last_result: JSON.stringify({ pages: fetched.pages, objects: fetched.objects.length, imported: report.imported, updated: report.updated, skipped: report.skipped, errors: report.errors.length, unsupported: report.unsupported, sightings: report.sightings }),
      });
      this.logger.info({ taxii: name, pages: fetched.pages, objects: fetched.objects.length, imported: report.imported, sightings: report.sightings }, 'TAXII collection polled');
      return result;
    } catch (error) {
      await repo.saveTaxiiState({ name, last_attempt_at: startedAt, last_error: (error as Error).message.slice(0, 2000), last_error_at: new Date().toISOString() });
      this.logger.warn({ taxii: name, err: (error as Error).message }, 'TAXII poll failed; the job queue retries it with backoff');
      throw error;
    }
  }

  private async fetchObjects(c: Collection, addedAfter: string | null): Promise<{ objects: unknown[]; pages: number; addedAfter: string | null }> {
    const settings = await this.settings();
    const base = new URL('objects/', c.url.endsWith('/') ? c.url : `${c.url}/`);
    const headers: Record<string, string> = { accept: MEDIA_TYPE, 'user-agent': 'thirdwatch-taxii' };
    if (c.token) headers.authorization = `Bearer ${c.token}`;
    else if (c.username || c.password) headers.authorization = `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
    const objects: unknown[] = [];
    let after = addedAfter;
    let next: string | null = null;
    let newest = addedAfter;
    const signal = AbortSignal.timeout(settings.timeoutSeconds * 1000);
    let pages = 0;
    for (;;) {
      if (++pages > MAX_PAGES) throw new TaxiiError(`${c.name}: more than ${MAX_PAGES} pages in one poll`);
      const url = new URL(base);
      if (after) url.searchParams.set('added_after', after);
      if (next) url.searchParams.set('next', next);
      if (c.pageSize) url.searchParams.set('limit', String(c.pageSize));
      const shown = redactUrl(url.toString());
      let response;
      try {
        response = await outboundGet(url.toString(), { policy: this.outbound, headers, signal });
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        throw new TaxiiError(`cannot fetch ${shown}: ${signal.aborted ? `no answer within ${settings.timeoutSeconds} s` : e instanceof OutboundRefusedError ? `refused: ${e.message}` : (e.code ?? e.message)}`);
      }
      if (response.status < 200 || response.status > 299) {
        response.body.resume();
        throw new TaxiiError(`${shown} answered HTTP ${response.status}${response.status === 401 || response.status === 403 ? ' (check the credentials)' : ''}`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_PAGE_BYTES) {
          response.body.destroy();
          throw new TaxiiError(`${shown} sent a page over ${MAX_PAGE_BYTES} bytes`);
        }
        chunks.push(chunk);
      }
      let envelope: { more?: unknown; next?: unknown; objects?: unknown };
      try {
        envelope = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof envelope;
      } catch {
        throw new TaxiiError(`${shown} did not answer a TAXII envelope (not JSON)`);
      }
      if (typeof envelope !== 'object' || envelope === null || (envelope.objects !== undefined && !Array.isArray(envelope.objects))) throw new TaxiiError(`${shown} did not answer a TAXII envelope ({ more, next, objects })`);
      objects.push(...((envelope.objects as unknown[] | undefined) ?? []));
      if (objects.length > MAX_BUNDLE_OBJECTS) throw new TaxiiError(`${c.name}: more than ${MAX_BUNDLE_OBJECTS} objects in one poll`);
      const last = header(response.headers['x-taxii-date-added-last']);
      if (last && (!newest || last > newest)) newest = last;
      if (envelope.more !== true) break;
      if (typeof envelope.next === 'string' && envelope.next) {
        next = envelope.next;
      } else {
        // more without next: page on by time, from the newest object this page added.
        if (!last || last === after) throw new TaxiiError(`${shown} says more but gives neither next nor a newer X-TAXII-Date-Added-Last`);
        after = last;
        next = null;
      }
    }
    return { objects, pages, addedAfter: newest };
  }
}

function header(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function redact(settings: TaxiiSettings): TaxiiSettings {
  return {
    ...settings,
    collections: settings.collections.map((c) => ({ ...c, url: redactUrl(c.url), password: c.password ? REDACTED : undefined, token: c.token ? REDACTED : undefined })),
  };
}
