/** Shapes of the SBOM, technology and findings APIs as the UI uses them (see /api/openapi.json). */
import type { Tier } from './types.js';

export interface Sbom {
  id: string;
  productId: string;
  productName: string;
  vendorId: string;
  vendorName: string;
  release: string | null;
  current: boolean;
  format: string;
  encoding: string;
  specVersion: string;
  serialNumber: string | null;
  documentCreatedAt: string | null;
  tools: string[];
  root: { ref: string; name: string; version: string | null; purl: string | null } | null;
  componentCount: number;
  dependencyCount: number;
  warnings: Array<string | { message?: string; path?: string }>;
  document: { byteSize: number; sha256: string; mediaType: string };
  uploadedAt: string;
  uploadedBy: string;
}

export interface Release {
  release: string;
  currentSbomId: string | null;
  sbomCount: number;
  lastUploadedAt: string;
  inUse: boolean;
}

export interface SbomComponent {
  idx: number;
  ref: string;
  name: string;
  group: string | null;
  version: string | null;
  purl: string | null;
  ecosystem: string | null;
  type: string;
  licenses: string[];
  hashes: Record<string, string>;
  direct: boolean;
  depth: number | null;
}

export interface DepNode {
  idx: number;
  ref: string;
  name: string;
  version: string | null;
  purl: string | null;
}

export interface DiffEntry {
  ecosystem: string | null;
  name: string;
  version?: string | null;
  purl?: string | null;
  direct?: boolean;
  fromVersion?: string | null;
  toVersion?: string | null;
  algorithms?: Array<{ alg: string; from: string; to: string }>;
}

export interface SbomDiff {
  from: { id: string; productId: string; productName: string; release: string | null; uploadedAt: string };
  to: { id: string; productId: string; productName: string; release: string | null; uploadedAt: string };
  summary: { added: number; removed: number; versionChanged: number; hashChanged: number; unchanged: number };
  added: DiffEntry[];
  removed: DiffEntry[];
  versionChanged: DiffEntry[];
  hashChanged: DiffEntry[];
}

export interface ComponentUse {
  purl: string | null;
  name: string;
  version: string | null;
  ecosystem: string | null;
  vendor: { id: string; name: string; tier: Tier };
  product: { id: string; name: string };
  release: string | null;
  sbomId: string;
  direct: boolean;
  depth: number | null;
  /** name-heuristic: the SBOM gave no purl, so this is a match by name only. */
  identifiedBy: 'purl' | 'name-heuristic';
  path: Array<{ name: string; version: string | null; purl: string | null }>;
  /** Open findings of this component occurrence (absent from servers before the workbench). */
  openFindings?: number;
}

export interface Technology {
  key: string;
  ecosystem: string;
  packageName: string;
  label: string;
  vendors: number;
  products: number;
  directVendors: number;
  tiers: Record<Tier, number>;
  concentration: { criticalVendors: number; criticalShare: number; weight: number; weightedShare: number; hhiShare: number; hhiContribution: number };
}

export interface TechnologyDetail extends Technology {
  versions: Array<{ version: string; products: number }>;
  dependents: Array<{ vendor: { id: string; name: string; tier: Tier }; product: { id: string; name: string }; release?: string | null; sbomId?: string; versions?: string[]; direct?: boolean }>;
}

export interface Portfolio {
  vendors: number;
  criticalVendors: number;
  vendorsByTier: Record<Tier, number>;
  hhi: number;
  effectiveTechnologies: number;
}

export interface VendorTechnology {
  key: string;
  label: string;
  ecosystem: string;
  versions: string[];
  direct: boolean;
  products: Array<{ id: string; name: string; releases: string[] }>;
  vendors: number;
}

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'] as const;
export const FINDING_STATES = ['in_triage', 'exploitable', 'false_positive', 'not_affected', 'resolved'] as const;
export const JUSTIFICATIONS = [
  'code_not_present',
  'code_not_reachable',
  'requires_configuration',
  'requires_dependency',
  'requires_environment',
  'protected_by_compiler',
  'protected_at_runtime',
  'protected_at_perimeter',
  'protected_by_mitigating_control',
] as const;

/** Which record a rating came from. */
export interface SeveritySource {
  advisory: string;
  source: string;
  cvssVersion: string | null;
  vector: string | null;
  score: number | null;
}

export interface Cvss {
  score: number;
  vector: string;
  version: string | null;
}

