/** Shapes of the Thirdwatch REST API as the UI uses them (see /api/openapi.json). */
import type { ResidualRisk } from './resilienceTypes.js';

export const TIERS = ['T1', 'T2', 'T3', 'T4'] as const;
export type Tier = (typeof TIERS)[number];
export const TIER_LABEL: Record<Tier, string> = { T1: 'Critical', T2: 'High', T3: 'Moderate', T4: 'Low' };

export const VENDOR_STATUSES = ['prospect', 'active', 'offboarding', 'terminated'] as const;
export type VendorStatus = (typeof VENDOR_STATUSES)[number];

export const DATA_CATEGORIES = ['none', 'internal', 'confidential', 'personal', 'payment', 'special-category'] as const;
export type DataCategory = (typeof DATA_CATEGORIES)[number];

export const ACCESS_LEVELS = ['none', 'physical', 'network', 'integrated', 'privileged'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export const PRODUCT_TYPES = ['desktop-app', 'server-software', 'library', 'saas', 'agent', 'device', 'service', 'mobile-app', 'firmware'] as const;

export const FACTORS = ['dataSensitivity', 'accessLevel', 'criticality', 'substitutability', 'softwareSupply', 'fourthParties', 'regulatoryScope'] as const;
export type Factor = (typeof FACTORS)[number];
export const FACTOR_LABEL: Record<Factor, string> = {
  dataSensitivity: 'Data sensitivity',
  accessLevel: 'Access level',
  criticality: 'Business criticality',
  substitutability: 'Substitutability',
  softwareSupply: 'Software supply',
  fourthParties: 'Fourth parties',
  regulatoryScope: 'Regulatory scope',
};

export const VENDOR_SORTS = ['name', '-name', 'riskScore', '-riskScore', 'nextReviewAt', '-nextReviewAt', 'updatedAt', '-updatedAt'] as const;
export type VendorSort = (typeof VENDOR_SORTS)[number];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface RiskTerm {
  factor: Factor;
  value: string;
  weight: number;
  points: number;
}

export interface Team {
  id: string;
  key: string;
  name: string;
}

export interface Vendor {
  id: string;
  name: string;
  aliases: string[];
  domains: string[];
  legalIds: { lei?: string; duns?: string; vat?: string };
  country: string | null;
  website: string | null;
  description: string | null;
  status: VendorStatus;
  businessOwner: string | null;
  ownerUserId: string | null;
  team: Team | null;
  services: string[];
  dataCategories: DataCategory[];
  accessLevel: AccessLevel;
  criticality: number;
  substitutability: number;
  annualSpend: number | null;
  currency: string | null;
  regulatoryScope: string[];
  shipsSoftware: boolean;
  autoUpdate: boolean;
  parentVendorId: string | null;
  tier: Tier;
  /** Risk factors are unanswered (inherentRisk.missing): the tier is at least T2 until they are. */
  tierProvisional: boolean;
  inherentRisk: { score: number; terms: RiskTerm[]; missing: Factor[] };
  /** The inherent score adjusted by assessed controls, open remediation items, open findings and evidence age. */
  residualRisk?: ResidualRisk;
  subcontractorCount: number;
  lastReviewedAt: string | null;
  nextReviewAt: string | null;
  reviewOverdue: boolean;
  createdAt: string;
  updatedAt: string;
}

/** The writable part of a vendor, as POST /vendors and PATCH /vendors/{id} take it (team is a key). */
export interface VendorInput {
  name: string;
  aliases: string[];
  domains: string[];
  legalIds: { lei?: string; duns?: string; vat?: string };
  country: string | null;
  website: string | null;
  description: string | null;
  status: VendorStatus;
  businessOwner: string | null;
  team: string | null;
  services: string[];
  dataCategories: DataCategory[];
  accessLevel: AccessLevel;
  criticality: number;
  substitutability: number;
  annualSpend: number | null;
  currency: string | null;
  regulatoryScope: string[];
  shipsSoftware: boolean;
  autoUpdate: boolean;
  parentVendorId: string | null;
}

export interface Product {
  id: string;
  vendorId: string;
  name: string;
  type: string;
  description: string | null;
  version: string | null;
  deploymentCount: number | null;
  updateChannel: string | null;
  autoUpdate: boolean;
  /** Host names it talks to: egress to them (and their subdomains) is attributed to the product. */
  endpoints: string[];
  createdAt: string;
  updatedAt: string;
}

export interface Contact {
  id: string;
  vendorId: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: string | null;
  isPrimary: boolean;
  createdAt: string;
}

export interface Contract {
  id: string;
  vendorId: string;
  title: string;
  startDate: string | null;
  endDate: string | null;
  value: number | null;
  currency: string | null;
  noticePeriodDays: number | null;
  sbomClause: boolean;
  breachNotificationClause: boolean;
  breachNotificationHours: number | null;
  createdAt: string;
}

export interface Comment {
  id: string;
  authorId: string | null;
  authorName: string;
  body: string;
  createdAt: string;
}

export interface FourthPartyNode {
  id: string;
  name: string;
  tier: string;
  service: string | null;
  cycle: boolean;
  children: FourthPartyNode[];
}

export interface FourthParties {
  tree: FourthPartyNode;
  usedBy: Array<{ id: string; name: string; tier: string; service: string | null }>;
}

export interface AuditEvent {
  seq: number;
  id: string;
  at: string;
  actor: { type: string; id: string | null; name: string };
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
  hash: string;
}

export interface Dashboard {
  vendorsByTier: Record<Tier, number>;
  vendorsByStatus: Record<string, number>;
  totalVendors: number;
  reviewsOverdue: number;
  assessmentsOverdue: number;
  /** The ten longest overdue, longest first. */
  overdueAssessments: Array<{ id: string; vendorId: string; vendorName: string; templateName: string; status: string; dueAt: string }>;
  autoUpdatingSoftwareVendors: number;
  needsTriage: number;
  reviewsDueSoon: Array<{ id: string; name: string; tier: Tier; nextReviewAt: string }>;
  contractsEnding: Array<{
    contractId: string;
    title: string;
    vendorId: string;
    vendorName: string;
    endDate: string;
    daysToEnd: number;
    noticePeriodDays: number | null;
    noticeBy: string | null;
    daysToNotice: number | null;
  }>;
  recentActivity: Array<{ at: string; actor: string; action: string; entityType: string; entityId: string | null }>;
}

export interface ImportReport {
  dryRun: boolean;
  rows: number;
  created: number;
  updated: number;
  errors: Array<{ line: number; field: string; reason: string }>;
}

/** A background job (GET /api/v1/jobs/{id}): imports and uploads run as jobs. */
export interface JobView {
  id: string;
  kind: string;
  status: 'uploading' | 'queued' | 'running' | 'done' | 'dead' | 'cancelled';
  progress: { done: number; total: number | null; phase: string | null };
  result: unknown;
  error: string | null;
  cancelRequested: boolean;
}

export interface RiskModel {
  weights: Record<Factor, number>;
  tierThresholds: { T1: number; T2: number; T3: number };
  reviewCadenceDays: Record<Tier, number>;
}

export type Permission = 'read' | 'inventory:write' | 'comments:write' | 'findings:triage' | 'risks:write' | 'risks:approve' | 'audit:read' | 'tokens:manage' | 'users:manage' | 'settings:write' | 'assessments:write' | 'incidents:write' | 'playbooks:write' | 'egress:write';

export interface Session {
  actor: { type: string; id: string | null; name: string; role: string };
  permissions: Permission[];
  csrfToken: string | null;
}

/** GET /api/v1/search */
export interface SearchResult {
  kind: 'vendor' | 'product' | 'release' | 'component' | 'advisory' | 'hash' | 'indicator';
  id: string;
  title: string;
  subtitle: string;
  path: string;
}

export interface SearchAnswer {
  q: string;
  shape: 'hash' | 'advisory-id' | 'purl' | 'cpe' | 'text';
  groups: Array<{ kind: SearchResult['kind']; items: SearchResult[]; more: boolean }>;
}
