import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACCESS_LEVELS,
  DATA_CATEGORIES,
  DEFAULT_RISK_MODEL,
  FACTORS,
  TIERS,
  ANSWERABLE_FACTORS,
  NOT_ANSWERED,
  nextReviewAt,
  scoreVendor,
  stillMissing,
  tierFor,
  validateRiskModel,
  type RiskInputs,
  type RiskModel,
} from './risk-score.js';

const DAY = 86_400_000;

const minimal: RiskInputs = {
  dataCategories: [],
  accessLevel: 'none',
  criticality: 1,
  substitutability: 1,
  shipsSoftware: false,
  autoUpdate: false,
  fourthPartyCount: 0,
  regulatoryScope: [],
};

const maximal: RiskInputs = {
  dataCategories: ['special-category'],
  accessLevel: 'privileged',
  criticality: 4,
  substitutability: 4,
  shipsSoftware: true,
  autoUpdate: true,
  fourthPartyCount: 5,
  regulatoryScope: ['GDPR', 'DORA', 'NIS2'],
};

const model = (patch: Partial<RiskModel> = {}): RiskModel => structuredClone({ ...DEFAULT_RISK_MODEL, ...patch });
const sumPoints = (terms: Array<{ points: number }>) => Math.round(terms.reduce((s, t) => s + t.points, 0) * 10) / 10;
const term = (input: RiskInputs, factor: string, m: RiskModel = DEFAULT_RISK_MODEL) => scoreVendor(input, m).terms.find((t) => t.factor === factor)!;

describe('unanswered factors', () => {
  test('score nothing, read "not answered", and make the tier provisional: at least T2, never lower', () => {
    const all = scoreVendor({ ...maximal, missing: ANSWERABLE_FACTORS });
    assert.deepEqual(all.missing, [...ANSWERABLE_FACTORS]);
    assert.equal(all.tierProvisional, true);
    for (const t of all.terms) {
      if ((ANSWERABLE_FACTORS as readonly string[]).includes(t.factor)) assert.deepEqual([t.value, t.points], [NOT_ANSWERED, 0]);
    }
    assert.equal(all.score, 10, 'only fourth parties and regulatory scope are known');
    assert.equal(all.tier, 'T2', 'a T4 score is floored at T2 while provisional');
    const known = scoreVendor({ ...maximal, missing: ['substitutability'] });
    assert.deepEqual([known.score, known.tier, known.tierProvisional], [90, 'T1', true], 'a known T1 score keeps T1');
    const none = scoreVendor({ ...minimal, dataCategories: ['none'], missing: [] });
    assert.deepEqual([none.tier, none.tierProvisional, none.missing], ['T4', false, []]);
  });

  test('stillMissing: a write answers the factors whose field it sets; data sensitivity needs a category', () => {
    assert.deepEqual(stillMissing(ANSWERABLE_FACTORS, new Set(['name']), []), [...ANSWERABLE_FACTORS]);
    assert.deepEqual(stillMissing(ANSWERABLE_FACTORS, new Set(['criticality', 'autoUpdate', 'dataCategories']), []), ['dataSensitivity', 'accessLevel', 'substitutability', 'softwareSupply']);
    assert.deepEqual(stillMissing(['accessLevel'], new Set(), ['none']), ['accessLevel']);
    assert.deepEqual(stillMissing(['accessLevel', 'softwareSupply'], new Set(['accessLevel', 'shipsSoftware']), ['internal']), []);
  });
});

describe('risk model defaults', () => {
  test('default weights sum to 100 and the default model is valid', () => {
    assert.equal(FACTORS.reduce((s, f) => s + DEFAULT_RISK_MODEL.weights[f], 0), 100);
    assert.deepEqual(validateRiskModel(DEFAULT_RISK_MODEL), []);
  });
});

