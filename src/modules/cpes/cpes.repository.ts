import type { Executor } from '../../platform/db/schema.js';
import type { FindingsTable } from '../findings/findings.tables.js';
import { chunks, insertRows, type ColumnType } from '../matching/bulk.js';
import type { ComponentCpe, CpeSource, DictionaryEntry } from './cpes.infer.js';

const CPE_TYPES: ReadonlyArray<readonly [string, ColumnType]> = [
  ['sbom_id', 'text'], ['idx', 'int'], ['cpe_key', 'text'], ['cpe', 'text'], ['source', 'text'], ['confidence', 'real'],
];

const DICTIONARY_TYPES: ReadonlyArray<readonly [string, ColumnType]> = [
  ['name_key', 'text'], ['cpe_key', 'text'], ['vendor', 'text'], ['product', 'text'], ['title', 'text'], ['source', 'text'],
];

/** Component CPEs, the CPE dictionary and analysts' decisions on inferred CPEs. */
export class CpeRepository {
  constructor(private readonly db: Executor) {}

  /** Written with the SBOM's components (unpublished, outside any transaction, like them). */
  insertComponentCpes(sbomId: string, rows: ComponentCpe[]): Promise<void> {
    return insertRows(this.db, 'sbom_component_cpes', CPE_TYPES, rows.map((r) => [sbomId, r.idx, r.cpeKey, r.cpe, r.source, r.confidence]), 'on conflict do nothing');
  }

  /** One SBOM's CPEs for components idx in [from, to] (a publish that matches again reads them back). */
  async componentCpes(sbomId: string, from: number, to: number): Promise<ComponentCpe[]> {
    const rows = await this.db
      .selectFrom('sbom_component_cpes')
      .select(['idx', 'cpe_key', 'cpe', 'source', 'confidence'])
      .where('sbom_id', '=', sbomId)
      .where('idx', '>=', from)
      .where('idx', '<=', to)
      .execute();
    return rows.map(toComponentCpe);
  }

  async dictionaryFor(nameKeys: string[]): Promise<DictionaryEntry[]> {
    const out: DictionaryEntry[] = [];
    for (const batch of chunks(nameKeys)) {
      const rows = await this.db.selectFrom('cpe_dictionary').select(['name_key', 'cpe_key', 'vendor', 'product']).where('name_key', 'in', batch).execute();
      for (const r of rows) out.push({ nameKey: r.name_key, cpeKey: r.cpe_key, vendor: r.vendor, product: r.product });
    }
    return out;
  }

  /**
   * Names for the dictionary; ones it has are kept as they are. Written as the bulk writers write
   * (no per-value query tree): an NVD import offers every CPE key of each batch, about 2,000 per 500 records.
   */
  addToDictionary(entries: Array<DictionaryEntry & { source: string }>): Promise<void> {
    return insertRows(this.db, 'cpe_dictionary', DICTIONARY_TYPES, entries.map((e) => [e.nameKey, e.cpeKey, e.vendor, e.product, null, e.source]), 'on conflict do nothing');
  }

  /** Decisions by component identity, then cpe key. */
  async decisionsFor(identities: string[]): Promise<Map<string, Map<string, string>>> {
    const out = new Map<string, Map<string, string>>();
    for (const batch of chunks(identities)) {
      for (const r of await this.db.selectFrom('cpe_decisions').select(['component_key', 'cpe_key', 'decision']).where('component_key', 'in', batch).execute()) {
        let byKey = out.get(r.component_key);
        if (!byKey) out.set(r.component_key, (byKey = new Map()));
        byKey.set(r.cpe_key, r.decision);
      }
    }
    return out;
  }

  decision(componentKey: string, cpeKey: string) {
    return this.db.selectFrom('cpe_decisions').selectAll().where('component_key', '=', componentKey).where('cpe_key', '=', cpeKey).executeTakeFirst();
  }

  async setDecision(row: { component_key: string; cpe_key: string; decision: string; decided_by: string; decided_at: string }): Promise<void> {
    await this.db
      .insertInto('cpe_decisions')
      .values(row)
      .onConflict((oc) => oc.columns(['component_key', 'cpe_key']).doUpdateSet({ decision: row.decision, decided_by: row.decided_by, decided_at: row.decided_at }))
      .execute();
  }

  listDecisions(limit: number) {
    return this.db.selectFrom('cpe_decisions').selectAll().orderBy('decided_at', 'desc').limit(limit).execute();
  }

