import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Advisories, their alias groups and matching index, KEV, EPSS, VEX statements, findings and
 * their history, feed status. Matching is two indexed lookups: advisory_packages by
 * (ecosystem, package_name) for a new SBOM, sbom_components by the same key (or by the source
 * package added here) for a new or changed advisory.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Distro binary packages are matched by their source package (purl `upstream` qualifier).
  await db.schema.alterTable('sbom_components').addColumn('source_package', T.text).execute();
  await db.schema
    .createIndex('sbom_components_source_package')
    .on('sbom_components')
    .columns(['ecosystem', 'source_package', 'sbom_id'])
    .where(sql.ref('source_package'), 'is not', null)
    .execute();

  await db.schema
    .createTable('advisory_groups')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('display_id', T.text, (c) => c.notNull())
    .addColumn('identifiers', T.json, (c) => c.notNull())
    .addColumn('summary', T.text)
    .addColumn('severity', T.text)
    .addColumn('cvss_score', T.real)
    .addColumn('cvss_vector', T.text)
    .addColumn('cvss_version', T.text)
    .addColumn('malicious', T.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('withdrawn', T.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('kev', T.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('kev_date_added', T.text)
    .addColumn('kev_due_date', T.text)
    .addColumn('kev_ransomware', T.text)
    .addColumn('epss', T.real)
    .addColumn('epss_percentile', T.real)
    .addColumn('epss_model', T.text)
    .addColumn('epss_date', T.text)
    .addColumn('published', T.text)
    .addColumn('modified', T.text)
    .addColumn('member_count', T.int, (c) => c.notNull().defaultTo(0))
    .addColumn('merged_into', T.id)
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('advisory_groups_display').on('advisory_groups').column('display_id').execute();
  await db.schema.createIndex('advisory_groups_merged').on('advisory_groups').columns(['merged_into', 'id']).execute();
  await db.schema.createIndex('advisory_groups_modified').on('advisory_groups').columns(['modified', 'id']).execute();

  await db.schema
    .createTable('advisory_ids')
    .addColumn('identifier', T.text, (c) => c.primaryKey())
    .addColumn('group_id', T.id, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('advisory_ids_group').on('advisory_ids').columns(['group_id', 'identifier']).execute();

  await db.schema
    .createTable('advisories')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('group_id', T.id, (c) => c.notNull())
    .addColumn('external_id', T.text, (c) => c.notNull())
    .addColumn('source', T.text, (c) => c.notNull())
    .addColumn('origin', T.text)
    .addColumn('summary', T.text)
    .addColumn('details', T.text)
    .addColumn('aliases', T.json, (c) => c.notNull())
    .addColumn('published', T.text)
    .addColumn('modified', T.text, (c) => c.notNull())
    .addColumn('withdrawn', T.text)
    .addColumn('severity', T.json, (c) => c.notNull())
    .addColumn('cvss_score', T.real)
    .addColumn('cvss_vector', T.text)
    .addColumn('cvss_version', T.text)
    .addColumn('severity_rating', T.text)
    .addColumn('malicious', T.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('reference_urls', T.json, (c) => c.notNull())
    .addColumn('affected', T.json, (c) => c.notNull())
    .addColumn('content_hash', T.text, (c) => c.notNull())
    .addColumn('imported_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('advisories_source_external').on('advisories').columns(['source', 'external_id']).unique().execute();
  await db.schema.createIndex('advisories_external').on('advisories').column('external_id').execute();
  await db.schema.createIndex('advisories_group').on('advisories').columns(['group_id', 'id']).execute();

  await db.schema
    .createTable('advisory_packages')
    .addColumn('advisory_id', T.id, (c) => c.notNull().references('advisories.id').onDelete('cascade'))
    .addColumn('idx', T.int, (c) => c.notNull())
    .addColumn('group_id', T.id, (c) => c.notNull())
    .addColumn('external_id', T.text, (c) => c.notNull())
    .addColumn('ecosystem', T.text, (c) => c.notNull())
    .addColumn('ecosystem_release', T.text)
    .addColumn('package_name', T.text, (c) => c.notNull())
    .addColumn('raw_ecosystem', T.text, (c) => c.notNull())
    .addColumn('raw_name', T.text, (c) => c.notNull())
    .addColumn('purl', T.text)
    .addColumn('versions', T.json, (c) => c.notNull())
    .addColumn('ranges', T.json, (c) => c.notNull())
    .addColumn('fixed', T.json, (c) => c.notNull())
    .addPrimaryKeyConstraint('advisory_packages_pk', ['advisory_id', 'idx'])
    .execute();
  await db.schema.createIndex('advisory_packages_key').on('advisory_packages').columns(['ecosystem', 'package_name']).execute();
  await db.schema.createIndex('advisory_packages_group').on('advisory_packages').column('group_id').execute();

  await db.schema
    .createTable('kev_entries')
    .addColumn('cve_id', T.text, (c) => c.primaryKey())
    .addColumn('vendor_project', T.text, (c) => c.notNull())
    .addColumn('product', T.text, (c) => c.notNull())
    .addColumn('name', T.text, (c) => c.notNull())
    .addColumn('date_added', T.text, (c) => c.notNull())
    .addColumn('due_date', T.text)
    .addColumn('ransomware', T.text)
    .addColumn('short_description', T.text)
    .addColumn('required_action', T.text)
    .addColumn('catalog_version', T.text)
    .addColumn('content_hash', T.text, (c) => c.notNull())
    .addColumn('imported_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('epss_scores')
    .addColumn('cve', T.text, (c) => c.primaryKey())
    .addColumn('epss', T.real, (c) => c.notNull())
    .addColumn('percentile', T.real, (c) => c.notNull())
    .addColumn('model_version', T.text)
    .addColumn('score_date', T.text)
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('vex_statements')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('statement_key', T.text, (c) => c.notNull().unique())
    .addColumn('source', T.text, (c) => c.notNull())
    .addColumn('vendor_id', T.id, (c) => c.references('vendors.id').onDelete('cascade'))
    .addColumn('product_id', T.id, (c) => c.references('products.id').onDelete('cascade'))
    .addColumn('vulnerability', T.text, (c) => c.notNull())
    .addColumn('aliases', T.json, (c) => c.notNull())
    .addColumn('product', T.text, (c) => c.notNull())
    .addColumn('product_ecosystem', T.text)
    .addColumn('product_package_name', T.text)
    .addColumn('product_version', T.text)
    .addColumn('version_range', T.text)
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('state', T.text, (c) => c.notNull())
    .addColumn('justification', T.text)
    .addColumn('responses', T.json, (c) => c.notNull())
    .addColumn('detail', T.text)
    .addColumn('document', T.text)
    .addColumn('content_hash', T.text, (c) => c.notNull())
    .addColumn('imported_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('vex_statements_package').on('vex_statements').columns(['product_ecosystem', 'product_package_name']).execute();
  await db.schema.createIndex('vex_statements_product').on('vex_statements').column('product').execute();

  await db.schema
    .createTable('vex_statement_ids')
    .addColumn('identifier', T.text, (c) => c.notNull())
    .addColumn('statement_id', T.id, (c) => c.notNull().references('vex_statements.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('vex_statement_ids_pk', ['identifier', 'statement_id'])
    .execute();
  await db.schema.createIndex('vex_statement_ids_statement').on('vex_statement_ids').column('statement_id').execute();

  await db.schema
    .createTable('findings')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('group_id', T.id, (c) => c.notNull())
    .addColumn('sbom_id', T.id, (c) => c.notNull())
    .addColumn('component_idx', T.int, (c) => c.notNull())
    .addColumn('product_id', T.id, (c) => c.notNull())
    .addColumn('vendor_id', T.id, (c) => c.notNull())
    .addColumn('release', T.text, (c) => c.notNull())
    .addColumn('ecosystem', T.text, (c) => c.notNull())
    .addColumn('package_name', T.text, (c) => c.notNull())
    .addColumn('component_name', T.text, (c) => c.notNull())
    .addColumn('component_version', T.text)
    .addColumn('component_purl', T.text)
    .addColumn('direct', T.flag, (c) => c.notNull())
    .addColumn('depth', T.int, (c) => c.notNull())
    .addColumn('verdict', T.text, (c) => c.notNull())
    .addColumn('matched', T.json, (c) => c.notNull())
    .addColumn('fixed_versions', T.json, (c) => c.notNull())
    .addColumn('fixed_in', T.text)
    .addColumn('status', T.text, (c) => c.notNull())
    .addColumn('closed_reason', T.text)
    .addColumn('closed_at', T.time)
    .addColumn('severity', T.text, (c) => c.notNull())
    .addColumn('severity_override', T.text)
    .addColumn('priority', T.text, (c) => c.notNull())
    .addColumn('priority_rank', T.int, (c) => c.notNull())
    .addColumn('due_at', T.time, (c) => c.notNull())
    .addColumn('state', T.text, (c) => c.notNull())
    .addColumn('justification', T.text)
    .addColumn('responses', T.json, (c) => c.notNull())
    .addColumn('detail', T.text)
    .addColumn('state_source', T.text, (c) => c.notNull())
    .addColumn('state_source_name', T.text)
    .addColumn('state_updated_at', T.time)
    .addColumn('state_updated_by', T.text)
    .addColumn('vex_statement_id', T.id)
    .addColumn('first_seen_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  // The advisory side reads a group's findings for the components it re-evaluated.
  await db.schema.createIndex('findings_group_component').on('findings').columns(['group_id', 'sbom_id', 'component_idx']).unique().execute();
  await db.schema.createIndex('findings_sbom').on('findings').columns(['sbom_id', 'component_idx']).execute();
  await db.schema.createIndex('findings_product').on('findings').columns(['product_id', 'priority_rank', 'id']).execute();
  await db.schema.createIndex('findings_vendor').on('findings').columns(['vendor_id', 'priority_rank', 'id']).execute();
  await db.schema.createIndex('findings_priority').on('findings').columns(['priority_rank', 'id']).execute();
  await db.schema.createIndex('findings_package').on('findings').columns(['ecosystem', 'package_name', 'component_version']).execute();

  // Like components, findings carry no foreign key to their SBOM (on PostgreSQL each inserted row
  // would run a referential-integrity trigger: thousands for one SBOM); they are written only with
  // or after their SBOM, and this trigger removes them with it (directly or by a product/vendor cascade).
  if (isPostgres(db)) {
    await sql
      .raw(
        `CREATE FUNCTION thirdwatch_sbom_findings_delete() RETURNS trigger AS $$
         BEGIN DELETE FROM findings WHERE sbom_id = OLD.id; RETURN OLD; END; $$ LANGUAGE plpgsql`,
      )
      .execute(db);
    await sql.raw('CREATE TRIGGER sboms_findings_delete AFTER DELETE ON sboms FOR EACH ROW EXECUTE FUNCTION thirdwatch_sbom_findings_delete()').execute(db);
  } else {
    await sql.raw('CREATE TRIGGER sboms_findings_delete AFTER DELETE ON sboms FOR EACH ROW BEGIN DELETE FROM findings WHERE sbom_id = OLD.id; END').execute(db);
  }

  await db.schema
    .createTable('findings_history')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('finding_id', T.id, (c) => c.notNull().references('findings.id').onDelete('cascade'))
    .addColumn('at', T.time, (c) => c.notNull())
    .addColumn('actor_type', T.text, (c) => c.notNull())
    .addColumn('actor_name', T.text, (c) => c.notNull())
    .addColumn('source', T.text, (c) => c.notNull())
    .addColumn('action', T.text, (c) => c.notNull())
    .addColumn('from_state', T.text)
    .addColumn('to_state', T.text)
    .addColumn('justification', T.text)
    .addColumn('responses', T.json)
    .addColumn('detail', T.text)
    .addColumn('details', T.json)
    .execute();
  await db.schema.createIndex('findings_history_finding').on('findings_history').columns(['finding_id', 'id']).execute();

  await db.schema
    .createTable('feed_status')
    .addColumn('name', T.text, (c) => c.primaryKey())
    .addColumn('kind', T.text, (c) => c.notNull())
    .addColumn('url', T.text)
    .addColumn('last_attempt_at', T.time)
    .addColumn('last_success_at', T.time)
    .addColumn('last_error', T.text)
    .addColumn('last_error_at', T.time)
    .addColumn('last_result', T.json)
    .addColumn('etag', T.text)
    .addColumn('last_modified', T.text)
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
}
