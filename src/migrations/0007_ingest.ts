import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';
import { T } from '../platform/db/migration-helpers.js';

/**
 * The technologies rollup (packages of current SBOMs per product and per vendor, maintained as
 * SBOMs become current or stop being so), filled from the SBOMs already stored.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = isPostgres(db);

  await db.schema
    .createTable('technology_products')
    .addColumn('product_id', T.id, (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('ecosystem', T.text, (c) => c.notNull())
    .addColumn('package_name', T.text, (c) => c.notNull())
    .addColumn('vendor_id', T.id, (c) => c.notNull())
    .addColumn('sboms', T.int, (c) => c.notNull())
    .addColumn('direct_sboms', T.int, (c) => c.notNull())
    .addPrimaryKeyConstraint('technology_products_pk', ['product_id', 'ecosystem', 'package_name'])
    .execute();

  await db.schema
    .createTable('technology_vendors')
    .addColumn('vendor_id', T.id, (c) => c.notNull())
    .addColumn('ecosystem', T.text, (c) => c.notNull())
    .addColumn('package_name', T.text, (c) => c.notNull())
    .addColumn('products', T.int, (c) => c.notNull())
    .addColumn('direct_products', T.int, (c) => c.notNull())
    .addColumn('seq', T.int, (c) => c.notNull())
    .addPrimaryKeyConstraint('technology_vendors_pk', ['vendor_id', 'ecosystem', 'package_name'])
    .execute();
  // A process holding the ranking reads the rows changed since the change it last saw.
  await db.schema.createIndex('technology_vendors_seq').on('technology_vendors').column('seq').execute();

  await db.schema
    .createTable('technology_state')
    .addColumn('id', T.int, (c) => c.primaryKey())
    .addColumn('seq', T.int, (c) => c.notNull())
    .addColumn('generation', T.int, (c) => c.notNull())
    .addColumn('stale', T.flag, (c) => c.notNull())
    .execute();

  await sql`
    insert into technology_products (product_id, ecosystem, package_name, vendor_id, sboms, direct_sboms)
    select s.product_id, c.ecosystem, c.package_name, p.vendor_id, count(distinct s.id), count(distinct case when c.direct = 1 then s.id end)
    from sbom_components c join sboms s on s.id = c.sbom_id join products p on p.id = s.product_id
    where s.is_current = 1
    group by s.product_id, c.ecosystem, c.package_name, p.vendor_id`.execute(db);
  await sql`
    insert into technology_vendors (vendor_id, ecosystem, package_name, products, direct_products, seq)
    select vendor_id, ecosystem, package_name, count(*), sum(case when direct_sboms > 0 then 1 else 0 end), 1
    from technology_products group by vendor_id, ecosystem, package_name`.execute(db);
  await db.insertInto('technology_state').values({ id: 1, seq: 1, generation: 1, stale: 0 }).execute();

  // Deleting a product (directly or with its vendor) removes its product rows by cascade; the
  // vendor rollup is then rebuilt from them on the next read.
  if (postgres) {
    await sql
      .raw(
        `CREATE FUNCTION thirdwatch_technology_stale() RETURNS trigger AS $$
         BEGIN UPDATE technology_state SET stale = 1 WHERE id = 1; RETURN NULL; END; $$ LANGUAGE plpgsql`,
      )
      .execute(db);
    await sql.raw('CREATE TRIGGER products_technology_stale AFTER DELETE ON products FOR EACH STATEMENT EXECUTE FUNCTION thirdwatch_technology_stale()').execute(db);
  } else {
    await sql.raw('CREATE TRIGGER products_technology_stale AFTER DELETE ON products FOR EACH ROW BEGIN UPDATE technology_state SET stale = 1 WHERE id = 1; END').execute(db);
  }
}
