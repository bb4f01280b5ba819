/**
 * Inherent risk: how much harm a vendor could do before any control is considered. Each factor is
 * normalised to 0..1 and multiplied by its weight; weights sum to 100, so the score is 0..100 and
 * every point is attributable to one term the UI can show.
 */
export const DATA_CATEGORIES = ['none', 'internal', 'confidential', 'personal', 'payment', 'special-category'] as const;
export const ACCESS_LEVELS = ['none', 'physical', 'network', 'integrated', 'privileged'] as const;
export const TIERS = ['T1', 'T2', 'T3', 'T4'] as const;
export type DataCategory = (typeof DATA_CATEGORIES)[number];
export type AccessLevel = (typeof ACCESS_LEVELS)[number];
export type Tier = (typeof TIERS)[number];

export const FACTORS = ['dataSensitivity', 'accessLevel', 'criticality', 'substitutability', 'softwareSupply', 'fourthParties', 'regulatoryScope'] as const;
export type Factor = (typeof FACTORS)[number];

/**
 * The factors someone has to answer about a vendor. Until they are, the factor is "missing": it
 * scores no points (the score is what is known so far, a lower bound) and the tier is provisional.
 * Fourth parties are counted from the inventory and regulatory scope defaults to none, so neither
 * can be missing. Data sensitivity is answered by at least one data category ("none" included).
 */
export const ANSWERABLE_FACTORS = ['dataSensitivity', 'accessLevel', 'criticality', 'substitutability', 'softwareSupply'] as const satisfies readonly Factor[];
export type AnswerableFactor = (typeof ANSWERABLE_FACTORS)[number];
/** The vendor field whose value answers each factor. */
export const ANSWERED_BY = {
  dataSensitivity: 'dataCategories',
  accessLevel: 'accessLevel',
  criticality: 'criticality',
  substitutability: 'substitutability',
  softwareSupply: 'shipsSoftware',
} as const satisfies Record<AnswerableFactor, string>;

/**
 * A vendor with missing factors is treated as at least T2 (its review cadence included) until they
 * are answered: an unknown vendor may turn out critical, so it must never look like a T3/T4 one.
 */
export const PROVISIONAL_TIER: Tier = 'T2';

/** What is still missing after a write that set `answered` fields, given the vendor's resulting data categories. */
export function stillMissing(previous: readonly string[], answered: ReadonlySet<string>, dataCategories: readonly string[]): AnswerableFactor[] {
  return ANSWERABLE_FACTORS.filter((f) => (f === 'dataSensitivity' ? dataCategories.length === 0 : previous.includes(f) && !answered.has(ANSWERED_BY[f])));
}

export interface RiskModel {
  weights: Record<Factor, number>;
  /** Lowest score of each tier; anything below T3's threshold is T4. */
  tierThresholds: { T1: number; T2: number; T3: number };
  /** Days between reviews, per tier. */
  reviewCadenceDays: Record<Tier, number>;
}

export const DEFAULT_RISK_MODEL: RiskModel = {
  weights: {
    dataSensitivity: 25,
    accessLevel: 20,
    criticality: 20,
    substitutability: 10,
    softwareSupply: 15,
    fourthParties: 5,
    regulatoryScope: 5,
  },
  tierThresholds: { T1: 70, T2: 50, T3: 25 },
  reviewCadenceDays: { T1: 90, T2: 180, T3: 365, T4: 730 },
};

const DATA_SENSITIVITY: Record<DataCategory, number> = {
  none: 0,
  internal: 0.25,
  confidential: 0.5,
  personal: 0.75,
  payment: 0.9,
  'special-category': 1,
};

const ACCESS: Record<AccessLevel, number> = { none: 0, physical: 0.25, network: 0.5, integrated: 0.75, privileged: 1 };

export interface RiskInputs {
  dataCategories: DataCategory[];
  accessLevel: AccessLevel;
  /** 1 = supports nothing important … 4 = supports a mission-critical process. */
  criticality: number;
  /** 1 = replaceable within days … 4 = no practical alternative. */
  substitutability: number;
  shipsSoftware: boolean;
  autoUpdate: boolean;
  fourthPartyCount: number;
  regulatoryScope: string[];
  /** Factors not answered yet: they score nothing and make the tier provisional. */
  missing?: readonly Factor[];
}

export interface RiskTerm {
  factor: Factor;
  /** The input as a person reads it, e.g. "personal" or "3 of 4". */
  value: string;
  weight: number;
  points: number;
}

