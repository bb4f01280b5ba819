import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { canonicalJson, recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { AppError, notFound } from '../../platform/errors.js';
import { findUnstorable } from '../../platform/text.js';
import { decodeCursor, encodeCursor, type PageOf } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import { chunks } from '../matching/bulk.js';
import { keyOf } from '../matching/matching.keys.js';
import { MatchingRepository } from '../matching/matching.repository.js';
import type { Matcher, MatchStats } from '../matching/matching.service.js';
import { canonicalEcosystem, normalizeName } from '../sboms/sboms.identity.js';
import { cvesOf, groupAttributes, idKey, resolveGroups, riskChanged, type MemberRow } from './advisories.groups.js';
import { presentAdvisory, presentAdvisoryDetail } from './advisories.mappers.js';
import { AdvisoryRepository } from './advisories.repository.js';
import type { Advisory, AdvisoryDetail, ListAdvisoriesQueryType } from './advisories.schemas.js';
import type { AdvisoriesTable, AdvisoryGroupsTable, AdvisoryPackagesTable, EpssScoresTable, KevEntriesTable } from './advisories.tables.js';
import { checkAdvisory, type ValidAdvisory } from './advisories.validate.js';
import { cpeIndexRows, type EpssScore, type KevEntry, type NormalizedAdvisory, type RecordError } from './parsers/index.js';

/** Records written per transaction: each record's rows are in one transaction with the rest of its batch. */
export const IMPORT_BATCH = 500;

/** Rows changed by one import from which the planner statistics are refreshed (see AdvisoryRepository.analyze). */
export const ANALYZE_AFTER = 5_000;

export interface FindingCounts {
  created: number;
  updated: number;
  closed: number;
  reopened: number;
}

/** The feed import answer (DESIGN §4), with what matching did on top. */
export interface ImportReport {
  imported: number;
  updated: number;
  skipped: number;
  errors: RecordError[];
  findings: FindingCounts;
  /** The matching work the import caused: keys looked up in the component index, components re-evaluated. */
  matching: { keys: number; componentsExamined: number };
}

/**
 * Called between batches, outside any transaction, with records done of total (null while a
 * stream's size is unknown). It may throw to stop the import (a cancelled job): the batches
 * written stay, each whole.
 */
export type BatchCheckpoint = (done: number, total: number | null) => Promise<void>;

export const emptyReport = (): ImportReport => ({ imported: 0, updated: 0, skipped: 0, errors: [], findings: { created: 0, updated: 0, closed: 0, reopened: 0 }, matching: { keys: 0, componentsExamined: 0 } });

export function addStats(report: ImportReport, stats: MatchStats): void {
  report.findings.created += stats.created;
  report.findings.updated += stats.updated;
  report.findings.closed += stats.closed;
  report.findings.reopened += stats.reopened;
  report.matching.keys += stats.keys;
  report.matching.componentsExamined += stats.componentsExamined;
}

const sha256 = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');

/** What changed in the groups a write touched. */
interface GroupRefresh {
  riskChanged: string[];
  withdrawn: Set<string>;
}

/**
 * Advisory records, KEV and EPSS into the database; the groups, the matching index and the
 * findings follow in the same transactions. Records arrive in batches (a streamed all.zip is never
 * held whole): each batch is one transaction, and should one fail on write, its records are
 * retried one per transaction so that only the bad record is reported and nothing of it is kept.
 */
export class AdvisoryService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly matcher: Matcher,
  ) {}

  private repo(executor: Executor = this.db) {
    return new AdvisoryRepository(executor);
  }

  /** Imports normalised advisories (OSV, CSAF) in batches; `origin` records where they came from. */
  async importAdvisories(records: NormalizedAdvisory[], origin: string | null, ctx: RequestContext, report: ImportReport = emptyReport(), checkpoint?: BatchCheckpoint): Promise<ImportReport> {
    const before = report.imported + report.updated;
    let done = 0;
    for (const batch of chunks(records, IMPORT_BATCH)) {
      await this.importBatch(batch, origin, ctx, report);
      done += batch.length;
      await checkpoint?.(done, records.length);
    }
    await this.afterBulk(report.imported + report.updated - before);
    return report;
  }

  /** After a large import: planner statistics of the advisory tables. */
  async afterBulk(changed: number): Promise<void> {
    if (changed >= ANALYZE_AFTER) await this.repo().analyze(['advisories', 'advisory_packages', 'advisory_ids', 'advisory_groups']);
  }

  async importBatch(records: NormalizedAdvisory[], origin: string | null, ctx: RequestContext, report: ImportReport): Promise<void> {
    const valid: ValidAdvisory[] = [];
    for (const record of records) {
      const checked = checkAdvisory(record);
      if ('error' in checked) {
        report.errors.push({ record: record.id, reason: checked.error });
        continue;
      }
      // Text that cannot be stored as written is refused (naming the field), never altered.
      const unstorable = findUnstorable(checked.advisory);
      if (unstorable) report.errors.push({ record: record.id, reason: `${unstorable.field}: ${unstorable.reason}` });
      else valid.push(checked);
    }
    // The same record twice in one batch: the newer one counts.
    const byKey = new Map<string, ValidAdvisory>();
    for (const v of valid) {
      const key = `${v.advisory.source}\u0000${v.advisory.id}`;
      const seen = byKey.get(key);
      if (seen && Date.parse(seen.advisory.modified) > Date.parse(v.advisory.modified)) {
        report.skipped++;
        continue;
      }
      if (seen) report.skipped++;
      byKey.set(key, v);
    }
    const unique = [...byKey.values()];
    if (!unique.length) return;
    const local = emptyReport();
    try {
      await this.db.transaction().execute((trx) => this.writeBatch(trx, unique, origin, ctx, local));
    } catch (error) {
      // A database that is away or busy is not a bad record: the import fails as a whole.
      if (isUnavailable(error)) throw error;
      if (unique.length === 1) {
        // Our own refusals say why; a database's message is its own text and never reaches a client.
        const why = error instanceof AppError ? `: ${error.message.slice(0, 300)}` : ' (the database refused it)';
        report.errors.push({ record: unique[0].advisory.id, reason: `could not be stored${why}` });
        return;
      }
      for (const one of unique) await this.importBatch([one.advisory], origin, ctx, report);
      return;
    }
    report.imported += local.imported;
    report.updated += local.updated;
    report.skipped += local.skipped;
    report.errors.push(...local.errors);
    for (const key of Object.keys(local.findings) as Array<keyof FindingCounts>) report.findings[key] += local.findings[key];
    report.matching.keys += local.matching.keys;
    report.matching.componentsExamined += local.matching.componentsExamined;
  }

  private async writeBatch(trx: Executor, batch: ValidAdvisory[], origin: string | null, ctx: RequestContext, report: ImportReport): Promise<void> {
    const repo = this.repo(trx);
    // Alias groups are read, merged and written here: one feed writer at a time (see lockMatching).
    await new MatchingRepository(trx).lockMatching('exclusive');
    const now = new Date().toISOString();
    const existing = new Map<string, Awaited<ReturnType<AdvisoryRepository['existing']>>[number]>();
    const bySource = new Map<string, string[]>();
    for (const { advisory } of batch) {
      let ids = bySource.get(advisory.source);
      if (!ids) bySource.set(advisory.source, (ids = []));
      ids.push(advisory.id);
    }
    for (const [source, ids] of bySource) for (const row of await repo.existing(source, ids)) existing.set(`${source}\u0000${row.external_id}`, row);

    type Write = ValidAdvisory & { hash: string; previous: (typeof existing extends Map<string, infer V> ? V : never) | null };
    const writes: Write[] = [];
    for (const v of batch) {
      const { source, ...content } = v.advisory;
      void source;
      const hash = sha256(content);
      const previous = existing.get(`${v.advisory.source}\u0000${v.advisory.id}`) ?? null;
      if (previous && (previous.content_hash === hash || Date.parse(v.advisory.modified) < Date.parse(previous.modified))) {
        report.skipped++;
        continue;
      }
      writes.push({ ...v, hash, previous });
    }
    if (!writes.length) return;

    // Alias groups: union-find over the batch's ids and aliases and the groups they already have.
    const identifiers = [...new Set(writes.flatMap((w) => [w.advisory.id, ...w.advisory.aliases].map(idKey)))];
    const mapped = await repo.groupsOfIdentifiers(identifiers);
    const resolution = resolveGroups(
      writes.map((w) => ({ ids: [w.advisory.id, ...w.advisory.aliases], currentGroup: w.previous?.group_id ?? null })),
      mapped,
    );
    for (const merge of resolution.merges) await repo.mergeGroup(merge.from, merge.into, now);

    const idRows = new Map<string, string>();
    writes.forEach((w, i) => {
      for (const id of [w.advisory.id, ...w.advisory.aliases]) idRows.set(idKey(id), resolution.groupOf[i]);
    });
    await repo.upsertIdentifiers([...idRows].map(([identifier, group_id]) => ({ identifier, group_id })));

    const touchedKeys = new Set<string>();
    const changed = writes.filter((w) => w.previous);
    for (const row of await repo.packagesOf(changed.map((w) => w.previous!.id))) touchedKeys.add(keyOf(row.ecosystem, row.package_name));
    await repo.deletePackages(changed.map((w) => w.previous!.id));

    const inserts: AdvisoriesTable[] = [];
    const packages: AdvisoryPackagesTable[] = [];
    for (const [i, w] of writes.entries()) {
      const a = w.advisory;
      const groupId = resolution.groupOf[i];
      const id = w.previous?.id ?? newId();
      const rating = recordRating(a);
      const row: AdvisoriesTable = {
        id,
        group_id: groupId,
        external_id: a.id,
        source: a.source,
        origin,
        summary: a.summary,
        details: a.details,
        aliases: JSON.stringify(a.aliases),
        published: a.published,
        modified: a.modified,
        withdrawn: a.withdrawn,
        severity: JSON.stringify(a.severity),
        cvss_score: rating.cvss?.baseScore ?? null,
        cvss_vector: rating.cvss?.vector ?? null,
        cvss_version: rating.cvss?.version ?? null,
        severity_rating: rating.cvss?.rating ?? null,
        cvss_type: rating.type,
        malicious: a.malicious ? 1 : 0,
        reference_urls: JSON.stringify(a.references),
        affected: JSON.stringify(a.affected),
        cwes: a.cwes ? JSON.stringify(a.cwes) : null,
        cvss_metrics: a.cvssMetrics ? JSON.stringify(a.cvssMetrics) : null,
        nvd_status: a.nvdStatus ?? null,
        kev_date_added: a.kev?.dateAdded ?? null,
        kev_due_date: a.kev?.actionDue ?? null,
        kev_required_action: a.kev?.requiredAction ?? null,
        kev_name: a.kev?.vulnerabilityName ?? null,
        cpe_configurations: a.cpeConfigurations ? JSON.stringify(a.cpeConfigurations) : null,
        content_hash: w.hash,
        imported_at: now,
        updated_at: now,
      };
      if (w.previous) {
        const { id: _id, imported_at: _imported, ...changes } = row;
        void _id;
        void _imported;
        await repo.updateAdvisory(id, changes);
        report.updated++;
      } else {
        inserts.push(row);
        report.imported++;
      }
      if (a.withdrawn) continue;
      a.affected.forEach((entry, idx) => {
        const key = w.keys[idx];
        touchedKeys.add(keyOf(key.ecosystem, key.packageName));
        packages.push({
          advisory_id: id,
          idx,
          group_id: groupId,
          external_id: a.id,
          ecosystem: key.ecosystem,
          ecosystem_release: key.release,
          package_name: key.packageName,
          raw_ecosystem: entry.ecosystem,
          raw_name: entry.name,
          purl: entry.purl,
          versions: JSON.stringify(entry.versions),
          ranges: JSON.stringify(entry.ranges),
          fixed: JSON.stringify(fixedOf(entry.ranges)),
        });
      });
      // NVD CPE criteria: the same index, ecosystem 'cpe', one row per vendor:product key with its
      // criteria as ranges (each evaluated with evaluateCpeEntry). The parser has checked their limits.
      cpeIndexRows(a.cpeConfigurations ?? [], a.id).forEach(({ key, payloads }, k) => {
        touchedKeys.add(keyOf('cpe', key));
        const fixed = [...new Set(payloads.flatMap((p) => (p.criterion.versionEndExcluding === undefined ? [] : [p.criterion.versionEndExcluding])))];
        packages.push({
          advisory_id: id,
          idx: a.affected.length + k,
          group_id: groupId,
          external_id: a.id,
          ecosystem: 'cpe',
          ecosystem_release: null,
          package_name: key,
          raw_ecosystem: 'cpe',
          raw_name: payloads[0].criterion.criteria,
          purl: null,
          versions: '[]',
          ranges: JSON.stringify(payloads),
          fixed: JSON.stringify(fixed),
        });
      });
    }
    await repo.insertAdvisories(inserts);
    await repo.insertPackages(packages);

    const touchedGroups = new Set(resolution.groupOf);
    if (resolution.merges.length) {
      // A merged group's findings moved as they were; the survivor's whole key set is re-evaluated.
      for (const row of await repo.packageKeysOfGroups(resolution.merges.map((m) => m.into))) touchedKeys.add(keyOf(row.ecosystem, row.package_name));
    }
    const refresh = await this.refreshGroups(trx, [...touchedGroups], resolution.created);
    const stats = await this.matcher.matchAdvisoryChanges(trx, { groups: touchedGroups, keys: touchedKeys, withdrawnGroups: refresh.withdrawn }, ctx);
    addStats(report, stats);
    // A finding's rating may be its own matched record's rather than the group's (findingRating):
    // the findings of every group a record joined, changed or left are rated again, not only of
    // groups whose own rating moved. The groups created here have only the findings just made.
    const rerate = new Set([...touchedGroups].filter((g) => !resolution.created.has(g)));
    for (const g of refresh.riskChanged) rerate.add(g);
    report.findings.updated += await this.matcher.refreshPriorities(trx, [...rerate]);
    await recordAudit(trx, ctx, {
      action: 'advisories.import',
      entityType: 'feed',
      entityId: [...bySource.keys()].join(',').slice(0, 200),
      after: {
        origin,
        imported: writes.filter((w) => !w.previous).map((w) => w.advisory.id).slice(0, 200),
        updated: writes.filter((w) => w.previous).map((w) => w.advisory.id).slice(0, 200),
        counts: { imported: report.imported, updated: report.updated, skipped: report.skipped, groupsMerged: resolution.merges.length },
        findings: report.findings,
      },
    });
  }

  /**
   * Recomputes the derived columns of groups from their members, KEV and EPSS; inserts the groups
   * created by this write. Answers which groups' prioritisation inputs changed.
   */
  async refreshGroups(trx: Executor, groupIds: string[], created: Set<string> = new Set()): Promise<GroupRefresh> {
    const repo = this.repo(trx);
    const result: GroupRefresh = { riskChanged: [], withdrawn: new Set() };
    if (!groupIds.length) return result;
    const members = new Map<string, MemberRow[]>();
    for (const m of await repo.members(groupIds)) {
      let list = members.get(m.group_id);
      if (!list) members.set(m.group_id, (list = []));
      list.push(m);
    }
    const memberless = groupIds.filter((g) => !members.has(g));
    const extraIds = memberless.length ? await repo.identifiersOfGroups(memberless) : new Map<string, string[]>();
    const cves = [
      ...new Set([...[...members.values()].flatMap((list) => cvesOf(list.flatMap((m) => [m.external_id, ...(JSON.parse(m.aliases) as string[])]))), ...cvesOf([...extraIds.values()].flat())]),
    ];
    const [kev, epss, current] = await Promise.all([repo.kevFor(cves), repo.epssFor(cves), repo.groups(groupIds.filter((g) => !created.has(g)))]);
    const currentById = new Map(current.map((g) => [g.id, g]));
    const now = new Date().toISOString();
    const inserts: AdvisoryGroupsTable[] = [];
    for (const groupId of groupIds) {
      const list = members.get(groupId) ?? [];
      const attributes = groupAttributes(list, kev, epss, extraIds.get(groupId));
      if (attributes.withdrawn) result.withdrawn.add(groupId);
      const before = currentById.get(groupId);
      if (!before) {
        inserts.push({ id: groupId, ...attributes, merged_into: null, created_at: now, updated_at: now });
        continue;
      }
      const changes = Object.fromEntries(Object.entries(attributes).filter(([k, v]) => !sameValue(before[k as keyof AdvisoryGroupsTable], v)));
      if (!Object.keys(changes).length) continue;
      if (riskChanged(before, attributes)) result.riskChanged.push(groupId);
      await repo.updateGroup(groupId, { ...changes, updated_at: now });
    }
    await repo.insertGroups(inserts);
    return result;
  }

  /** The CISA KEV catalog: entries upserted by content, then the groups of their CVEs refreshed. */
  async importKev(entries: KevEntry[], meta: Record<string, string> | undefined, ctx: RequestContext, report: ImportReport = emptyReport(), checkpoint?: BatchCheckpoint): Promise<ImportReport> {
    let done = 0;
    for (const batch of chunks(entries, IMPORT_BATCH)) {
      await this.db.transaction().execute(async (trx) => {
        const repo = this.repo(trx);
        await new MatchingRepository(trx).lockMatching('exclusive');
        const now = new Date().toISOString();
        const existing = await repo.kevExisting(batch.map((e) => e.cveId));
        const rows: KevEntriesTable[] = [];
        for (const e of batch) {
          const hash = sha256(e);
          const before = existing.get(e.cveId);
          if (before === hash) {
            report.skipped++;
            continue;
          }
          if (before === undefined) report.imported++;
          else report.updated++;
          rows.push({
            cve_id: e.cveId,
            vendor_project: e.vendorProject,
            product: e.product,
            name: e.name,
            date_added: e.dateAdded,
            due_date: e.dueDate,
            ransomware: e.knownRansomwareCampaignUse,
            short_description: e.shortDescription,
            required_action: e.requiredAction,
            catalog_version: meta?.catalogVersion ?? null,
            content_hash: hash,
            imported_at: now,
            updated_at: now,
          });
        }
        if (!rows.length) return;
        await repo.upsertKev(rows);
        await this.refreshGroupsOfCves(trx, rows.map((r) => r.cve_id), report);
        await this.matchKevNames(trx, rows, ctx, report);
        await recordAudit(trx, ctx, { action: 'kev.import', entityType: 'feed', entityId: 'kev', after: { catalogVersion: meta?.catalogVersion ?? null, cves: rows.map((r) => r.cve_id).slice(0, 200), changed: rows.length } });
      });
      done += batch.length;
      await checkpoint?.(done, entries.length);
    }
    if (report.imported + report.updated >= ANALYZE_AFTER) await this.repo().analyze(['kev_entries']);
    return report;
  }

  /** FIRST EPSS scores with their model version and score date; groups of changed CVEs refreshed. */
  async importEpss(scores: EpssScore[], meta: Record<string, string> | undefined, ctx: RequestContext, report: ImportReport = emptyReport(), checkpoint?: BatchCheckpoint): Promise<ImportReport> {
    const model = meta?.modelVersion ?? null;
    const scoreDate = meta?.scoreDate ?? null;
    let done = 0;
    for (const batch of chunks(scores, 2000)) {
      await this.db.transaction().execute(async (trx) => {
        const repo = this.repo(trx);
        await new MatchingRepository(trx).lockMatching('exclusive');
        const now = new Date().toISOString();
        const existing = await repo.epssExisting(batch.map((s) => s.cve));
        const rows: EpssScoresTable[] = [];
        for (const s of batch) {
          const before = existing.get(s.cve);
          if (before && Number(before.epss) === s.epss && Number(before.percentile) === s.percentile && before.model_version === model && before.score_date === scoreDate) {
            report.skipped++;
            continue;
          }
          if (before) report.updated++;
          else report.imported++;
          rows.push({ cve: s.cve, epss: s.epss, percentile: s.percentile, model_version: model, score_date: scoreDate, updated_at: now });
        }
        if (!rows.length) return;
        await repo.upsertEpss(rows);
        await this.refreshGroupsOfCves(trx, rows.map((r) => r.cve), report);
        await recordAudit(trx, ctx, { action: 'epss.import', entityType: 'feed', entityId: 'epss', after: { modelVersion: model, scoreDate, changed: rows.length } });
      });
      done += batch.length;
      await checkpoint?.(done, scores.length);
    }
    if (report.imported + report.updated >= ANALYZE_AFTER) await this.repo().analyze(['epss_scores']);
    return report;
  }

  /**
   * KEV entries that name a vendor's product (matching.kev.ts) flag its current SBOMs when no record
   * of their CVE has package data to match by. A CVE no record names yet gets a group of its own
   * (its id mapped, no records) so that its findings have an advisory; a record that names it later
   * joins that group.
   */
  private async matchKevNames(trx: Executor, rows: KevEntriesTable[], ctx: RequestContext, report: ImportReport): Promise<void> {
    const named = await this.matcher.productsNamedByKev(trx, rows);
    if (!named.size) return;
    const repo = this.repo(trx);
    const mapped = await repo.groupsOfIdentifiers([...named.keys()].map(idKey));
    const created: Array<{ identifier: string; group_id: string }> = [];
    for (const cve of named.keys()) if (!mapped.has(idKey(cve))) created.push({ identifier: idKey(cve), group_id: newId() });
    if (created.length) {
      await repo.upsertIdentifiers(created);
      await this.refreshGroups(trx, created.map((c) => c.group_id), new Set(created.map((c) => c.group_id)));
      for (const c of created) mapped.set(c.identifier, c.group_id);
    }
    const matches = [...named].map(([cve, { entry, productIds }]) => ({ groupId: mapped.get(idKey(cve))!, entry, productIds }));
    addStats(report, await this.matcher.matchKevNames(trx, matches, ctx));
  }

  private async refreshGroupsOfCves(trx: Executor, cves: string[], report: ImportReport): Promise<void> {
    const groups = [...new Set((await this.repo(trx).groupsOfIdentifiers(cves.map(idKey))).values())];
    if (!groups.length) return;
    const refresh = await this.refreshGroups(trx, groups);
    const changed = await this.matcher.refreshPriorities(trx, refresh.riskChanged);
    report.findings.updated += changed;
  }

  // Reading.

  async list(query: ListAdvisoriesQueryType): Promise<PageOf<Advisory>> {
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor, 'string');
    const ecosystem = query.ecosystem ? canonicalEcosystem(query.ecosystem) : undefined;
    const rows = await this.repo().list(
      {
        q: query.q,
        ecosystem,
        packageName: query.package !== undefined ? normalizeName(ecosystem ?? 'generic', query.package) : undefined,
        kev: query.kev,
        malicious: query.malicious,
        severity: query.severity,
        withdrawn: query.withdrawn,
      },
      cursor,
      limit,
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return { items: page.map(presentAdvisory), nextCursor: more && last ? encodeCursor({ key: last.id, id: last.id }) : null };
  }

  async get(idOrAlias: string): Promise<AdvisoryDetail> {
    const repo = this.repo();
    const group = await repo.resolveGroup(idOrAlias);
    if (!group) throw notFound('advisory', idOrAlias);
    const [members, packages, counts] = await Promise.all([repo.membersOf(group.id), repo.packagesOfGroup(group.id), repo.findingCounts(group.id)]);
    const kev = await repo.kevEntry(cvesOf(JSON.parse(group.identifiers) as string[]));
    return presentAdvisoryDetail(group, members, packages, kev, counts);
  }

  /** The group of an id, alias or group id (following merges), for other modules. */
  resolveGroup(idOrAlias: string) {
    return this.repo().resolveGroup(idOrAlias);
  }

  totals() {
    return this.repo().totals();
  }
}

