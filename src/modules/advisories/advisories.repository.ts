import { sql } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import type { CursorPosition } from '../../platform/http/pagination.js';
import { foldForSearch, likePattern } from '../../platform/search-text.js';
import { bulkInsert, chunks } from '../matching/bulk.js';
import type { EpssRow, KevRow, MemberRow } from './advisories.groups.js';
import type { AdvisoriesTable, AdvisoryGroupsTable, AdvisoryPackagesTable, EpssScoresTable, FeedStatusTable, KevEntriesTable } from './advisories.tables.js';

const ADVISORY_COLUMNS = [
  'id', 'group_id', 'external_id', 'source', 'origin', 'summary', 'details', 'aliases', 'published', 'modified', 'withdrawn', 'severity',
  'cvss_score', 'cvss_vector', 'cvss_version', 'severity_rating', 'cvss_type', 'malicious', 'reference_urls', 'affected', 'cwes', 'cvss_metrics', 'nvd_status',
  'kev_date_added', 'kev_due_date', 'kev_required_action', 'kev_name', 'cpe_configurations', 'content_hash', 'imported_at', 'updated_at',
] as const satisfies ReadonlyArray<keyof AdvisoriesTable>;

const PACKAGE_COLUMNS = [
  'advisory_id', 'idx', 'group_id', 'external_id', 'ecosystem', 'ecosystem_release', 'package_name', 'raw_ecosystem', 'raw_name', 'purl', 'versions', 'ranges', 'fixed',
] as const satisfies ReadonlyArray<keyof AdvisoryPackagesTable>;

const GROUP_COLUMNS = [
  'id', 'display_id', 'identifiers', 'summary', 'search_text', 'severity', 'cvss_score', 'cvss_vector', 'cvss_version', 'severity_source', 'malicious', 'withdrawn', 'kev', 'kev_date_added',
  'kev_due_date', 'kev_ransomware', 'epss', 'epss_percentile', 'epss_model', 'epss_date', 'published', 'modified', 'member_count', 'merged_into', 'created_at', 'updated_at',
] as const satisfies ReadonlyArray<keyof AdvisoryGroupsTable>;

export interface AdvisoryListFilter {
  q?: string;
  ecosystem?: string;
  packageName?: string;
  kev?: boolean;
  malicious?: boolean;
  severity?: string[];
  withdrawn?: boolean;
}

export class AdvisoryRepository {
  constructor(private readonly db: Executor) {}

  /**
   * Refreshes PostgreSQL's planner statistics after a bulk import. Until autovacuum gets to a
   * freshly loaded table, the planner guesses that an ecosystem matches a handful of rows and
   * filters the package names outside the index: the first SBOM after a large import would scan.
   * (SQLite's planner uses the index without statistics.)
   */
  async analyze(tables: ReadonlyArray<'advisories' | 'advisory_packages' | 'advisory_ids' | 'advisory_groups' | 'kev_entries' | 'epss_scores'>): Promise<void> {
    if (!isPostgres(this.db) || !tables.length) return;
    await sql.raw(`analyze ${tables.join(', ')}`).execute(this.db);
  }

  // Import.

  async existing(source: string, externalIds: string[]) {
    const out: Array<Pick<AdvisoriesTable, 'id' | 'external_id' | 'modified' | 'content_hash' | 'group_id'>> = [];
    for (const batch of chunks(externalIds)) {
      out.push(
        ...(await this.db
          .selectFrom('advisories')
          .select(['id', 'external_id', 'modified', 'content_hash', 'group_id'])
          .where('source', '=', source)
          .where('external_id', 'in', batch)
          .execute()),
      );
    }
    return out;
  }