export interface RiskScore {
  score: number;
  terms: RiskTerm[];
  tier: Tier;
  missing: Factor[];
  tierProvisional: boolean;
}

export const NOT_ANSWERED = 'not answered';

const round1 = (n: number) => Math.round(n * 10) / 10;

export function scoreVendor(input: RiskInputs, model: RiskModel = DEFAULT_RISK_MODEL): RiskScore {
  const mostSensitive = input.dataCategories.reduce<DataCategory>(
    (worst, c) => (DATA_SENSITIVITY[c] > DATA_SENSITIVITY[worst] ? c : worst),
    'none',
  );
  const software = input.shipsSoftware ? (input.autoUpdate ? 1 : 0.6) : 0;
  const parts: Array<[Factor, string, number]> = [
    ['dataSensitivity', mostSensitive, DATA_SENSITIVITY[mostSensitive]],
    ['accessLevel', input.accessLevel, ACCESS[input.accessLevel]],
    ['criticality', `${input.criticality} of 4`, (input.criticality - 1) / 3],
    ['substitutability', `${input.substitutability} of 4`, (input.substitutability - 1) / 3],
    ['softwareSupply', input.shipsSoftware ? (input.autoUpdate ? 'ships software, auto-updates' : 'ships software') : 'no software', software],
    ['fourthParties', `${input.fourthPartyCount} subcontractor${input.fourthPartyCount === 1 ? '' : 's'}`, Math.min(input.fourthPartyCount / 5, 1)],
    ['regulatoryScope', input.regulatoryScope.length ? input.regulatoryScope.join(', ') : 'none', Math.min(input.regulatoryScope.length / 3, 1)],
  ];
  const missing = FACTORS.filter((f) => input.missing?.includes(f));
  const terms = parts.map(([factor, value, normalised]) =>
    missing.includes(factor)
      ? { factor, value: NOT_ANSWERED, weight: model.weights[factor], points: 0 }
      : { factor, value, weight: model.weights[factor], points: round1(model.weights[factor] * normalised) },
  );
  const score = round1(Math.min(100, terms.reduce((sum, t) => sum + t.points, 0)));
  const tier = tierFor(score, model);
  const provisional = missing.length > 0;
  return { score, terms, tier: provisional ? moreSevere(tier, PROVISIONAL_TIER) : tier, missing, tierProvisional: provisional };
}

/** T1 is the most severe tier. */
export function moreSevere(a: Tier, b: Tier): Tier {
  return TIERS.indexOf(a) <= TIERS.indexOf(b) ? a : b;
}

export function tierFor(score: number, model: RiskModel = DEFAULT_RISK_MODEL): Tier {
  if (score >= model.tierThresholds.T1) return 'T1';
  if (score >= model.tierThresholds.T2) return 'T2';
  if (score >= model.tierThresholds.T3) return 'T3';
  return 'T4';
}

export function nextReviewAt(tier: Tier, lastReviewedAt: string | null, createdAt: string, model: RiskModel = DEFAULT_RISK_MODEL): string {
  const from = Date.parse(lastReviewedAt ?? createdAt);
  return new Date(from + model.reviewCadenceDays[tier] * 86_400_000).toISOString();
}

/** Weights must be non-negative and sum to 100 so scores stay on the 0..100 scale. */
export function validateRiskModel(model: RiskModel): string[] {
  const problems: string[] = [];
  const sum = FACTORS.reduce((s, f) => s + (model.weights[f] ?? 0), 0);
  for (const f of FACTORS) {
    if (!(model.weights[f] >= 0)) problems.push(`weights.${f}: must be a number ≥ 0`);
  }
  if (Math.abs(sum - 100) > 1e-9) problems.push(`weights: must sum to 100, they sum to ${sum}`);
  // Each broken step of 100 ≥ T1 > T2 > T3 > 0 is named on the threshold that breaks it.
  const { T1, T2, T3 } = model.tierThresholds;
  if (!(T1 <= 100)) problems.push('tierThresholds.T1: must be at most 100');
  if (!(T2 < T1)) problems.push(`tierThresholds.T2: must be below the T1 threshold (${T1})`);
  if (!(T3 < T2)) problems.push(`tierThresholds.T3: must be below the T2 threshold (${T2})`);
  if (!(T3 > 0)) problems.push('tierThresholds.T3: must be above 0');
  for (const t of TIERS) {
    if (!(model.reviewCadenceDays[t] >= 1)) problems.push(`reviewCadenceDays.${t}: must be at least 1`);
  }
  return problems;
}