describe('scoreVendor', () => {
  test('a vendor with nothing at stake scores 0 and is T4', () => {
    const r = scoreVendor(minimal);
    assert.equal(r.score, 0);
    assert.equal(r.tier, 'T4');
    assert.ok(r.terms.every((t) => t.points === 0));
  });

  test('a vendor at the top of every factor scores exactly 100 and is T1', () => {
    const r = scoreVendor(maximal);
    assert.equal(r.score, 100);
    assert.equal(r.tier, 'T1');
    for (const t of r.terms) assert.equal(t.points, t.weight, `${t.factor} should contribute its full weight`);
  });

  test('every factor is explained exactly once, in model order, with the model weight', () => {
    const r = scoreVendor(maximal);
    assert.deepEqual(r.terms.map((t) => t.factor), [...FACTORS]);
    for (const t of r.terms) {
      assert.equal(t.weight, DEFAULT_RISK_MODEL.weights[t.factor]);
      assert.equal(typeof t.value, 'string');
      assert.ok(t.value.length > 0);
    }
  });

  test('the score is the sum of the term points (within rounding) for many input combinations', () => {
    let checked = 0;
    for (const data of DATA_CATEGORIES) {
      for (const access of ACCESS_LEVELS) {
        for (const crit of [1, 2, 3, 4]) {
          for (const subs of [1, 3]) {
            for (const [ships, auto] of [[false, false], [true, false], [true, true]] as const) {
              for (const fourth of [0, 1, 4, 9]) {
                const r = scoreVendor({
                  dataCategories: [data],
                  accessLevel: access,
                  criticality: crit,
                  substitutability: subs,
                  shipsSoftware: ships,
                  autoUpdate: auto,
                  fourthPartyCount: fourth,
                  regulatoryScope: fourth % 2 ? ['GDPR'] : [],
                });
                assert.ok(Math.abs(r.score - sumPoints(r.terms)) <= 0.05, `score ${r.score} vs terms ${sumPoints(r.terms)}`);
                assert.ok(r.score >= 0 && r.score <= 100);
                assert.equal(r.tier, tierFor(r.score));
                checked++;
              }
            }
          }
        }
      }
    }
    assert.ok(checked > 1000);
  });

  test('data sensitivity takes the most sensitive category, whatever the order', () => {
    const a = term({ ...minimal, dataCategories: ['internal', 'payment', 'personal'] }, 'dataSensitivity');
    const b = term({ ...minimal, dataCategories: ['personal', 'internal', 'payment'] }, 'dataSensitivity');
    assert.equal(a.value, 'payment');
    assert.deepEqual(a, b);
    assert.equal(a.points, 22.5); // 25 × 0.9
    assert.equal(term(minimal, 'dataSensitivity').value, 'none');
  });

  test('data sensitivity is monotonic in the category', () => {
    const points = DATA_CATEGORIES.map((c) => term({ ...minimal, dataCategories: [c] }, 'dataSensitivity').points);
    for (let i = 1; i < points.length; i++) assert.ok(points[i] > points[i - 1], `${DATA_CATEGORIES[i]} should outrank ${DATA_CATEGORIES[i - 1]}`);
    assert.equal(points.at(-1), DEFAULT_RISK_MODEL.weights.dataSensitivity);
  });

  test('access level is monotonic, from 0 to its full weight', () => {
    const points = ACCESS_LEVELS.map((a) => term({ ...minimal, accessLevel: a }, 'accessLevel').points);
    assert.deepEqual(points, [0, 5, 10, 15, 20]);
  });

  test('criticality and substitutability scale linearly from 1 (0 points) to 4 (full weight)', () => {
    assert.deepEqual([1, 2, 3, 4].map((c) => term({ ...minimal, criticality: c }, 'criticality').points), [0, 6.7, 13.3, 20]);
    assert.deepEqual([1, 2, 3, 4].map((c) => term({ ...minimal, substitutability: c }, 'substitutability').points), [0, 3.3, 6.7, 10]);
    assert.equal(term({ ...minimal, criticality: 3 }, 'criticality').value, '3 of 4');
  });

  test('software supply: none, ships software, ships and auto-updates', () => {
    const none = term(minimal, 'softwareSupply');
    const ships = term({ ...minimal, shipsSoftware: true }, 'softwareSupply');
    const auto = term({ ...minimal, shipsSoftware: true, autoUpdate: true }, 'softwareSupply');
    assert.deepEqual([none.points, ships.points, auto.points], [0, 9, 15]);
    assert.equal(none.value, 'no software');
    assert.equal(ships.value, 'ships software');
    assert.equal(auto.value, 'ships software, auto-updates');
    // autoUpdate without shipsSoftware does not count: nothing is installed to update.
    assert.equal(term({ ...minimal, autoUpdate: true }, 'softwareSupply').points, 0);
  });

  test('fourth parties saturate at five subcontractors', () => {
    const pts = [0, 1, 2, 5, 6, 50].map((n) => term({ ...minimal, fourthPartyCount: n }, 'fourthParties').points);
    assert.deepEqual(pts, [0, 1, 2, 5, 5, 5]);
    assert.equal(term({ ...minimal, fourthPartyCount: 1 }, 'fourthParties').value, '1 subcontractor');
    assert.equal(term({ ...minimal, fourthPartyCount: 2 }, 'fourthParties').value, '2 subcontractors');
  });

  test('regulatory scope saturates at three regimes and lists them', () => {
    const one = term({ ...minimal, regulatoryScope: ['GDPR'] }, 'regulatoryScope');
    assert.equal(one.points, 1.7);
    assert.equal(one.value, 'GDPR');
    assert.equal(term({ ...minimal, regulatoryScope: ['A', 'B', 'C', 'D', 'E'] }, 'regulatoryScope').points, 5);
    assert.equal(term(minimal, 'regulatoryScope').value, 'none');
  });

  test('a custom model changes weights and the tier', () => {
    const m = model({
      weights: { dataSensitivity: 100, accessLevel: 0, criticality: 0, substitutability: 0, softwareSupply: 0, fourthParties: 0, regulatoryScope: 0 },
    });
    const r = scoreVendor({ ...maximal, dataCategories: ['personal'] }, m);
    assert.equal(r.score, 75);
    assert.equal(r.tier, 'T1');
    assert.equal(r.terms.filter((t) => t.points > 0).length, 1);
    const soft = scoreVendor({ ...minimal, dataCategories: ['confidential'] }, model({ tierThresholds: { T1: 90, T2: 60, T3: 12 } }));
    assert.equal(soft.score, 12.5);
    assert.equal(soft.tier, 'T3');
  });

  test('a score is never above 100 even when weights over-sum (an unvalidated model)', () => {
    const m = model({ weights: { ...DEFAULT_RISK_MODEL.weights, dataSensitivity: 60 } });
    assert.equal(scoreVendor(maximal, m).score, 100);
  });

  test('scores are rounded to one decimal', () => {
    const r = scoreVendor({ ...minimal, criticality: 2, substitutability: 2 }); // 6.666… + 3.333…
    assert.equal(r.score, 10);
    for (const t of r.terms) assert.equal(Math.round(t.points * 10) / 10, t.points);
  });
});

