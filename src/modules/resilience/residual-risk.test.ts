import assert from 'node:assert/strict';
import { test } from 'node:test';
import { controlCoverage, DEFAULT_RESIDUAL_WEIGHTS, residualRisk, type AssessedControls } from './residual-risk.js';

const now = new Date('2026-12-06T12:00:00Z');
const assessed = (daysAgo: number, statuses: AssessedControls['controls'][number]['status'][]): AssessedControls => ({
  assessmentId: 'a1',
  templateName: 'Supply-chain security baseline',
  status: 'closed',
  assessedAt: new Date(now.getTime() - daysAgo * 86_400_000).toISOString(),
  controls: statuses.map((status) => ({ status })),
});
const pointsOf = (r: ReturnType<typeof residualRisk>) => Object.fromEntries(r.terms.map((t) => [t.key, t.points]));

test('never assessed: no reduction, and the coverage and evidence terms say so', () => {
  const r = residualRisk({ inherentScore: 62, cadenceDays: 180, assessment: null, openRemediations: 0, openFindings: {} }, DEFAULT_RESIDUAL_WEIGHTS, now);
  assert.equal(r.score, 62);
  assert.equal(r.assessedAt, null);
  assert.deepEqual(r.terms.map((t) => t.key), ['inherent', 'controlCoverage', 'openRemediations', 'openFindings', 'evidenceAge']);
  assert.match(r.terms[1].detail, /never assessed: no reduction/);
  assert.equal(r.terms[4].detail, 'never assessed');
});

test('coverage reduces in proportion (partial counts half, n.a. left out); remediations, findings and stale evidence raise, each capped', () => {
  // 2 met + 1 partial + 1 not met of 4 scored = 62.5 % coverage; 50 % of 80 × 0.625 = 25.
  const fresh = residualRisk(
    { inherentScore: 80, cadenceDays: 90, assessment: assessed(10, ['met', 'met', 'partial', 'not-met', 'na']), openRemediations: 2, openFindings: { critical: 1, high: 3, low: 5 } },
    DEFAULT_RESIDUAL_WEIGHTS,
    now,
  );
  assert.deepEqual(pointsOf(fresh), { inherent: 80, controlCoverage: -25, openRemediations: 6, openFindings: 11.5, evidenceAge: 0 });
  assert.equal(fresh.score, 72.5);
  assert.match(fresh.terms[1].detail, /63% of 4 controls met in Supply-chain security baseline \(closed/);
  assert.equal(fresh.terms[3].detail, '1 critical, 3 high, 5 low');

  const stale = residualRisk(
    { inherentScore: 80, cadenceDays: 90, assessment: assessed(120, ['met']), openRemediations: 40, openFindings: { critical: 100 } },
    DEFAULT_RESIDUAL_WEIGHTS,
    now,
  );
  assert.deepEqual(pointsOf(stale), { inherent: 80, controlCoverage: -40, openRemediations: 15, openFindings: 25, evidenceAge: 10 });
  assert.match(stale.terms[4].detail, /120 days old; the tier's review cadence is 90 days: out of date/);
  // The sum stays on the 0..100 scale.
  assert.equal(stale.score, 90);
  const capped = residualRisk({ inherentScore: 95, cadenceDays: 90, assessment: assessed(200, []), openRemediations: 9, openFindings: { critical: 9 } }, DEFAULT_RESIDUAL_WEIGHTS, now);
  assert.equal(capped.score, 100);
  assert.match(capped.terms[1].detail, /scored no controls: no reduction/);
});

test('weights come from the setting', () => {
  const weights = { ...DEFAULT_RESIDUAL_WEIGHTS, coverageReduction: 100, remediationPoints: 0, findingPoints: { critical: 0, high: 0, medium: 0, low: 0 } };
  const r = residualRisk({ inherentScore: 40, cadenceDays: 365, assessment: assessed(1, ['met', 'met']), openRemediations: 3, openFindings: { critical: 2 } }, weights, now);
  assert.equal(r.score, 0);
  assert.deepEqual(controlCoverage([{ status: 'na' }]), { coverage: null, scored: 0 });
});
