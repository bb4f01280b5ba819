import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Control content from OSCAL (modules/controls): imported catalogs, their controls (one row per
 * control or enhancement, unique per catalog by OSCAL id, updated in place on re-import), and
 * profiles resolved against them. A profile's members are the controls it selected, each with the
 * props the profile added to it (our C-SCRM profile adds the SP 800-161 level and ISO/IEC 27036
 * clause ids this way). Controls are listed in catalog order, the byte order of their sort key
 * ("C" collation on PostgreSQL, as SQLite compares), so pages and order agree on both engines.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = isPostgres(db);
  await db.schema
    .createTable('control_catalogs')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('uuid', T.text, (c) => c.notNull().unique())
    .addColumn('title', T.text, (c) => c.notNull())
    .addColumn('version', T.text, (c) => c.notNull())
    .addColumn('oscal_version', T.text, (c) => c.notNull())
    .addColumn('source_name', T.text)
    .addColumn('control_count', T.int, (c) => c.notNull())
    .addColumn('imported_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('controls')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('catalog_id', T.id, (c) => c.notNull().references('control_catalogs.id').onDelete('cascade'))
    .addColumn('oscal_id', T.text, (c) => c.notNull())
    .addColumn('label', T.text, (c) => c.notNull())
    .addColumn('title', T.text, (c) => c.notNull())
    .addColumn('family', T.text, (c) => c.notNull())
    .addColumn('family_title', T.text, (c) => c.notNull())
    .addColumn('parent_label', T.text)
    .addColumn('sort_key', T.text, (c) => (postgres ? c.notNull().modifyEnd(sql`collate "C"`) : c.notNull()))
    .addColumn('withdrawn', T.flag, (c) => c.notNull())
    .addColumn('statement', T.text, (c) => c.notNull())
    .addColumn('props', T.json, (c) => c.notNull())
    .addColumn('search_text', T.text, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('controls_catalog_oscal_id').on('controls').columns(['catalog_id', 'oscal_id']).unique().execute();
  await db.schema.createIndex('controls_label').on('controls').columns(['label']).execute();
  await db.schema.createIndex('controls_family_sort').on('controls').columns(['family', 'sort_key', 'id']).execute();
  await db.schema.createIndex('controls_sort').on('controls').columns(['sort_key', 'id']).execute();

  await db.schema
    .createTable('control_profiles')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('uuid', T.text, (c) => c.notNull().unique())
    .addColumn('title', T.text, (c) => c.notNull())
    .addColumn('version', T.text, (c) => c.notNull())
    .addColumn('oscal_version', T.text, (c) => c.notNull())
    .addColumn('source_name', T.text)
    .addColumn('imports', T.json, (c) => c.notNull())
    .addColumn('control_count', T.int, (c) => c.notNull())
    .addColumn('imported_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('control_profile_members')
    .addColumn('profile_id', T.id, (c) => c.notNull().references('control_profiles.id').onDelete('cascade'))
    .addColumn('control_id', T.id, (c) => c.notNull().references('controls.id').onDelete('cascade'))
    .addColumn('label', T.text, (c) => c.notNull())
    .addColumn('props', T.json, (c) => c.notNull())
    .addPrimaryKeyConstraint('control_profile_members_pk', ['profile_id', 'control_id'])
    .execute();
  await db.schema.createIndex('control_profile_members_control').on('control_profile_members').columns(['control_id', 'profile_id']).execute();
}