describe('tierFor', () => {
  test('thresholds are inclusive lower bounds', () => {
    const cases: Array<[number, string]> = [
      [100, 'T1'], [70, 'T1'], [69.9, 'T2'], [50, 'T2'], [49.9, 'T3'], [25, 'T3'], [24.9, 'T4'], [0, 'T4'],
    ];
    for (const [score, tier] of cases) assert.equal(tierFor(score), tier, `score ${score}`);
  });

  test('uses the model thresholds', () => {
    const m = model({ tierThresholds: { T1: 90, T2: 80, T3: 10 } });
    assert.equal(tierFor(89.9, m), 'T2');
    assert.equal(tierFor(90, m), 'T1');
    assert.equal(tierFor(10, m), 'T3');
    assert.equal(tierFor(9.9, m), 'T4');
  });
});

describe('nextReviewAt', () => {
  const created = '2024-01-01T00:00:00.000Z';
  test('counts the tier cadence from the creation date when never reviewed', () => {
    for (const tier of TIERS) {
      const expected = new Date(Date.parse(created) + DEFAULT_RISK_MODEL.reviewCadenceDays[tier] * DAY).toISOString();
      assert.equal(nextReviewAt(tier, null, created), expected);
    }
    assert.equal(nextReviewAt('T1', null, created), '2024-03-31T00:00:00.000Z');
  });

  test('counts from the last review when there is one', () => {
    assert.equal(nextReviewAt('T2', '2024-06-01T12:00:00.000Z', created), '2024-11-28T12:00:00.000Z');
  });

  test('honours the model cadence', () => {
    const m = model({ reviewCadenceDays: { T1: 1, T2: 2, T3: 3, T4: 4 } });
    assert.equal(nextReviewAt('T4', null, created, m), '2024-01-05T00:00:00.000Z');
  });

  test('stricter tiers are reviewed sooner', () => {
    const dates = TIERS.map((t) => Date.parse(nextReviewAt(t, null, created)));
    for (let i = 1; i < dates.length; i++) assert.ok(dates[i] > dates[i - 1]);
  });
});

