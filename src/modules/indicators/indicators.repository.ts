import { sql } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import { insertJsonRows } from '../../platform/db/bulk.js';
import type { Executor } from '../../platform/db/schema.js';
import type { CursorPosition } from '../../platform/http/pagination.js';
import { likePattern } from '../sboms/sboms.repository.js';
import { chunks } from '../matching/bulk.js';
import type { IndicatorDomainsTable, IndicatorSourcesTable, IndicatorsTable, IndicatorUnsupportedTable, SightingsTable, TaxiiStateTable } from './indicators.tables.js';

/**
 * Orders correlation on PostgreSQL (SQLite has one writer). Indicator imports and artifact checks
 * hold it exclusively; vendor domain changes and SBOM publishes share it: their sightings' match
 * keys name their own vendor or SBOM, so they cannot collide with each other, only with an import.
 */
const CORRELATION_LOCK = 7_240_009;

export interface IndicatorFilter {
  type?: string;
  value?: string;
  q?: string;
  source?: string;
  sighted?: boolean;
}

export interface SightingFilter {
  indicatorId?: string;
  indicatorType?: string;
  vendorId?: string;
  productId?: string;
  kind?: string;
}

export interface HashHit {
  value: string;
  alg: string;
  sbom_id: string;
  idx: number;
  product_id: string;
  vendor_id: string;
  release: string;
  is_current: number;
  name: string;
  version: string | null;
  purl: string | null;
}

export class IndicatorRepository {
  constructor(private readonly db: Executor) {}

  async lockCorrelation(mode: 'shared' | 'exclusive' = 'exclusive'): Promise<void> {
    if (!isPostgres(this.db)) return;
    await (mode === 'shared' ? sql`select pg_advisory_xact_lock_shared(${CORRELATION_LOCK})` : sql`select pg_advisory_xact_lock(${CORRELATION_LOCK})`).execute(this.db);
  }

  async byValues(values: string[]): Promise<IndicatorsTable[]> {
    const out: IndicatorsTable[] = [];
    for (const batch of chunks([...new Set(values)])) out.push(...(await this.db.selectFrom('indicators').selectAll().where('value', 'in', batch).execute()));
    return out;
  }

  async sourcesOf(indicatorIds: string[], source?: string): Promise<IndicatorSourcesTable[]> {
    const out: IndicatorSourcesTable[] = [];
    for (const batch of chunks(indicatorIds)) {
      let q = this.db.selectFrom('indicator_sources').selectAll().where('indicator_id', 'in', batch);
      if (source !== undefined) q = q.where('source', '=', source);
      out.push(...(await q.orderBy('indicator_id').orderBy('imported_at').execute()));
    }
    return out;
  }

  upsertIndicators(rows: IndicatorsTable[]): Promise<void> {
    return insertJsonRows(this.db, 'indicators', rows as unknown as Array<Record<string, unknown>>, {
      conflict: { columns: ['id'], update: ['confidence', 'tlp', 'valid_from', 'valid_until', 'labels', 'kill_chain', 'description', 'source_count', 'updated_at'] },
    });
  }

  upsertSources(rows: IndicatorSourcesTable[]): Promise<void> {
    return insertJsonRows(this.db, 'indicator_sources', rows as unknown as Array<Record<string, unknown>>, {
      conflict: { columns: ['indicator_id', 'source', 'ref'], update: ['format', 'name', 'description', 'pattern', 'confidence', 'tlp', 'valid_from', 'valid_until', 'labels', 'kill_chain', 'digest', 'updated_at'] },
    });
  }

  async unsupportedByRefs(source: string, refs: string[]): Promise<Array<Pick<IndicatorUnsupportedTable, 'id' | 'ref' | 'digest' | 'imported_at'>>> {
    const out = [];
    for (const batch of chunks([...new Set(refs)])) out.push(...(await this.db.selectFrom('indicator_unsupported').select(['id', 'ref', 'digest', 'imported_at']).where('source', '=', source).where('ref', 'in', batch).execute()));
    return out;
  }

