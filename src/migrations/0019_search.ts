import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';
import { T } from '../platform/db/migration-helpers.js';
import { searchText } from '../platform/search-text.js';
import { indexComponentIdentities, type IdentitySource } from '../modules/search/search.index.js';

/**
 * Global search (modules/search). Component identities and their folded terms, found by prefix
 * ranges (byte order: the term column is "C"-collated on PostgreSQL, whose default collation
 * would not serve a range of bytes); products get the folded search text vendors have had since
 * 0008; advisory ids and indicator values get byte-ordered indexes on PostgreSQL for their
 * prefix ranges (SQLite's own indexes on them already compare bytes); current use per package
 * is counted from technology_products by package; releases are found by their label.
 * Identities of the SBOMs stored before this migration are indexed here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = isPostgres(db);
  await db.schema
    .createTable('search_components')
    .addColumn('ecosystem', T.text, (c) => c.notNull())
    .addColumn('package_name', T.text, (c) => c.notNull())
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('purl', T.text)
    .addPrimaryKeyConstraint('search_components_pk', ['ecosystem', 'package_name'])
    .execute();
  await db.schema
    .createTable('search_component_terms')
    .addColumn('whole', T.flag, (c) => c.notNull())
    .addColumn('term', T.text, (c) => (postgres ? c.notNull().modifyEnd(sql`collate "C"`) : c.notNull()))
    .addColumn('ecosystem', T.text, (c) => c.notNull())
    .addColumn('package_name', T.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('search_component_terms_pk', ['whole', 'term', 'ecosystem', 'package_name'])
    .execute();
  await db.schema.createIndex('technology_products_package').on('technology_products').columns(['ecosystem', 'package_name', 'vendor_id', 'sboms']).execute();
  await db.schema.createIndex('sboms_release').on('sboms').columns(['release', 'product_id']).execute();
  if (postgres) {
    await sql`create index advisory_ids_bytes on advisory_ids (identifier collate "C")`.execute(db);
    await sql`create index indicators_value_bytes on indicators (value collate "C")`.execute(db);
  }

  await db.schema.alterTable('products').addColumn('search_text', T.text, (c) => c.notNull().defaultTo('')).execute();
  const products: Array<{ id: string; name: string }> = await db.selectFrom('products').select(['id', 'name']).execute();
  for (const p of products) await db.updateTable('products').set({ search_text: searchText([p.name]) }).where('id', '=', p.id).execute();

  // Distinct identities (and CPEs) only: a million stored components are a few thousand packages.
  let after = { ecosystem: '', package_name: '' };
  for (;;) {
    const rows: IdentitySource[] = await db
      .selectFrom('sbom_components')
      .select(['ecosystem', 'package_name', (eb) => eb.fn.min('name').as('name'), (eb) => eb.fn.min('group_name').as('group_name'), (eb) => eb.fn.min('purl').as('purl'), 'cpe'])
      .where((eb) => eb.or([eb('ecosystem', '>', after.ecosystem), eb.and([eb('ecosystem', '=', after.ecosystem), eb('package_name', '>', after.package_name)])]))
      .groupBy(['ecosystem', 'package_name', 'cpe'])
      .orderBy('ecosystem')
      .orderBy('package_name')
      .limit(5000)
      .execute();
    if (!rows.length) return;
    // The page may end inside one identity's CPEs: the next page starts after the last whole one.
    const last = rows[rows.length - 1];
    const whole = rows.length < 5000 ? rows : rows.filter((r) => r.ecosystem !== last.ecosystem || r.package_name !== last.package_name);
    const page = whole.length ? whole : rows;
    await indexComponentIdentities(db, page);
    const end = page[page.length - 1];
    after = { ecosystem: end.ecosystem, package_name: end.package_name };
  }
}
