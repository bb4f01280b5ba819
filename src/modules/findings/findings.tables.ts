import type { Flag, Json } from '../../platform/db/tables.js';

/**
 * One advisory group affecting one component occurrence: (group_id, sbom_id, component_idx) is
 * unique, so a CVE known under GHSA/GO/PYSEC aliases is one finding, never several. A finding
 * belongs to the SBOM it was matched in; only findings of current SBOMs are shown (a newer SBOM
 * of the same release gets its own rows, with the analysts' decisions carried over).
 *
 * `status` is the system's view (open until the advisory is withdrawn or no longer matches);
 * `state` is the analysis (CycloneDX VEX vocabulary) set by analysts or imported vendor VEX.
 * `severity`, `priority`, `priority_rank` and `due_at` are derived from the group and the policy
 * setting and refreshed when either changes.
 */
export interface FindingsTable {
  id: string;
  group_id: string;
  sbom_id: string;
  component_idx: number;
  product_id: string;
  vendor_id: string;
  release: string;
  /** The match key: (ecosystem, normalised package name), the source package for distro packages. */
  ecosystem: string;
  package_name: string;
  component_name: string;
  component_version: string | null;
  component_purl: string | null;
  direct: Flag;
  depth: number;
  /** 'affected' or 'indeterminate' (a version or range that cannot be ordered). */
  verdict: string;
  /** JSON: [{ advisory, source, ecosystem, name, verdict }] — the affected entries that matched. */
  matched: Json;
  /** JSON array of every fixed version named by the matched ranges. */
  fixed_versions: Json;
  /** The lowest fixed version above the component's version, when one is known. */
  fixed_in: string | null;
  status: 'open' | 'closed';
  closed_reason: string | null;
  closed_at: string | null;
  /**
   * Effective rating: the analyst override when set, else the rating of the finding's own matched
   * record, else the group's (its best-sourced member's), else 'unknown'.
   */
  severity: string;
  severity_override: string | null;
  /** JSON { advisory, source, cvssVersion, vector, score } of the record the rating is from (the override aside); null when none has one. */
  severity_source: Json | null;
  priority: string;
  priority_rank: number;
  due_at: string;
  state: string;
  justification: string | null;
  responses: Json;
  detail: string | null;
  /** 'system', 'analyst' or 'vendor' (imported VEX). */
  state_source: string;
  state_source_name: string | null;
  state_updated_at: string | null;
  state_updated_by: string | null;
  vex_statement_id: string | null;
  first_seen_at: string;
  updated_at: string;
  /** How the component was matched: 'purl', 'cpe' (declared/root/product CPE), 'inferred-cpe', 'kev-name'. */
  match_kind: string;
  /** 0..1 for inferred CPEs, else null. */
  match_confidence: number | null;
}

/** Every state change, closure and reopening of a finding, with who or what caused it. */
export interface FindingsHistoryTable {
  id: string;
  finding_id: string;
  at: string;
  actor_type: string;
  actor_name: string;
  /** 'analyst', 'vendor', 'system'. */
  source: string;
  action: string;
  from_state: string | null;
  to_state: string | null;
  justification: string | null;
  responses: Json | null;
  detail: string | null;
  details: Json | null;
}

/**
 * A VEX statement (OpenVEX, CycloneDX VEX, CSAF VEX profile) about one product identifier. Kept so
 * that a statement imported before its advisory or SBOM still applies when the finding appears.
 * Purl products are indexed by (ecosystem, package name); other identifiers (bom-refs, CPEs,
 * names) match an SBOM's root component.
 */
export interface VexStatementsTable {
  id: string;
  statement_key: string;
  source: string;
  vendor_id: string | null;
  product_id: string | null;
  vulnerability: string;
  aliases: Json;
  product: string;
  product_ecosystem: string | null;
  product_package_name: string | null;
  product_version: string | null;
  version_range: string | null;
  status: string;
  state: string;
  justification: string | null;
  responses: Json;
  detail: string | null;
  document: string | null;
  content_hash: string;
  imported_at: string;
  updated_at: string;
}

export interface VexStatementIdsTable {
  identifier: string;
  statement_id: string;
}

/** One row: how many feed writes (advisories, KEV/EPSS, VEX) have committed; see lockMatching. */
export interface MatchingStateTable {
  id: number;
  seq: number;
}

/** A saved view of the findings workbench (filters, sort, grouping), personal or shared. */
export interface FindingsViewsTable {
  id: string;
  /** `user:<id>` or `token:<id>`: who saved it and may change it. */
  owner_key: string;
  owner_name: string;
  name: string;
  shared: Flag;
  /** JSON object: the workbench's query parameters (a value or a list of values per key). */
  query: Json;
  created_at: string;
  updated_at: string;
}

export interface FindingTables {
  findings_views: FindingsViewsTable;
  matching_state: MatchingStateTable;
  findings: FindingsTable;
  findings_history: FindingsHistoryTable;
  vex_statements: VexStatementsTable;
  vex_statement_ids: VexStatementIdsTable;
}
