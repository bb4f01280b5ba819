import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Update integrity: the release and artifact registry. An artifact is one file of one product
 * release, either registered (what the vendor published: hashes, signer, provenance) or observed
 * (checked by someone); every artifact keeps md5, sha1, sha256 and sha512 in lower-case hex, the
 * columns indicator correlation looks up. Files inside installers are kept in artifact_files with
 * the same hash columns. Alerts raised by checks are kept with the artifact that raised them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('artifacts')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('product_id', T.id, (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('vendor_id', T.id, (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('version', T.text, (c) => c.notNull())
    .addColumn('file_name', T.text, (c) => c.notNull())
    .addColumn('size', T.int)
    .addColumn('md5', T.text)
    .addColumn('sha1', T.text)
    .addColumn('sha256', T.text, (c) => c.notNull())
    .addColumn('sha512', T.text)
    .addColumn('source', T.text, (c) => c.notNull())
    // Authenticode (PE files) or the signer the vendor published.
    .addColumn('signature_status', T.text, (c) => c.notNull())
    .addColumn('signer_subject', T.text)
    .addColumn('signer_issuer', T.text)
    .addColumn('signer_serial', T.text)
    .addColumn('signer_thumbprint', T.text)
    .addColumn('signing_time', T.time)
    .addColumn('signature', T.json)
    // Sigstore bundle verification and what its provenance says.
    .addColumn('provenance_status', T.text, (c) => c.notNull())
    .addColumn('provenance', T.json)
    .addColumn('sigstore_bundle', T.json)
    .addColumn('first_seen_at', T.time, (c) => c.notNull())
    .addColumn('last_seen_at', T.time, (c) => c.notNull())
    .addColumn('seen_count', T.int, (c) => c.notNull())
    .addColumn('created_by', T.text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('artifacts_identity').unique().on('artifacts').columns(['product_id', 'version', 'file_name', 'sha256', 'source']).execute();
  await db.schema.createIndex('artifacts_product').on('artifacts').columns(['product_id', 'first_seen_at']).execute();
  await db.schema.createIndex('artifacts_vendor').on('artifacts').column('vendor_id').execute();
  for (const alg of ['md5', 'sha1', 'sha256', 'sha512']) await db.schema.createIndex(`artifacts_${alg}`).on('artifacts').column(alg).execute();

  await db.schema
    .createTable('artifact_files')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('artifact_id', T.id, (c) => c.notNull().references('artifacts.id').onDelete('cascade'))
    .addColumn('product_id', T.id, (c) => c.notNull())
    .addColumn('vendor_id', T.id, (c) => c.notNull())
    .addColumn('version', T.text, (c) => c.notNull())
    .addColumn('path', T.text, (c) => c.notNull())
    .addColumn('size', T.int)
    .addColumn('md5', T.text)
    .addColumn('sha1', T.text)
    .addColumn('sha256', T.text)
    .addColumn('sha512', T.text)
    // manifest (given as JSON) or sbom (the hashes of the release's SBOM).
    .addColumn('source', T.text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('artifact_files_path').unique().on('artifact_files').columns(['artifact_id', 'path']).execute();
  for (const alg of ['md5', 'sha1', 'sha256', 'sha512']) await db.schema.createIndex(`artifact_files_${alg}`).on('artifact_files').column(alg).execute();

  await db.schema
    .createTable('integrity_alerts')
    .addColumn('id', T.id, (c) => c.primaryKey())
    .addColumn('artifact_id', T.id, (c) => c.notNull().references('artifacts.id').onDelete('cascade'))
    .addColumn('product_id', T.id, (c) => c.notNull())
    .addColumn('vendor_id', T.id, (c) => c.notNull())
    .addColumn('version', T.text, (c) => c.notNull())
    .addColumn('type', T.text, (c) => c.notNull())
    .addColumn('severity', T.text, (c) => c.notNull())
    .addColumn('detail', T.text, (c) => c.notNull())
    .addColumn('indicator_id', T.id)
    // type, or type:indicator id: what makes an alert the same alert when the same bytes are checked again.
    .addColumn('alert_key', T.text, (c) => c.notNull())
    .addColumn('evidence', T.json, (c) => c.notNull())
    .addColumn('created_at', T.time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('integrity_alerts_key').unique().on('integrity_alerts').columns(['artifact_id', 'alert_key']).execute();
  await db.schema.createIndex('integrity_alerts_product').on('integrity_alerts').columns(['product_id', 'created_at']).execute();
}
