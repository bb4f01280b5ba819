import { sql } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';
import { likePattern } from '../../platform/search-text.js';
import { byteRange } from './search.index.js';

export type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

const like = (q: string) => sql<string>`${likePattern(q)} escape '\\'`;

/** Every query is bounded by `limit` and served by an index, except vendors and products (a few thousand rows, scanned). */
export class SearchRepository {
  constructor(private readonly db: Executor) {}

  vendors(q: string, limit: number) {
    return this.db
      .selectFrom('vendors')
      .select(['id', 'name', 'tier', 'domains', 'aliases', 'name_key'])
      .where('internal', '=', 0)
      .where('search_text', 'like', like(q))
      .orderBy('name_key')
      .limit(limit)
      .execute();
  }

  products(q: string, limit: number) {
    return this.db
      .selectFrom('products as p')
      .innerJoin('vendors as v', 'v.id', 'p.vendor_id')
      .select(['p.id', 'p.name', 'p.type', 'v.name as vendor_name'])
      .where('p.search_text', 'like', like(q))
      .orderBy('p.name')
      .orderBy('p.id')
      .limit(limit)
      .execute();
  }

  /** Current releases with an SBOM: of these products, and/or whose label starts with `label`. */
  releases(filter: { productIds?: string[]; label?: string }, limit: number) {
    const { productIds, label } = filter;
    if (productIds && !productIds.length) return Promise.resolve([]);
    let query = this.db
      .selectFrom('sboms as s')
      .innerJoin('products as p', 'p.id', 's.product_id')
      .innerJoin('vendors as v', 'v.id', 'p.vendor_id')
      .select(['s.id', 's.release', 's.component_count', 'p.id as product_id', 'p.name as product_name', 'v.name as vendor_name'])
      .where('s.is_current', '=', 1)
      .where('s.published', '=', 1);
    if (productIds) query = query.where('s.product_id', 'in', productIds);
    if (label !== undefined) query = query.where(byteRange(this.db, 's.release', label));
    return query.orderBy('p.name').orderBy('s.release', 'desc').orderBy('s.id').limit(limit).execute();
  }

  /** Current releases whose root or product carries a CPE of this vendor:product (modules/cpes). */
  releasesByCpe(cpeKey: string, limit: number) {
    return this.db
      .selectFrom('sbom_component_cpes as k')
      .innerJoin('sboms as s', 's.id', 'k.sbom_id')
      .innerJoin('products as p', 'p.id', 's.product_id')
      .innerJoin('vendors as v', 'v.id', 'p.vendor_id')
      .select(['s.id', 's.release', 's.component_count', 'p.id as product_id', 'p.name as product_name', 'v.name as vendor_name'])
      .distinct()
      .where('k.cpe_key', '=', cpeKey)
      .where('k.idx', '=', 0)
      .where('s.is_current', '=', 1)
      .where('s.published', '=', 1)
      .orderBy('p.name')
      .orderBy('s.release', 'desc')
      .orderBy('s.id')
      .limit(limit)
      .execute();
  }

  /** Identities of components that carry, or were given, a CPE of this vendor:product (modules/cpes). */
  async identitiesByCpe(cpeKey: string, limit: number): Promise<Array<{ ecosystem: string; package_name: string }>> {
    const rows = await this.db
      .selectFrom('sbom_component_cpes as k')
      .innerJoin('sbom_components as c', (j) => j.onRef('c.sbom_id', '=', 'k.sbom_id').onRef('c.idx', '=', 'k.idx'))
      .select(['c.ecosystem', 'c.package_name'])
      .where('k.cpe_key', '=', cpeKey)
      .where('k.idx', '>', 0)
      .limit(limit * 20)
      .execute();
    const seen = new Map(rows.map((r) => [`${r.ecosystem}\u0000${r.package_name}`, { ecosystem: r.ecosystem, package_name: r.package_name }]));
    return [...seen.values()].slice(0, limit);
  }

  /**
   * Identities with a term starting with `prefix`, deduplicated: those whose whole name (purl, CPE)
   * starts with it first, then those with a word that does; each in term order, so an exact term leads.
   */
  async componentIdentities(prefix: string, limit: number): Promise<Array<{ ecosystem: string; package_name: string }>> {
    const seen = new Map<string, { ecosystem: string; package_name: string }>();
    for (const whole of [1, 0]) {
      const rows = await this.db
        .selectFrom('search_component_terms')
        .select(['ecosystem', 'package_name'])
        .where('whole', '=', whole)
        .where(byteRange(this.db, 'term', prefix))
        .orderBy('whole')
        .orderBy('term')
        .limit(limit * 4)
        .execute();
      for (const r of rows) {
        const key = `${r.ecosystem}\u0000${r.package_name}`;
        if (!seen.has(key)) seen.set(key, { ecosystem: r.ecosystem, package_name: r.package_name });
      }
      if (seen.size >= limit) break;
    }
    return [...seen.values()].slice(0, limit);
  }

