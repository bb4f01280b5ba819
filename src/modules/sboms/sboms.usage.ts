// Which packages the current SBOMs contain, rolled up per product and per vendor, kept up to date
// inside the transactions that make an SBOM current or stop it being current. The technologies
// ranking reads the per-vendor rollup (tens of thousands of rows) instead of grouping every
// current component (millions) after each change.
import { sql } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import { chunks, insertRows, type ColumnType } from '../matching/bulk.js';

export interface UsagePackage {
  ecosystem: string;
  packageName: string;
  direct: boolean;
}

export interface CurrentChange {
  productId: string;
  vendorId: string;
  sbomId: string;
  /** +1: the SBOM became current; -1: it stopped being current (superseded or deleted). */
  delta: 1 | -1;
  /** The SBOM's components when the caller has them at hand; read from the database otherwise. */
  components?: ReadonlyArray<{ ecosystem: string; package_name: string; direct: number }>;
}

const PRODUCT_COLUMNS: ReadonlyArray<readonly [string, ColumnType]> = [
  ['product_id', 'text'], ['ecosystem', 'text'], ['package_name', 'text'], ['vendor_id', 'text'], ['sboms', 'int'], ['direct_sboms', 'int'],
];
const VENDOR_COLUMNS: ReadonlyArray<readonly [string, ColumnType]> = [
  ['vendor_id', 'text'], ['ecosystem', 'text'], ['package_name', 'text'], ['products', 'int'], ['direct_products', 'int'], ['seq', 'int'],
];

const keyOf = (ecosystem: string, packageName: string) => `${ecosystem}\u0000${packageName}`;

function distinctPackages(components: ReadonlyArray<{ ecosystem: string; package_name: string; direct: number | string }>): Map<string, UsagePackage> {
  const out = new Map<string, UsagePackage>();
  for (const c of components) {
    const key = keyOf(c.ecosystem, c.package_name);
    const known = out.get(key);
    const direct = Number(c.direct) === 1;
    if (!known) out.set(key, { ecosystem: c.ecosystem, packageName: c.package_name, direct });
    else if (direct) known.direct = true;
  }
  return out;
}

/**
 * Applies one SBOM entering or leaving the current set: per product, how many of its current SBOMs
 * contain each package (and directly); per vendor, how many of its products do. Vendor rows that
 * change get the next sequence number, so a process holding the ranking reads only those.
 */
export async function applyCurrentChange(db: Executor, change: CurrentChange): Promise<void> {
  const components =
    change.components ??
    (await db.selectFrom('sbom_components').select(['ecosystem', 'package_name', 'direct']).where('sbom_id', '=', change.sbomId).execute());
  const packages = distinctPackages(components);
  if (!packages.size) return;

  const existing = new Map<string, { sboms: number; direct: number }>();
  for (const row of await db.selectFrom('technology_products').select(['ecosystem', 'package_name', 'sboms', 'direct_sboms']).where('product_id', '=', change.productId).execute()) {
    existing.set(keyOf(row.ecosystem, row.package_name), { sboms: Number(row.sboms), direct: Number(row.direct_sboms) });
  }
  const upserts: unknown[][] = [];
  const removed: UsagePackage[] = [];
  /** Per package: the change in the vendor's product count and direct-product count. */
  const vendorDeltas = new Map<string, { pkg: UsagePackage; products: number; direct: number }>();
  for (const [key, pkg] of packages) {
    const before = existing.get(key) ?? { sboms: 0, direct: 0 };
    const sboms = Math.max(0, before.sboms + change.delta);
    const direct = Math.max(0, before.direct + (pkg.direct ? change.delta : 0));
    if (sboms === 0) {
      if (before.sboms > 0) removed.push(pkg);
    } else upserts.push([change.productId, pkg.ecosystem, pkg.packageName, change.vendorId, sboms, direct]);
    const products = (sboms > 0 ? 1 : 0) - (before.sboms > 0 ? 1 : 0);
    const directProducts = (direct > 0 ? 1 : 0) - (before.direct > 0 ? 1 : 0);
    if (products || directProducts) vendorDeltas.set(key, { pkg, products, direct: directProducts });
  }
  await insertRows(db, 'technology_products', PRODUCT_COLUMNS, upserts, 'on conflict (product_id, ecosystem, package_name) do update set sboms = excluded.sboms, direct_sboms = excluded.direct_sboms');
  await deletePackages(db, 'technology_products', 'product_id', change.productId, removed);
  if (!vendorDeltas.size) return;

  const seq = await nextSeq(db);
  const vendorRows = new Map<string, { products: number; direct: number }>();
  for (const row of await db.selectFrom('technology_vendors').select(['ecosystem', 'package_name', 'products', 'direct_products']).where('vendor_id', '=', change.vendorId).execute()) {
    vendorRows.set(keyOf(row.ecosystem, row.package_name), { products: Number(row.products), direct: Number(row.direct_products) });
  }
  // A vendor row that reaches zero stays (with its new sequence number) so that other processes
  // learn the package left; a rebuild drops such rows.
  const writes: unknown[][] = [];
  for (const [key, d] of vendorDeltas) {
    const before = vendorRows.get(key) ?? { products: 0, direct: 0 };
    writes.push([change.vendorId, d.pkg.ecosystem, d.pkg.packageName, Math.max(0, before.products + d.products), Math.max(0, before.direct + d.direct), seq]);
  }
  await insertRows(db, 'technology_vendors', VENDOR_COLUMNS, writes, 'on conflict (vendor_id, ecosystem, package_name) do update set products = excluded.products, direct_products = excluded.direct_products, seq = excluded.seq');
}