  upsertUnsupported(rows: IndicatorUnsupportedTable[]): Promise<void> {
    return insertJsonRows(this.db, 'indicator_unsupported', rows as unknown as Array<Record<string, unknown>>, {
      conflict: { columns: ['source', 'ref'], update: ['format', 'name', 'pattern', 'pattern_type', 'reason', 'confidence', 'tlp', 'valid_from', 'valid_until', 'labels', 'digest', 'updated_at'] },
    });
  }

  async list(filter: IndicatorFilter, cursor: CursorPosition | null, limit: number): Promise<IndicatorsTable[]> {
    let q = this.db.selectFrom('indicators').selectAll();
    if (filter.type) q = q.where('type', '=', filter.type);
    if (filter.value !== undefined) q = q.where('value', '=', filter.value);
    if (filter.q) q = q.where(sql<boolean>`lower(value) like ${likePattern(filter.q)} escape '\\'`);
    if (filter.source) q = q.where('id', 'in', (eb) => eb.selectFrom('indicator_sources').select('indicator_id').where('source', '=', filter.source!));
    if (filter.sighted !== undefined) {
      const sighted = (eb: any) => eb.exists(eb.selectFrom('sightings').select('sightings.id').whereRef('sightings.indicator_id', '=', 'indicators.id'));
      q = q.where((eb) => (filter.sighted ? sighted(eb) : eb.not(sighted(eb))));
    }
    if (cursor) q = q.where('id', '<', cursor.id);
    return q.orderBy('id', 'desc').limit(limit + 1).execute();
  }