export interface Finding {
  id: string;
  advisoryId: string;
  aliases: string[];
  summary: string | null;
  component: { purl: string | null; name: string; version: string | null; ecosystem: string | null; packageName: string; direct: boolean; depth: number | null };
  product: { id: string; name: string };
  vendor: { id: string; name: string; tier: Tier };
  release: string | null;
  sbomId: string;
  advisoryGroupId: string;
  severity: string;
  severityOverride: string | null;
  severitySource: SeveritySource | null;
  /** How the component was matched: purl, cpe, inferred-cpe, or kev-name (a KEV entry naming the vendor and product). */
  match?: string;
  cvss: Cvss | null;
  kev: boolean;
  epss: number | null;
  malicious: boolean;
  state: string;
  justification: string | null;
  responses: string[];
  detail: string | null;
  stateSource: string;
  stateSourceName: string | null;
  stateUpdatedAt: string | null;
  status: string;
  closedReason: string | null;
  verdict: string;
  fixedIn: string | null;
  fixedVersions: string[];
  priority: string;
  dueAt: string | null;
  overdue: boolean;
  firstSeenAt: string;
  matchConfidence?: number | null;
}

export interface FindingDetail extends Finding {
  path: Array<{ name: string | null; version: string | null; purl: string | null }>;
  history: Array<{
    at: string;
    actor: { type: string; name: string };
    source: string;
    action: string;
    fromState: string | null;
    toState: string | null;
    justification: string | null;
    responses: string[];
    detail: string | null;
    details: Record<string, unknown> | null;
  }>;
}

export interface FindingGroup {
  advisoryGroupId: string;
  advisoryId: string;
  aliases: string[];
  summary: string | null;
  severity: string;
  priority: string;
  kev: boolean;
  malicious: boolean;
  epss: number | null;
  findings: number;
  products: number;
  vendors: number;
}

export interface FindingTotals {
  findings: number;
  advisories: number;
  products: number;
  vendors: number;
  severity: Record<(typeof SEVERITIES)[number], number>;
  state: Record<(typeof FINDING_STATES)[number], number>;
}

export interface SavedView {
  id: string;
  name: string;
  shared: boolean;
  query: Record<string, string | string[]>;
  owner: string;
  mine: boolean;
}

export interface TriageBatch {
  batchId: string;
  at: string;
  actor: string;
  decision: Record<string, unknown>;
  advisory: string | null;
  findings: number;
  undone: { at: string; actor: string } | null;
}

export interface VulnerabilityRisk {
  score: number;
  formula: string;
  terms: Array<{ advisoryId: string; severity: string; kev: boolean; malicious: boolean; points: number; [k: string]: unknown }>;
  findings: { open: number; counted: number; suppressed: number; indeterminate: number };
}

export interface Advisory {
  id: string;
  advisoryId: string;
  aliases: string[];
  summary: string | null;
  severity: string;
  severitySource: SeveritySource | null;
  cvss: Cvss | null;
  kev: boolean;
  kevDueDate: string | null;
  epss: number | null;
  malicious: boolean;
  withdrawn: boolean;
  published: string | null;
  modified: string | null;
  records: Array<{ id: string; source: string; summary: string | null; details?: string | null; references?: Array<{ url: string } | string> }>;
  packages?: Array<{
    advisory: string;
    ecosystem: string;
    name: string;
    purl: string | null;
    versions: string[];
    ranges: Array<{ type: string; events: Array<Partial<Record<'introduced' | 'fixed' | 'last_affected' | 'limit', string>>>; criterion?: CpeCriterion; platforms?: CpeCriterion[][] | null }>;
    fixed: string[];
  }>;
}

export type ExposureState = 'affected' | 'under_investigation' | 'fixed' | 'not_affected';

export interface Exposure {
  advisories: Array<{ id: string; advisoryId: string }>;
  summary: { vendors: number; products: number; releases: number; components: number; findings: number; truncated: boolean; notAffected?: { products: number; findings: number } };
  products?: Array<{
    id: string;
    name: string;
    vendor: { id: string; name: string; tier: Tier };
    state: ExposureState;
    releases: string[];
    findings: { affected: number; underInvestigation: number; fixed: number; notAffected: number };
  }>;
  vendors: Array<{
    id: string;
    name: string;
    tier: Tier;
    products: Array<{ id: string; name: string; releases: Array<{ release: string | null; sbomId: string; components?: Array<{ purl: string | null; name: string; version: string | null; direct?: boolean }> }> }>;
  }>;
}

/** An NVD applicability criterion (ranges of type CPE). */
export interface CpeCriterion {
  criteria: string;
  vulnerable: boolean;
  versionStartIncluding?: string;
  versionStartExcluding?: string;
  versionEndIncluding?: string;
  versionEndExcluding?: string;
}
