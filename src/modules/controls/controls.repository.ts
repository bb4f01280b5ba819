import { sql, type Selectable } from 'kysely';
import { insertJsonRows } from '../../platform/db/bulk.js';
import type { Executor } from '../../platform/db/schema.js';
import type { CursorPosition } from '../../platform/http/pagination.js';
import { likePattern } from '../../platform/search-text.js';
import type { ControlCatalogsTable, ControlProfilesTable, ControlsTable } from './controls.tables.js';

export type CatalogRow = Selectable<ControlCatalogsTable>;
export type ProfileRow = Selectable<ControlProfilesTable>;
export type ControlRow = Omit<Selectable<ControlsTable>, 'search_text'>;

export interface ControlFilter {
  q?: string;
  family?: string;
  profileId?: string;
  withdrawn?: boolean;
}

export interface Membership {
  control_id: string;
  profile_id: string;
  profile_title: string;
  props: string;
}

/** Every column of a control but the search text (reads never need it). */
const CONTROL_COLUMNS = ['id', 'catalog_id', 'oscal_id', 'label', 'title', 'family', 'family_title', 'parent_label', 'sort_key', 'withdrawn', 'statement', 'props', 'updated_at'] as const;

export class ControlRepository {
  constructor(private readonly db: Executor) {}

  // Catalogs.

  catalogByUuid(uuid: string): Promise<CatalogRow | undefined> {
    return this.db.selectFrom('control_catalogs').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  }

  catalogs(): Promise<CatalogRow[]> {
    return this.db.selectFrom('control_catalogs').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async insertCatalog(row: CatalogRow): Promise<void> {
    await this.db.insertInto('control_catalogs').values(row).execute();
  }

  async updateCatalog(id: string, values: Partial<CatalogRow>): Promise<void> {
    await this.db.updateTable('control_catalogs').set(values).where('id', '=', id).execute();
  }

  /** Writes a catalog's controls, updating those it held already (same OSCAL id) in place. */
  async upsertControls(rows: ControlsTable[]): Promise<void> {
    const update = Object.keys(rows[0] ?? {}).filter((c) => c !== 'id' && c !== 'catalog_id' && c !== 'oscal_id');
    await insertJsonRows(this.db, 'controls', rows as unknown as Array<Record<string, unknown>>, { conflict: { columns: ['catalog_id', 'oscal_id'], update } });
  }

  /** Removes the controls a re-imported catalog no longer holds (those this import did not write). */
  async deleteStaleControls(catalogId: string, importedAt: string): Promise<number> {
    const result = await this.db.deleteFrom('controls').where('catalog_id', '=', catalogId).where('updated_at', '<>', importedAt).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  catalogEntries(catalogId: string): Promise<Array<{ id: string; oscal_id: string; label: string; parent_label: string | null; sort_key: string }>> {
    return this.db
      .selectFrom('controls')
      .select(['id', 'oscal_id', 'label', 'parent_label', 'sort_key'])
      .where('catalog_id', '=', catalogId)
      .orderBy('sort_key')
      .orderBy('id')
      .execute();
  }

  // Profiles.

  profileByUuid(uuid: string): Promise<ProfileRow | undefined> {
    return this.db.selectFrom('control_profiles').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  }

  profileById(id: string): Promise<ProfileRow | undefined> {
    return this.db.selectFrom('control_profiles').selectAll().where('id', '=', id).executeTakeFirst();
  }

  profiles(): Promise<ProfileRow[]> {
    return this.db.selectFrom('control_profiles').selectAll().orderBy('title').orderBy('id').execute();
  }

  async insertProfile(row: ProfileRow): Promise<void> {
    await this.db.insertInto('control_profiles').values(row).execute();
  }

  async updateProfile(id: string, values: Partial<ProfileRow>): Promise<void> {
    await this.db.updateTable('control_profiles').set(values).where('id', '=', id).execute();
  }

  async replaceMembers(profileId: string, rows: Array<{ profile_id: string; control_id: string; label: string; props: string }>): Promise<void> {
    await this.db.deleteFrom('control_profile_members').where('profile_id', '=', profileId).execute();
    await insertJsonRows(this.db, 'control_profile_members', rows);
  }

  /** Profiles whose members changed count: a catalog re-import may have removed some. */
  async recountProfiles(): Promise<void> {
    await this.db
      .updateTable('control_profiles')
      .set({ control_count: sql<number>`(select count(*) from control_profile_members m where m.profile_id = control_profiles.id)` })
      .execute();
  }

  // Reading controls.

  async list(filter: ControlFilter, cursor: CursorPosition | null, limit: number): Promise<ControlRow[]> {
    let query = this.db.selectFrom('controls').select(CONTROL_COLUMNS.map((c) => `controls.${c}` as const));
    if (filter.q) query = query.where('controls.search_text', 'like', sql<string>`${likePattern(filter.q)} escape '\\'`);
    if (filter.family) query = query.where('controls.family', '=', filter.family.toUpperCase());
    if (!filter.withdrawn) query = query.where('controls.withdrawn', '=', 0);
    if (filter.profileId) {
      const profileId = filter.profileId;
      query = query.where(({ exists, selectFrom }) =>
        exists(selectFrom('control_profile_members as m').select('m.control_id').where('m.profile_id', '=', profileId).whereRef('m.control_id', '=', 'controls.id')),
      );
    }
    if (cursor) {
      const key = String(cursor.key);
      query = query.where((eb) => eb.or([eb('controls.sort_key', '>', key), eb.and([eb('controls.sort_key', '=', key), eb('controls.id', '>', cursor.id)])]));
    }
    return query.orderBy('controls.sort_key').orderBy('controls.id').limit(limit + 1).execute();
  }

  /** Controls with one of these labels (or OSCAL ids), newest catalog first. */
  byLabels(labels: string[]): Promise<ControlRow[]> {
    if (!labels.length) return Promise.resolve([]);
    return this.db
      .selectFrom('controls')
      .innerJoin('control_catalogs', 'control_catalogs.id', 'controls.catalog_id')
      .select(CONTROL_COLUMNS.map((c) => `controls.${c}` as const))
      .where((eb) => eb.or([eb('controls.label', 'in', labels), eb('controls.oscal_id', 'in', labels)]))
      .orderBy('control_catalogs.updated_at', 'desc')
      .orderBy('controls.id')
      .execute();
  }

  enhancements(catalogId: string, label: string): Promise<Array<{ label: string; title: string; withdrawn: number }>> {
    return this.db
      .selectFrom('controls')
      .select(['label', 'title', 'withdrawn'])
      .where('catalog_id', '=', catalogId)
      .where('parent_label', '=', label)
      .orderBy('sort_key')
      .execute();
  }

  memberships(controlIds: string[]): Promise<Membership[]> {
    if (!controlIds.length) return Promise.resolve([]);
    return this.db
      .selectFrom('control_profile_members as m')
      .innerJoin('control_profiles as p', 'p.id', 'm.profile_id')
      .select(['m.control_id', 'm.profile_id', 'p.title as profile_title', 'm.props'])
      .where('m.control_id', 'in', controlIds)
      .orderBy('p.title')
      .execute();
  }

  families(): Promise<Array<{ family: string; family_title: string; controls: number }>> {
    return this.db
      .selectFrom('controls')
      .select(['family', 'family_title', sql<number>`count(*)`.as('controls')])
      .where('withdrawn', '=', 0)
      .groupBy(['family', 'family_title'])
      .orderBy('family')
      .execute();
  }
}