  async groupsOfIdentifiers(identifiers: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const batch of chunks(identifiers)) {
      for (const row of await this.db.selectFrom('advisory_ids').select(['identifier', 'group_id']).where('identifier', 'in', batch).execute()) out.set(row.identifier, row.group_id);
    }
    return out;
  }

  /** The identifiers mapped to some groups (a group with no records, made for a KEV entry, has only these). */
  async identifiersOfGroups(groupIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const batch of chunks(groupIds)) {
      for (const row of await this.db.selectFrom('advisory_ids').select(['identifier', 'group_id']).where('group_id', 'in', batch).orderBy('identifier').execute()) {
        const list = out.get(row.group_id);
        if (list) list.push(row.identifier);
        else out.set(row.group_id, [row.identifier]);
      }
    }
    return out;
  }

  /** Moves everything of one group into another; the loser keeps a pointer (its id stays resolvable). */
  async mergeGroup(from: string, into: string, at: string): Promise<void> {
    await this.db.updateTable('advisory_ids').set({ group_id: into }).where('group_id', '=', from).execute();
    await this.db.updateTable('advisories').set({ group_id: into }).where('group_id', '=', from).execute();
    await this.db.updateTable('advisory_packages').set({ group_id: into }).where('group_id', '=', from).execute();
    // A component with a finding in both groups keeps the surviving group's (closed here as merged).
    await sql`update findings set status = 'closed', closed_reason = 'merged', closed_at = ${at}, updated_at = ${at}
      where group_id = ${from} and exists (select 1 from findings f2 where f2.group_id = ${into} and f2.sbom_id = findings.sbom_id and f2.component_idx = findings.component_idx)`.execute(this.db);
    await sql`update findings set group_id = ${into}, updated_at = ${at}
      where group_id = ${from} and not exists (select 1 from findings f2 where f2.group_id = ${into} and f2.sbom_id = findings.sbom_id and f2.component_idx = findings.component_idx)`.execute(this.db);
    await this.db.updateTable('advisory_groups').set({ merged_into: into, updated_at: at }).where((eb) => eb.or([eb('id', '=', from), eb('merged_into', '=', from)])).execute();
  }

  async upsertIdentifiers(rows: Array<{ identifier: string; group_id: string }>): Promise<void> {
    await bulkInsert(this.db, 'advisory_ids', ['identifier', 'group_id'], rows.map((r) => [r.identifier, r.group_id]), 'on conflict (identifier) do update set group_id = excluded.group_id');
  }

  insertAdvisories(rows: AdvisoriesTable[]): Promise<void> {
    return bulkInsert(this.db, 'advisories', ADVISORY_COLUMNS, rows.map((r) => ADVISORY_COLUMNS.map((c) => r[c])));
  }

  async updateAdvisory(id: string, row: Omit<AdvisoriesTable, 'id' | 'imported_at'>): Promise<void> {
    await this.db.updateTable('advisories').set(row).where('id', '=', id).execute();
  }

  async packagesOf(advisoryIds: string[]) {
    const out: Array<Pick<AdvisoryPackagesTable, 'ecosystem' | 'package_name'>> = [];
    for (const batch of chunks(advisoryIds)) out.push(...(await this.db.selectFrom('advisory_packages').select(['ecosystem', 'package_name']).where('advisory_id', 'in', batch).execute()));
    return out;
  }

  async packageKeysOfGroups(groupIds: string[]) {
    const out: Array<Pick<AdvisoryPackagesTable, 'ecosystem' | 'package_name'>> = [];
    for (const batch of chunks(groupIds)) out.push(...(await this.db.selectFrom('advisory_packages').select(['ecosystem', 'package_name']).where('group_id', 'in', batch).execute()));
    return out;
  }

  async deletePackages(advisoryIds: string[]): Promise<void> {
    for (const batch of chunks(advisoryIds)) await this.db.deleteFrom('advisory_packages').where('advisory_id', 'in', batch).execute();
  }

  insertPackages(rows: AdvisoryPackagesTable[]): Promise<void> {
    return bulkInsert(this.db, 'advisory_packages', PACKAGE_COLUMNS, rows.map((r) => PACKAGE_COLUMNS.map((c) => r[c])));
  }

  // Groups.

  async members(groupIds: string[]): Promise<Array<MemberRow & { group_id: string }>> {
    const out: Array<MemberRow & { group_id: string }> = [];
    for (const batch of chunks(groupIds)) {
      out.push(
        ...(await this.db
          .selectFrom('advisories')
          .select(['id', 'group_id', 'external_id', 'source', 'summary', 'aliases', 'published', 'modified', 'withdrawn', 'cvss_score', 'cvss_vector', 'cvss_version', 'severity_rating', 'cvss_type', 'malicious', 'kev_date_added', 'kev_due_date'])
          .where('group_id', 'in', batch)
          .execute()),
      );
    }
    return out;
  }

  async groups(groupIds: string[]): Promise<AdvisoryGroupsTable[]> {
    const out: AdvisoryGroupsTable[] = [];
    for (const batch of chunks(groupIds)) out.push(...(await this.db.selectFrom('advisory_groups').selectAll().where('id', 'in', batch).execute()));
    return out;
  }

  insertGroups(rows: AdvisoryGroupsTable[]): Promise<void> {
    return bulkInsert(this.db, 'advisory_groups', GROUP_COLUMNS, rows.map((r) => GROUP_COLUMNS.map((c) => r[c])));
  }

  async updateGroup(id: string, changes: Partial<AdvisoryGroupsTable>): Promise<void> {
    await this.db.updateTable('advisory_groups').set(changes).where('id', '=', id).execute();
  }

  async kevFor(cves: string[]): Promise<KevRow[]> {
    const out: KevRow[] = [];
    for (const batch of chunks(cves)) out.push(...(await this.db.selectFrom('kev_entries').select(['cve_id', 'date_added', 'due_date', 'ransomware']).where('cve_id', 'in', batch).execute()));
    return out;
  }

  async epssFor(cves: string[]): Promise<EpssRow[]> {
    const out: EpssRow[] = [];
    for (const batch of chunks(cves)) out.push(...(await this.db.selectFrom('epss_scores').select(['cve', 'epss', 'percentile', 'model_version', 'score_date']).where('cve', 'in', batch).execute()));
    return out;
  }

  // KEV and EPSS.

  async kevExisting(cves: string[]) {
    const out = new Map<string, string>();
    for (const batch of chunks(cves)) for (const row of await this.db.selectFrom('kev_entries').select(['cve_id', 'content_hash']).where('cve_id', 'in', batch).execute()) out.set(row.cve_id, row.content_hash);
    return out;
  }

  upsertKev(rows: KevEntriesTable[]): Promise<void> {
    const columns = ['cve_id', 'vendor_project', 'product', 'name', 'date_added', 'due_date', 'ransomware', 'short_description', 'required_action', 'catalog_version', 'content_hash', 'imported_at', 'updated_at'] as const;
    const update = columns.filter((c) => c !== 'cve_id' && c !== 'imported_at').map((c) => `${c} = excluded.${c}`).join(', ');
    return bulkInsert(this.db, 'kev_entries', columns, rows.map((r) => columns.map((c) => r[c])), `on conflict (cve_id) do update set ${update}`);
  }

  async epssExisting(cves: string[]) {
    const out = new Map<string, Pick<EpssScoresTable, 'epss' | 'percentile' | 'model_version' | 'score_date'>>();
    for (const batch of chunks(cves, 1000)) {
      for (const row of await this.db.selectFrom('epss_scores').select(['cve', 'epss', 'percentile', 'model_version', 'score_date']).where('cve', 'in', batch).execute()) out.set(row.cve, row);
    }
    return out;
  }

  upsertEpss(rows: EpssScoresTable[]): Promise<void> {
    const columns = ['cve', 'epss', 'percentile', 'model_version', 'score_date', 'updated_at'] as const;
    return bulkInsert(this.db, 'epss_scores', columns, rows.map((r) => columns.map((c) => r[c])), 'on conflict (cve) do update set epss = excluded.epss, percentile = excluded.percentile, model_version = excluded.model_version, score_date = excluded.score_date, updated_at = excluded.updated_at');
  }

  // Reading.

  /** A group by its id (following merges), or by any of its ids or aliases. */
  async resolveGroup(idOrAlias: string): Promise<AdvisoryGroupsTable | undefined> {
    let group = /^[0-9a-f]{8}-[0-9a-f]{4}-7/.test(idOrAlias) ? await this.db.selectFrom('advisory_groups').selectAll().where('id', '=', idOrAlias).executeTakeFirst() : undefined;
    if (!group) {
      const mapped = await this.db.selectFrom('advisory_ids').select('group_id').where('identifier', '=', idOrAlias.trim().toUpperCase()).executeTakeFirst();
      if (mapped) group = await this.db.selectFrom('advisory_groups').selectAll().where('id', '=', mapped.group_id).executeTakeFirst();
    }
    if (group?.merged_into) return this.db.selectFrom('advisory_groups').selectAll().where('id', '=', group.merged_into).executeTakeFirst();
    return group;
  }

  membersOf(groupId: string) {
    return this.db.selectFrom('advisories').selectAll().where('group_id', '=', groupId).orderBy('id').execute();
  }

  packagesOfGroup(groupId: string) {
    return this.db
      .selectFrom('advisory_packages as p')
      .select(['p.ecosystem', 'p.ecosystem_release', 'p.package_name', 'p.raw_ecosystem', 'p.raw_name', 'p.purl', 'p.versions', 'p.ranges', 'p.fixed', 'p.external_id'])
      .where('p.group_id', '=', groupId)
      .orderBy('p.advisory_id')
      .orderBy('p.idx')
      .execute();
  }

  kevEntry(cves: string[]) {
    if (!cves.length) return Promise.resolve([]);
    return this.db.selectFrom('kev_entries').selectAll().where('cve_id', 'in', cves).execute();
  }

  async findingCounts(groupId: string) {
    const row = await this.db
      .selectFrom('findings as f')
      .innerJoin('sboms as s', 's.id', 'f.sbom_id')
      .select((eb) => [
        eb.fn.countAll<number>().as('total'),
        eb.fn.sum<number>(eb.case().when('f.status', '=', 'open').then(1).else(0).end()).as('open'),
      ])
      .where('f.group_id', '=', groupId)
      .where('s.is_current', '=', 1)
      .executeTakeFirstOrThrow();
    return { total: Number(row.total ?? 0), open: Number(row.open ?? 0) };
  }

  list(filter: AdvisoryListFilter, cursor: CursorPosition | null, limit: number): Promise<AdvisoryGroupsTable[]> {
    let query = this.db.selectFrom('advisory_groups as g').selectAll('g').where('g.merged_into', 'is', null);
    if (filter.q) {
      // search_text is folded in JavaScript (searchText), so both engines compare the same strings
      // (SQLite's LIKE and lower() fold ASCII only, PostgreSQL's lower() follows the locale).
      query = query.where('g.search_text', 'like', sql<string>`${likePattern(filter.q)} escape '\\'`);
      // On SQLite the trigram index of search_text (0055) first narrows the groups to those holding the text; the LIKE still decides.
      const text = foldForSearch(filter.q);
      if (!isPostgres(this.db) && [...text].length >= 3) {
        const phrase = `"${text.replaceAll('"', '""')}"`;
        query = query.where(
          sql<boolean>`g.id in (select t.group_id from advisory_group_text_ids as t where t.seq in (select rowid from advisory_groups_text where advisory_groups_text match ${phrase}))`,
        );
      }
    }
    if (filter.ecosystem || filter.packageName) {
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('advisory_packages as p')
            .select('p.group_id')
            .whereRef('p.group_id', '=', 'g.id')
            .$if(!!filter.ecosystem, (q) => q.where('p.ecosystem', '=', filter.ecosystem!))
            .$if(!!filter.packageName, (q) => q.where('p.package_name', '=', filter.packageName!)),
        ),
      );
    }
    if (filter.kev !== undefined) query = query.where('g.kev', '=', filter.kev ? 1 : 0);
    if (filter.malicious !== undefined) query = query.where('g.malicious', '=', filter.malicious ? 1 : 0);
    if (filter.withdrawn !== undefined) query = query.where('g.withdrawn', '=', filter.withdrawn ? 1 : 0);
    if (filter.severity?.length) {
      const known = filter.severity.filter((s) => s !== 'unknown');
      query = query.where((eb) => eb.or([...(known.length ? [eb('g.severity', 'in', known)] : []), ...(filter.severity!.includes('unknown') ? [eb('g.severity', 'is', null)] : [])]));
    }
    if (cursor) query = query.where('g.id', '<', cursor.id);
    return query.orderBy('g.id', 'desc').limit(limit + 1).execute();
  }

  async totals() {
    const count = async (table: 'advisory_groups' | 'advisories' | 'kev_entries' | 'epss_scores' | 'vex_statements') =>
      Number((await this.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const groups = Number(
      (await this.db.selectFrom('advisory_groups').select((eb) => eb.fn.countAll<number>().as('n')).where('merged_into', 'is', null).executeTakeFirstOrThrow()).n,
    );
    const epss = await this.db.selectFrom('epss_scores').select(['model_version', 'score_date']).orderBy('score_date', 'desc').limit(1).executeTakeFirst();
    const kev = await this.db.selectFrom('kev_entries').select(['catalog_version']).orderBy('updated_at', 'desc').limit(1).executeTakeFirst();
    return {
      advisoryGroups: groups,
      advisoryRecords: await count('advisories'),
      kevEntries: await count('kev_entries'),
      kevCatalogVersion: kev?.catalog_version ?? null,
      epssScores: await count('epss_scores'),
      epssModel: epss?.model_version ?? null,
      epssScoreDate: epss?.score_date ?? null,
      vexStatements: await count('vex_statements'),
    };
  }

  // Feed status.

  feedStatuses() {
    return this.db.selectFrom('feed_status').selectAll().orderBy('name').execute();
  }

  feedStatus(name: string) {
    return this.db.selectFrom('feed_status').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async saveFeedStatus(row: Partial<FeedStatusTable> & { name: string; kind: string }): Promise<void> {
    const now = new Date().toISOString();
    const existing = await this.feedStatus(row.name);
    if (existing) {
      await this.db.updateTable('feed_status').set({ ...row, updated_at: now }).where('name', '=', row.name).execute();
      return;
    }
    await this.db
      .insertInto('feed_status')
      .values({
        name: row.name,
        kind: row.kind,
        url: row.url ?? null,
        last_attempt_at: row.last_attempt_at ?? null,
        last_success_at: row.last_success_at ?? null,
        last_error: row.last_error ?? null,
        last_error_at: row.last_error_at ?? null,
        last_result: row.last_result ?? null,
        etag: row.etag ?? null,
        last_modified: row.last_modified ?? null,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('name').doUpdateSet({ updated_at: now }))
      .execute();
  }
}
