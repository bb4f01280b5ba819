import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../platform/db/database.js';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Residual risk rides on every vendor read and counted each vendor's open finding groups per
 * severity over all its current SBOMs' findings: a cost that grows with every upload (issue 10).
 * vendor_finding_counts keeps those counts per vendor. The database itself marks a vendor's counts
 * out of date: any write that can change them (a finding inserted, deleted, or its status, verdict,
 * state, severity, group or SBOM changed; an SBOM made current or not, moved or deleted; a product
 * moved or deleted) raises the vendor's `generation` in the same transaction, whichever module or
 * raw statement wrote it, so no writer can be forgotten. Counts are valid only while
 * counted_generation = generation; the read recounts a vendor that is out of date and stores the
 * result only if nothing moved the generation meanwhile (ResilienceRepository.storeFindingCounts).
 *
 * The count reads findings through products → current SBOMs, so the triggers name a finding's
 * vendor the same way (a finding of a superseded SBOM changes nothing). Every vendor gets a row
 * when it is created (no products yet: zero, up to date); existing vendors start out of date.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('vendor_finding_counts')
    .addColumn('vendor_id', T.id, (c) => c.primaryKey().references('vendors.id').onDelete('cascade'))
    .addColumn('generation', T.int, (c) => c.notNull())
    .addColumn('counted_generation', T.int)
    .addColumn('critical', T.int, (c) => c.notNull())
    .addColumn('high', T.int, (c) => c.notNull())
    .addColumn('medium', T.int, (c) => c.notNull())
    .addColumn('low', T.int, (c) => c.notNull())
    .execute();
  await sql`insert into vendor_finding_counts (vendor_id, generation, counted_generation, critical, high, medium, low) select id, 1, null, 0, 0, 0, 0 from vendors`.execute(db);

  const bump = (vendorIds: string) => `UPDATE vendor_finding_counts SET generation = generation + 1 WHERE vendor_id IN (${vendorIds});`;
  const vendorOfCurrentSbom = (sbomId: string) => `SELECT p.vendor_id FROM sboms s JOIN products p ON p.id = s.product_id WHERE s.id = ${sbomId} AND s.is_current = 1`;
  const counted = ['status', 'verdict', 'state', 'severity', 'group_id', 'sbom_id'];

  if (isPostgres(db)) {
    // A statement may bump many vendors (an advisory matched across the estate): their rows are
    // locked in vendor_id order, so two such writers queue behind each other instead of deadlocking.
    const bumpInOrder = (vendorIds: string) =>
      `UPDATE vendor_finding_counts SET generation = generation + 1 WHERE vendor_id IN (SELECT vendor_id FROM vendor_finding_counts WHERE vendor_id IN (${vendorIds}) ORDER BY vendor_id FOR UPDATE);`;
    // Findings are written thousands per statement (matching): statement triggers over transition tables, one UPDATE each.
    const currentVendors = (rows: string) => `SELECT p.vendor_id FROM ${rows} r JOIN sboms s ON s.id = r.sbom_id AND s.is_current = 1 JOIN products p ON p.id = s.product_id`;
    const changed = `(${counted.map((c) => `o.${c}`).join(', ')}) IS DISTINCT FROM (${counted.map((c) => `n.${c}`).join(', ')})`;
    const functions: Record<string, string> = {
      thirdwatch_findings_counts_inserted: bumpInOrder(currentVendors('new_rows')),
      thirdwatch_findings_counts_deleted: bumpInOrder(currentVendors('old_rows')),
      thirdwatch_findings_counts_updated: bumpInOrder(
        currentVendors(`(SELECT o.sbom_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE ${changed} UNION SELECT n.sbom_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE ${changed})`),
      ),
      thirdwatch_vendors_counts_inserted: 'INSERT INTO vendor_finding_counts (vendor_id, generation, counted_generation, critical, high, medium, low) SELECT id, 0, 0, 0, 0, 0, 0 FROM new_rows;',
    };
    for (const [name, body] of Object.entries(functions)) {
      await sql.raw(`CREATE FUNCTION ${name}() RETURNS trigger AS $$ BEGIN ${body} RETURN NULL; END; $$ LANGUAGE plpgsql`).execute(db);
    }
    const statement = (name: string, event: string, table: string, rows: string, fn: string) =>
      sql.raw(`CREATE TRIGGER ${name} ${event} ON ${table} REFERENCING ${rows} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`).execute(db);
    await statement('findings_counts_insert', 'AFTER INSERT', 'findings', 'NEW TABLE AS new_rows', 'thirdwatch_findings_counts_inserted');
    await statement('findings_counts_delete', 'AFTER DELETE', 'findings', 'OLD TABLE AS old_rows', 'thirdwatch_findings_counts_deleted');
    await statement('findings_counts_update', 'AFTER UPDATE', 'findings', 'OLD TABLE AS old_rows NEW TABLE AS new_rows', 'thirdwatch_findings_counts_updated');
    await statement('vendors_counts_insert', 'AFTER INSERT', 'vendors', 'NEW TABLE AS new_rows', 'thirdwatch_vendors_counts_inserted');

    // SBOMs and products change a row at a time.
    await sql
      .raw(
        `CREATE FUNCTION thirdwatch_sboms_counts() RETURNS trigger AS $$ BEGIN
           IF TG_OP = 'DELETE' THEN
             IF OLD.is_current = 1 THEN ${bumpInOrder('SELECT vendor_id FROM products WHERE id = OLD.product_id')} END IF;
             RETURN OLD;
           END IF;
           IF OLD.is_current IS DISTINCT FROM NEW.is_current OR OLD.product_id IS DISTINCT FROM NEW.product_id THEN
             ${bumpInOrder('SELECT vendor_id FROM products WHERE id IN (OLD.product_id, NEW.product_id)')}
           END IF;
           RETURN NEW;
         END; $$ LANGUAGE plpgsql`,
      )
      .execute(db);
    await sql.raw('CREATE TRIGGER sboms_counts_update AFTER UPDATE OF is_current, product_id ON sboms FOR EACH ROW EXECUTE FUNCTION thirdwatch_sboms_counts()').execute(db);
    await sql.raw('CREATE TRIGGER sboms_counts_delete AFTER DELETE ON sboms FOR EACH ROW EXECUTE FUNCTION thirdwatch_sboms_counts()').execute(db);
    await sql
      .raw(
        `CREATE FUNCTION thirdwatch_products_counts() RETURNS trigger AS $$ BEGIN
           IF TG_OP = 'DELETE' THEN ${bumpInOrder('OLD.vendor_id')} RETURN OLD; END IF;
           IF OLD.vendor_id IS DISTINCT FROM NEW.vendor_id THEN ${bumpInOrder('OLD.vendor_id, NEW.vendor_id')} END IF;
           RETURN NEW;
         END; $$ LANGUAGE plpgsql`,
      )
      .execute(db);
    await sql.raw('CREATE TRIGGER products_counts_update AFTER UPDATE OF vendor_id ON products FOR EACH ROW EXECUTE FUNCTION thirdwatch_products_counts()').execute(db);
    await sql.raw('CREATE TRIGGER products_counts_delete AFTER DELETE ON products FOR EACH ROW EXECUTE FUNCTION thirdwatch_products_counts()').execute(db);
    return;
  }

  // SQLite runs these once per row, and matching writes thousands of findings per statement. Each
  // statement bumps one vendor named by `= (scalar subquery)`: `IN (subquery)` builds a temporary
  // index on every row and made inserting 20,000 findings 15 times slower (50 -> 760 ms of CPU).
  const bumpOne = (vendorId: string, when = '') => `UPDATE vendor_finding_counts SET generation = generation + 1 WHERE ${when}vendor_id = (${vendorId});`;
  const vendorOfProduct = (productId: string) => `SELECT vendor_id FROM products WHERE id = ${productId}`;
  const triggers: Record<string, string> = {
    findings_counts_insert: `AFTER INSERT ON findings BEGIN ${bumpOne(vendorOfCurrentSbom('NEW.sbom_id'))} END`,
    findings_counts_delete: `AFTER DELETE ON findings BEGIN ${bumpOne(vendorOfCurrentSbom('OLD.sbom_id'))} END`,
    findings_counts_update: `AFTER UPDATE OF ${counted.join(', ')} ON findings WHEN ${counted.map((c) => `OLD.${c} IS NOT NEW.${c}`).join(' OR ')}
      BEGIN ${bumpOne(vendorOfCurrentSbom('OLD.sbom_id'))} ${bumpOne(vendorOfCurrentSbom('NEW.sbom_id'), 'NEW.sbom_id IS NOT OLD.sbom_id AND ')} END`,
    sboms_counts_update: `AFTER UPDATE OF is_current, product_id ON sboms WHEN OLD.is_current IS NOT NEW.is_current OR OLD.product_id IS NOT NEW.product_id
      BEGIN ${bumpOne(vendorOfProduct('OLD.product_id'))} ${bumpOne(vendorOfProduct('NEW.product_id'), 'NEW.product_id IS NOT OLD.product_id AND ')} END`,
    sboms_counts_delete: `AFTER DELETE ON sboms WHEN OLD.is_current = 1 BEGIN ${bumpOne(vendorOfProduct('OLD.product_id'))} END`,
    products_counts_update: `AFTER UPDATE OF vendor_id ON products WHEN OLD.vendor_id IS NOT NEW.vendor_id BEGIN ${bump('OLD.vendor_id, NEW.vendor_id')} END`,
    products_counts_delete: `AFTER DELETE ON products BEGIN ${bump('OLD.vendor_id')} END`,
    vendors_counts_insert: `AFTER INSERT ON vendors BEGIN INSERT INTO vendor_finding_counts (vendor_id, generation, counted_generation, critical, high, medium, low) VALUES (NEW.id, 0, 0, 0, 0, 0, 0); END`,
  };
  for (const [name, body] of Object.entries(triggers)) await sql.raw(`CREATE TRIGGER ${name} ${body}`).execute(db);
}
