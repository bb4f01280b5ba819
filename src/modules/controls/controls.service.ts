import type { Kysely } from 'kysely';
import { recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { notFound, validationError } from '../../platform/errors.js';
import { decodeCursor, toPage, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { searchText } from '../../platform/search-text.js';
import { parseOscal, type OscalProp, type ParsedCatalog, type ParsedImport, type ParsedProfile } from '../oscal/oscal.parse.js';
import { resolveImport } from '../oscal/oscal.resolve.js';
import { ControlRepository, type CatalogRow, type ControlRow, type Membership, type ProfileRow } from './controls.repository.js';
import type { Catalog, Control, ControlDetail, ImportResult, ListControlsQueryType, Profile, ProfileImportInfo } from './controls.schemas.js';
import type { ControlsTable } from './controls.tables.js';

/** Namespace of the props Thirdwatch's own OSCAL content adds (content/oscal). */
export const THIRDWATCH_NS = 'https://thirdwatch.dev/ns/oscal';
/** Prop names in that namespace: the SP 800-161r1 level(s) of a control and the ISO/IEC 27036 clauses it maps to. */
export const LEVEL_PROP = 'sp800-161-level';
export const ISO27036_PROP = 'iso27036-clause';

export class ControlService {
  constructor(private readonly db: Kysely<DB>) {}

  private repo(executor: Executor = this.db) {
    return new ControlRepository(executor);
  }

  /**
   * Imports an OSCAL catalog or profile. A catalog with the uuid of one imported before updates it
   * in place (controls keep their ids; controls it no longer holds are removed). A profile is
   * resolved against imported catalogs; an import naming no imported catalog, or an id the catalog
   * lacks, is a 400 naming the field, and nothing is stored.
   */
  async import(input: string | Uint8Array, options: { sourceName?: string }, ctx: RequestContext): Promise<ImportResult> {
    const document = parseOscal(input);
    const sourceName = options.sourceName ? baseName(options.sourceName) : null;
    return document.kind === 'catalog' ? this.importCatalog(document.catalog, sourceName, ctx) : this.importProfile(document.profile, sourceName, ctx);
  }

  private async importCatalog(catalog: ParsedCatalog, sourceName: string | null, ctx: RequestContext): Promise<ImportResult> {
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const now = new Date().toISOString();
      const before = await repo.catalogByUuid(catalog.uuid);
      const id = before?.id ?? newId();
      const row: CatalogRow = {
        id,
        uuid: catalog.uuid,
        title: catalog.title,
        version: catalog.version,
        oscal_version: catalog.oscalVersion,
        source_name: sourceName ?? before?.source_name ?? null,
        control_count: catalog.controls.length,
        imported_by: ctx.actor.name,
        created_at: before?.created_at ?? now,
        updated_at: now,
      };
      if (before) await repo.updateCatalog(id, row);
      else await repo.insertCatalog(row);
      await repo.upsertControls(catalog.controls.map((c): ControlsTable => ({
        id: newId(),
        catalog_id: id,
        oscal_id: c.oscalId,
        label: c.label,
        title: c.title,
        family: c.family,
        family_title: c.familyTitle,
        parent_label: c.parentLabel,
        sort_key: c.sortKey,
        withdrawn: c.withdrawn ? 1 : 0,
        statement: c.statement,
        props: JSON.stringify(c.props),
        search_text: searchText([c.label, c.title, c.statement]),
        updated_at: now,
      })));
      const removed = before ? await repo.deleteStaleControls(id, now) : 0;
      if (removed) await repo.recountProfiles();
      const withdrawn = catalog.controls.filter((c) => c.withdrawn).length;
      const summary = { uuid: catalog.uuid, title: catalog.title, version: catalog.version, controls: catalog.controls.length, withdrawn };
      await recordAudit(trx, ctx, {
        action: before ? 'controls.catalog.update' : 'controls.catalog.import',
        entityType: 'control-catalog',
        entityId: id,
        before: before ? { version: before.version, controls: Number(before.control_count) } : undefined,
        after: { ...summary, removed, sourceName: row.source_name },
      });
      return { kind: 'catalog' as const, id, uuid: catalog.uuid, title: catalog.title, created: !before, controls: catalog.controls.length, withdrawn, removed };
    });
  }

  private async importProfile(profile: ParsedProfile, sourceName: string | null, ctx: RequestContext): Promise<ImportResult> {
    return this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const catalogs = await repo.catalogs();
      const members = new Map<string, { label: string; oscalId: string }>();
      const imports: ProfileImportInfo[] = [];
      const unknown: Array<{ field: string; reason: string }> = [];
      for (const imp of profile.imports) {
        const match = matchCatalog(imp, catalogs);
        if (!match) {
          const named = [...imp.names.uuids.map((u) => `uuid ${u}`), ...imp.names.files.map((f) => `file ${f}`), ...imp.names.titles.map((t) => `title "${t}"`)];
          throw validationError(
            `${imp.pointer}/href: ${imp.href} names no imported catalog (looked for ${named.join(', ')}); import that catalog first`,
            [{ field: `${imp.pointer}/href`, reason: `${imp.href} names no imported catalog; import that catalog first` }],
          );
        }
        const entries = await repo.catalogEntries(match.catalog.id);
        const idOfLabel = new Map(entries.map((e) => [e.label, e.oscal_id]));
        const byOscalId = new Map(entries.map((e) => [e.oscal_id, e]));
        const resolution = resolveImport(imp, entries.map((e) => ({ oscalId: e.oscal_id, parentOscalId: e.parent_label ? (idOfLabel.get(e.parent_label) ?? null) : null })));
        for (const u of resolution.unknown) unknown.push({ field: u.field, reason: `${u.id} is not a control of ${match.catalog.title}` });
        for (const oscalId of resolution.selected) {
          const entry = byOscalId.get(oscalId);
          if (entry) members.set(entry.id, { label: entry.label, oscalId });
        }
        imports.push({ href: imp.href, catalogId: match.catalog.id, catalogTitle: match.catalog.title, matchedBy: match.by, controls: resolution.selected.length });
      }
      const selectedIds = new Set([...members.values()].map((m) => m.oscalId));
      for (const controlId of profile.adds.keys()) {
        if (!selectedIds.has(controlId)) unknown.push({ field: '/profile/modify/alters', reason: `alters ${controlId}, which the profile does not select` });
      }
      if (unknown.length) throw validationError(`${unknown[0].field}: ${unknown[0].reason}${unknown.length > 1 ? ` (and ${unknown.length - 1} more)` : ''}`, unknown);

      const now = new Date().toISOString();
      const before = await repo.profileByUuid(profile.uuid);
      const id = before?.id ?? newId();
      const row: ProfileRow = {
        id,
        uuid: profile.uuid,
        title: profile.title,
        version: profile.version,
        oscal_version: profile.oscalVersion,
        source_name: sourceName ?? before?.source_name ?? null,
        imports: JSON.stringify(imports),
        control_count: members.size,
        imported_by: ctx.actor.name,
        created_at: before?.created_at ?? now,
        updated_at: now,
      };
      if (before) await repo.updateProfile(id, row);
      else await repo.insertProfile(row);
      await repo.replaceMembers(id, [...members].map(([controlId, m]) => ({ profile_id: id, control_id: controlId, label: m.label, props: JSON.stringify(profile.adds.get(m.oscalId) ?? []) })));
      await recordAudit(trx, ctx, {
        action: before ? 'controls.profile.update' : 'controls.profile.import',
        entityType: 'control-profile',
        entityId: id,
        before: before ? { version: before.version, controls: Number(before.control_count) } : undefined,
        after: { uuid: profile.uuid, title: profile.title, version: profile.version, controls: members.size, imports, sourceName: row.source_name },
      });
      return { kind: 'profile' as const, id, uuid: profile.uuid, title: profile.title, created: !before, controls: members.size, imports };
    });
  }

  // Reading.

  async list(query: ListControlsQueryType): Promise<PageOf<Control>> {
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor, 'string');
    const profileId = query.profile ? (await this.profile(query.profile)).id : undefined;
    const rows = await this.repo().list({ q: query.q, family: query.family, profileId, withdrawn: query.withdrawn }, cursor, limit);
    const page = toPage(rows, limit, (r) => r.sort_key, (r) => r);
    const memberships = await this.repo().memberships(page.items.map((r) => r.id));
    return { items: page.items.map((r) => presentControl(r, memberships)), nextCursor: page.nextCursor };
  }

  /** A control by label ('SR-4(3)', any case) or OSCAL id ('sr-4.3'); the newest catalog's when several hold it. */
  async get(label: string): Promise<ControlDetail> {
    const [row] = await this.repo().byLabels([...new Set([label, label.toUpperCase(), label.toLowerCase()])]);
    if (!row) throw notFound('control', label);
    const [memberships, enhancements] = await Promise.all([this.repo().memberships([row.id]), this.repo().enhancements(row.catalog_id, row.label)]);
    return {
      ...presentControl(row, memberships),
      statement: row.statement,
      props: JSON.parse(row.props) as OscalProp[],
      enhancements: enhancements.map((e) => ({ label: e.label, title: e.title, withdrawn: Number(e.withdrawn) === 1 })),
    };
  }

  /** Controls by label, for modules that map their content to controls (labels no catalog holds are absent). */
  async byLabels(labels: string[]): Promise<Map<string, Control>> {
    const rows = await this.repo().byLabels([...new Set(labels)]);
    const memberships = await this.repo().memberships(rows.map((r) => r.id));
    const out = new Map<string, Control>();
    for (const row of rows) if (!out.has(row.label)) out.set(row.label, presentControl(row, memberships));
    return out;
  }

  async profiles(): Promise<Profile[]> {
    return (await this.repo().profiles()).map(presentProfile);
  }

  async catalogs(): Promise<Catalog[]> {
    return (await this.repo().catalogs()).map((r) => ({
      id: r.id,
      uuid: r.uuid,
      title: r.title,
      version: r.version,
      oscalVersion: r.oscal_version,
      sourceName: r.source_name,
      controlCount: Number(r.control_count),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async families(): Promise<Array<{ family: string; title: string; controls: number }>> {
    return (await this.repo().families()).map((f) => ({ family: f.family, title: f.family_title, controls: Number(f.controls) }));
  }

  /** A profile by id or OSCAL uuid. */
  private async profile(idOrUuid: string): Promise<ProfileRow> {
    const repo = this.repo();
    const row = (await repo.profileById(idOrUuid)) ?? (await repo.profileByUuid(idOrUuid.toLowerCase()));
    if (!row) throw notFound('profile', idOrUuid);
    return row;
  }
}

function baseName(name: string): string {
  return name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1).toLowerCase();
}

const fold = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/** The imported catalog an import names: by uuid first, then by file name, then by title (newest first). */
function matchCatalog(imp: ParsedImport, catalogs: CatalogRow[]): { catalog: CatalogRow; by: 'uuid' | 'file' | 'title' } | null {
  const newest = [...catalogs].sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1));
  const byUuid = newest.find((c) => imp.names.uuids.includes(c.uuid));
  if (byUuid) return { catalog: byUuid, by: 'uuid' };
  const byFile = newest.find((c) => c.source_name !== null && imp.names.files.includes(c.source_name));
  if (byFile) return { catalog: byFile, by: 'file' };
  const titles = imp.names.titles.map(fold);
  const byTitle = newest.find((c) => titles.includes(fold(c.title)));
  return byTitle ? { catalog: byTitle, by: 'title' } : null;
}

function presentControl(row: ControlRow, memberships: Membership[]): Control {
  const profiles = memberships.filter((m) => m.control_id === row.id).map((m) => ({ id: m.profile_id, title: m.profile_title, props: JSON.parse(m.props) as OscalProp[] }));
  const ours = (name: string) => [...new Set(profiles.flatMap((p) => p.props.filter((x) => x.ns === THIRDWATCH_NS && x.name === name).map((x) => x.value)))];
  return {
    id: row.id,
    catalogId: row.catalog_id,
    label: row.label,
    oscalId: row.oscal_id,
    title: row.title,
    family: row.family,
    familyTitle: row.family_title,
    parent: row.parent_label,
    withdrawn: Number(row.withdrawn) === 1,
    sp800161Levels: ours(LEVEL_PROP),
    iso27036: ours(ISO27036_PROP),
    profiles,
  };
}

function presentProfile(row: ProfileRow): Profile {
  return {
    id: row.id,
    uuid: row.uuid,
    title: row.title,
    version: row.version,
    oscalVersion: row.oscal_version,
    sourceName: row.source_name,
    controlCount: Number(row.control_count),
    imports: JSON.parse(row.imports) as ProfileImportInfo[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
