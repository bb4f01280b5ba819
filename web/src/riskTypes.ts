// Shapes of the risk register and mentions API (see src/modules/risks and src/modules/mentions).

export const LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number];
export const TREATMENTS = ['mitigate', 'accept', 'transfer', 'avoid'] as const;
export const CLOSE_REASONS = ['mitigated', 'resolved', 'transferred', 'avoided', 'not-a-risk'] as const;
export const RISK_SOURCES = ['manual', 'finding', 'sighting', 'integrity-alert', 'mention', 'assessment', 'resilience', 'egress-alert'] as const;
export const RISK_STATUSES = ['active', 'open', 'pending-acceptance', 'accepted', 'closed', 'all'] as const;

export interface Rated {
  likelihood: number;
  impact: number;
  score: number;
  level: Level;
}

export interface Risk {
  id: string;
  title: string;
  description: string;
  source: string;
  sourceKey: string | null;
  inherent: Rated;
  residual: Rated | null;
  score: number;
  level: Level;
  assessed: boolean;
  owner: string | null;
  team: { key: string; name: string } | null;
  treatment: string | null;
  treatmentPlan: string | null;
  dueDate: string | null;
  overdue: boolean;
  status: string;
  acceptance: { justification: string; expiresAt: string; requestedBy: string; requestedAt: string; approvedBy: string | null; approvedAt: string | null } | null;
  closeReason: string | null;
  closedAt: string | null;
  reopenCount: number;
  reopenedAt: string | null;
  reopenReason: string | null;
  raiseCount: number;
  lastRaisedAt: string | null;
  vendors: Array<{ id: string; name: string; tier: string }>;
  products: Array<{ id: string; name: string; vendorId: string }>;
  evidenceCount: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface Evidence {
  type: string;
  id: string;
  label: string | null;
  addedBy: string;
  addedAt: string;
}

export type RiskDetail = Risk & { evidence: Evidence[] };

export type LevelCounts = Record<Level, number>;

export interface RiskSummary {
  basis: string;
  total: number;
  byStatus: { open: number; pendingAcceptance: number; accepted: number };
  byLevel: LevelCounts;
  overdue: number;
  heat: number[][];
  vendors: Array<{ id: string; name: string; tier: string; total: number; byLevel: LevelCounts; maxScore: number }>;
}

export interface RiskScales {
  likelihood: Array<{ label: string; description: string }>;
  impact: Array<{ label: string; description: string }>;
  levelThresholds: { medium: number; high: number; critical: number };
  maxAcceptanceDays: number;
}

export interface RiskTrend {
  days: Array<{ day: string; open: number; accepted: number; byLevel: LevelCounts; live: boolean }>;
}

export interface MentionMatch {
  vendor: { id: string; name: string; tier: string };
  method: string;
  seen: string;
  vendorTerm: string;
  confidence: number;
  explanation: string;
}

export interface Mention {
  id: string;
  source: string;
  url: string | null;
  title: string;
  excerpt: string;
  textSha256: string;
  textLength: number;
  published: string | null;
  names: string[];
  domains: string[];
  confidence: number;
  matches: MentionMatch[];
  triage: 'new' | 'relevant' | 'not-relevant';
  triageNote: string | null;
  triagedBy: string | null;
  triagedAt: string | null;
  riskId: string | null;
  importedAt: string;
  updatedAt: string;
}

export function levelOf(score: number, scales: RiskScales | undefined): Level {
  const t = scales?.levelThresholds ?? { medium: 5, high: 10, critical: 17 };
  return score >= t.critical ? 'critical' : score >= t.high ? 'high' : score >= t.medium ? 'medium' : 'low';
}
