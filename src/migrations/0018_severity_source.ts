import type { Kysely } from 'kysely';
import { T } from '../platform/db/migration-helpers.js';

/**
 * Where a severity came from. `advisories.cvss_type` says whether a record's rating is its
 * publisher's own assessment ('Primary', the NVD's) or one it relays ('Secondary', a CNA's or an
 * ADP's); `advisory_groups.severity_source` names the member whose rating the group carries and
 * `findings.severity_source` the one the finding carries (its own matched record's, else the
 * group's), both as JSON { advisory, source, cvssVersion, vector, score }. Groups and findings held
 * before this migration name the member whose vector the group already carries.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('advisories').addColumn('cvss_type', T.text).execute();
  await db.schema.alterTable('advisory_groups').addColumn('severity_source', T.json).execute();
  await db.schema.alterTable('findings').addColumn('severity_source', T.json).execute();
  let after = '';
  for (;;) {
    const groups: Array<{ id: string; cvss_vector: string; cvss_version: string | null; cvss_score: number | string | null }> = await db
      .selectFrom('advisory_groups')
      .select(['id', 'cvss_vector', 'cvss_version', 'cvss_score'])
      .where('cvss_vector', 'is not', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(2000)
      .execute();
    if (!groups.length) break;
    const members: Array<{ group_id: string; external_id: string; source: string; cvss_vector: string }> = await db
      .selectFrom('advisories')
      .select(['group_id', 'external_id', 'source', 'cvss_vector'])
      .where('group_id', 'in', groups.map((g) => g.id))
      .where('cvss_vector', 'is not', null)
      .orderBy('id')
      .execute();
    for (const g of groups) {
      const member = members.find((m) => m.group_id === g.id && m.cvss_vector === g.cvss_vector);
      if (!member) continue;
      const source = JSON.stringify({ advisory: member.external_id, source: member.source, cvssVersion: g.cvss_version, vector: g.cvss_vector, score: g.cvss_score === null ? null : Number(g.cvss_score) });
      await db.updateTable('advisory_groups').set({ severity_source: source }).where('id', '=', g.id).execute();
    }
    after = groups[groups.length - 1].id;
  }
  await db
    .updateTable('findings')
    .set((eb: any) => ({ severity_source: eb.selectFrom('advisory_groups as g').select('g.severity_source').whereRef('g.id', '=', 'findings.group_id') }))
    .execute();
}
