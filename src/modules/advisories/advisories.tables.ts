import type { Flag, Json } from '../../platform/db/tables.js';
import type { FindingTables } from '../findings/findings.tables.js';

/**
 * 0004_advisories adds one column to sbom_components: the source package of a distro binary
 * package (the purl `upstream` qualifier), which is what Debian/Ubuntu/Alpine advisories name. It
 * is set by the matching hook right after the SBOM's rows are written, so it is optional here.
 */
declare module '../sboms/sboms.tables.js' {
  interface SbomComponentsTable {
    source_package?: string | null;
  }
}

/**
 * An advisory group: every record that names the same vulnerability (an OSV record, its CVE, its
 * GHSA, a CSAF document about the CVE …) joined by their aliases (union-find). Counting groups
 * never counts a vulnerability twice. A group id is stable: when two groups turn out to be one,
 * the older survives and the younger keeps a pointer to it (merged_into).
 * The other columns are derived from its members, the KEV catalog and EPSS scores.
 */
export interface AdvisoryGroupsTable {
  id: string;
  /** The id people know it by: a CVE when there is one, else a GHSA, else the first record's id. */
  display_id: string;
  /** JSON array of every id and alias of every member. */
  identifiers: Json;
  summary: string | null;
  /** The identifiers and the summary folded for search (searchText), so both engines match alike. */
  search_text: string;
  /**
   * CVSS rating of the best-sourced member (see bestRated: the NVD's own assessment, then GHSA and
   * vendor records, then the rest; the highest score within each): critical, high, medium, low,
   * none; null when no member has one.
   */
  severity: string | null;
  cvss_score: number | null;
  cvss_vector: string | null;
  cvss_version: string | null;
  /** JSON { advisory, source, cvssVersion, vector, score }: the member the rating is from; null with no rating. */
  severity_source: Json | null;
  malicious: Flag;
  /** 1 when every member is withdrawn. */
  withdrawn: Flag;
  kev: Flag;
  kev_date_added: string | null;
  kev_due_date: string | null;
  kev_ransomware: string | null;
  epss: number | null;
  epss_percentile: number | null;
  epss_model: string | null;
  epss_date: string | null;
  published: string | null;
  modified: string | null;
  member_count: number;
  merged_into: string | null;
  created_at: string;
  updated_at: string;
}

/** Every id and alias (upper-cased) → the group it belongs to: the union-find's find(). */
export interface AdvisoryIdsTable {
  identifier: string;
  group_id: string;
}

/**
 * One advisory record as a source published it (provenance: source + origin). (source,
 * external_id) is unique; `modified` and `content_hash` decide whether a re-import changes it.
 */
export interface AdvisoriesTable {
  id: string;
  group_id: string;
  external_id: string;
  source: string;
  origin: string | null;
  summary: string | null;
  details: string | null;
  aliases: Json;
  published: string | null;
  modified: string;
  withdrawn: string | null;
  severity: Json;
  cvss_score: number | null;
  cvss_vector: string | null;
  cvss_version: string | null;
  severity_rating: string | null;
  /** 'Primary' when the rating is the publisher's own assessment (NVD), 'Secondary' when relayed (a CNA's, an ADP's); null for feeds that do not say. */
  cvss_type: string | null;
  malicious: Flag;
  reference_urls: Json;
  /** The affected entries as published, kept for display and re-indexing. */
  affected: Json;
  // NVD records (0017_nvd); null for other sources.
  /** JSON array of CWE ids. */
  cwes: Json | null;
  /** JSON array of every CVSS metric: version, vector, baseScore, rating, source, type (Primary/Secondary). */
  cvss_metrics: Json | null;
  nvd_status: string | null;
  /** CISA KEV fields as NVD copies them (cisaExploitAdd, cisaActionDue, …): they flag the group like a catalog entry. */
  kev_date_added: string | null;
  kev_due_date: string | null;
  kev_required_action: string | null;
  kev_name: string | null;
  /** JSON array of the CPE configurations as published (the index rows are derived from them). */
  cpe_configurations: Json | null;
  content_hash: string;
  imported_at: string;
  updated_at: string;
}

/**
 * The matching index: one row per affected entry of a live (not withdrawn) advisory, keyed by
 * (ecosystem, normalised package name) exactly like sbom_components, with the release suffix of
 * distro ecosystems ('Debian:12') in its own column and the raw versions/ranges for evaluation.
 */
export interface AdvisoryPackagesTable {
  advisory_id: string;
  idx: number;
  group_id: string;
  /** The advisory's own id (GO-…, GHSA-…), copied so a lookup needs no join. */
  external_id: string;
  ecosystem: string;
  ecosystem_release: string | null;
  package_name: string;
  raw_ecosystem: string;
  raw_name: string;
  purl: string | null;
  versions: Json;
  ranges: Json;
  fixed: Json;
}

export interface KevEntriesTable {
  cve_id: string;
  vendor_project: string;
  product: string;
  name: string;
  date_added: string;
  due_date: string | null;
  ransomware: string | null;
  short_description: string | null;
  required_action: string | null;
  catalog_version: string | null;
  content_hash: string;
  imported_at: string;
  updated_at: string;
}

/** FIRST EPSS: one score per CVE, with the model version and score date it came from. */
export interface EpssScoresTable {
  cve: string;
  epss: number;
  percentile: number;
  model_version: string | null;
  score_date: string | null;
  updated_at: string;
}

/** Last import/sync of each feed (a configured source by name, or a local import by kind). */
export interface FeedStatusTable {
  name: string;
  kind: string;
  url: string | null;
  last_attempt_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  last_result: Json | null;
  etag: string | null;
  last_modified: string | null;
  updated_at: string;
}

export interface AdvisoryTables extends FindingTables {
  advisory_groups: AdvisoryGroupsTable;
  advisory_ids: AdvisoryIdsTable;
  advisories: AdvisoriesTable;
  advisory_packages: AdvisoryPackagesTable;
  kev_entries: KevEntriesTable;
  epss_scores: EpssScoresTable;
  feed_status: FeedStatusTable;
}