  find(id: string) {
    return this.db.selectFrom('indicators').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async sightingCounts(indicatorIds: string[]): Promise<Map<string, number>> {
    if (!indicatorIds.length) return new Map();
    const rows = await this.db
      .selectFrom('sightings')
      .select(['indicator_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('indicator_id', 'in', indicatorIds)
      .groupBy('indicator_id')
      .execute();
    return new Map(rows.map((r) => [r.indicator_id, Number(r.n)]));
  }

  async listUnsupported(cursor: CursorPosition | null, limit: number, source?: string): Promise<IndicatorUnsupportedTable[]> {
    let q = this.db.selectFrom('indicator_unsupported').selectAll();
    if (source) q = q.where('source', '=', source);
    if (cursor) q = q.where('id', '<', cursor.id);
    return q.orderBy('id', 'desc').limit(limit + 1).execute();
  }

  async sourceNames(): Promise<Array<{ source: string; n: number }>> {
    const rows = await this.db.selectFrom('indicator_sources').select(['source', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('source').orderBy('source').execute();
    return rows.map((r) => ({ source: r.source, n: Number(r.n) }));
  }

  async totals() {
    const count = async (table: 'indicators' | 'indicator_unsupported' | 'sightings') => Number((await this.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return { indicators: await count('indicators'), unsupported: await count('indicator_unsupported'), sightings: await count('sightings') };
  }

  // Correlation lookups: each one index probe per value.

  async componentHashes(values: string[]): Promise<HashHit[]> {
    const out: HashHit[] = [];
    for (const batch of chunks([...new Set(values)])) {
      out.push(
        ...(await this.db
          .selectFrom('sbom_component_hashes as h')
          .innerJoin('sboms as s', 's.id', 'h.sbom_id')
          .innerJoin('products as p', 'p.id', 's.product_id')
          .innerJoin('sbom_components as c', (j) => j.onRef('c.sbom_id', '=', 'h.sbom_id').onRef('c.idx', '=', 'h.idx'))
          .select(['h.value', 'h.alg', 'h.sbom_id', 'h.idx', 's.product_id', 'p.vendor_id', 's.release', 's.is_current', 'c.name', 'c.version', 'c.purl'])
          .where('h.value', 'in', batch)
          .where('s.published', '=', 1)
          .execute()),
      );
    }
    return out;
  }

  /** Artifacts and files inside artifacts (modules/integrity) with one of these hashes of this algorithm: an index probe per value. */
  async artifactHashes(type: 'md5' | 'sha1' | 'sha256' | 'sha512', values: string[]) {
    const artifacts = [];
    const files = [];
    for (const batch of chunks([...new Set(values)])) {
      artifacts.push(...(await this.db.selectFrom('artifacts').select(['id', 'product_id', 'vendor_id', 'version', 'file_name', type]).where(type, 'in', batch).execute()));
      files.push(
        ...(await this.db
          .selectFrom('artifact_files as f')
          .innerJoin('artifacts as a', 'a.id', 'f.artifact_id')
          .select(['f.artifact_id', 'f.path', 'f.product_id', 'f.vendor_id', 'f.version', 'a.file_name', `f.${type}`])
          .where(`f.${type}`, 'in', batch)
          .execute()),
      );
    }
    return {
      artifacts: artifacts.map((a) => ({ id: a.id, productId: a.product_id, vendorId: a.vendor_id, version: a.version, fileName: a.file_name, hash: (a as Record<string, unknown>)[type] as string })),
      files: files.map((f) => ({ artifactId: f.artifact_id, path: f.path, productId: f.product_id, vendorId: f.vendor_id, version: f.version, fileName: f.file_name, hash: (f as Record<string, unknown>)[type] as string })),
    };
  }

  /** The files recorded inside an artifact, with their hashes. */
  artifactFiles(artifactId: string) {
    return this.db.selectFrom('artifact_files').select(['path', 'md5', 'sha1', 'sha256', 'sha512']).where('artifact_id', '=', artifactId).execute();
  }

  /** The hashes of one SBOM that an indicator names: one index probe into indicators per hash. */
  async sbomHashHits(sbomId: string, now: string) {
    return this.db
      .selectFrom('sbom_component_hashes as h')
      .innerJoin('indicators as i', (j) => j.onRef('i.value', '=', 'h.value').onRef('i.type', '=', 'h.alg'))
      .innerJoin('sboms as s', 's.id', 'h.sbom_id')
      .innerJoin('products as p', 'p.id', 's.product_id')
      .innerJoin('sbom_components as c', (j) => j.onRef('c.sbom_id', '=', 'h.sbom_id').onRef('c.idx', '=', 'h.idx'))
      .select(['i.id as indicator_id', 'i.type as indicator_type', 'h.value', 'h.alg', 'h.sbom_id', 'h.idx', 's.product_id', 'p.vendor_id', 's.release', 's.is_current', 'c.name', 'c.version', 'c.purl'])
      .where('h.sbom_id', '=', sbomId)
      .where((eb) => eb.or([eb('i.valid_until', 'is', null), eb('i.valid_until', '>', now)]))
      .execute();
  }

  insertIndicatorDomains(rows: IndicatorDomainsTable[]): Promise<void> {
    return insertJsonRows(this.db, 'indicator_domains', rows as unknown as Array<Record<string, unknown>>, { conflict: { columns: ['domain', 'indicator_id'], update: 'nothing' } });
  }

  /**
   * The live indicators under any domain of these vendors: one index probe per vendor domain (a
   * wildcard domain, *.example.com, is looked up as example.com; the caller keeps its depth rule).
   */
  indicatorsUnderVendorDomains(vendorIds: string[], now: string) {
    return this.db
      .selectFrom('vendor_domains as vd')
      .innerJoin('indicator_domains as d', (j) => j.on((eb) => eb('d.domain', '=', sql<string>`case when ${eb.ref('vd.domain')} like '*.%' then substr(${eb.ref('vd.domain')}, 3) else ${eb.ref('vd.domain')} end`)))
      .innerJoin('indicators as i', 'i.id', 'd.indicator_id')
      .select(['vd.vendor_id', 'vd.domain as vendor_domain', 'd.depth', 'i.id', 'i.type', 'i.value', 'i.confidence', 'i.valid_until'])
      .where('vd.vendor_id', 'in', vendorIds)
      .where((eb) => eb.or([eb('i.valid_until', 'is', null), eb('i.valid_until', '>', now)]))
      .execute();
  }

  async vendorDomains(domains: string[]): Promise<Array<{ domain: string; vendor_id: string }>> {
    const out = [];
    for (const batch of chunks([...new Set(domains)])) out.push(...(await this.db.selectFrom('vendor_domains').select(['domain', 'vendor_id']).where('domain', 'in', batch).execute()));
    return out;
  }

  async indicatorsFor(pairs: Array<{ type: string; value: string }>, now: string): Promise<IndicatorsTable[]> {
    const wanted = new Set(pairs.map((p) => `${p.type}\0${p.value}`));
    const rows = await this.byValues(pairs.map((p) => p.value));
    return rows.filter((r) => wanted.has(`${r.type}\0${r.value}`) && (r.valid_until === null || r.valid_until > now));
  }

  async existingMatches(keys: Array<{ indicator_id: string; match_key: string }>): Promise<Set<string>> {
    const out = new Set<string>();
    for (const batch of chunks([...new Set(keys.map((k) => k.indicator_id))])) {
      const rows = await this.db.selectFrom('sightings').select(['indicator_id', 'match_key']).where('indicator_id', 'in', batch).execute();
      for (const r of rows) out.add(`${r.indicator_id}\0${r.match_key}`);
    }
    return out;
  }

  insertSightings(rows: SightingsTable[]): Promise<void> {
    return insertJsonRows(this.db, 'sightings', rows as unknown as Array<Record<string, unknown>>, { conflict: { columns: ['indicator_id', 'match_key'], update: 'nothing' } });
  }

  /** The egress alert that recorded each of these egress sightings (indicator contact), the first when several did. */
  async egressAlertsOf(sightingIds: string[]): Promise<Map<string, string>> {
    if (!sightingIds.length) return new Map();
    const rows = await this.db.selectFrom('egress_alerts').select(['id', 'sighting_id']).where('sighting_id', 'in', sightingIds).orderBy('id', 'desc').execute();
    return new Map(rows.map((r) => [r.sighting_id!, r.id]));
  }

  async listSightings(filter: SightingFilter, cursor: CursorPosition | null, limit: number) {
    let q = this.db
      .selectFrom('sightings as s')
      .innerJoin('indicators as i', 'i.id', 's.indicator_id')
      .leftJoin('vendors as v', 'v.id', 's.vendor_id')
      .leftJoin('products as p', 'p.id', 's.product_id')
      .select([
        's.id', 's.indicator_id', 's.kind', 's.match_key', 's.vendor_id', 's.product_id', 's.release', 's.sbom_id', 's.component_idx', 's.artifact_id', 's.evidence', 's.found_by', 's.created_at',
        'i.type as indicator_type', 'i.value as indicator_value', 'i.confidence as indicator_confidence', 'i.tlp as indicator_tlp',
        'v.name as vendor_name', 'p.name as product_name',
        // The risk a sighting opened lists it as evidence (sightings.hooks.ts): found through risk_evidence_ref.
        (eb) => eb.selectFrom('risk_evidence as e').select('e.risk_id').where('e.type', '=', 'sighting').whereRef('e.ref', '=', 's.id').limit(1).as('risk_id'),
      ]);
    if (filter.indicatorId) q = q.where('s.indicator_id', '=', filter.indicatorId);
    if (filter.indicatorType) q = q.where('i.type', '=', filter.indicatorType);
    if (filter.vendorId) q = q.where('s.vendor_id', '=', filter.vendorId);
    if (filter.productId) q = q.where('s.product_id', '=', filter.productId);
    if (filter.kind) q = q.where('s.kind', '=', filter.kind);
    if (cursor) q = q.where('s.id', '<', cursor.id);
    return q.orderBy('s.id', 'desc').limit(limit + 1).execute();
  }

  // TAXII polling state.

  taxiiStates(): Promise<TaxiiStateTable[]> {
    return this.db.selectFrom('taxii_state').selectAll().execute();
  }

  taxiiState(name: string) {
    return this.db.selectFrom('taxii_state').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async saveTaxiiState(row: Partial<TaxiiStateTable> & { name: string }): Promise<void> {
    const { name, ...changes } = row;
    await this.db
      .insertInto('taxii_state')
      .values({ name, added_after: null, last_attempt_at: null, last_success_at: null, last_error: null, last_error_at: null, last_result: null, ...changes })
      .onConflict((oc) => oc.column('name').doUpdateSet(changes))
      .execute();
  }
}
