// Concentration metrics of a technology across the third-party portfolio. Pure arithmetic, shared
// by the service and its tests; the OpenAPI description of the routes repeats the formulas.

export const TIERS = ['T1', 'T2', 'T3', 'T4'] as const;
export type Tier = (typeof TIERS)[number];

/** Tier weight w(v): how much a vendor of that tier counts in weighted shares. */
export const TIER_WEIGHTS: Record<Tier, number> = { T1: 4, T2: 3, T3: 2, T4: 1 };

export const CONCENTRATION_FORMULAS = [
  'Only third-party vendors count (the built-in internal estate is reported apart, as estateProducts). D(t) is the set of vendors with a current SBOM that contains technology t, directly or transitively; V is every third-party vendor in the inventory; C ⊆ V the critical ones (tier T1 or T2).',
  'Tier weights w(v): T1 = 4, T2 = 3, T3 = 2, T4 = 1. W(t) = Σ_{v∈D(t)} w(v).',
  'criticalShare(t) = |D(t) ∩ C| / |C|: the share of the T1/T2 population that depends on t.',
  'weightedShare(t) = W(t) / Σ_{v∈V} w(v): the tier-weighted share of the whole portfolio that depends on t.',
  'hhiShare(t) = W(t) / Σ_u W(u) over all technologies u; hhiContribution(t) = hhiShare(t)². The portfolio index HHI = Σ_u hhiShare(u)² (Herfindahl–Hirschman over the technologies\' shares of tier-weighted dependencies) lies in (0, 1]: 1 when every dependency is on one technology, near 0 when they are spread thin; effectiveTechnologies = 1 / HHI.',
  'Technologies are ranked by W(t), then by key. Shares are rounded to 6 decimal places, hhi and hhiContribution to 9.',
].join('\n\n');

export interface TierCounts {
  T1: number;
  T2: number;
  T3: number;
  T4: number;
}

export interface Portfolio {
  /** Third-party vendors per tier (the population V). */
  vendorsByTier: TierCounts;
}

export const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
export const round9 = (x: number) => Math.round(x * 1e9) / 1e9;

export function weightOf(tiers: TierCounts): number {
  return TIER_WEIGHTS.T1 * tiers.T1 + TIER_WEIGHTS.T2 * tiers.T2 + TIER_WEIGHTS.T3 * tiers.T3 + TIER_WEIGHTS.T4 * tiers.T4;
}

export function portfolioSummary(portfolio: Portfolio, totals: { weight: number; square: number }) {
  const { vendorsByTier } = portfolio;
  const vendors = vendorsByTier.T1 + vendorsByTier.T2 + vendorsByTier.T3 + vendorsByTier.T4;
  const hhi = totals.weight > 0 ? totals.square / (totals.weight * totals.weight) : 0;
  return {
    vendors,
    criticalVendors: vendorsByTier.T1 + vendorsByTier.T2,
    vendorsByTier,
    weight: weightOf(vendorsByTier),
    dependencyWeight: totals.weight,
    hhi: round9(hhi),
    effectiveTechnologies: hhi > 0 ? round6(1 / hhi) : 0,
  };
}

export function concentration(tiers: TierCounts, portfolio: Portfolio, totalDependencyWeight: number) {
  const weight = weightOf(tiers);
  const critical = portfolio.vendorsByTier.T1 + portfolio.vendorsByTier.T2;
  const portfolioWeight = weightOf(portfolio.vendorsByTier);
  const hhiShare = totalDependencyWeight > 0 ? weight / totalDependencyWeight : 0;
  return {
    criticalVendors: tiers.T1 + tiers.T2,
    criticalShare: critical > 0 ? round6((tiers.T1 + tiers.T2) / critical) : 0,
    weight,
    weightedShare: portfolioWeight > 0 ? round6(weight / portfolioWeight) : 0,
    hhiShare: round6(hhiShare),
    hhiContribution: round9(hhiShare * hhiShare),
  };
}