const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006', '53300', 'SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_IOERR']);

function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && UNAVAILABLE.has(code);
}

/** Stored and computed values compare equal across engines (PostgreSQL may answer numbers as text). */
function sameValue(stored: unknown, computed: unknown): boolean {
  if (stored === undefined || stored === null) return computed === null;
  if (typeof computed === 'number') return Number(stored) === computed;
  return stored === computed;
}

/**
 * The rating a record is stored with: the CVSS its parser chose, and, for a record that lists its
 * metrics with who assessed them (NVD), whether that one is the publisher's own assessment
 * ('Primary') or one it relays ('Secondary'): group ratings trust the former first (ratingTrust).
 */
export function recordRating(a: NormalizedAdvisory): { cvss: NormalizedAdvisory['cvss']; type: string | null } {
  const { cvss } = a;
  const metric = cvss ? a.cvssMetrics?.find((m) => m.vector === cvss.vector && m.version === cvss.version) : undefined;
  return { cvss, type: metric?.type ?? null };
}

function fixedOf(ranges: NormalizedAdvisory['affected'][number]['ranges']): string[] {
  const out: string[] = [];
  for (const range of ranges) {
    if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') continue;
    for (const event of range.events) if (event.fixed !== undefined && !out.includes(event.fixed)) out.push(event.fixed);
  }
  return out;
}
