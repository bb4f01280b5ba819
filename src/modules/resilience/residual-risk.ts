/**
 * Residual risk: the vendor's inherent score adjusted by what we know of its controls and its
 * open problems. Every adjustment is a term with its points, so the UI can show how the score was
 * reached; the score is the sum of the terms, kept within 0..100.
 */

export const FINDING_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

export interface ResidualRiskWeights {
  /** Percent of the inherent score removed when every assessed control is met (partial counts half). */
  coverageReduction: number;
  /** Points per open remediation item, and the most they add together. */
  remediationPoints: number;
  remediationMax: number;
  /** Points per open finding (one per advisory) on the vendor's products, by severity, and the most they add together. */
  findingPoints: Record<FindingSeverity, number>;
  findingsMax: number;
  /** Points added when the latest assessment is older than the tier's review cadence. */
  staleEvidencePoints: number;
}

export const DEFAULT_RESIDUAL_WEIGHTS: ResidualRiskWeights = {
  coverageReduction: 50,
  remediationPoints: 3,
  remediationMax: 15,
  findingPoints: { critical: 5, high: 2, medium: 0.5, low: 0.1 },
  findingsMax: 25,
  staleEvidencePoints: 10,
};

export type ControlStatus = 'met' | 'partial' | 'not-met' | 'unanswered' | 'na';

export interface AssessedControls {
  assessmentId: string;
  templateName: string;
  status: string;
  /** When the answers were given: closed, else submitted. */
  assessedAt: string;
  controls: ReadonlyArray<{ status: ControlStatus }>;
}

export interface ResidualInputs {
  inherentScore: number;
  /** Days between reviews for the vendor's tier (the risk model's cadence). */
  cadenceDays: number;
  assessment: AssessedControls | null;
  openRemediations: number;
  openFindings: Partial<Record<FindingSeverity, number>>;
}

export type ResidualTermKey = 'inherent' | 'controlCoverage' | 'openRemediations' | 'openFindings' | 'evidenceAge';

export interface ResidualTerm {
  key: ResidualTermKey;
  label: string;
  points: number;
  detail: string;
}

export interface ResidualRisk {
  score: number;
  terms: ResidualTerm[];
  assessedAt: string | null;
}

const DAY_MS = 86_400_000;
const round1 = (n: number) => Math.round(n * 10) / 10;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Share of the scored controls met (partial = half); null when the assessment scored none. */
export function controlCoverage(controls: AssessedControls['controls']): { coverage: number | null; scored: number } {
  const scored = controls.filter((c) => c.status !== 'na');
  if (!scored.length) return { coverage: null, scored: 0 };
  const credit = scored.reduce((sum, c) => sum + (c.status === 'met' ? 1 : c.status === 'partial' ? 0.5 : 0), 0);
  return { coverage: credit / scored.length, scored: scored.length };
}

export function residualRisk(input: ResidualInputs, weights: ResidualRiskWeights = DEFAULT_RESIDUAL_WEIGHTS, now = new Date()): ResidualRisk {
  const inherent = round1(input.inherentScore);
  const terms: ResidualTerm[] = [{ key: 'inherent', label: 'Inherent risk', points: inherent, detail: 'the vendor\'s inherent score before any control is considered' }];
  const assessment = input.assessment;

  if (!assessment) {
    terms.push({ key: 'controlCoverage', label: 'Assessed control coverage', points: 0, detail: 'never assessed: no reduction' });
  } else {
    const { coverage, scored } = controlCoverage(assessment.controls);
    const what = `${assessment.templateName} (${assessment.status} ${assessment.assessedAt.slice(0, 10)})`;
    terms.push(
      coverage === null
        ? { key: 'controlCoverage', label: 'Assessed control coverage', points: 0, detail: `${what} scored no controls: no reduction` }
        : {
            key: 'controlCoverage',
            label: 'Assessed control coverage',
            points: -round1(inherent * (weights.coverageReduction / 100) * coverage),
            detail: `${Math.round(coverage * 100)}% of ${plural(scored, 'control')} met in ${what}`,
          },
    );
  }

  const remediations = Math.max(0, input.openRemediations);
  terms.push({
    key: 'openRemediations',
    label: 'Open remediation items',
    points: round1(Math.min(weights.remediationMax, remediations * weights.remediationPoints)),
    detail: remediations ? `${plural(remediations, 'item')} open` : 'none open',
  });

  const counted = FINDING_SEVERITIES.filter((s) => (input.openFindings[s] ?? 0) > 0);
  const findingPoints = FINDING_SEVERITIES.reduce((sum, s) => sum + (input.openFindings[s] ?? 0) * weights.findingPoints[s], 0);
  terms.push({
    key: 'openFindings',
    label: 'Open findings on its products',
    points: round1(Math.min(weights.findingsMax, findingPoints)),
    detail: counted.length ? counted.map((s) => `${input.openFindings[s]} ${s}`).join(', ') : 'none open',
  });

  if (!assessment) {
    terms.push({ key: 'evidenceAge', label: 'Evidence age', points: 0, detail: 'never assessed' });
  } else {
    const ageDays = Math.max(0, Math.floor((now.getTime() - Date.parse(assessment.assessedAt)) / DAY_MS));
    const stale = ageDays > input.cadenceDays;
    terms.push({
      key: 'evidenceAge',
      label: 'Evidence age',
      points: stale ? round1(weights.staleEvidencePoints) : 0,
      detail: `${plural(ageDays, 'day')} old; the tier's review cadence is ${input.cadenceDays} days${stale ? ': out of date' : ''}`,
    });
  }

  const score = round1(Math.min(100, Math.max(0, terms.reduce((sum, t) => sum + t.points, 0))));
  return { score, terms, assessedAt: assessment?.assessedAt ?? null };
}
