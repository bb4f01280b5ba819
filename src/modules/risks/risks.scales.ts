// The register's 5×5 scales and score bands: pure functions of a setting (like the vendor risk
// model and the findings policy), so the API, the CSV export and the UI read the same words.

export const RISK_SCALES_KEY = 'risk-scales';

export const LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

export interface ScaleStep {
  label: string;
  description: string;
}

export interface RiskScales {
  /** Five steps each, index 0 is rating 1. */
  likelihood: ScaleStep[];
  impact: ScaleStep[];
  /** Lowest score (likelihood × impact, 1–25) of each level above low; ascending. */
  levelThresholds: { medium: number; high: number; critical: number };
  /** Longest time an acceptance may run before it must be approved again. */
  maxAcceptanceDays: number;
}

export const DEFAULT_RISK_SCALES: RiskScales = {
  likelihood: [
    { label: 'Rare', description: 'Not expected; no known activity against it.' },
    { label: 'Unlikely', description: 'Could happen; no exploitation seen.' },
    { label: 'Possible', description: 'Exploitation is plausible within a year.' },
    { label: 'Likely', description: 'Exploitation is expected, or seen elsewhere.' },
    { label: 'Almost certain', description: 'Exploited in the wild, or seen in our estate.' },
  ],
  impact: [
    { label: 'Negligible', description: 'No effect on operations or data.' },
    { label: 'Minor', description: 'Limited, quickly recovered disruption; no sensitive data.' },
    { label: 'Moderate', description: 'Noticeable disruption or exposure of internal data.' },
    { label: 'Major', description: 'Serious disruption, or personal or confidential data exposed.' },
    { label: 'Severe', description: 'Critical services down, regulatory breach, or estate-wide compromise.' },
  ],
  levelThresholds: { medium: 5, high: 10, critical: 17 },
  maxAcceptanceDays: 365,
};

export function score(likelihood: number, impact: number): number {
  return likelihood * impact;
}

export function levelOf(value: number, scales: RiskScales): Level {
  const t = scales.levelThresholds;
  return value >= t.critical ? 'critical' : value >= t.high ? 'high' : value >= t.medium ? 'medium' : 'low';
}

/** The score range [min, max] of a level, for filtering by level in SQL. */
export function levelRange(level: Level, scales: RiskScales): [number, number] {
  const t = scales.levelThresholds;
  switch (level) {
    case 'low':
      return [1, t.medium - 1];
    case 'medium':
      return [t.medium, t.high - 1];
    case 'high':
      return [t.high, t.critical - 1];
    case 'critical':
      return [t.critical, 25];
  }
}

export function validateRiskScales(s: RiskScales): string[] {
  const problems: string[] = [];
  for (const axis of ['likelihood', 'impact'] as const) {
    if (s[axis].length !== 5) problems.push(`${axis}: must have exactly five steps (ratings 1 to 5)`);
    const labels = s[axis].map((step) => step.label.trim().toLowerCase());
    if (new Set(labels).size !== labels.length) problems.push(`${axis}: step labels must differ`);
  }
  const { medium, high, critical } = s.levelThresholds;
  if (!(medium >= 2 && medium < high && high < critical && critical <= 25)) {
    problems.push('levelThresholds: need 2 ≤ medium < high < critical ≤ 25 (scores run from 1 to 25)');
  }
  return problems;
}