  /** Inferred (or rejected) rows of one vendor:product with the name and supplier of their component and their SBOM (one index lookup by key). */
  inferredUnder(cpeKey: string) {
    return this.db
      .selectFrom('sbom_component_cpes as x')
      .innerJoin('sbom_components as c', (j) => j.onRef('c.sbom_id', '=', 'x.sbom_id').onRef('c.idx', '=', 'x.idx'))
      .innerJoin('sboms as s', 's.id', 'x.sbom_id')
      .select(['x.sbom_id', 'x.idx', 'x.cpe', 'x.source', 'c.name', 'c.supplier', 's.is_current', 's.release', 's.product_id'])
      .where('x.cpe_key', '=', cpeKey)
      .where('x.source', 'in', ['inferred', 'rejected'])
      .execute();
  }

  /** Marks inferred rows of some components rejected ('rejected', never matched) or confirmed ('inferred' at confidence 1). */
  async setInferred(cpeKey: string, occurrences: Array<{ sbom_id: string; idx: number }>, change: { source: 'inferred' | 'rejected'; confidence: number | null }): Promise<void> {
    for (const batch of chunks(occurrences, 200)) {
      await this.db
        .updateTable('sbom_component_cpes')
        .set({ source: change.source, ...(change.confidence !== null ? { confidence: change.confidence } : {}) })
        .where('cpe_key', '=', cpeKey)
        .where('source', 'in', ['inferred', 'rejected'])
        .where((eb) => eb.or(batch.map((o) => eb.and([eb('sbom_id', '=', o.sbom_id), eb('idx', '=', o.idx)]))))
        .execute();
    }
  }

  /** Findings of some components matched through an inferred vendor:product. */
  async inferredFindings(cpeKey: string, occurrences: Array<{ sbom_id: string; idx: number }>) {
    const out: Array<Pick<FindingsTable, 'id' | 'status' | 'closed_reason' | 'state'>> = [];
    for (const batch of chunks(occurrences, 200)) {
      out.push(
        ...(await this.db
          .selectFrom('findings')
          .select(['id', 'status', 'closed_reason', 'state'])
          .where('package_name', '=', cpeKey)
          .where('match_kind', '=', 'inferred-cpe')
          .where((eb) => eb.or(batch.map((o) => eb.and([eb('sbom_id', '=', o.sbom_id), eb('component_idx', '=', o.idx)]))))
          .execute()),
      );
    }
    return out;
  }

  async updateFindings(ids: string[], changes: Partial<FindingsTable>): Promise<void> {
    for (const batch of chunks(ids)) await this.db.updateTable('findings').set(changes).where('id', 'in', batch).execute();
  }

  /** A finding with what a CPE decision needs of it. */
  finding(id: string) {
    return this.db.selectFrom('findings').select(['id', 'sbom_id', 'component_idx', 'package_name', 'match_kind', 'product_id']).where('id', '=', id).executeTakeFirst();
  }

  product(id: string) {
    return this.db.selectFrom('products as p').innerJoin('vendors as v', 'v.id', 'p.vendor_id').select(['p.id', 'p.name', 'p.cpe', 'p.vendor_id', 'v.name as vendor_name']).where('p.id', '=', id).executeTakeFirst();
  }

  async setProductCpe(id: string, cpe: string | null, at: string): Promise<void> {
    await this.db.updateTable('products').set({ cpe, updated_at: at }).where('id', '=', id).execute();
  }

  /** The product's current, published SBOMs (one per release). */
  currentSboms(productId: string) {
    return this.db.selectFrom('sboms').select(['id', 'release', 'root_name']).where('product_id', '=', productId).where('is_current', '=', 1).where('published', '=', 1).execute();
  }

  async replaceProductCpes(sbomId: string, rows: ComponentCpe[]): Promise<void> {
    await this.db.deleteFrom('sbom_component_cpes').where('sbom_id', '=', sbomId).where('idx', '=', 0).where('source', '=', 'product').execute();
    await this.insertComponentCpes(sbomId, rows);
  }

  /** The component a finding is about (its name and supplier: the identity decisions apply to). */
  component(sbomId: string, idx: number) {
    return this.db.selectFrom('sbom_components').select(['name', 'supplier', 'version', 'cpe', 'ecosystem']).where('sbom_id', '=', sbomId).where('idx', '=', idx).executeTakeFirst();
  }
}

export function toComponentCpe(r: { idx: number; cpe_key: string; cpe: string; source: string; confidence: number | null }): ComponentCpe {
  return { idx: Number(r.idx), cpeKey: r.cpe_key, cpe: r.cpe, source: r.source as CpeSource, confidence: r.confidence === null ? null : Number(r.confidence) };
}
