import { TierBadge } from './components.js';
import { formatScore } from './format.js';
import { FACTOR_LABEL, FACTORS, type DataCategory, type Factor, type RiskModel, type RiskTerm, type Tier, type VendorInput } from './types.js';

/** One colour per factor, shared by the stacked bar and the table's swatches. */
export const FACTOR_COLOR: Record<Factor, string> = {
  dataSensitivity: 'var(--f1)',
  accessLevel: 'var(--f2)',
  criticality: 'var(--f3)',
  substitutability: 'var(--f4)',
  softwareSupply: 'var(--f5)',
  fourthParties: 'var(--f6)',
  regulatoryScope: 'var(--f7)',
};

const FACTOR_HELP: Record<Factor, string> = {
  dataSensitivity: 'The most sensitive data category the vendor receives.',
  accessLevel: 'How far into our systems the vendor reaches.',
  criticality: 'How important the supported process is (1–4).',
  substitutability: 'How hard the vendor is to replace (1–4).',
  softwareSupply: 'Code the vendor installs in our estate, worst when it updates itself.',
  fourthParties: 'Subcontractors the vendor relies on (5 or more scores in full).',
  regulatoryScope: 'Regulations the relationship falls under (3 or more scores in full).',
};

/**
 * The explained inherent risk score: a stacked bar whose segments are the terms' points (so the bar's
 * length is the score), tier thresholds marked on it, and a table with every term's input, weight and points.
 */
