import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * NVD records (issue 9) keep what other sources do not carry: their CWE ids, every CVSS metric with
 * who scored it, NVD's analysis status, the CISA KEV fields NVD copies into a listed CVE (they flag
 * the group as the KEV catalog does) and the CPE configurations as published. Their CPE criteria go
 * to advisory_packages (ecosystem 'cpe', keyed vendor:product), which needs no new column.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const [column, type] of [
    ['cwes', T.json],
    ['cvss_metrics', T.json],
    ['nvd_status', T.text],
    ['kev_date_added', T.time],
    ['kev_due_date', T.time],
    ['kev_required_action', T.text],
    ['kev_name', T.text],
    ['cpe_configurations', T.json],
  ] as const) {
    await db.schema.alterTable('advisories').addColumn(column, type).execute();
  }
}
