import type { Json } from '../../platform/db/tables.js';

/**
 * One indicator per (type, normalised value). Confidence, TLP, validity, labels and kill-chain
 * phases are the combination of its sources' (see combineSources in indicators.service.ts).
 */
export interface IndicatorsTable {
  id: string;
  type: string;
  value: string;
  confidence: number | null;
  tlp: string | null;
  valid_from: string | null;
  valid_until: string | null;
  labels: Json;
  /** JSON array of { killChainName, phaseName }. */
  kill_chain: Json;
  description: string | null;
  source_count: number;
  created_at: string;
  updated_at: string;
}

/** What one feed said about an indicator; `ref` is the feed's own id for it (STIX id, MISP attribute uuid, CSV line). */
export interface IndicatorSourcesTable {
  indicator_id: string;
  source: string;
  ref: string;
  format: string;
  name: string | null;
  description: string | null;
  pattern: string | null;
  confidence: number | null;
  tlp: string | null;
  valid_from: string | null;
  valid_until: string | null;
  labels: Json;
  kill_chain: Json;
  /** SHA-256 of the record's content: an unchanged re-import is skipped. */
  digest: string;
  imported_at: string;
  updated_at: string;
}

/** A STIX indicator whose pattern is not (yet) matchable: kept and listed, never silently dropped. */
export interface IndicatorUnsupportedTable {
  id: string;
  source: string;
  ref: string;
  format: string;
  name: string | null;
  pattern: string;
  pattern_type: string;
  reason: string;
  confidence: number | null;
  tlp: string | null;
  valid_from: string | null;
  valid_until: string | null;
  labels: Json;
  digest: string;
  imported_at: string;
  updated_at: string;
}

/** An indicator seen in the portfolio: in a component's hashes, an artifact, a vendor's domains. */
export interface SightingsTable {
  id: string;
  indicator_id: string;
  kind: string;
  /** What was matched, unique per indicator: e.g. sbom:<id>:<idx>, artifact:<id>, vendor:<id>:<domain>. */
  match_key: string;
  vendor_id: string | null;
  product_id: string | null;
  release: string | null;
  sbom_id: string | null;
  component_idx: number | null;
  artifact_id: string | null;
  evidence: Json;
  /** Which side arrived last and found the match: 'indicator', 'sbom', 'artifact' or 'vendor' (a domain the vendor gained). */
  found_by: string;
  created_at: string;
}

export interface SbomComponentHashesTable {
  value: string;
  alg: string;
  sbom_id: string;
  idx: number;
}

/** A domain a domain, URL or e-mail indicator's host lies under; depth 0 is the host itself (migration 0015). */
export interface IndicatorDomainsTable {
  domain: string;
  indicator_id: string;
  depth: number;
}

export interface VendorDomainsTable {
  domain: string;
  vendor_id: string;
}

export interface TaxiiStateTable {
  name: string;
  /** The added_after of the next poll: the newest date_added seen (or X-TAXII-Date-Added-Last). */
  added_after: string | null;
  last_attempt_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  last_result: Json | null;
}

export interface IndicatorTables {
  indicators: IndicatorsTable;
  indicator_sources: IndicatorSourcesTable;
  indicator_unsupported: IndicatorUnsupportedTable;
  sightings: SightingsTable;
  sbom_component_hashes: SbomComponentHashesTable;
  vendor_domains: VendorDomainsTable;
  indicator_domains: IndicatorDomainsTable;
  taxii_state: TaxiiStateTable;
}