export function RiskBreakdown({
  score,
  tier,
  terms,
  thresholds,
  caption = 'Inherent risk score',
  missing = [],
}: {
  score: number;
  tier: Tier;
  terms: RiskTerm[];
  thresholds?: RiskModel['tierThresholds'];
  caption?: string;
  /** Unanswered factors: they score nothing yet and make the tier provisional. */
  missing?: readonly Factor[];
}) {
  const total = terms.reduce((s, t) => s + t.points, 0);
  return (
    <div className="risk">
      <div className="risk-head">
        <p className="risk-score" data-testid="risk-score">
          <span className="risk-score-num">{formatScore(score)}</span>
          <span className="muted"> / 100</span>
        </p>
        <TierBadge tier={tier} long provisional={missing.length > 0} />
      </div>
      <div className="risk-bar" role="img" aria-label={`${caption}: ${formatScore(score)} of 100, tier ${tier}. ${terms.filter((t) => t.points > 0).map((t) => `${FACTOR_LABEL[t.factor]} ${formatScore(t.points)}`).join(', ')}.`}>
        {terms
          .filter((t) => t.points > 0)
          .map((t) => (
            <span key={t.factor} className="risk-seg" style={{ width: `${Math.min(100, t.points)}%`, background: FACTOR_COLOR[t.factor] }} title={`${FACTOR_LABEL[t.factor]}: ${formatScore(t.points)} points`} />
          ))}
        {thresholds &&
          (['T3', 'T2', 'T1'] as const).map((t) => (
            <span key={t} className="risk-tick" style={{ left: `${thresholds[t]}%` }} aria-hidden="true">
              <span className="risk-tick-label">{t}</span>
            </span>
          ))}
      </div>
      <table className="table table-risk">
        <caption className="sr-only">{caption}: every term</caption>
        <thead>
          <tr>
            <th scope="col">Factor</th>
            <th scope="col">Input</th>
            <th scope="col" className="num">
              Weight
            </th>
            <th scope="col" className="col-bar">
              <span className="sr-only">Share of weight</span>
            </th>
            <th scope="col" className="num">
              Points
            </th>
          </tr>
        </thead>
        <tbody>
          {terms.map((t) => (
            <tr key={t.factor} data-factor={t.factor}>
              <th scope="row" title={FACTOR_HELP[t.factor]}>
                <span className="swatch" style={{ background: FACTOR_COLOR[t.factor] }} aria-hidden="true" />
                {FACTOR_LABEL[t.factor]}
              </th>
              <td className="risk-value">{t.value}</td>
              <td className="num muted">{t.weight}</td>
              <td className="col-bar" aria-hidden="true">
                <span className="term-track">
                  <span className="term-fill" style={{ width: `${t.weight ? (t.points / t.weight) * 100 : 0}%`, background: FACTOR_COLOR[t.factor] }} />
                </span>
              </td>
              <td className="num">
                <strong>{formatScore(t.points)}</strong>
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={2}>
              Score {Math.abs(total - score) > 0.05 ? <span className="muted">(sum {formatScore(Math.round(total * 10) / 10)}, capped at 100)</span> : null}
            </th>
            <td className="num muted">{terms.reduce((s, t) => s + t.weight, 0)}</td>
            <td className="col-bar" />
            <td className="num">
              <strong data-testid="risk-total">{formatScore(score)}</strong>
            </td>
          </tr>
        </tfoot>
      </table>
      {thresholds && (
        <p className="hint">
          Tiers: T1 from {thresholds.T1}, T2 from {thresholds.T2}, T3 from {thresholds.T3}, T4 below. Each term is its weight × how much of the factor applies.
          {missing.length > 0 && ' A factor not answered yet scores 0, so the score is a lower bound, and the tier stays provisional (at least T2) until every factor is answered.'}
        </p>
      )}
    </div>
  );
}

// ---- Preview while editing (the server computes the stored score) ----

const SENSITIVITY: Record<DataCategory, number> = { none: 0, internal: 0.25, confidential: 0.5, personal: 0.75, payment: 0.9, 'special-category': 1 };
const ACCESS: Record<string, number> = { none: 0, physical: 0.25, network: 0.5, integrated: 0.75, privileged: 1 };
const round1 = (n: number) => Math.round(n * 10) / 10;

/** The same rule as the server: an unanswered factor (left out, or no data category ticked) scores 0 and the tier is at least T2. */
export function previewScore(
  v: Pick<VendorInput, 'dataCategories' | 'regulatoryScope'> & Partial<Pick<VendorInput, 'accessLevel' | 'criticality' | 'substitutability' | 'shipsSoftware' | 'autoUpdate'>>,
  subcontractors: number,
  model: RiskModel,
): { score: number; tier: Tier; terms: RiskTerm[]; missing: Factor[] } {
  const missing: Factor[] = [];
  if (!v.dataCategories.length) missing.push('dataSensitivity');
  if (v.accessLevel === undefined) missing.push('accessLevel');
  if (v.criticality === undefined) missing.push('criticality');
  if (v.substitutability === undefined) missing.push('substitutability');
  if (v.shipsSoftware === undefined) missing.push('softwareSupply');
  const worst = v.dataCategories.reduce<DataCategory>((w, c) => (SENSITIVITY[c] > SENSITIVITY[w] ? c : w), 'none');
  const parts: Record<Factor, [string, number]> = {
    dataSensitivity: [worst, SENSITIVITY[worst]],
    accessLevel: [v.accessLevel ?? '', ACCESS[v.accessLevel ?? 'none'] ?? 0],
    criticality: [`${v.criticality} of 4`, ((v.criticality ?? 1) - 1) / 3],
    substitutability: [`${v.substitutability} of 4`, ((v.substitutability ?? 1) - 1) / 3],
    softwareSupply: [v.shipsSoftware ? (v.autoUpdate ? 'ships software, auto-updates' : 'ships software') : 'no software', v.shipsSoftware ? (v.autoUpdate ? 1 : 0.6) : 0],
    fourthParties: [`${subcontractors} subcontractor${subcontractors === 1 ? '' : 's'}`, Math.min(subcontractors / 5, 1)],
    regulatoryScope: [v.regulatoryScope.length ? v.regulatoryScope.join(', ') : 'none', Math.min(v.regulatoryScope.length / 3, 1)],
  };
  const terms = FACTORS.map((factor) =>
    missing.includes(factor)
      ? { factor, value: 'not answered', weight: model.weights[factor], points: 0 }
      : { factor, value: parts[factor][0], weight: model.weights[factor], points: round1(model.weights[factor] * parts[factor][1]) },
  );
  const score = round1(Math.min(100, terms.reduce((s, t) => s + t.points, 0)));
  const th = model.tierThresholds;
  const scored: Tier = score >= th.T1 ? 'T1' : score >= th.T2 ? 'T2' : score >= th.T3 ? 'T3' : 'T4';
  const tier: Tier = missing.length && (scored === 'T3' || scored === 'T4') ? 'T2' : scored;
  return { score, tier, terms, missing };
}
