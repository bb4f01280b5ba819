import type { Selectable } from 'kysely';
import type { Executor } from '../../platform/db/schema.js';
import type { CursorPosition } from '../../platform/http/pagination.js';
import { rowsPerStatement } from '../sboms/sboms.repository.js';
import { isPostgres } from '../../platform/db/database.js';
import type { ArtifactFilesTable, ArtifactsTable, IntegrityAlertsTable } from './integrity.tables.js';

export type ArtifactRow = Selectable<ArtifactsTable>;
export type AlertRow = Selectable<IntegrityAlertsTable>;
export type FileRow = Selectable<ArtifactFilesTable>;

export interface ArtifactFilter {
  productId?: string;
  vendorId?: string;
  version?: string;
  source?: 'registered' | 'observed';
  hash?: string;
}

const HASH_COLUMN: Record<number, 'md5' | 'sha1' | 'sha256' | 'sha512'> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

export class IntegrityRepository {
  constructor(private readonly db: Executor) {}

  product(id: string) {
    return this.db
      .selectFrom('products')
      .innerJoin('vendors', 'vendors.id', 'products.vendor_id')
      .select(['products.id', 'products.name', 'products.vendor_id', 'vendors.name as vendor_name'])
      .where('products.id', '=', id)
      .executeTakeFirst();
  }

  artifact(id: string) {
    return this.db.selectFrom('artifacts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findArtifact(productId: string, version: string, fileName: string, sha256: string, source: 'registered' | 'observed') {
    return this.db
      .selectFrom('artifacts')
      .selectAll()
      .where('product_id', '=', productId)
      .where('version', '=', version)
      .where('file_name', '=', fileName)
      .where('sha256', '=', sha256)
      .where('source', '=', source)
      .executeTakeFirst();
  }

  /** Every artifact with this product, version and file name (both sources). */
  sameFile(productId: string, version: string, fileName: string) {
    return this.db.selectFrom('artifacts').selectAll().where('product_id', '=', productId).where('version', '=', version).where('file_name', '=', fileName).execute();
  }

  /** The product's artifacts that carry a signer or provenance, oldest first: what a new artifact is compared with. */
  productHistory(productId: string) {
    return this.db
      .selectFrom('artifacts')
      .selectAll()
      .where('product_id', '=', productId)
      .where((eb) => eb.or([eb('signer_subject', 'is not', null), eb('provenance_status', '=', 'verified'), eb('signature_status', '=', 'unsigned')]))
      .orderBy('first_seen_at')
      .orderBy('id')
      .execute();
  }

  /** When these bytes were first seen anywhere, and whether a vendor registered them for this product. */
  async hashStanding(productId: string, sha256: string): Promise<{ firstSeenAt: string | null; registered: boolean }> {
    const rows = await this.db.selectFrom('artifacts').select(['first_seen_at', 'source', 'product_id']).where('sha256', '=', sha256).execute();
    const firstSeenAt = rows.reduce<string | null>((min, r) => (min === null || r.first_seen_at < min ? r.first_seen_at : min), null);
    return { firstSeenAt, registered: rows.some((r) => r.source === 'registered' && r.product_id === productId) };
  }

  async insertArtifact(row: ArtifactRow): Promise<boolean> {
    const result = await this.db
      .insertInto('artifacts')
      .values(row)
      .onConflict((oc) => oc.columns(['product_id', 'version', 'file_name', 'sha256', 'source']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async updateArtifact(id: string, changes: Partial<ArtifactRow>): Promise<void> {
    await this.db.updateTable('artifacts').set(changes).where('id', '=', id).execute();
  }

  async deleteArtifact(id: string): Promise<void> {
    await this.db.deleteFrom('artifacts').where('id', '=', id).execute();
  }

  /** Inserts the alerts that are new for their artifact (same artifact and key: already raised); returns those inserted. */
  async insertAlerts(rows: AlertRow[]): Promise<AlertRow[]> {
    const inserted: AlertRow[] = [];
    for (const row of rows) {
      const result = await this.db
        .insertInto('integrity_alerts')
        .values(row)
        .onConflict((oc) => oc.columns(['artifact_id', 'alert_key']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) inserted.push(row);
    }
    return inserted;
  }

  alertsOf(artifactIds: string[]) {
    if (!artifactIds.length) return Promise.resolve([] as AlertRow[]);
    return this.db.selectFrom('integrity_alerts').selectAll().where('artifact_id', 'in', artifactIds).orderBy('created_at').orderBy('id').execute();
  }

  async replaceFiles(artifactId: string, rows: FileRow[]): Promise<void> {
    await this.db.deleteFrom('artifact_files').where('artifact_id', '=', artifactId).execute();
    const per = rowsPerStatement(isPostgres(this.db), 12);
    for (let i = 0; i < rows.length; i += per) await this.db.insertInto('artifact_files').values(rows.slice(i, i + per)).execute();
  }

  files(artifactId: string) {
    return this.db.selectFrom('artifact_files').selectAll().where('artifact_id', '=', artifactId).orderBy('path').execute();
  }

  /** Components of the current SBOM of a release that carry hashes: the inner files of its installers. */
  sbomFileHashes(productId: string, version: string) {
    return this.db
      .selectFrom('sboms')
      .innerJoin('sbom_components', 'sbom_components.sbom_id', 'sboms.id')
      .select(['sbom_components.name', 'sbom_components.version', 'sbom_components.purl', 'sbom_components.hashes'])
      .where('sboms.product_id', '=', productId)
      .where('sboms.release', '=', version)
      .where('sboms.is_current', '=', 1)
      .where('sboms.published', '=', 1)
      .where('sbom_components.hashes', 'is not', null)
      .orderBy('sbom_components.idx')
      .execute();
  }

  listArtifacts(filter: ArtifactFilter, after: CursorPosition | null, limit: number) {
    let query = this.db.selectFrom('artifacts').selectAll();
    if (filter.productId) query = query.where('product_id', '=', filter.productId);
    if (filter.vendorId) query = query.where('vendor_id', '=', filter.vendorId);
    if (filter.version) query = query.where('version', '=', filter.version);
    if (filter.source) query = query.where('source', '=', filter.source);
    if (filter.hash) query = query.where(HASH_COLUMN[filter.hash.length], '=', filter.hash.toLowerCase());
    if (after) {
      const key = String(after.key);
      query = query.where((eb) => eb.or([eb('first_seen_at', '<', key), eb.and([eb('first_seen_at', '=', key), eb('id', '<', after.id)])]));
    }
    return query.orderBy('first_seen_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
  }

  listAlerts(filter: { productId?: string; vendorId?: string; type?: string }, after: CursorPosition | null, limit: number) {
    let query = this.db.selectFrom('integrity_alerts').selectAll();
    if (filter.productId) query = query.where('product_id', '=', filter.productId);
    if (filter.vendorId) query = query.where('vendor_id', '=', filter.vendorId);
    if (filter.type) query = query.where('type', '=', filter.type);
    if (after) {
      const key = String(after.key);
      query = query.where((eb) => eb.or([eb('created_at', '<', key), eb.and([eb('created_at', '=', key), eb('id', '<', after.id)])]));
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
  }

  productArtifacts(productId: string) {
    return this.db.selectFrom('artifacts').selectAll().where('product_id', '=', productId).orderBy('first_seen_at').orderBy('id').execute();
  }

  productAlerts(productId: string) {
    return this.db.selectFrom('integrity_alerts').selectAll().where('product_id', '=', productId).orderBy('created_at').orderBy('id').execute();
  }
}
