import type { Kysely } from 'kysely';
import { createRowTriggers, T } from '../platform/db/migration-helpers.js';

/**
 * CPE matching (issue 9): the CPEs of each SBOM's components, root and product release, keyed by
 * `vendor:product` so that a new NVD record finds the components it names with one index lookup
 * per key; the product's own CPE; analysts' confirm/reject decisions on inferred CPEs; the
 * dictionary CPEs are inferred from; and how each finding was matched.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // source: declared (the component's own CPE), root (the document's root, idx 0), product (the
  // product's CPE or one derived from vendor/product/release, idx 0), inferred (dictionary, with
  // confidence). No foreign key, like sbom_components: the trigger below removes them with the SBOM.
  await db.schema
    .createTable('sbom_component_cpes')
    .addColumn('sbom_id', T.id, (c) => c.notNull())
    .addColumn('idx', T.int, (c) => c.notNull())
    .addColumn('cpe_key', T.text, (c) => c.notNull())
    .addColumn('cpe', T.text, (c) => c.notNull())
    .addColumn('source', T.text, (c) => c.notNull())
    .addColumn('confidence', T.real)
    .addPrimaryKeyConstraint('sbom_component_cpes_pk', ['sbom_id', 'idx', 'cpe'])
    .execute();
  await db.schema.createIndex('sbom_component_cpes_key').on('sbom_component_cpes').columns(['cpe_key', 'sbom_id', 'idx']).execute();
  await createRowTriggers(db, 'sboms', {
    fn: 'thirdwatch_sbom_component_cpes_delete',
    postgres: 'DELETE FROM sbom_component_cpes WHERE sbom_id = OLD.id;',
    returns: 'OLD',
    sqlite: 'DELETE FROM sbom_component_cpes WHERE sbom_id = OLD.id;',
    triggers: { sboms_component_cpes_delete: 'AFTER DELETE' },
  });

  await db.schema.alterTable('products').addColumn('cpe', T.text).execute();

  // One decision per component identity (supplier and name, not version: it sticks across SBOM
  // versions and releases) and inferred vendor:product.
  await db.schema
    .createTable('cpe_decisions')
    .addColumn('component_key', T.text, (c) => c.notNull())
    .addColumn('cpe_key', T.text, (c) => c.notNull())
    .addColumn('decision', T.text, (c) => c.notNull())
    .addColumn('decided_by', T.text, (c) => c.notNull())
    .addColumn('decided_at', T.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('cpe_decisions_pk', ['component_key', 'cpe_key'])
    .execute();

  // Names components are inferred from: products seen in imported NVD records (source 'nvd') and an
  // imported CPE dictionary ('dictionary'); the shipped map of common embedded software is code.
  await db.schema
    .createTable('cpe_dictionary')
    .addColumn('name_key', T.text, (c) => c.notNull())
    .addColumn('cpe_key', T.text, (c) => c.notNull())
    .addColumn('vendor', T.text, (c) => c.notNull())
    .addColumn('product', T.text, (c) => c.notNull())
    .addColumn('title', T.text)
    .addColumn('source', T.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('cpe_dictionary_pk', ['name_key', 'cpe_key'])
    .execute();
  await db.schema.createIndex('cpe_dictionary_key').on('cpe_dictionary').column('cpe_key').execute();

  // purl, cpe, inferred-cpe, kev-name; confidence only for inferred CPEs (0..1).
  await db.schema.alterTable('findings').addColumn('match_kind', T.text, (c) => c.notNull().defaultTo('purl')).execute();
  await db.schema.alterTable('findings').addColumn('match_confidence', T.real).execute();
}