  /** Name, purl and current use (SBOMs, products, vendors) of identities; those no current SBOM holds are left out. */
  componentUsage(identities: Array<{ ecosystem: string; package_name: string }>) {
    if (!identities.length) return Promise.resolve([]);
    return this.db
      .selectFrom('technology_products as t')
      .innerJoin('search_components as c', (j) => j.onRef('c.ecosystem', '=', 't.ecosystem').onRef('c.package_name', '=', 't.package_name'))
      .select((eb) => [
        't.ecosystem',
        't.package_name',
        eb.fn.min('c.name').as('name'),
        eb.fn.min('c.purl').as('purl'),
        eb.fn.sum<number>('t.sboms').as('sboms'),
        eb.fn.countAll<number>().as('products'),
        eb.fn.count<number>('t.vendor_id').distinct().as('vendors'),
      ])
      .where('t.sboms', '>', 0)
      .where((eb) => eb.or(identities.map((i) => eb.and([eb('t.ecosystem', '=', i.ecosystem), eb('t.package_name', '=', i.package_name)]))))
      .groupBy(['t.ecosystem', 't.package_name'])
      .execute();
  }

  /** Advisory groups with an id or alias starting with `prefix` (ids are stored upper-case). */
  advisories(prefix: string, limit: number) {
    return this.db
      .selectFrom('advisory_ids as i')
      .innerJoin('advisory_groups as g', 'g.id', 'i.group_id')
      .select(['i.identifier', 'g.id', 'g.display_id', 'g.summary', 'g.severity', 'g.kev', 'g.withdrawn'])
      .where(byteRange(this.db, 'i.identifier', prefix))
      .orderBy('i.identifier')
      .limit(limit)
      .execute();
  }

  /** SBOM components carrying this hash, current SBOMs first. */
  componentHashes(alg: HashAlgorithm, value: string, limit: number) {
    return this.db
      .selectFrom('sbom_component_hashes as h')
      .innerJoin('sboms as s', 's.id', 'h.sbom_id')
      .innerJoin('sbom_components as c', (j) => j.onRef('c.sbom_id', '=', 'h.sbom_id').onRef('c.idx', '=', 'h.idx'))
      .innerJoin('products as p', 'p.id', 's.product_id')
      .innerJoin('vendors as v', 'v.id', 'p.vendor_id')
      .select(['s.id as sbom_id', 'h.idx', 'c.name', 'c.version', 's.release', 's.is_current', 'p.name as product_name', 'v.name as vendor_name'])
      .where('h.value', '=', value)
      .where('h.alg', '=', alg)
      .where('s.published', '=', 1)
      .orderBy('s.is_current', 'desc')
      .orderBy('s.id', 'desc')
      .orderBy('h.idx')
      .limit(limit)
      .execute();
  }

  /** Release artifacts whose own hash this is. */
  artifacts(alg: HashAlgorithm, value: string, limit: number) {
    return this.db
      .selectFrom('artifacts as a')
      .innerJoin('products as p', 'p.id', 'a.product_id')
      .select(['a.id', 'a.file_name', 'a.version', 'a.product_id', 'p.name as product_name'])
      .where(`a.${alg}`, '=', value)
      .orderBy('a.id')
      .limit(limit)
      .execute();
  }

  /** Files inside release artifacts with this hash. */
  artifactFiles(alg: HashAlgorithm, value: string, limit: number) {
    return this.db
      .selectFrom('artifact_files as f')
      .innerJoin('artifacts as a', 'a.id', 'f.artifact_id')
      .innerJoin('products as p', 'p.id', 'f.product_id')
      .select(['f.id', 'f.path', 'f.version', 'f.product_id', 'a.file_name', 'p.name as product_name'])
      .where(`f.${alg}`, '=', value)
      .orderBy('f.id')
      .limit(limit)
      .execute();
  }

  /** Indicators whose value is one of `exact` or starts with `prefix`. */
  indicators(exact: string[], prefix: string | null, limit: number) {
    return this.db
      .selectFrom('indicators')
      .select(['id', 'type', 'value', 'description', 'source_count'])
      .where((eb) => {
        const either = [eb('value', 'in', exact)];
        if (prefix) either.push(byteRange(this.db, 'value', prefix) as never);
        return eb.or(either);
      })
      .orderBy('value')
      .orderBy('type')
      .limit(limit)
      .execute();
  }
}
