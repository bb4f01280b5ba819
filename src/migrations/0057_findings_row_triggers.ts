import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';

/** A finding counted as residual risk (0053): open, affected, not set aside by its analysis. */
const counted = (f: string) => `${f}.status = 'open' AND ${f}.verdict = 'affected' AND ${f}.state NOT IN ('not_affected', 'false_positive', 'resolved')`;
const currentSbom = (sbomId: string) => `SELECT 1 FROM sboms WHERE id = ${sbomId} AND is_current = 1`;

/**
 * SQLite runs row triggers once per finding, and an upload writes its findings (20,000 for a heavy
 * SBOM) while the SBOM is unpublished, when neither 0043's count generation nor 0053's open groups
 * change: each finding still started two trigger programs and looked its SBOM up in each, about a
 * quarter of the CPU of inserting it. One trigger per event now does both, and only for a finding
 * of a current SBOM (one lookup, which misses for an unpublished or deleted SBOM). Same effects
 * as before; deletes likewise (a discarded upload's findings, a deleted SBOM's after it is gone).
 * PostgreSQL's statement triggers run once per statement and stay as they are.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return;
  for (const name of ['findings_counts_insert', 'findings_open_groups_insert', 'findings_counts_delete', 'findings_open_groups_delete']) {
    await sql.raw(`DROP TRIGGER ${name}`).execute(db);
  }
  const vendorOfCurrentSbom = (sbomId: string) => `SELECT p.vendor_id FROM sboms s JOIN products p ON p.id = s.product_id WHERE s.id = ${sbomId} AND s.is_current = 1`;
  await sql
    .raw(
      `CREATE TRIGGER findings_insert AFTER INSERT ON findings WHEN EXISTS (${currentSbom('NEW.sbom_id')}) BEGIN
         UPDATE vendor_finding_counts SET generation = generation + 1 WHERE vendor_id = (${vendorOfCurrentSbom('NEW.sbom_id')});
         INSERT INTO product_open_groups (product_id, group_id, severity, n)
         SELECT product_id, NEW.group_id, NEW.severity, 1 FROM sboms WHERE id = NEW.sbom_id AND is_current = 1 AND ${counted('NEW')}
         ON CONFLICT (product_id, group_id, severity) DO UPDATE SET n = n + 1;
       END`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER findings_delete AFTER DELETE ON findings WHEN EXISTS (${currentSbom('OLD.sbom_id')}) BEGIN
         UPDATE vendor_finding_counts SET generation = generation + 1 WHERE vendor_id = (${vendorOfCurrentSbom('OLD.sbom_id')});
         UPDATE product_open_groups SET n = n - 1
         WHERE ${counted('OLD')} AND product_id = (SELECT product_id FROM sboms WHERE id = OLD.sbom_id AND is_current = 1) AND group_id = OLD.group_id AND severity = OLD.severity;
       END`,
    )
    .execute(db);
}