describe('validateRiskModel', () => {
  test('a threshold out of order is named on the threshold that breaks the order', () => {
    const withThresholds = (tierThresholds: RiskModel['tierThresholds']) => validateRiskModel({ ...DEFAULT_RISK_MODEL, tierThresholds });
    assert.deepEqual(withThresholds({ T1: 70, T2: 75, T3: 25 }), ['tierThresholds.T2: must be below the T1 threshold (70)']);
    assert.deepEqual(withThresholds({ T1: 70, T2: 50, T3: 50 }), ['tierThresholds.T3: must be below the T2 threshold (50)']);
    assert.deepEqual(withThresholds({ T1: 120, T2: 50, T3: 0 }), ['tierThresholds.T1: must be at most 100', 'tierThresholds.T3: must be above 0']);
  });

  const withWeights = (patch: Partial<RiskModel['weights']>) => model({ weights: { ...DEFAULT_RISK_MODEL.weights, ...patch } });

  test('weights must sum to exactly 100', () => {
    const under = validateRiskModel(withWeights({ dataSensitivity: 24 }));
    assert.equal(under.length, 1);
    assert.match(under[0], /^weights: must sum to 100, they sum to 99$/);
    assert.match(validateRiskModel(withWeights({ dataSensitivity: 26 }))[0], /sum to 101/);
  });

  test('fractional weights that sum to 100 are accepted', () => {
    assert.deepEqual(validateRiskModel(withWeights({ dataSensitivity: 24.5, accessLevel: 20.5 })), []);
  });

  test('negative or missing weights are named', () => {
    const problems = validateRiskModel(withWeights({ dataSensitivity: -5, accessLevel: 50 }));
    assert.ok(problems.includes('weights.dataSensitivity: must be a number ≥ 0'), problems.join('; '));
    const missing = model();
    delete (missing.weights as Partial<RiskModel['weights']>).regulatoryScope;
    assert.ok(validateRiskModel(missing).some((p) => p.startsWith('weights.regulatoryScope:')));
  });

  test('tier thresholds must descend strictly within (0, 100]', () => {
    const bad: Array<[RiskModel['tierThresholds'], string]> = [
      [{ T1: 50, T2: 50, T3: 25 }, 'tierThresholds.T2: must be below the T1 threshold (50)'],
      [{ T1: 70, T2: 80, T3: 25 }, 'tierThresholds.T2: must be below the T1 threshold (70)'],
      [{ T1: 70, T2: 50, T3: 0 }, 'tierThresholds.T3: must be above 0'],
      [{ T1: 101, T2: 50, T3: 25 }, 'tierThresholds.T1: must be at most 100'],
      [{ T1: 70, T2: 20, T3: 25 }, 'tierThresholds.T3: must be below the T2 threshold (20)'],
    ];
    for (const [t, problem] of bad) {
      assert.deepEqual(validateRiskModel(model({ tierThresholds: t })), [problem], JSON.stringify(t));
    }
    assert.deepEqual(validateRiskModel(model({ tierThresholds: { T1: 100, T2: 99, T3: 0.5 } })), []);
  });

  test('review cadence must be at least one day per tier', () => {
    const problems = validateRiskModel(model({ reviewCadenceDays: { T1: 0, T2: 180, T3: -1, T4: 730 } }));
    assert.deepEqual(problems, ['reviewCadenceDays.T1: must be at least 1', 'reviewCadenceDays.T3: must be at least 1']);
  });

  test('reports every problem at once', () => {
    const problems = validateRiskModel({
      weights: { dataSensitivity: 1, accessLevel: 1, criticality: 1, substitutability: 1, softwareSupply: 1, fourthParties: 1, regulatoryScope: -1 },
      tierThresholds: { T1: 10, T2: 20, T3: 30 },
      reviewCadenceDays: { T1: 0, T2: 1, T3: 1, T4: 1 },
    });
    // A negative weight, the sum, T2 above T1, T3 above T2, a cadence below a day.
    assert.equal(problems.length, 5);
  });
});
