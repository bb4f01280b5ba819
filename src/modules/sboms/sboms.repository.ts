import { sql } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import type { CursorPosition } from '../../platform/http/pagination.js';
import { breathe, chunks, insertRows, type ColumnType } from '../matching/bulk.js';
import type { ComponentRow } from './sboms.ingest.js';
import type { SbomsTable } from './sboms.tables.js';

/** LIKE patterns treat % and _ as wildcards; a search for "50%" must match the text "50%". */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Rows per multi-row INSERT ... VALUES on SQLite: about 12,000 bind parameters a statement (500
 * component rows of 24 columns), under its limit of 32,766 (and PostgreSQL's 65,535).
 */
export const PARAMETERS_PER_STATEMENT = 12_000;
export function rowsPerStatement(postgres: boolean, columns: number): number {
  const limit = postgres ? 65_535 : 32_766;
  return Math.max(1, Math.floor(Math.min(limit, PARAMETERS_PER_STATEMENT) / columns));
}

/** Rows removed per statement when an unpublished SBOM is discarded. */
const DISCARD_SLICE = 2_000;


const INDICATOR_HASH_ALGS: Record<string, string> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512' };
const HASH_COLUMNS: ReadonlyArray<readonly [string, ColumnType]> = [['value', 'text'], ['alg', 'text'], ['sbom_id', 'text'], ['idx', 'int']];

const COMPONENT_COLUMNS: ReadonlyArray<readonly [string, ColumnType]> = [
  ['sbom_id', 'text'], ['idx', 'int'], ['ref', 'text'], ['name', 'text'], ['group_name', 'text'], ['version', 'text'], ['purl', 'text'],
  ['purl_type', 'text'], ['purl_namespace', 'text'], ['purl_name', 'text'], ['purl_qualifiers', 'text'], ['ecosystem', 'text'],
  ['package_name', 'text'], ['name_key', 'text'], ['cpe', 'text'], ['type', 'text'], ['scope', 'text'], ['supplier', 'text'],
  ['licenses', 'text'], ['hashes', 'text'], ['parent_idx', 'int'], ['depth', 'int'], ['via_idx', 'int'], ['direct', 'int'],
];

export type ProductOwner = { id: string; name: string; version: string | null; cpe: string | null; vendor_id: string; vendor_name: string; vendor_internal: number };

export type SbomRow = SbomsTable & { product_name: string; vendor_id: string; vendor_name: string };

export interface SbomListFilter {
  release?: string;
  current?: boolean;
}

export interface ComponentFilter {
  q?: string;
  ecosystem?: string;
  direct?: boolean;
  type?: string;
  license?: string;
}

/** "Who uses X": by package identity, by bare name, or both (see the service for the rules). */
export interface UsageCriteria {
  ecosystem?: string;
  packageName?: string;
  nameKey?: string;
  /** With nameKey and no ecosystem: the lower-cased full name must also match (a name with a namespace). */
  packageNameLower?: string;
  version?: string;
  vendorId?: string;
  productId?: string;
  direct?: boolean;
}

export type UsageRow = {
  sbom_id: string;
  idx: number;
  name: string;
  version: string | null;
  purl: string | null;
  ecosystem: string;
  package_name: string;
  depth: number;
  direct: number;
  release: string;
  product_id: string;
  product_name: string;
  vendor_id: string;
  vendor_name: string;
  vendor_tier: string;
  vendor_internal: number;
  root_name: string | null;
  root_version: string | null;
  root_purl: string | null;
};

export type PathHop = { origin_sbom: string; origin_idx: number; hop: number; name: string; version: string | null; purl: string | null };

export class SbomRepository {
  constructor(private readonly db: Executor) {}

  findOwner(productId: string): Promise<ProductOwner | undefined> {
    return this.db
      .selectFrom('products as p')
      .innerJoin('vendors as v', 'v.id', 'p.vendor_id')
      .select(['p.id', 'p.name', 'p.version', 'p.cpe', 'p.vendor_id', 'v.name as vendor_name', 'v.internal as vendor_internal'])
      .where('p.id', '=', productId)
      .executeTakeFirst() as Promise<ProductOwner | undefined>;
  }

  /**
   * Serialises writes to one product's SBOMs across replicas (SQLite writers are serialised
   * already by BEGIN IMMEDIATE); false when the product is gone.
   */
  async lockProduct(productId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('products')
      .select('id')
      .where('id', '=', productId)
      .$if(isPostgres(this.db), (q) => q.forUpdate())
      .executeTakeFirst();
    return row !== undefined;
  }

  currentFor(productId: string, release: string) {
    return this.db
      .selectFrom('sboms')
      .select(['id'])
      .where('product_id', '=', productId)
      .where('release', '=', release)
      .where('is_current', '=', 1)
      .executeTakeFirst();
  }

  /** Makes a written SBOM visible, and the current one of its release. */
  publish(id: string) {
    return this.db.updateTable('sboms').set({ published: 1, is_current: 1 }).where('id', '=', id).where('published', '=', 0).executeTakeFirst();
  }

  /** SBOMs whose upload began before `before` and never published: their process died or gave up. */
  async abandoned(before: string): Promise<string[]> {
    return (await this.db.selectFrom('sboms').select('id').where('published', '=', 0).where('uploaded_at', '<', before).limit(20).execute()).map((r) => r.id);
  }

  /**
   * Removes an unpublished SBOM's rows a slice at a time (each slice its own short statement), then
   * the SBOM itself: a failed or abandoned upload never holds the write lock for long.
   */
  async discard(id: string): Promise<void> {
    await this.discardFindings(id);
    const top = await this.db.selectFrom('sbom_components').select((eb) => eb.fn.max('idx').as('max')).where('sbom_id', '=', id).executeTakeFirst();
    const max = Number(top?.max ?? 0);
    for (let from = 0; from <= max; from += DISCARD_SLICE) {
      await this.db.deleteFrom('sbom_components').where('sbom_id', '=', id).where('idx', '<', from + DISCARD_SLICE).execute();
      await breathe(this.db);
    }
    await this.db.deleteFrom('sboms').where('id', '=', id).where('published', '=', 0).execute();
  }

  /** The findings of an unpublished SBOM (and their history, by cascade), a slice at a time. */
  async discardFindings(id: string): Promise<void> {
    for (;;) {
      const gone = await this.db.deleteFrom('findings').where('id', 'in', (eb) => eb.selectFrom('findings').select('id').where('sbom_id', '=', id).limit(DISCARD_SLICE)).executeTakeFirst();
      await breathe(this.db);
      if (Number(gone.numDeletedRows) < DISCARD_SLICE) break;
    }
  }

  setCurrent(id: string, current: boolean) {
    return this.db.updateTable('sboms').set({ is_current: current ? 1 : 0 }).where('id', '=', id).execute();
  }

  /** The newest remaining SBOM of a release, which becomes current when the current one is deleted. */
  latestOf(productId: string, release: string, except?: string) {
    return this.db
      .selectFrom('sboms')
      .select(['id', 'release'])
      .where('product_id', '=', productId)
      .where('release', '=', release)
      .where('published', '=', 1)
      .$if(except !== undefined, (q) => q.where('id', '!=', except!))
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  insertSbom(row: SbomsTable) {
    return this.db.insertInto('sboms').values(row).execute();
  }

  insertDocument(sbomId: string, compression: string, content: Buffer) {
    return this.db.insertInto('sbom_documents').values({ sbom_id: sbomId, compression, content }).execute();
  }

  /** Components in multi-row INSERTs (unnest on PostgreSQL), a bounded statement at a time. */
  async insertComponents(sbomId: string, rows: ComponentRow[]): Promise<void> {
    const tuples = rows.map((r) => [
      sbomId, r.idx, r.ref, r.name, r.group_name, r.version, r.purl, r.purl_type, r.purl_namespace, r.purl_name,
      r.purl_qualifiers, r.ecosystem, r.package_name, r.name_key, r.cpe, r.type, r.scope, r.supplier, r.licenses, r.hashes,
      r.parent_idx, r.depth, r.via_idx, r.direct,
    ]);
    await insertRows(this.db, 'sbom_components', COMPONENT_COLUMNS, tuples);
  }

  /** The index correlation looks hash indicators up in (modules/indicators): MD5, SHA-1, SHA-256 and SHA-512 only. */
  async insertComponentHashes(sbomId: string, rows: ComponentRow[]): Promise<void> {
    const tuples: unknown[][] = [];
    for (const r of rows) {
      if (!r.hashes) continue;
      for (const [alg, value] of Object.entries(JSON.parse(r.hashes) as Record<string, string>)) if (INDICATOR_HASH_ALGS[alg]) tuples.push([value, INDICATOR_HASH_ALGS[alg], sbomId, r.idx]);
    }
    await insertRows(this.db, 'sbom_component_hashes', HASH_COLUMNS, tuples);
  }

  insertGraph(sbomId: string, edgeCount: number, packed: Buffer) {
    return this.db.insertInto('sbom_graphs').values({ sbom_id: sbomId, edge_count: edgeCount, edges: packed }).execute();
  }

  graph(sbomId: string) {
    return this.db.selectFrom('sbom_graphs').select(['edge_count', 'edges']).where('sbom_id', '=', sbomId).executeTakeFirst();
  }

  private selectSboms() {
    return this.db
      .selectFrom('sboms as s')
      .innerJoin('products as p', 'p.id', 's.product_id')
      .innerJoin('vendors as v', 'v.id', 'p.vendor_id')
      .selectAll('s')
      .select(['p.name as product_name', 'v.id as vendor_id', 'v.name as vendor_name']);
  }

  findSbom(id: string): Promise<SbomRow | undefined> {
    return this.selectSboms().where('s.id', '=', id).where('s.published', '=', 1).executeTakeFirst() as Promise<SbomRow | undefined>;
  }

  listSboms(productId: string, filter: SbomListFilter, cursor: CursorPosition | null, limit: number): Promise<SbomRow[]> {
    let query = this.selectSboms().where('s.product_id', '=', productId).where('s.published', '=', 1);
    if (filter.release !== undefined) query = query.where('s.release', '=', filter.release);
    if (filter.current !== undefined) query = query.where('s.is_current', '=', filter.current ? 1 : 0);
    if (cursor) query = query.where('s.id', '<', cursor.id);
    return query.orderBy('s.id', 'desc').limit(limit + 1).execute() as Promise<SbomRow[]>;
  }

  /** Every release of a product with its current SBOM; newest first. */
  releases(productId: string) {
    return this.db
      .selectFrom('sboms')
      .select((eb) => [
        'release',
        eb.fn.countAll<number>().as('sbom_count'),
        eb.fn.max('id').as('latest_id'),
        eb.fn.max(eb.case().when('is_current', '=', 1).then(eb.ref('id')).end()).as('current_id'),
        eb.fn.max('uploaded_at').as('last_uploaded_at'),
      ])
      .where('product_id', '=', productId)
      .where('published', '=', 1)
      .groupBy('release')
      .orderBy('latest_id', 'desc')
      .execute();
  }

  deleteSbom(id: string) {
    return this.db.deleteFrom('sboms').where('id', '=', id).execute();
  }

  document(sbomId: string) {
    return this.db.selectFrom('sbom_documents').selectAll().where('sbom_id', '=', sbomId).executeTakeFirst();
  }

  listComponents(sbomId: string, filter: ComponentFilter, afterIdx: number | null, limit: number) {
    let query = this.db.selectFrom('sbom_components').selectAll().where('sbom_id', '=', sbomId);
    if (filter.q) {
      const pattern = likePattern(filter.q);
      query = query.where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['name']), 'like', sql<string>`${pattern} escape '\\'`),
          eb(eb.fn('lower', ['purl']), 'like', sql<string>`${pattern} escape '\\'`),
          eb(eb.fn('lower', ['group_name']), 'like', sql<string>`${pattern} escape '\\'`),
        ]),
      );
    }
    if (filter.ecosystem) query = query.where('ecosystem', '=', filter.ecosystem);
    if (filter.direct !== undefined) query = query.where('direct', '=', filter.direct ? 1 : 0);
    if (filter.type) query = query.where('type', '=', filter.type);
    if (filter.license) query = query.where('licenses', 'like', sql<string>`${likePattern(`"${filter.license}"`)} escape '\\'`);
    if (afterIdx !== null) query = query.where('idx', '>', afterIdx);
    return query.orderBy('idx').limit(limit + 1).execute();
  }

  /** Components by idx, for naming the ends of edges. */
  componentsByIdx(sbomId: string, idxs: number[]) {
    if (!idxs.length) return Promise.resolve([]);
    return this.db
      .selectFrom('sbom_components')
      .select(['idx', 'ref', 'name', 'version', 'purl'])
      .where('sbom_id', '=', sbomId)
      .where('idx', 'in', idxs)
      .execute();
  }

  componentByRef(sbomId: string, ref: string) {
    return this.db
      .selectFrom('sbom_components')
      .select(['idx'])
      .where('sbom_id', '=', sbomId)
      .where((eb) => eb.or([eb('ref', '=', ref), eb.and([eb('ref', 'is', null), eb('purl', '=', ref)])]))
      .executeTakeFirst();
  }

  /** Everything a diff compares, for one SBOM. */
  diffRows(sbomId: string) {
    return this.db
      .selectFrom('sbom_components')
      .select(['idx', 'name', 'group_name', 'version', 'purl', 'ecosystem', 'package_name', 'hashes', 'direct'])
      .where('sbom_id', '=', sbomId)
      .orderBy('idx')
      .execute();
  }

  /** Current SBOMs' components matching the criteria, in (sbom, idx) order after the cursor. */
  usage(criteria: UsageCriteria, after: { sbomId: string; idx: number } | null, limit: number): Promise<UsageRow[]> {
    let query = this.db
      .selectFrom('sbom_components as c')
      .innerJoin('sboms as s', 's.id', 'c.sbom_id')
      .innerJoin('products as p', 'p.id', 's.product_id')
      .innerJoin('vendors as v', 'v.id', 'p.vendor_id')
      .select([
        'c.sbom_id', 'c.idx', 'c.name', 'c.version', 'c.purl', 'c.ecosystem', 'c.package_name', 'c.depth', 'c.direct',
        's.release', 's.product_id', 'p.name as product_name', 'v.id as vendor_id', 'v.name as vendor_name',
        'v.tier as vendor_tier', 'v.internal as vendor_internal', 's.root_name', 's.root_version', 's.root_purl',
      ])
      .where('s.is_current', '=', 1)
      .where((eb) => {
        const { ecosystem, packageName, nameKey, packageNameLower } = criteria;
        if (ecosystem && packageName && nameKey) {
          return eb.and([eb('c.ecosystem', '=', ecosystem), eb.or([eb('c.package_name', '=', packageName), eb('c.name_key', '=', nameKey)])]);
        }
        if (ecosystem && packageName) return eb.and([eb('c.ecosystem', '=', ecosystem), eb('c.package_name', '=', packageName)]);
        if (!nameKey) throw new Error('usage criteria need a package name or a name');
        const conditions = [eb('c.name_key', '=', nameKey)];
        if (ecosystem) conditions.push(eb('c.ecosystem', '=', ecosystem));
        if (packageNameLower) conditions.push(eb(eb.fn('lower', ['c.package_name']), '=', packageNameLower));
        return eb.and(conditions);
      });
    if (criteria.version !== undefined) query = query.where('c.version', '=', criteria.version);
    if (criteria.vendorId) query = query.where('p.vendor_id', '=', criteria.vendorId);
    if (criteria.productId) query = query.where('s.product_id', '=', criteria.productId);
    if (criteria.direct !== undefined) query = query.where('c.direct', '=', criteria.direct ? 1 : 0);
    if (after) {
      query = query.where((eb) => eb.or([eb('c.sbom_id', '>', after.sbomId), eb.and([eb('c.sbom_id', '=', after.sbomId), eb('c.idx', '>', after.idx)])]));
    }
    return query.orderBy('c.sbom_id').orderBy('c.idx').limit(limit).execute() as Promise<UsageRow[]>;
  }

  /**
   * The hops from each target back to the root, following via_idx: one recursive query for a
   * whole page of targets, each step a primary-key lookup within the target's SBOM.
   */
  async paths(targets: Array<{ sbomId: string; idx: number }>): Promise<PathHop[]> {
    if (!targets.length) return [];
    const seeds = sql.join(targets.map((t) => sql`(c.sbom_id = ${t.sbomId} and c.idx = ${t.idx})`), sql` or `);
    const result = await sql<PathHop>`
      with recursive chain(origin_sbom, origin_idx, hop, sbom_id, idx, via_idx, name, version, purl) as (
        select c.sbom_id, c.idx, 0, c.sbom_id, c.idx, c.via_idx, c.name, c.version, c.purl
        from sbom_components c where ${seeds}
        union all
        select chain.origin_sbom, chain.origin_idx, chain.hop + 1, c.sbom_id, c.idx, c.via_idx, c.name, c.version, c.purl
        from chain join sbom_components c on c.sbom_id = chain.sbom_id and c.idx = chain.via_idx
        where chain.via_idx > 0
      )
      select origin_sbom, origin_idx, hop, name, version, purl from chain`.execute(this.db);
    return result.rows;
  }

  /** Open findings per component occurrence (who-uses rows). */
  async openCounts(targets: Array<{ sbomId: string; idx: number }>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const batch of chunks(targets, 200)) {
      const rows = await this.db
        .selectFrom('findings')
        .select(['sbom_id', 'component_idx', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', '=', 'open')
        .where((eb) => eb.or(batch.map((t) => eb.and([eb('sbom_id', '=', t.sbomId), eb('component_idx', '=', t.idx)]))))
        .groupBy(['sbom_id', 'component_idx'])
        .execute();
      for (const r of rows) out.set(`${r.sbom_id}#${Number(r.component_idx)}`, Number(r.n));
    }
    return out;
  }
}