async function deletePackages(db: Executor, table: 'technology_products', ownerColumn: 'product_id', owner: string, packages: UsagePackage[]): Promise<void> {
  const byEcosystem = new Map<string, string[]>();
  for (const p of packages) {
    const names = byEcosystem.get(p.ecosystem);
    if (names) names.push(p.packageName);
    else byEcosystem.set(p.ecosystem, [p.packageName]);
  }
  for (const [ecosystem, names] of byEcosystem) {
    for (const batch of chunks(names)) {
      await db.deleteFrom(table).where(ownerColumn, '=', owner).where('ecosystem', '=', ecosystem).where('package_name', 'in', batch).execute();
    }
  }
}

/** The next change number; on PostgreSQL the row lock also orders concurrent writers' numbers by commit. */
async function nextSeq(db: Executor): Promise<number> {
  const row = await db
    .updateTable('technology_state')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('id', '=', 1)
    .returning('seq')
    .executeTakeFirstOrThrow();
  return Number(row.seq);
}

export interface UsageState {
  seq: number;
  generation: number;
  stale: boolean;
}

export async function usageState(db: Executor): Promise<UsageState> {
  const row = await db.selectFrom('technology_state').select(['seq', 'generation', 'stale']).where('id', '=', 1).executeTakeFirstOrThrow();
  return { seq: Number(row.seq), generation: Number(row.generation), stale: Number(row.stale) === 1 };
}

/**
 * Rebuilds the vendor rollup from the product rollup: needed after products or vendors were
 * deleted (their product rows go by cascade, and a trigger marks the vendor rollup stale).
 */
export async function rebuildVendorUsage(db: Executor): Promise<void> {
  const state = await db.selectFrom('technology_state').select(['stale']).where('id', '=', 1).$if(isPostgres(db), (q) => q.forUpdate()).executeTakeFirstOrThrow();
  if (Number(state.stale) !== 1) return;
  const seq = await nextSeq(db);
  await db.deleteFrom('technology_vendors').execute();
  await sql`
    insert into technology_vendors (vendor_id, ecosystem, package_name, products, direct_products, seq)
    select vendor_id, ecosystem, package_name, count(*), sum(case when direct_sboms > 0 then 1 else 0 end), ${seq}
    from technology_products group by vendor_id, ecosystem, package_name`.execute(db);
  await db
    .updateTable('technology_state')
    .set((eb) => ({ stale: 0, generation: eb('generation', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}
