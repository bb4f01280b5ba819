// Which packages the current SBOMs contain, rolled up per product and per vendor, kept up to date
// inside the transactions that make an SBOM current or stop it being current. The technologies
// ranking reads the per-vendor rollup (tens of thousands of rows) instead of grouping every
// current component (millions) after each change.
import { sql } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';

export interface CurrentChange {
  productId: string;
  vendorId: string;
  sbomId: string;
  /** +1: the SBOM became current; -1: it stopped being current (superseded or deleted). */
  delta: 1 | -1;
}

/**
 * Applies one SBOM entering or leaving the current set: per product, how many of its current SBOMs
 * contain each package (and directly); per vendor, how many of its products do. Vendor rows that
 * change get the next sequence number, so a process holding the ranking reads only those.
 *
 * Set-based, from the SBOM's stored components: a 50,000-component SBOM is a few statements inside
 * the publish transaction rather than its rows read, grouped and written back through this process.
 */
export async function applyCurrentChange(db: Executor, change: CurrentChange): Promise<void> {
  const { productId, sbomId } = change;
  // Typed for PostgreSQL, which cannot infer a parameter's type in a select list.
  const vendorId = sql`cast(${change.vendorId} as text)`;
  const delta = sql`cast(${change.delta} as integer)`;
  // The SBOM's packages (direct when any of its components is), against the product's counts before the change.
  const packages = sql`(select ecosystem, package_name, max(direct) as direct from sbom_components where sbom_id = ${sbomId} group by ecosystem, package_name)`;
  const before = sql`
    select p.ecosystem, p.package_name, p.direct, coalesce(t.sboms, 0) as sboms, coalesce(t.direct_sboms, 0) as direct_sboms
    from ${packages} p left join technology_products t on t.product_id = ${productId} and t.ecosystem = p.ecosystem and t.package_name = p.package_name`;
  const after = sql`
    select ecosystem, package_name, sboms, direct_sboms,
      case when sboms + ${delta} > 0 then sboms + ${delta} else 0 end as new_sboms,
      case when direct_sboms + ${delta} * direct > 0 then direct_sboms + ${delta} * direct else 0 end as new_direct
    from (${before}) b`;

  // The vendor rows first: whether the product gains or loses a package depends on its counts before.
  const { seq } = await db.selectFrom('technology_state').select('seq').where('id', '=', 1).$if(isPostgres(db), (q) => q.forUpdate()).executeTakeFirstOrThrow();
  const next = Number(seq) + 1;
  const vendors = await sql`
    insert into technology_vendors (vendor_id, ecosystem, package_name, products, direct_products, seq)
    select ${vendorId}, ecosystem, package_name, products, direct_products, cast(${next} as integer) from (
      select ecosystem, package_name,
        (case when new_sboms > 0 then 1 else 0 end) - (case when sboms > 0 then 1 else 0 end) as products,
        (case when new_direct > 0 then 1 else 0 end) - (case when direct_sboms > 0 then 1 else 0 end) as direct_products
      from (${after}) a) d
    where products <> 0 or direct_products <> 0
    on conflict (vendor_id, ecosystem, package_name) do update set
      products = case when technology_vendors.products + excluded.products > 0 then technology_vendors.products + excluded.products else 0 end,
      direct_products = case when technology_vendors.direct_products + excluded.direct_products > 0 then technology_vendors.direct_products + excluded.direct_products else 0 end,
      seq = excluded.seq`.execute(db);
  if (Number(vendors.numAffectedRows ?? 0) > 0) {
    // A package new to the vendor was inserted with its change as its count, which cannot go below zero.
    // A vendor row that reaches zero stays (with its new sequence number) so that other processes
    // learn the package left; a rebuild drops such rows.
    await sql`
      update technology_vendors set
        products = case when products < 0 then 0 else products end,
        direct_products = case when direct_products < 0 then 0 else direct_products end
      where vendor_id = ${change.vendorId} and seq = ${next} and (products < 0 or direct_products < 0)`.execute(db);
    await db.updateTable('technology_state').set({ seq: next }).where('id', '=', 1).execute();
  }

  if (change.delta === 1) {
    // A product without current SBOMs (its first, or its only one just replaced) has no rows: a plain
    // insert, ~40 ms less of PostgreSQL's CPU than the upsert for 10,000 packages (no speculative
    // insertion). Callers lock the product, and the state row read above orders all changes.
    const fresh = !(await db.selectFrom('technology_products').select('product_id').where('product_id', '=', productId).limit(1).executeTakeFirst());
    await sql`
      insert into technology_products (product_id, ecosystem, package_name, vendor_id, sboms, direct_sboms)
      select ${productId}, ecosystem, package_name, ${vendorId}, 1, direct from ${packages} p where true
      ${fresh ? sql`` : sql`on conflict (product_id, ecosystem, package_name) do update set
        sboms = technology_products.sboms + 1, direct_sboms = technology_products.direct_sboms + excluded.direct_sboms`}`.execute(db);
    return;
  }
  await sql`
    update technology_products set
      sboms = case when sboms > 1 then sboms - 1 else 0 end,
      direct_sboms = case when direct_sboms - p.direct > 0 then direct_sboms - p.direct else 0 end
    from ${packages} p
    where technology_products.product_id = ${productId} and technology_products.ecosystem = p.ecosystem and technology_products.package_name = p.package_name`.execute(db);
  await db.deleteFrom('technology_products').where('product_id', '=', productId).where('sboms', '=', 0).execute();
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
