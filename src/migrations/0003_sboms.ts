import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';
import { T } from '../platform/db/migration-helpers.js';

/** Fixed ids of the built-in estate owner (mirrored by ESTATE in modules/sboms/sboms.estate.ts). */
const ESTATE_VENDOR_ID = '00000000-0000-7000-8000-0000000e57a7';
const ESTATE_PRODUCT_ID = '00000000-0000-7000-8000-000000e57a7e';

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = isPostgres(db);

  // The organisation's own estate is an owner of SBOMs like any vendor, flagged internal so that
  // concentration metrics (and, in time, scoring and reviews) treat it as first party.
  await db.schema.alterTable('vendors').addColumn('internal', T.flag, (c) => c.notNull().defaultTo(0)).execute();
  const now = new Date().toISOString();
  await db
    .insertInto('vendors')
    .values({
      id: ESTATE_VENDOR_ID,
      name: 'Our organisation (internal estate)',
      name_key: 'our organisation (internal estate)',
      aliases: '[]',
      domains: '[]',
      legal_ids: '{}',
      country: null,
      website: null,
      description: 'Built-in owner of SBOMs for software the organisation builds or runs itself. Not a third party: excluded from concentration metrics.',
      status: 'active',
      business_owner: null,
      owner_user_id: null,
      team_id: null,
      services: '[]',
      data_categories: '[]',
      access_level: 'none',
      criticality: 1,
      substitutability: 1,
      annual_spend: null,
      currency: null,
      regulatory_scope: '[]',
      ships_software: 1,
      auto_update: 0,
      parent_vendor_id: null,
      risk_score: 0,
      risk_terms: '[]',
      tier: 'T4',
      last_reviewed_at: null,
      next_review_at: '9999-12-31T00:00:00.000Z',
      review_overdue: 0,
      created_at: now,
      updated_at: now,
      internal: 1,
    })
    .execute();
  await db
    .insertInto('products')
    .values({
      id: ESTATE_PRODUCT_ID,
      vendor_id: ESTATE_VENDOR_ID,
      name: 'Internal estate',
      type: 'service',
      description: 'SBOMs of our own applications, images and hosts.',
      version: null,
      deployment_count: null,
      update_channel: null,
      auto_update: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();

  await db.schema
    .createTable('sboms')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('product_id', T.id, (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('release', T.text, (c) => c.notNull())
    .addColumn('is_current', T.flag, (c) => c.notNull())
    .addColumn('format', T.text, (c) => c.notNull())
    .addColumn('encoding', T.text, (c) => c.notNull())
    .addColumn('spec_version', T.text, (c) => c.notNull())
    .addColumn('serial_number', T.text)
    .addColumn('document_created_at', T.text)
    .addColumn('tools', T.json, (c) => c.notNull())
    .addColumn('root_ref', T.text)
    .addColumn('root_name', T.text)
    .addColumn('root_version', T.text)
    .addColumn('root_purl', T.text)
    .addColumn('component_count', T.int, (c) => c.notNull())
    .addColumn('dependency_count', T.int, (c) => c.notNull())
    .addColumn('warnings', T.json, (c) => c.notNull())
    .addColumn('byte_size', T.int, (c) => c.notNull())
    .addColumn('sha256', T.text, (c) => c.notNull())
    .addColumn('media_type', T.text, (c) => c.notNull())
    .addColumn('uploaded_at', T.time, (c) => c.notNull())
    .addColumn('uploaded_by', T.text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sboms_product_release').on('sboms').columns(['product_id', 'release', 'id']).execute();
  // At most one current SBOM per product release, whatever races happen.
  await db.schema
    .createIndex('sboms_current_release')
    .on('sboms')
    .columns(['product_id', 'release'])
    .unique()
    .where(sql.ref('is_current'), '=', sql.lit(1))
    .execute();

  await db.schema
    .createTable('sbom_documents')
    .addColumn('sbom_id', T.id, (c) => c.primaryKey().references('sboms.id').onDelete('cascade'))
    .addColumn('compression', T.text, (c) => c.notNull())
    .addColumn('content', postgres ? 'bytea' : 'blob', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sbom_components')
    .addColumn('sbom_id', T.id, (c) => c.notNull())
    .addColumn('idx', T.int, (c) => c.notNull())
    .addColumn('ref', T.text)
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('group_name', T.text)
    .addColumn('version', T.text)
    .addColumn('purl', T.text)
    .addColumn('purl_type', T.text)
    .addColumn('purl_namespace', T.text)
    .addColumn('purl_name', T.text)
    .addColumn('purl_qualifiers', T.json)
    .addColumn('ecosystem', T.text, (c) => c.notNull())
    .addColumn('package_name', T.text, (c) => c.notNull())
    .addColumn('name_key', T.text, (c) => c.notNull())
    .addColumn('cpe', T.text)
    .addColumn('type', T.text)
    .addColumn('scope', T.text)
    .addColumn('supplier', T.text)
    .addColumn('licenses', T.json)
    .addColumn('hashes', T.json)
    .addColumn('parent_idx', T.int)
    .addColumn('depth', T.int, (c) => c.notNull())
    .addColumn('via_idx', T.int, (c) => c.notNull())
    .addColumn('direct', T.flag, (c) => c.notNull())
    .addPrimaryKeyConstraint('sbom_components_pk', ['sbom_id', 'idx'])
    .execute();
  // "Who uses X" is one lookup on either index; sbom_id rides along so the join to current SBOMs
  // reads no table rows for components of superseded documents.
  await db.schema.createIndex('sbom_components_package').on('sbom_components').columns(['ecosystem', 'package_name', 'sbom_id']).execute();
  await db.schema.createIndex('sbom_components_name').on('sbom_components').columns(['name_key', 'sbom_id']).execute();

  // The dependency graph of one SBOM: its edges as packed (from idx, to idx) pairs. Edges are only
  // ever read for one SBOM at a time (listing them, walking them); paths from the root are kept per
  // component (depth, via_idx). One value per SBOM instead of ~20,000 rows for a 10,000-component
  // document takes edges out of the ingest time almost entirely.
  await db.schema
    .createTable('sbom_graphs')
    .addColumn('sbom_id', T.id, (c) => c.primaryKey().references('sboms.id').onDelete('cascade'))
    .addColumn('edge_count', T.int, (c) => c.notNull())
    .addColumn('edges', postgres ? 'bytea' : 'blob', (c) => c.notNull())
    .execute();

  // Components carry no foreign key: on PostgreSQL every inserted row would run a
  // referential-integrity trigger (10,000 of them for a 10,000-component SBOM), a large share of
  // the ingest time. Rows are only ever written in the transaction that creates their SBOM, and
  // this trigger removes them with it, whether the SBOM is deleted directly or by the cascade from
  // its product or vendor.
  if (postgres) {
    await sql
      .raw(
        `CREATE FUNCTION thirdwatch_sbom_components_delete() RETURNS trigger AS $$
         BEGIN
           DELETE FROM sbom_components WHERE sbom_id = OLD.id;
           RETURN OLD;
         END; $$ LANGUAGE plpgsql`,
      )
      .execute(db);
    await sql.raw('CREATE TRIGGER sboms_components_delete AFTER DELETE ON sboms FOR EACH ROW EXECUTE FUNCTION thirdwatch_sbom_components_delete()').execute(db);
  } else {
    await sql
      .raw(
        `CREATE TRIGGER sboms_components_delete AFTER DELETE ON sboms FOR EACH ROW
         BEGIN
           DELETE FROM sbom_components WHERE sbom_id = OLD.id;
         END`,
      )
      .execute(db);
  }
}
