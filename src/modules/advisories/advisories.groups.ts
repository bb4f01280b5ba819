// Alias groups: union-find over advisory ids and aliases, and the attributes a group derives from
// its members, the KEV catalog and EPSS. Pure; the service feeds it rows and writes the result.
import { newId } from '../../platform/ids.js';
import { searchText } from '../../platform/search-text.js';
import type { AdvisoryGroupsTable } from './advisories.tables.js';

/** Ids are matched case-insensitively: 'GHSA-abcd-…' and 'ghsa-ABCD-…' are one advisory. */
export const idKey = (id: string): string => id.trim().toUpperCase();

export interface GroupInput {
  /** The record's id and aliases. */
  ids: string[];
  /** The group the record is in already (an update), if any. */
  currentGroup: string | null;
}

export interface GroupResolution {
  /** The group of each input, in input order. */
  groupOf: string[];
  created: Set<string>;
  /** Groups found to be the same vulnerability as an older one: `from` is merged into `into`. */
  merges: Array<{ from: string; into: string }>;
}

class UnionFind {
  private readonly parent = new Map<string, string>();

  find(x: string): string {
    let root = this.parent.get(x);
    if (root === undefined) {
      this.parent.set(x, x);
      return x;
    }
    while (root !== this.parent.get(root)) root = this.parent.get(root)!;
    // Path compression.
    let node = x;
    while (node !== root) {
      const next = this.parent.get(node)!;
      this.parent.set(node, root);
      node = next;
    }
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

const GROUP = '\u0000group:';

/**
 * Joins records that share an id or alias, with each other and with the groups their ids already
 * belong to (`mapped`: identifier key → group). A set of records touching no group gets a new
 * group; touching several, the oldest (smallest UUIDv7) absorbs the others. Group ids therefore
 * never change except by merging into an older one.
 */
export function resolveGroups(inputs: GroupInput[], mapped: Map<string, string>): GroupResolution {
  const uf = new UnionFind();
  inputs.forEach((input, i) => {
    const node = `\u0000record:${i}`;
    for (const id of input.ids) {
      const key = idKey(id);
      uf.union(node, key);
      const group = mapped.get(key);
      if (group) uf.union(node, GROUP + group);
    }
    if (input.currentGroup) uf.union(node, GROUP + input.currentGroup);
  });
  const groupsOfRoot = new Map<string, Set<string>>();
  const note = (root: string, group: string) => {
    let set = groupsOfRoot.get(root);
    if (!set) groupsOfRoot.set(root, (set = new Set()));
    set.add(group);
  };
  for (const [, group] of mapped) note(uf.find(GROUP + group), group);
  for (const input of inputs) if (input.currentGroup) note(uf.find(GROUP + input.currentGroup), input.currentGroup);

  const created = new Set<string>();
  const merges: GroupResolution['merges'] = [];
  const chosen = new Map<string, string>();
  const groupOf = inputs.map((_, i) => {
    const root = uf.find(`\u0000record:${i}`);
    let group = chosen.get(root);
    if (group) return group;
    const existing = [...(groupsOfRoot.get(root) ?? [])].sort();
    if (existing.length) {
      group = existing[0];
      for (const other of existing.slice(1)) merges.push({ from: other, into: group });
    } else {
      group = newId();
      created.add(group);
    }
    chosen.set(root, group);
    return group;
  });
  return { groupOf, created, merges };
}

export interface MemberRow {
  id: string;
  external_id: string;
  source: string;
  summary: string | null;
  aliases: string;
  published: string | null;
  modified: string;
  withdrawn: string | null;
  cvss_score: number | null;
  cvss_vector: string | null;
  cvss_version: string | null;
  severity_rating: string | null;
  cvss_type: string | null;
  malicious: number;
  /** KEV fields an NVD record carries (cisaExploitAdd, cisaActionDue). */
  kev_date_added?: string | null;
  kev_due_date?: string | null;
}

/** What a rating is chosen by: the member's id, source and CVSS. */
export type RatedMember = Pick<MemberRow, 'external_id' | 'source' | 'cvss_score' | 'cvss_vector' | 'cvss_version' | 'severity_rating' | 'cvss_type'>;

/** Which record a severity came from, as the API and the UI show it. */
export interface SeveritySource {
  advisory: string;
  source: string;
  cvssVersion: string | null;
  vector: string | null;
  score: number | null;
}

/**
 * How much a member's rating is trusted: the NVD's own assessment (its Primary CVSS) first, then
 * GHSA records (reviewed by GitHub) and vendors' CSAF documents, then anything else (a CNA's
 * score the NVD relays, a feed's own). Lower is better.
 */
export function ratingTrust(m: RatedMember): number {
  if (m.source === 'nvd' && m.cvss_type === 'Primary') return 0;
  if (m.source === 'csaf' || /^GHSA-/i.test(m.external_id)) return 1;
  return 2;
}

/** The members with a rating, best first: by ratingTrust, then the highest score, then id. */
export function rankRatings<T extends RatedMember>(members: T[]): T[] {
  const score = (m: T) => (m.cvss_score === null ? -1 : Number(m.cvss_score));
  return members
    .filter((m) => m.severity_rating !== null)
    .sort((a, b) => ratingTrust(a) - ratingTrust(b) || score(b) - score(a) || (a.external_id < b.external_id ? -1 : a.external_id > b.external_id ? 1 : 0));
}

/**
 * The record a finding's rating comes from, given its group's ranked ratings: the best of the
 * records that matched it (its own advisory), else the group's best; undefined when none has one.
 */
export function findingRating<T extends RatedMember>(ranked: T[], matched: ReadonlyArray<{ advisory: string }>): T | undefined {
  if (ranked.length > 1) for (const m of ranked) if (matched.some((x) => x.advisory === m.external_id)) return m;
  return ranked[0];
}

export function severitySourceOf(m: RatedMember): SeveritySource {
  return { advisory: m.external_id, source: m.source, cvssVersion: m.cvss_version, vector: m.cvss_vector, score: m.cvss_score === null ? null : Number(m.cvss_score) };
}

export interface KevRow {
  cve_id: string;
  date_added: string;
  due_date: string | null;
  ransomware: string | null;
}

export interface EpssRow {
  cve: string;
  epss: number;
  percentile: number;
  model_version: string | null;
  score_date: string | null;
}

const CVE = /^CVE-(\d{4})-(\d+)$/i;

function cveOrder(a: string, b: string): number {
  const x = CVE.exec(a)!;
  const y = CVE.exec(b)!;
  return Number(x[1]) - Number(y[1]) || Number(x[2]) - Number(y[2]);
}

/** Every id and alias of the members, first spelling kept, in a stable order. */
export function groupIdentifiers(members: MemberRow[]): string[] {
  const seen = new Map<string, string>();
  for (const m of [...members].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    for (const id of [m.external_id, ...(JSON.parse(m.aliases) as string[])]) {
      const key = idKey(id);
      if (!seen.has(key)) seen.set(key, id);
    }
  }
  return [...seen.values()];
}

export function cvesOf(identifiers: string[]): string[] {
  return identifiers.filter((id) => CVE.test(id)).map(idKey);
}

/** The id people know the group by: its (lowest) CVE, else its (first) GHSA, else its first record's id. */
export function displayId(members: MemberRow[], identifiers: string[]): string {
  const cves = identifiers.filter((id) => CVE.test(id)).map(idKey).sort(cveOrder);
  if (cves.length) return cves[0];
  const ghsas = identifiers.filter((id) => /^GHSA-/i.test(id)).sort();
  if (ghsas.length) return ghsas[0];
  const first = [...members].sort((a, b) => (a.id < b.id ? -1 : 1))[0];
  return first?.external_id ?? identifiers[0] ?? 'unknown';
}

export type GroupAttributes = Omit<AdvisoryGroupsTable, 'id' | 'merged_into' | 'created_at' | 'updated_at'>;

/** `extraIds`: the identifiers of a group with no records (one made for a KEV entry naming a product). */
export function groupAttributes(members: MemberRow[], kev: KevRow[], epss: EpssRow[], extraIds: string[] = []): GroupAttributes {
  const identifiers = groupIdentifiers(members);
  for (const id of extraIds) if (!identifiers.some((known) => idKey(known) === idKey(id))) identifiers.push(id);
  const ordered = [...members].sort((a, b) => (a.id < b.id ? -1 : 1));
  const top = rankRatings(members)[0];
  const cves = new Set(cvesOf(identifiers));
  // A CVE NVD says is in the KEV catalog counts as a catalog entry would, until the catalog itself is imported.
  const listed = new Set(kev.map((k) => idKey(k.cve_id)));
  const fromRecords = members
    .filter((m) => m.kev_date_added && CVE.test(m.external_id) && !listed.has(idKey(m.external_id)))
    .map((m): KevRow => ({ cve_id: m.external_id, date_added: m.kev_date_added!, due_date: m.kev_due_date ?? null, ransomware: null }));
  const kevRows = [...kev, ...fromRecords].filter((k) => cves.has(idKey(k.cve_id)));
  const epssRows = epss.filter((e) => cves.has(idKey(e.cve))).sort((a, b) => Number(b.epss) - Number(a.epss));
  const min = (values: Array<string | null>) => values.filter((v): v is string => !!v).sort()[0] ?? null;
  const max = (values: Array<string | null>) => values.filter((v): v is string => !!v).sort().pop() ?? null;
  const identifiersJson = JSON.stringify(identifiers);
  const summary = ordered.find((m) => m.summary)?.summary ?? null;
  return {
    display_id: displayId(members, identifiers),
    identifiers: identifiersJson,
    summary,
    search_text: searchText([identifiersJson, summary ?? '']),
    severity: top ? top.severity_rating : null,
    cvss_score: top?.cvss_score == null ? null : Number(top.cvss_score),
    cvss_vector: top?.cvss_vector ?? null,
    cvss_version: top?.cvss_version ?? null,
    severity_source: top ? JSON.stringify(severitySourceOf(top)) : null,
    malicious: members.some((m) => Number(m.malicious) === 1) ? 1 : 0,
    withdrawn: members.length > 0 && members.every((m) => m.withdrawn !== null) ? 1 : 0,
    kev: kevRows.length ? 1 : 0,
    kev_date_added: min(kevRows.map((k) => k.date_added)),
    kev_due_date: min(kevRows.map((k) => k.due_date)),
    kev_ransomware: kevRows.some((k) => k.ransomware === 'Known') ? 'Known' : (kevRows[0]?.ransomware ?? null),
    epss: epssRows[0] ? Number(epssRows[0].epss) : null,
    epss_percentile: epssRows[0] ? Number(epssRows[0].percentile) : null,
    epss_model: epssRows[0]?.model_version ?? null,
    epss_date: epssRows[0]?.score_date ?? null,
    published: min(members.map((m) => m.published)),
    modified: max(members.map((m) => m.modified)),
    member_count: members.length,
  };
}

/** Whether what prioritisation reads of a group changed (its rating's source too: findings show it). */
export function riskChanged(before: Pick<AdvisoryGroupsTable, 'severity' | 'severity_source' | 'kev' | 'malicious' | 'epss'>, after: GroupAttributes): boolean {
  return before.severity !== after.severity || (before.severity_source ?? null) !== after.severity_source || Number(before.kev) !== after.kev || Number(before.malicious) !== after.malicious || (before.epss === null ? null : Number(before.epss)) !== after.epss;
}
