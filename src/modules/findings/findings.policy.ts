// Prioritisation, SLA due dates and the vulnerability risk score: pure functions of a finding's
// advisory group and the organisation's findings policy (a setting, like the vendor risk model).

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Priority buckets, most urgent first: malicious > known exploited > likely exploited (EPSS) > severity. */
export const PRIORITIES = ['malicious', 'kev', 'epss', 'critical', 'high', 'medium', 'unknown', 'low', 'none'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface FindingsPolicy {
  /** EPSS probability (0–1) from which a finding is prioritised as likely to be exploited. */
  epssThreshold: number;
  /** Days from first detection to the due date, per priority. */
  slaDays: Record<Priority, number>;
  /** Risk-score points per advisory, by severity (see riskScore). */
  severityPoints: Record<Severity, number>;
  /** Multipliers of those points. */
  kevMultiplier: number;
  maliciousMultiplier: number;
  epssMultiplier: number;
  /** The points total at which the score reaches 63 (1 − 1/e): score = 100 × (1 − e^(−total / riskScale)). */
  riskScale: number;
}

export const DEFAULT_FINDINGS_POLICY: FindingsPolicy = {
  epssThreshold: 0.1,
  slaDays: { malicious: 1, kev: 7, epss: 14, critical: 15, high: 30, medium: 90, unknown: 90, low: 180, none: 365 },
  severityPoints: { critical: 10, high: 6, medium: 3, low: 1, none: 0, unknown: 3 },
  kevMultiplier: 2,
  maliciousMultiplier: 3,
  epssMultiplier: 1.5,
  riskScale: 50,
};

export function validateFindingsPolicy(policy: FindingsPolicy): string[] {
  const problems: string[] = [];
  if (!(policy.epssThreshold >= 0 && policy.epssThreshold <= 1)) problems.push('epssThreshold: must be between 0 and 1');
  for (const p of PRIORITIES) {
    const days = policy.slaDays[p];
    if (!Number.isInteger(days) || days < 0 || days > 3650) problems.push(`slaDays.${p}: must be a whole number of days from 0 to 3650`);
  }
  for (const s of SEVERITIES) {
    const points = policy.severityPoints[s];
    if (!(points >= 0 && points <= 100)) problems.push(`severityPoints.${s}: must be between 0 and 100`);
  }
  for (const key of ['kevMultiplier', 'maliciousMultiplier', 'epssMultiplier'] as const) {
    if (!(policy[key] >= 1 && policy[key] <= 10)) problems.push(`${key}: must be between 1 and 10`);
  }
  if (!(policy.riskScale >= 1 && policy.riskScale <= 10_000)) problems.push('riskScale: must be between 1 and 10000');
  return problems;
}

/** What prioritisation reads of an advisory group. */
export interface GroupRisk {
  severity: string | null;
  kev: boolean;
  malicious: boolean;
  epss: number | null;
}

export function effectiveSeverity(override: string | null, groupSeverity: string | null): Severity {
  const value = override ?? groupSeverity;
  return (SEVERITIES as readonly string[]).includes(value ?? '') ? (value as Severity) : 'unknown';
}

export function prioritise(group: GroupRisk, severity: Severity, policy: FindingsPolicy): { priority: Priority; rank: number } {
  const priority: Priority = group.malicious
    ? 'malicious'
    : group.kev
      ? 'kev'
      : group.epss !== null && group.epss >= policy.epssThreshold
        ? 'epss'
        : severity;
  return { priority, rank: PRIORITIES.indexOf(priority) + 1 };
}

const DAY_MS = 86_400_000;

export function dueAt(firstSeenAt: string, priority: Priority, policy: FindingsPolicy): string {
  return new Date(Date.parse(firstSeenAt) + policy.slaDays[priority] * DAY_MS).toISOString();
}

export interface RiskTerm {
  advisoryId: string;
  severity: Severity;
  kev: boolean;
  malicious: boolean;
  epss: number | null;
  points: number;
}

export const RISK_FORMULA =
  'score = round(100 × (1 − e^(−total / riskScale)), 1) where total = Σ points over the distinct advisory groups with an open, affected finding whose state is in_triage or exploitable, in the current SBOMs of the product (or of all the vendor\'s products); ' +
  'points = severityPoints[severity] × (kevMultiplier if known exploited) × (maliciousMultiplier if malicious) × (epssMultiplier if EPSS ≥ epssThreshold), the severity being the highest effective one among the group\'s findings. ' +
  'Aliases are one group, so a CVE published as GHSA and GO ids counts once; not_affected, false_positive and resolved findings, indeterminate matches and closed findings are excluded. ' +
  'Defaults: critical 10, high 6, medium 3, unknown 3, low 1, none 0; KEV ×2, malicious ×3, EPSS ≥ 0.1 ×1.5; riskScale 50 (one critical KEV advisory scores 33, total 50 scores 63, total 150 scores 95).';

/** The vulnerability risk score of a set of advisory groups (one term each, highest first): saturates smoothly towards 100. */
export function riskScore(groups: Array<GroupRisk & { advisoryId: string; severity: Severity }>, policy: FindingsPolicy): { score: number; terms: RiskTerm[] } {
  const terms = groups
    .map((g) => {
      let points = policy.severityPoints[g.severity] ?? 0;
      if (g.kev) points *= policy.kevMultiplier;
      if (g.malicious) points *= policy.maliciousMultiplier;
      if (g.epss !== null && g.epss >= policy.epssThreshold) points *= policy.epssMultiplier;
      return { advisoryId: g.advisoryId, severity: g.severity, kev: g.kev, malicious: g.malicious, epss: g.epss, points: Math.round(points * 100) / 100 };
    })
    .sort((a, b) => b.points - a.points || a.advisoryId.localeCompare(b.advisoryId));
  const total = terms.reduce((sum, t) => sum + t.points, 0);
  return { score: Math.round(100 * (1 - Math.exp(-total / policy.riskScale)) * 10) / 10, terms };
}

/** CycloneDX analysis states, justifications and responses: the triage vocabulary. */
export const STATES = ['in_triage', 'exploitable', 'false_positive', 'not_affected', 'resolved'] as const;
export type FindingState = (typeof STATES)[number];
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
export const RESPONSES = ['can_not_fix', 'will_not_fix', 'update', 'rollback', 'workaround_available'] as const;

/** States that take a finding out of the risk score and the open work. */
export const SUPPRESSED_STATES: readonly string[] = ['not_affected', 'false_positive', 'resolved'];

/** OpenVEX / CSAF justification labels ↔ CycloneDX justifications. */
const TO_CYCLONEDX: Record<string, string> = {
  component_not_present: 'code_not_present',
  vulnerable_code_not_present: 'code_not_present',
  vulnerable_code_not_in_execute_path: 'code_not_reachable',
  vulnerable_code_cannot_be_controlled_by_adversary: 'requires_environment',
  inline_mitigations_already_exist: 'protected_by_mitigating_control',
};
const TO_OPENVEX: Record<string, string> = {
  code_not_present: 'vulnerable_code_not_present',
  code_not_reachable: 'vulnerable_code_not_in_execute_path',
  requires_configuration: 'vulnerable_code_cannot_be_controlled_by_adversary',
  requires_dependency: 'vulnerable_code_cannot_be_controlled_by_adversary',
  requires_environment: 'vulnerable_code_cannot_be_controlled_by_adversary',
  protected_by_compiler: 'inline_mitigations_already_exist',
  protected_at_runtime: 'inline_mitigations_already_exist',
  protected_at_perimeter: 'inline_mitigations_already_exist',
  protected_by_mitigating_control: 'inline_mitigations_already_exist',
};

export function cycloneDxJustification(value: string | null): string | null {
  if (value === null) return null;
  return (JUSTIFICATIONS as readonly string[]).includes(value) ? value : (TO_CYCLONEDX[value] ?? null);
}

export function openVexJustification(value: string | null): string | null {
  if (value === null) return null;
  return TO_OPENVEX[value] ?? (Object.hasOwn(TO_CYCLONEDX, value) ? value : null);
}

/** A finding's state in the VEX status vocabulary (OpenVEX, CSAF product status). */
export function vexStatusOf(state: string): 'not_affected' | 'affected' | 'fixed' | 'under_investigation' {
  switch (state) {
    case 'not_affected':
    case 'false_positive':
      return 'not_affected';
    case 'resolved':
      return 'fixed';
    case 'exploitable':
      return 'affected';
    default:
      return 'under_investigation';
  }
}

/** The analysis state a VEX statement sets: its CycloneDX state when it has one, else from its status. */
export function stateOfStatement(status: string, state: string | null): FindingState {
  if (state && (STATES as readonly string[]).includes(state)) return state as FindingState;
  switch (status) {
    case 'not_affected':
      return 'not_affected';
    case 'fixed':
      return 'resolved';
    case 'affected':
      return 'exploitable';
    default:
      return 'in_triage';
  }
}
