import type { Executor } from '../../platform/db/schema.js';

export type UsageByVendor = {
  ecosystem: string;
  package_name: string;
  vendor_id: string;
  products: number | string;
  /** How many of the vendor's products have it directly. */
  direct: number | string | null;
  seq?: number | string;
};

export type Dependent = {
  vendor_id: string;
  vendor_name: string;
  vendor_tier: string;
  vendor_internal: number;
  product_id: string;
  product_name: string;
  release: string;
  sbom_id: string;
  version: string | null;
  direct: number;
  depth: number;
};

export type StackRow = {
  ecosystem: string;
  package_name: string;
  name: string;
  version: string | null;
  direct: number;
  product_id: string;
  product_name: string;
  release: string;
};

export class TechnologyRepository {
  constructor(private readonly db: Executor) {}

  /** Every vendor's tier and whether it is the internal estate: the population shares are taken of. */
  vendors() {
    return this.db.selectFrom('vendors').select(['id', 'tier', 'internal']).execute();
  }

  /** Per technology and vendor, from the rollup the SBOM module keeps: every row, or those changed after `seq`. */
  usageByVendor(afterSeq: number | null): Promise<UsageByVendor[]> {
    let query = this.db.selectFrom('technology_vendors').select(['ecosystem', 'package_name', 'vendor_id', 'products', 'direct_products as direct', 'seq']);
    query = afterSeq === null ? query.where('products', '>', 0) : query.where('seq', '>', afterSeq);
    return query.execute() as Promise<UsageByVendor[]>;
  }

  dependents(ecosystem: string, packageName: string): Promise<Dependent[]> {
    return this.db
      .selectFrom('sbom_components as c')
      .innerJoin('sboms as s', 's.id', 'c.sbom_id')
      .innerJoin('products as p', 'p.id', 's.product_id')
      .innerJoin('vendors as v', 'v.id', 'p.vendor_id')
      .select([
        'v.id as vendor_id', 'v.name as vendor_name', 'v.tier as vendor_tier', 'v.internal as vendor_internal', 'p.id as product_id',
        'p.name as product_name', 's.release', 's.id as sbom_id', 'c.version', 'c.direct', 'c.depth',
      ])
      .where('c.ecosystem', '=', ecosystem)
      .where('c.package_name', '=', packageName)
      .where('s.is_current', '=', 1)
      .orderBy('v.name_key')
      .orderBy('p.name')
      .orderBy('s.release')
      .execute() as Promise<Dependent[]>;
  }

  /** Technologies of one vendor's current SBOMs, by key, after the cursor. */
  stackKeys(vendorId: string, direct: boolean | undefined, after: { ecosystem: string; packageName: string } | null, limit: number) {
    let query = this.db
      .selectFrom('sbom_components as c')
      .innerJoin('sboms as s', 's.id', 'c.sbom_id')
      .innerJoin('products as p', 'p.id', 's.product_id')
      .select(['c.ecosystem', 'c.package_name'])
      .where('p.vendor_id', '=', vendorId)
      .where('s.is_current', '=', 1);
    if (direct !== undefined) query = query.where('c.direct', '=', direct ? 1 : 0);
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('c.ecosystem', '>', after.ecosystem), eb.and([eb('c.ecosystem', '=', after.ecosystem), eb('c.package_name', '>', after.packageName)])]),
      );
    }
    return query.groupBy(['c.ecosystem', 'c.package_name']).orderBy('c.ecosystem').orderBy('c.package_name').limit(limit + 1).execute();
  }

  stackRows(vendorId: string, keys: Array<{ ecosystem: string; package_name: string }>): Promise<StackRow[]> {
    if (!keys.length) return Promise.resolve([]);
    return this.db
      .selectFrom('sbom_components as c')
      .innerJoin('sboms as s', 's.id', 'c.sbom_id')
      .innerJoin('products as p', 'p.id', 's.product_id')
      .select(['c.ecosystem', 'c.package_name', 'c.name', 'c.version', 'c.direct', 'p.id as product_id', 'p.name as product_name', 's.release'])
      .where('p.vendor_id', '=', vendorId)
      .where('s.is_current', '=', 1)
      .where((eb) => eb.or(keys.map((k) => eb.and([eb('c.ecosystem', '=', k.ecosystem), eb('c.package_name', '=', k.package_name)]))))
      .execute() as Promise<StackRow[]>;
  }

  /** How many third-party vendors (besides nobody) use each of these technologies. */
  vendorCounts(keys: Array<{ ecosystem: string; package_name: string }>) {
    if (!keys.length) return Promise.resolve([]);
    return this.db
      .selectFrom('sbom_components as c')
      .innerJoin('sboms as s', 's.id', 'c.sbom_id')
      .innerJoin('products as p', 'p.id', 's.product_id')
      .innerJoin('vendors as v', 'v.id', 'p.vendor_id')
      .select((eb) => ['c.ecosystem', 'c.package_name', eb.fn.count<number>('v.id').distinct().as('vendors')])
      .where('s.is_current', '=', 1)
      .where('v.internal', '=', 0)
      .where((eb) => eb.or(keys.map((k) => eb.and([eb('c.ecosystem', '=', k.ecosystem), eb('c.package_name', '=', k.package_name)]))))
      .groupBy(['c.ecosystem', 'c.package_name'])
      .execute();
  }

  vendor(vendorId: string) {
    return this.db.selectFrom('vendors').select(['id', 'name', 'tier', 'internal']).where('id', '=', vendorId).executeTakeFirst();
  }
}
