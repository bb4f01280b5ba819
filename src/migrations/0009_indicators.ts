import type { Kysely } from 'kysely';
import { createRowTriggers, T } from '../platform/db/migration-helpers.js';

/**
 * Indicators of compromise (one row per type and normalised value, whatever the number of feeds
 * naming it), each feed's record of it, patterns kept but not matchable, sightings, TAXII polling
 * state, and the two indexes correlation looks up in: component hashes and vendor domains.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('indicators')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('type', T.text, (c) => c.notNull())
    .addColumn('value', T.text, (c) => c.notNull())
    .addColumn('confidence', T.int)
    .addColumn('tlp', T.text)
    .addColumn('valid_from', T.time)
    .addColumn('valid_until', T.time)
    .addColumn('labels', T.json, (c) => c.notNull())
    .addColumn('kill_chain', T.json, (c) => c.notNull())
    .addColumn('description', T.text)
    .addColumn('source_count', T.int, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  // Lookups by value (a batch of values at once) and listings by type, newest first.
  await db.schema.createIndex('indicators_value').on('indicators').columns(['value', 'type']).unique().execute();
  await db.schema.createIndex('indicators_type').on('indicators').columns(['type', 'id']).execute();

  await db.schema
    .createTable('indicator_sources')
    .addColumn('indicator_id', T.id, (c) => c.notNull().references('indicators.id').onDelete('cascade'))
    .addColumn('source', T.text, (c) => c.notNull())
    .addColumn('ref', T.text, (c) => c.notNull())
    .addColumn('format', T.text, (c) => c.notNull())
    .addColumn('name', T.text)
    .addColumn('description', T.text)
    .addColumn('pattern', T.text)
    .addColumn('confidence', T.int)
    .addColumn('tlp', T.text)
    .addColumn('valid_from', T.time)
    .addColumn('valid_until', T.time)
    .addColumn('labels', T.json, (c) => c.notNull())
    .addColumn('kill_chain', T.json, (c) => c.notNull())
    .addColumn('digest', T.text, (c) => c.notNull())
    .addColumn('imported_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .addPrimaryKeyConstraint('indicator_sources_pk', ['indicator_id', 'source', 'ref'])
    .execute();
  await db.schema.createIndex('indicator_sources_source').on('indicator_sources').columns(['source', 'ref']).execute();

  await db.schema
    .createTable('indicator_unsupported')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('source', T.text, (c) => c.notNull())
    .addColumn('ref', T.text, (c) => c.notNull())
    .addColumn('format', T.text, (c) => c.notNull())
    .addColumn('name', T.text)
    .addColumn('pattern', T.text, (c) => c.notNull())
    .addColumn('pattern_type', T.text, (c) => c.notNull())
    .addColumn('reason', T.text, (c) => c.notNull())
    .addColumn('confidence', T.int)
    .addColumn('tlp', T.text)
    .addColumn('valid_from', T.time)
    .addColumn('valid_until', T.time)
    .addColumn('labels', T.json, (c) => c.notNull())
    .addColumn('digest', T.text, (c) => c.notNull())
    .addColumn('imported_at', T.time, (c) => c.notNull())
    .addColumn('updated_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('indicator_unsupported_ref').on('indicator_unsupported').columns(['source', 'ref']).unique().execute();

  await db.schema
    .createTable('sightings')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('indicator_id', T.id, (c) => c.notNull().references('indicators.id').onDelete('cascade'))
    .addColumn('kind', T.text, (c) => c.notNull())
    .addColumn('match_key', T.text, (c) => c.notNull())
    .addColumn('vendor_id', T.id)
    .addColumn('product_id', T.id)
    .addColumn('release', T.text)
    .addColumn('sbom_id', T.id)
    .addColumn('component_idx', T.int)
    .addColumn('artifact_id', T.id)
    .addColumn('evidence', T.json, (c) => c.notNull())
    .addColumn('found_by', T.text, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .execute();
  // One sighting per indicator and thing it matched, however often either side is seen again.
  await db.schema.createIndex('sightings_match').on('sightings').columns(['indicator_id', 'match_key']).unique().execute();
  await db.schema.createIndex('sightings_vendor').on('sightings').columns(['vendor_id', 'id']).execute();
  await db.schema.createIndex('sightings_product').on('sightings').columns(['product_id', 'id']).execute();

  // Component hashes, one row per (component, algorithm): a new hash indicator is one index lookup.
  await db.schema
    .createTable('sbom_component_hashes')
    .addColumn('value', T.text, (c) => c.notNull())
    .addColumn('alg', T.text, (c) => c.notNull())
    .addColumn('sbom_id', T.id, (c) => c.notNull())
    .addColumn('idx', T.int, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sbom_component_hashes_value').on('sbom_component_hashes').columns(['value', 'alg', 'sbom_id']).execute();
  await db.schema.createIndex('sbom_component_hashes_sbom').on('sbom_component_hashes').columns(['sbom_id', 'idx']).execute();
  await backfillComponentHashes(db);
  // Removed with their SBOM, like its components (no foreign key, for the same ingest-cost reason).
  await createRowTriggers(db, 'sboms', {
    fn: 'thirdwatch_sbom_hashes_delete',
    postgres: 'DELETE FROM sbom_component_hashes WHERE sbom_id = OLD.id;',
    returns: 'OLD',
    sqlite: 'DELETE FROM sbom_component_hashes WHERE sbom_id = OLD.id;',
    triggers: { sboms_hashes_delete: 'AFTER DELETE' },
  });

  // Vendor domains as rows, kept in step with vendors.domains (a JSON list) by triggers, so that every
  // write path (API, CSV import, demo, migrations) maintains it and a domain indicator is one lookup.
  await db.schema
    .createTable('vendor_domains')
    .addColumn('domain', T.text, (c) => c.notNull())
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('vendor_domains_pk', ['domain', 'vendor_id'])
    .execute();
  await createRowTriggers(db, 'vendors', {
    fn: 'thirdwatch_vendor_domains_sync',
    postgres: `DELETE FROM vendor_domains WHERE vendor_id = NEW.id;
           INSERT INTO vendor_domains (domain, vendor_id)
             SELECT DISTINCT lower(d), NEW.id FROM jsonb_array_elements_text(NEW.domains::jsonb) AS d
             ON CONFLICT DO NOTHING;`,
    returns: 'NEW',
    sqlite: `DELETE FROM vendor_domains WHERE vendor_id = NEW.id;
      INSERT OR IGNORE INTO vendor_domains (domain, vendor_id) SELECT DISTINCT lower(value), NEW.id FROM json_each(NEW.domains);`,
    triggers: { vendors_domains_insert: 'AFTER INSERT', vendors_domains_update: 'AFTER UPDATE OF domains' },
  });
  const vendors = await db.selectFrom('vendors').select(['id', 'domains']).execute();
  for (const v of vendors) {
    const domains = [...new Set((JSON.parse(v.domains) as string[]).map((d) => d.toLowerCase()))];
    if (domains.length) await db.insertInto('vendor_domains').values(domains.map((domain) => ({ domain, vendor_id: v.id }))).execute();
  }

  await db.schema
    .createTable('taxii_state')
    .addColumn('name', T.text, (c) => c.primaryKey())
    .addColumn('added_after', T.text)
    .addColumn('last_attempt_at', T.time)
    .addColumn('last_success_at', T.time)
    .addColumn('last_error', T.text)
    .addColumn('last_error_at', T.time)
    .addColumn('last_result', T.json)
    .execute();
}

/** Hash rows for the SBOMs stored before this migration, a slice of components at a time. */
async function backfillComponentHashes(db: Kysely<any>): Promise<void> {
  const ALGS: Record<string, string> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512' };
  let after: { sbom_id: string; idx: number } | null = null;
  for (;;) {
    let query = db.selectFrom('sbom_components').select(['sbom_id', 'idx', 'hashes']).where('hashes', 'is not', null).orderBy('sbom_id').orderBy('idx').limit(5000);
    if (after) {
      const { sbom_id, idx } = after;
      query = query.where((eb) => eb.or([eb('sbom_id', '>', sbom_id), eb.and([eb('sbom_id', '=', sbom_id), eb('idx', '>', idx)])]));
    }
    const rows: Array<{ sbom_id: string; idx: number; hashes: string }> = await query.execute();
    if (!rows.length) return;
    const values = rows.flatMap((r) =>
      Object.entries(JSON.parse(r.hashes) as Record<string, string>)
        .filter(([alg]) => ALGS[alg])
        .map(([alg, value]) => ({ value, alg: ALGS[alg], sbom_id: r.sbom_id, idx: Number(r.idx) })),
    );
    for (let i = 0; i < values.length; i += 1000) await db.insertInto('sbom_component_hashes').values(values.slice(i, i + 1000)).execute();
    const last = rows[rows.length - 1];
    after = { sbom_id: last.sbom_id, idx: Number(last.idx) };
    if (rows.length < 5000) return;
  }
}
