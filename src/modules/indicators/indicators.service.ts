import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { invalidField, notFound, validationError } from '../../platform/errors.js';
import { decodeCursor, encodeCursor, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { FeedFormatError } from '../advisories/parsers/errors.js';
import { indicatorDomains, type CorrelationService } from './correlation.service.js';
import { IndicatorRepository, type IndicatorFilter, type SightingFilter } from './indicators.repository.js';
import type { IndicatorSourcesTable, IndicatorsTable, IndicatorUnsupportedTable } from './indicators.tables.js';
import {
  INDICATOR_TYPES,
  IndicatorValueError,
  isZip,
  normalizeValue,
  INDICATOR_FEED_KINDS,
  parseCsvMapping,
  parseIndicatorDocument,
  readMispDirectory,
  readMispZip,
  TLP_LEVELS,
  typeByShape,
  type IndicatorFeedKind,
  type IndicatorOutcome,
  type IndicatorType,
  type KillChainPhase,
  type ParsedIndicator,
  type Tlp,
} from './parsers/index.js';

const BATCH = 2000;

export interface IndicatorImportOptions {
  /** The source label every record is filed under (default: the publisher the document names, else the file name or kind). */
  source?: string;
  /** CSV column mapping, "value=indicator,type=kind". */
  columns?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface IndicatorImportReport {
  imported: number;
  updated: number;
  skipped: number;
  errors: Array<{ record: string; reason: string }>;
  findings: { created: number; updated: number; closed: number; reopened: number };
  matching: { keys: number; componentsExamined: number };
  /** Indicators kept with a pattern that is not matchable (listed at /api/v1/indicators/unsupported). */
  unsupported: number;
  /** Sightings this import created. */
  sightings: number;
  source: string;
}

export function presentIndicator(row: IndicatorsTable, sources: IndicatorSourcesTable[], sightings: number) {
  return {
    id: row.id,
    type: row.type as IndicatorType,
    value: row.value,
    sources: sources.map((s) => ({
      name: s.source,
      ref: s.ref,
      format: s.format,
      title: s.name,
      description: s.description,
      pattern: s.pattern,
      confidence: s.confidence === null ? null : Number(s.confidence),
      tlp: s.tlp,
      validFrom: s.valid_from,
      validUntil: s.valid_until,
      labels: JSON.parse(s.labels) as string[],
      importedAt: s.imported_at,
      updatedAt: s.updated_at,
    })),
    confidence: row.confidence === null ? null : Number(row.confidence),
    tlp: row.tlp as Tlp | null,
    validFrom: row.valid_from,
    validUntil: row.valid_until,
    labels: JSON.parse(row.labels) as string[],
    killChainPhases: JSON.parse(row.kill_chain) as KillChainPhase[],
    description: row.description,
    sightingCount: sightings,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function presentSighting(row: Awaited<ReturnType<IndicatorRepository['listSightings']>>[number]) {
  const evidence = JSON.parse(row.evidence) as Record<string, unknown>;
  const component = evidence.component as { name: string; version: string | null; purl: string | null } | undefined;
  return {
    id: row.id,
    kind: row.kind,
    indicator: { id: row.indicator_id, type: row.indicator_type, value: row.indicator_value, confidence: row.indicator_confidence === null ? null : Number(row.indicator_confidence), tlp: row.indicator_tlp },
    vendor: row.vendor_id ? { id: row.vendor_id, name: row.vendor_name ?? '' } : null,
    product: row.product_id ? { id: row.product_id, name: row.product_name ?? '' } : null,
    release: row.release,
    sbomId: row.sbom_id,
    component: component && row.component_idx !== null ? { idx: Number(row.component_idx), ...component } : null,
    artifactId: row.artifact_id,
    evidence,
    foundBy: row.found_by,
    riskId: row.risk_id ?? null,
    createdAt: row.created_at,
  };
}

const TLP_ORDER: readonly Tlp[] = TLP_LEVELS;

/** An indicator's fields from all its sources: the highest confidence, the strictest TLP, the widest validity. */
function combine(row: IndicatorsTable, sources: IndicatorSourcesTable[], now: string): IndicatorsTable {
  const confidences = sources.map((s) => s.confidence).filter((c): c is number => c !== null).map(Number);
  const tlps = sources.map((s) => s.tlp as Tlp | null).filter((t): t is Tlp => !!t);
  const froms = sources.map((s) => s.valid_from).filter((v): v is string => !!v).sort();
  const untils = sources.map((s) => s.valid_until);
  const killChain = new Map<string, KillChainPhase>();
  for (const s of sources) for (const k of JSON.parse(s.kill_chain) as KillChainPhase[]) killChain.set(`${k.killChainName}\0${k.phaseName}`, k);
  return {
    ...row,
    confidence: confidences.length ? Math.max(...confidences) : null,
    tlp: tlps.length ? tlps.reduce((a, b) => (TLP_ORDER.indexOf(b) > TLP_ORDER.indexOf(a) ? b : a)) : null,
    valid_from: froms[0] ?? null,
    valid_until: untils.some((u) => u === null) ? null : (untils as string[]).sort().at(-1) ?? null,
    labels: JSON.stringify([...new Set(sources.flatMap((s) => JSON.parse(s.labels) as string[]))].sort()),
    kill_chain: JSON.stringify([...killChain.values()]),
    description: sources.map((s) => s.description ?? s.name).find((d) => !!d) ?? null,
    source_count: sources.length,
    updated_at: now,
  };
}

function digestOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** Several records of one source naming one value (a CSV with a hash twice) are one record of it. */
function mergeParsed(items: ParsedIndicator[]): ParsedIndicator[] {
  const byKey = new Map<string, ParsedIndicator>();
  for (const item of items) {
    const key = `${item.type}\0${item.value}\0${item.ref}`;
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, item);
    else byKey.set(key, { ...seen, labels: [...new Set([...seen.labels, ...item.labels])], killChain: [...seen.killChain, ...item.killChain] });
  }
  return [...byKey.values()];
}

export class IndicatorService {
  readonly feedKinds = INDICATOR_FEED_KINDS;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly correlation: CorrelationService,
  ) {}

  private repo(executor: Executor = this.db) {
    return new IndicatorRepository(executor);
  }

  /** An upload: a STIX bundle, a MISP event or feed zip, a CSV IOC list. */
  async importBuffer(kind: IndicatorFeedKind, body: Buffer, options: IndicatorImportOptions, ctx: RequestContext): Promise<IndicatorImportReport> {
    const outcome = await this.parse(() => parseIndicatorDocument(kind, body, { columns: parseCsvMapping(options.columns) }));
    return this.importOutcome(outcome, options.source ?? outcome.publisher ?? kind, ctx, options.onProgress);
  }

  /** A file (any kind) or, for MISP, a feed directory or zip on this machine. */
  async importPath(kind: IndicatorFeedKind, path: string, options: IndicatorImportOptions, ctx: RequestContext): Promise<IndicatorImportReport> {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      throw invalidField('path', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    let outcome: IndicatorOutcome;
    if (info.isDirectory()) {
      if (kind !== 'misp') throw invalidField('path', `${path} is a directory: only a MISP feed (manifest.json and event files) is read from one`);
      outcome = await this.parse(() => readMispDirectory(path));
    } else {
      const body = await readFile(path);
      outcome = kind === 'misp' && isZip(body) ? await this.parse(() => readMispZip(body)) : await this.parse(() => parseIndicatorDocument(kind, body, { columns: parseCsvMapping(options.columns) }));
    }
    return this.importOutcome(outcome, options.source ?? outcome.publisher ?? basename(path), ctx, options.onProgress);
  }

  private async parse(fn: () => Promise<IndicatorOutcome> | IndicatorOutcome): Promise<IndicatorOutcome> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof FeedFormatError) throw validationError(`the feed cannot be read: ${error.message}`, [{ field: '/', reason: error.message }]);
      throw error;
    }
  }

  /**
   * Stores what a document yielded in one transaction (nothing of a failed import is visible), a
   * batch of records at a time: new indicators are created, each source's record of one is
   * inserted or updated (an unchanged one is skipped), the indicator's combined fields are
   * recomputed from all its sources, and new indicators are correlated at once.
   */
  async importOutcome(outcome: IndicatorOutcome, sourceLabel: string, ctx: RequestContext, onProgress?: (done: number, total: number) => void): Promise<IndicatorImportReport> {
    const source = sourceLabel.slice(0, 200);
    const report: IndicatorImportReport = {
      imported: 0,
      updated: 0,
      skipped: outcome.skipped,
      errors: outcome.errors,
      findings: { created: 0, updated: 0, closed: 0, reopened: 0 },
      matching: { keys: 0, componentsExamined: 0 },
      unsupported: 0,
      sightings: 0,
      source,
    };
    const records = mergeParsed(outcome.indicators);
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await repo.lockCorrelation();
      for (let start = 0; start < records.length; start += BATCH) {
        await this.importBatch(trx, records.slice(start, start + BATCH), source, outcome.format, report, ctx);
        onProgress?.(Math.min(start + BATCH, records.length), records.length);
      }
      await this.importUnsupported(trx, outcome, source, report);
      await recordAudit(trx, ctx, {
        action: 'indicators.import',
        entityType: 'indicator-feed',
        entityId: source,
        after: { format: outcome.format, imported: report.imported, updated: report.updated, skipped: report.skipped, unsupported: report.unsupported, errors: report.errors.length, sightings: report.sightings },
      });
    });
    return report;
  }

  private async importBatch(trx: Executor, batch: ParsedIndicator[], source: string, format: string, report: IndicatorImportReport, ctx: RequestContext): Promise<void> {
    const repo = this.repo(trx);
    const now = new Date().toISOString();
    const known = new Map((await repo.byValues(batch.map((b) => b.value))).map((r) => [`${r.type}\0${r.value}`, r]));
    const created: IndicatorsTable[] = [];
    for (const item of batch) {
      const key = `${item.type}\0${item.value}`;
      if (known.has(key)) continue;
      const row: IndicatorsTable = { id: newId(), type: item.type, value: item.value, confidence: null, tlp: null, valid_from: null, valid_until: null, labels: '[]', kill_chain: '[]', description: null, source_count: 0, created_at: now, updated_at: now };
      known.set(key, row);
      created.push(row);
    }
    const createdIds = new Set(created.map((c) => c.id));
    const ids = [...new Set(batch.map((b) => known.get(`${b.type}\0${b.value}`)!.id))];
    const previous = new Map((await repo.sourcesOf(ids.filter((id) => !createdIds.has(id)), source)).map((s) => [`${s.indicator_id}\0${s.ref}`, s]));
    const changedSources: IndicatorSourcesTable[] = [];
    const touched = new Set<string>();
    for (const item of batch) {
      const indicatorId = known.get(`${item.type}\0${item.value}`)!.id;
      const content = {
        format,
        name: item.name?.slice(0, 500) ?? null,
        description: item.description?.slice(0, 4000) ?? null,
        pattern: item.pattern?.slice(0, 10_000) ?? null,
        confidence: item.confidence,
        tlp: item.tlp,
        valid_from: item.validFrom,
        valid_until: item.validUntil,
        labels: JSON.stringify(item.labels.slice(0, 100)),
        kill_chain: JSON.stringify(item.killChain.slice(0, 100)),
      };
      const digest = digestOf(content);
      const before = previous.get(`${indicatorId}\0${item.ref}`);
      if (before?.digest === digest) {
        report.skipped++;
        continue;
      }
      if (createdIds.has(indicatorId)) report.imported++;
      else report.updated++;
      touched.add(indicatorId);
      changedSources.push({ indicator_id: indicatorId, source, ref: item.ref.slice(0, 500), ...content, digest, imported_at: before?.imported_at ?? now, updated_at: now });
    }
    // A new indicator counts once however many records of this source name it.
    report.imported -= batch.filter((b) => createdIds.has(known.get(`${b.type}\0${b.value}`)!.id)).length - createdIds.size;
    if (!touched.size) return;
    // A new indicator's sources are this batch's records of it: it is written once, combined.
    const sourcesOfNew = new Map<string, IndicatorSourcesTable[]>();
    for (const s of changedSources) if (createdIds.has(s.indicator_id)) sourcesOfNew.set(s.indicator_id, [...(sourcesOfNew.get(s.indicator_id) ?? []), s]);
    const fresh = created.map((r) => combine(r, sourcesOfNew.get(r.id) ?? [], now));
    if (fresh.length) {
      await repo.upsertIndicators(fresh);
      await repo.insertIndicatorDomains(fresh.flatMap(indicatorDomains));
    }
    await repo.upsertSources(changedSources);
    const existing = [...known.values()].filter((r) => touched.has(r.id) && !createdIds.has(r.id));
    if (existing.length) {
      const bySource = new Map<string, IndicatorSourcesTable[]>();
      for (const s of await repo.sourcesOf(existing.map((r) => r.id))) bySource.set(s.indicator_id, [...(bySource.get(s.indicator_id) ?? []), s]);
      await repo.upsertIndicators(existing.map((r) => combine(r, bySource.get(r.id) ?? [], now)));
    }
    report.sightings += (await this.correlation.onIndicators(trx, fresh, ctx)).length;
  }

  private async importUnsupported(trx: Executor, outcome: IndicatorOutcome, source: string, report: IndicatorImportReport): Promise<void> {
    if (!outcome.unsupported.length) return;
    const repo = this.repo(trx);
    const now = new Date().toISOString();
    const rows: IndicatorUnsupportedTable[] = [];
    for (let start = 0; start < outcome.unsupported.length; start += BATCH) {
      const batch = outcome.unsupported.slice(start, start + BATCH);
      const previous = new Map((await repo.unsupportedByRefs(source, batch.map((u) => u.ref))).map((r) => [r.ref, r]));
      for (const u of batch) {
        const content = {
          format: outcome.format,
          name: u.name?.slice(0, 500) ?? null,
          pattern: u.pattern.slice(0, 20_000),
          pattern_type: u.patternType.slice(0, 100),
          reason: u.reason.slice(0, 2000),
          confidence: u.confidence,
          tlp: u.tlp,
          valid_from: u.validFrom,
          valid_until: u.validUntil,
          labels: JSON.stringify(u.labels.slice(0, 100)),
        };
        const digest = digestOf(content);
        const before = previous.get(u.ref);
        report.unsupported++;
        if (before?.digest === digest) {
          report.skipped++;
          continue;
        }
        if (before) report.updated++;
        else report.imported++;
        rows.push({ id: before?.id ?? newId(), source, ref: u.ref.slice(0, 500), ...content, digest, imported_at: before?.imported_at ?? now, updated_at: now });
      }
    }
    for (let i = 0; i < rows.length; i += BATCH) await repo.upsertUnsupported(rows.slice(i, i + BATCH));
  }

  // Reading.

  async list(filter: IndicatorFilter & { limit?: number; cursor?: string }): Promise<PageOf<ReturnType<typeof presentIndicator>>> {
    const limit = filter.limit ?? 50;
    const cursor = decodeCursor(filter.cursor);
    const query: IndicatorFilter = { ...filter };
    if (filter.type && !(INDICATOR_TYPES as readonly string[]).includes(filter.type)) throw invalidField('type', `must be one of ${INDICATOR_TYPES.join(', ')}`);
    if (filter.value !== undefined) {
      const type = (filter.type as IndicatorType | undefined) ?? typeByShape(filter.value);
      if (!type) throw invalidField('value', 'is not a hash, domain, URL, IP address or e-mail address (give type= to say which)');
      try {
        query.value = normalizeValue(type, filter.value);
      } catch (error) {
        if (error instanceof IndicatorValueError) throw invalidField('value', error.message);
        throw error;
      }
      query.type = type;
    }
    const rows = await this.repo().list(query, cursor, limit);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const ids = page.map((r) => r.id);
    const sources = await this.repo().sourcesOf(ids);
    const counts = await this.repo().sightingCounts(ids);
    const bySource = new Map<string, IndicatorSourcesTable[]>();
    for (const s of sources) bySource.set(s.indicator_id, [...(bySource.get(s.indicator_id) ?? []), s]);
    const last = page[page.length - 1];
    return { items: page.map((r) => presentIndicator(r, bySource.get(r.id) ?? [], counts.get(r.id) ?? 0)), nextCursor: more && last ? encodeCursor({ key: null, id: last.id }) : null };
  }

  async get(id: string) {
    const row = await this.repo().find(id);
    if (!row) throw notFound('indicator', id);
    const sources = await this.repo().sourcesOf([id]);
    const sightings = await this.sightings({ indicatorId: id, limit: 100 });
    return { ...presentIndicator(row, sources, (await this.repo().sightingCounts([id])).get(id) ?? 0), sightings: sightings.items };
  }

  async sightings(filter: SightingFilter & { limit?: number; cursor?: string }) {
    const limit = filter.limit ?? 50;
    const rows = await this.repo().listSightings(filter, decodeCursor(filter.cursor), limit);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    const alerts = await this.repo().egressAlertsOf(page.filter((r) => r.kind === 'egress').map((r) => r.id));
    return { items: page.map((r) => ({ ...presentSighting(r), egressAlertId: alerts.get(r.id) ?? null })), nextCursor: more && last ? encodeCursor({ key: null, id: last.id }) : null };
  }

  async unsupported(filter: { limit?: number; cursor?: string; source?: string }) {
    const limit = filter.limit ?? 50;
    const rows = await this.repo().listUnsupported(decodeCursor(filter.cursor), limit, filter.source);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.id,
        source: r.source,
        ref: r.ref,
        format: r.format,
        name: r.name,
        pattern: r.pattern,
        patternType: r.pattern_type,
        reason: r.reason,
        confidence: r.confidence === null ? null : Number(r.confidence),
        tlp: r.tlp,
        validFrom: r.valid_from,
        validUntil: r.valid_until,
        labels: JSON.parse(r.labels) as string[],
        importedAt: r.imported_at,
        updatedAt: r.updated_at,
      })),
      nextCursor: more && last ? encodeCursor({ key: null, id: last.id }) : null,
    };
  }

  async overview() {
    const repo = this.repo();
    return { totals: await repo.totals(), sources: (await repo.sourceNames()).map((s) => ({ name: s.source, records: s.n })) };
  }
}
