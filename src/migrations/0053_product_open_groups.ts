import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';
import { T } from '../platform/db/migration-helpers.js';

/** What residual risk counts (ResilienceRepository.openFindingCountsQuery): an open, affected finding whose analysis has not set it aside. */
const counted = (f: string) => `${f}.status = 'open' AND ${f}.verdict = 'affected' AND ${f}.state NOT IN ('not_affected', 'false_positive', 'resolved')`;
const COUNTED_COLUMNS = ['status', 'verdict', 'state', 'severity', 'group_id', 'sbom_id'];

/**
 * A vendor out of date in vendor_finding_counts (0043) was recounted from all its current SBOMs'
 * findings: a cost that grew with every upload of a release (2.7 ms per recount on the soak's
 * vendor of a few hundred SBOMs, after every upload). product_open_groups holds, per product, how
 * many counted findings of its current SBOMs name each (advisory group, severity); triggers keep it
 * in step in the same transaction as the write, each by the rows it wrote (a publish or a deleted
 * SBOM by that SBOM's findings). A recount is then the distinct groups of the vendor's products
 * with n > 0, bounded by its advisories instead of its SBOMs. 0043's generations still say when
 * the stored per-vendor counts must be recounted; the daily reconcile compares both with the findings.
 *
 * The keys follow the same path as the full count (products → current SBOMs → findings), so a
 * finding of a superseded or unpublished SBOM adds nothing, and a product moved to another vendor
 * takes its rows with it. Findings are deleted by an AFTER DELETE trigger on sboms (0004), when
 * the SBOM is gone: the SBOM's own BEFORE DELETE trigger subtracts them first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('product_open_groups')
    .addColumn('product_id', T.id, (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('group_id', T.id, (c) => c.notNull())
    .addColumn('severity', T.text, (c) => c.notNull())
    .addColumn('n', T.int, (c) => c.notNull())
    .addPrimaryKeyConstraint('product_open_groups_pk', ['product_id', 'group_id', 'severity'])
    .execute();
  await sql
    .raw(
      `INSERT INTO product_open_groups (product_id, group_id, severity, n)
       SELECT s.product_id, f.group_id, f.severity, count(*) FROM sboms s JOIN findings f ON f.sbom_id = s.id
       WHERE s.is_current = 1 AND ${counted('f')} GROUP BY s.product_id, f.group_id, f.severity`,
    )
    .execute(db);

  /** The counted findings of SBOM `sbomId` by key, when `when` holds. */
  const sbomGroups = (sbomId: string, when: string) =>
    `SELECT f.group_id, f.severity, count(*) AS n FROM findings f WHERE ${when} AND f.sbom_id = ${sbomId} AND ${counted('f')} GROUP BY f.group_id, f.severity`;
  /** Adds or subtracts the counted findings of SBOM `sbomId`, a current one on `productId`. A subtraction only updates: the product may be going (a cascade). */
  const addSbom = (sbomId: string, productId: string, sign: '+' | '-', when = '1 = 1') =>
    sign === '+'
      ? `INSERT INTO product_open_groups (product_id, group_id, severity, n)
         SELECT ${productId}, d.group_id, d.severity, d.n FROM (${sbomGroups(sbomId, when)}) d WHERE 1 = 1 ORDER BY d.group_id, d.severity
         ON CONFLICT (product_id, group_id, severity) DO UPDATE SET n = product_open_groups.n + excluded.n;`
      : `UPDATE product_open_groups SET n = product_open_groups.n - d.n FROM (${sbomGroups(sbomId, when)}) d
         WHERE product_open_groups.product_id = ${productId} AND product_open_groups.group_id = d.group_id AND product_open_groups.severity = d.severity;`;

  if (isPostgres(db)) {
    // Findings are written thousands per statement (matching): one statement trigger over the
    // transition tables adds the inserted rows and subtracts the deleted ones, each key once.
    // They fire after 0043's (triggers fire in name order), which locks the vendors' count rows
    // first, so two writers of one vendor's rows queue there instead of deadlocking here.
    const delta = (parts: string[]) =>
      `INSERT INTO product_open_groups (product_id, group_id, severity, n)
       SELECT product_id, group_id, severity, sum(d) FROM (${parts.join(' UNION ALL ')}) x
       GROUP BY product_id, group_id, severity HAVING sum(d) <> 0 ORDER BY product_id, group_id, severity
       ON CONFLICT (product_id, group_id, severity) DO UPDATE SET n = product_open_groups.n + excluded.n;`;
    const rows = (table: string, d: 1 | -1, join = '', where = 'TRUE') =>
      `SELECT s.product_id, r.group_id, r.severity, ${d} AS d FROM ${table} r ${join} JOIN sboms s ON s.id = r.sbom_id AND s.is_current = 1 WHERE ${counted('r')} AND ${where}`;
    const changed = (o: string, n: string) => `(${COUNTED_COLUMNS.map((c) => `${o}.${c}`).join(', ')}) IS DISTINCT FROM (${COUNTED_COLUMNS.map((c) => `${n}.${c}`).join(', ')})`;
    const functions: Record<string, string> = {
      thirdwatch_findings_groups_inserted: delta([rows('new_rows', 1)]),
      thirdwatch_findings_groups_deleted: delta([rows('old_rows', -1)]),
      thirdwatch_findings_groups_updated: delta([
        rows('new_rows', 1, 'JOIN old_rows o ON o.id = r.id', changed('o', 'r')),
        rows('old_rows', -1, 'JOIN new_rows m ON m.id = r.id', changed('r', 'm')),
      ]),
    };
    for (const [name, body] of Object.entries(functions)) {
      await sql.raw(`CREATE FUNCTION ${name}() RETURNS trigger AS $$ BEGIN ${body} RETURN NULL; END; $$ LANGUAGE plpgsql`).execute(db);
    }
    const statement = (name: string, event: string, rowsAs: string, fn: string) =>
      sql.raw(`CREATE TRIGGER ${name} ${event} ON findings REFERENCING ${rowsAs} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`).execute(db);
    await statement('findings_open_groups_insert', 'AFTER INSERT', 'NEW TABLE AS new_rows', 'thirdwatch_findings_groups_inserted');
    await statement('findings_open_groups_delete', 'AFTER DELETE', 'OLD TABLE AS old_rows', 'thirdwatch_findings_groups_deleted');
    await statement('findings_open_groups_update', 'AFTER UPDATE', 'OLD TABLE AS old_rows NEW TABLE AS new_rows', 'thirdwatch_findings_groups_updated');

    await sql
      .raw(
        `CREATE FUNCTION thirdwatch_sboms_open_groups() RETURNS trigger AS $$ BEGIN
           IF TG_OP = 'DELETE' THEN
             IF OLD.is_current = 1 THEN ${addSbom('OLD.id', 'OLD.product_id', '-')} END IF;
             RETURN OLD;
           END IF;
           IF OLD.is_current = 1 AND (NEW.is_current IS DISTINCT FROM 1 OR NEW.product_id IS DISTINCT FROM OLD.product_id) THEN ${addSbom('OLD.id', 'OLD.product_id', '-')} END IF;
           IF NEW.is_current = 1 AND (OLD.is_current IS DISTINCT FROM 1 OR NEW.product_id IS DISTINCT FROM OLD.product_id) THEN ${addSbom('NEW.id', 'NEW.product_id', '+')} END IF;
           RETURN NEW;
         END; $$ LANGUAGE plpgsql`,
      )
      .execute(db);
    await sql.raw('CREATE TRIGGER sboms_open_groups_update AFTER UPDATE OF is_current, product_id ON sboms FOR EACH ROW EXECUTE FUNCTION thirdwatch_sboms_open_groups()').execute(db);
    await sql.raw('CREATE TRIGGER sboms_open_groups_delete BEFORE DELETE ON sboms FOR EACH ROW EXECUTE FUNCTION thirdwatch_sboms_open_groups()').execute(db);
    return;
  }

  // SQLite runs these once per row; the finding's own key is adjusted by one.
  const plusOne = (f: 'NEW' | 'OLD', when: string) =>
    `INSERT INTO product_open_groups (product_id, group_id, severity, n)
     SELECT product_id, ${f}.group_id, ${f}.severity, 1 FROM sboms WHERE id = ${f}.sbom_id AND is_current = 1 AND ${when}
     ON CONFLICT (product_id, group_id, severity) DO UPDATE SET n = n + 1;`;
  const minusOne = (f: 'NEW' | 'OLD', when: string) =>
    `UPDATE product_open_groups SET n = n - 1
     WHERE ${when} AND product_id = (SELECT product_id FROM sboms WHERE id = ${f}.sbom_id AND is_current = 1) AND group_id = ${f}.group_id AND severity = ${f}.severity;`;
  const changedRow = COUNTED_COLUMNS.map((c) => `OLD.${c} IS NOT NEW.${c}`).join(' OR ');
  const triggers: Record<string, string> = {
    findings_open_groups_insert: `AFTER INSERT ON findings WHEN ${counted('NEW')} BEGIN ${plusOne('NEW', '1')} END`,
    findings_open_groups_delete: `AFTER DELETE ON findings WHEN ${counted('OLD')} BEGIN ${minusOne('OLD', '1')} END`,
    findings_open_groups_update: `AFTER UPDATE OF ${COUNTED_COLUMNS.join(', ')} ON findings WHEN ${changedRow}
      BEGIN ${minusOne('OLD', `(${counted('OLD')})`)} ${plusOne('NEW', `(${counted('NEW')})`)} END`,
    sboms_open_groups_update: `AFTER UPDATE OF is_current, product_id ON sboms WHEN OLD.is_current IS NOT NEW.is_current OR OLD.product_id IS NOT NEW.product_id
      BEGIN ${addSbom('OLD.id', 'OLD.product_id', '-', 'OLD.is_current = 1')} ${addSbom('NEW.id', 'NEW.product_id', '+', 'NEW.is_current = 1')} END`,
    sboms_open_groups_delete: `BEFORE DELETE ON sboms WHEN OLD.is_current = 1 BEGIN ${addSbom('OLD.id', 'OLD.product_id', '-')} END`,
  };
  for (const [name, body] of Object.entries(triggers)) await sql.raw(`CREATE TRIGGER ${name} ${body}`).execute(db);
}
