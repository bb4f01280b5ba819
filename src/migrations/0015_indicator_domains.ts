import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Every domain the host of a domain, URL or e-mail indicator lies under, with its depth (a.b.example.com:
 * itself at 0, b.example.com at 1, example.com at 2; never the bare TLD), so that a domain a vendor
 * gains finds the indicators under it with one index lookup: correlation in that direction
 * (modules/indicators/correlation.service.ts, onVendors). Indicators' values never change, so rows
 * are written with the indicator; the ones held before this migration are filled in here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('indicator_domains')
    .addColumn('domain', T.text, (c) => c.notNull())
    .addColumn('indicator_id', T.id, (c) => c.notNull().references('indicators.id').onDelete('cascade'))
    .addColumn('depth', T.int, (c) => c.notNull())
    .addPrimaryKeyConstraint('indicator_domains_pk', ['domain', 'indicator_id'])
    .execute();
  // The cascade from a deleted indicator looks its rows up by indicator.
  await db.schema.createIndex('indicator_domains_indicator').on('indicator_domains').column('indicator_id').execute();
  let after = '';
  for (;;) {
    const rows: Array<{ id: string; type: string; value: string }> = await db
      .selectFrom('indicators')
      .select(['id', 'type', 'value'])
      .where('type', 'in', ['domain', 'url', 'email'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(5000)
      .execute();
    if (!rows.length) return;
    const values = rows.flatMap((r) => domainsOf(r.type, r.value).map((d) => ({ ...d, indicator_id: r.id })));
    for (let i = 0; i < values.length; i += 1000) await db.insertInto('indicator_domains').values(values.slice(i, i + 1000)).onConflict((oc) => oc.doNothing()).execute();
    after = rows[rows.length - 1].id;
  }
}

/** The same rule as the indicators module's (hostOf, parentDomains) at the time of this migration. */
function domainsOf(type: string, value: string): Array<{ domain: string; depth: number }> {
  let host: string | null = null;
  if (type === 'domain') host = value;
  else if (type === 'email') host = value.slice(value.lastIndexOf('@') + 1);
  else {
    try {
      host = new URL(value).hostname;
    } catch {
      host = null;
    }
    if (host && /^[\d.]+$|^\[/.test(host)) host = null;
  }
  if (!host) return [];
  const labels = host.split('.');
  return labels.slice(0, -1).map((_, i) => ({ domain: labels.slice(i).join('.'), depth: i }));
}
