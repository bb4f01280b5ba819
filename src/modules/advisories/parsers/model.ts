// The normalised shapes every feed parser produces. JSON field names are part of the contract.
import type { CpeCriterion } from '../../purl/cpe-match.js';

export interface AdvisoryRange {
  type: string;
  events: Array<{ introduced?: string; fixed?: string; last_affected?: string; limit?: string }>;
}

export interface AdvisoryAffected {
  /** OSV ecosystem name including any suffix, e.g. 'Debian:12'. */
  ecosystem: string;
  name: string;
  purl: string | null;
  versions: string[];
  ranges: AdvisoryRange[];
}

export type CvssRating = 'none' | 'low' | 'medium' | 'high' | 'critical';

export interface AdvisoryCvss {
  version: string;
  vector: string;
  baseScore: number;
  rating: CvssRating;
}

export interface NormalizedAdvisory {
  id: string;
  aliases: string[];
  /** 'osv', 'csaf', ... */
  source: string;
  summary: string | null;
  details: string | null;
  published: string | null;
  modified: string;
  withdrawn: string | null;
  severity: Array<{ type: 'CVSS_V2' | 'CVSS_V3' | 'CVSS_V4' | string; score: string }>;
  cvss: AdvisoryCvss | null;
  /** Every CVSS metric a record lists with who assessed it (NVD: its own 'Primary' and relayed 'Secondary' ones). */
  cvssMetrics?: CvssMetric[];
  /** MAL- ids, malicious-packages origins and similar markers. */
  malicious: boolean;
  affected: AdvisoryAffected[];
  references: string[];
  // NVD records (source 'nvd') carry these as well.
  /** CWE ids (`CWE-79`) of the record's weaknesses. */
  cwes?: string[];
  /** NVD's vulnStatus: Received, Awaiting Analysis, Analyzed, Modified, Deferred, Rejected, … */
  nvdStatus?: string;
  /** CISA KEV fields NVD copies into a record listed in the catalog. */
  kev?: AdvisoryKev;
  /** NVD applicability statements: which CPEs (and on which platforms) are vulnerable. */
  cpeConfigurations?: CpeConfiguration[];
}

export interface AdvisoryKev {
  dateAdded: string;
  actionDue: string | null;
  requiredAction: string | null;
  vulnerabilityName: string | null;
}

export interface CvssMetric extends AdvisoryCvss {
  /** Who scored it: `nvd@nist.gov`, a CNA's address or UUID. */
  source: string;
  type: 'Primary' | 'Secondary';
}

/** One NVD configuration: its nodes joined by `operator` (AND: an application running on a platform). */
export interface CpeConfiguration {
  operator: 'AND' | 'OR';
  negate: boolean;
  nodes: CpeNode[];
}

export interface CpeNode {
  operator: 'AND' | 'OR';
  negate: boolean;
  cpeMatch: CpeCriterion[];
}

export interface KevEntry {
  cveId: string;
  vendorProject: string;
  product: string;
  name: string;
  dateAdded: string;
  dueDate: string | null;
  knownRansomwareCampaignUse: string | null;
  shortDescription: string | null;
  requiredAction: string | null;
}

export interface EpssScore {
  cve: string;
  epss: number;
  percentile: number;
}

export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation';
export type VexAnalysisState = 'in_triage' | 'exploitable' | 'false_positive' | 'not_affected' | 'resolved';

export interface VexStatement {
  /** CVE/GHSA id. */
  vulnerability: string;
  aliases: string[];
  /** purls or product ids. */
  products: string[];
  status: VexStatus;
  /** CycloneDX analysis.state when present. */
  state: VexAnalysisState | null;
  justification: string | null;
  responses: string[];
  detail: string | null;
  /** vers: range when given. */
  affectedVersions?: string | null;
}

export interface RecordError {
  /** id, 'line N' or 'entry path'. */
  record: string;
  reason: string;
}

export interface ParseOutcome<T> {
  items: T[];
  errors: RecordError[];
  meta?: Record<string, string>;
}
