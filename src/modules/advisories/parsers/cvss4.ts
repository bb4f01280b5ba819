// CVSS v4.0 scoring with FIRST's MacroVector lookup and interpolation (specification section 8), computed in the
// same floating-point order as FIRST's reference calculator so that results agree to the last decimal.
import { type Metrics, type MetricValues, metricValues, parseMetrics } from './cvss-vector.js';

const IMPACT = ['N', 'L', 'H'];
const MODIFIED_IMPACT = ['X', 'N', 'L', 'H'];
const REQUIREMENT = ['X', 'H', 'M', 'L'];

export const V4_BASE_METRICS = ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'] as const;

const V4_METRICS: MetricValues = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  AT: ['N', 'P'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'P', 'A'],
  ...metricValues(['VC', 'VI', 'VA', 'SC', 'SI', 'SA'], IMPACT),
  E: ['X', 'A', 'P', 'U'],
  ...metricValues(['CR', 'IR', 'AR'], REQUIREMENT),
  MAV: ['X', 'N', 'A', 'L', 'P'],
  MAC: ['X', 'L', 'H'],
  MAT: ['X', 'N', 'P'],
  MPR: ['X', 'N', 'L', 'H'],
  MUI: ['X', 'N', 'P', 'A'],
  ...metricValues(['MVC', 'MVI', 'MVA', 'MSC'], MODIFIED_IMPACT),
  ...metricValues(['MSI', 'MSA'], [...MODIFIED_IMPACT, 'S']),
  S: ['X', 'N', 'P'],
  AU: ['X', 'N', 'Y'],
  R: ['X', 'A', 'U', 'I'],
  V: ['X', 'D', 'C'],
  RE: ['X', 'L', 'M', 'H'],
  U: ['X', 'Clear', 'Green', 'Amber', 'Red'],
};

export function parseV4Metrics(body: string): Metrics {
  return parseMetrics(body, V4_METRICS, V4_BASE_METRICS);
}

/** Unset threat and requirement metrics score as their worst case. */
const WORST_CASE_DEFAULTS: Record<string, string> = { E: 'A', CR: 'H', IR: 'H', AR: 'H' };

function effectiveValue(metrics: Metrics, key: string): string {
  const value = metrics.get(key) ?? 'X';
  if (value === 'X' && key in WORST_CASE_DEFAULTS) return WORST_CASE_DEFAULTS[key];
  const modified = metrics.get(`M${key}`);
  return modified && modified !== 'X' ? modified : value;
}

type Value = (key: string) => string;

const EXPLOIT_MATURITY_CLASS: Record<string, number> = { A: 0, P: 1, U: 2 };

function equivalenceClasses(value: Value, metrics: Metrics): number[] {
  const [av, pr, ui] = [value('AV'), value('PR'), value('UI')];
  const [vc, vi, va] = [value('VC'), value('VI'), value('VA')];
  const anyNone = av === 'N' || pr === 'N' || ui === 'N';
  const eq1 = av === 'N' && pr === 'N' && ui === 'N' ? 0 : anyNone && av !== 'P' ? 1 : 2;
  const eq2 = value('AC') === 'L' && value('AT') === 'N' ? 0 : 1;
  const eq3 = vc === 'H' && vi === 'H' ? 0 : vc === 'H' || vi === 'H' || va === 'H' ? 1 : 2;
  const safety = metrics.get('MSI') === 'S' || metrics.get('MSA') === 'S';
  const eq4 = safety ? 0 : value('SC') === 'H' || value('SI') === 'H' || value('SA') === 'H' ? 1 : 2;
  const eq5 = EXPLOIT_MATURITY_CLASS[value('E')];
  const highRequirement =
    (value('CR') === 'H' && vc === 'H') || (value('IR') === 'H' && vi === 'H') || (value('AR') === 'H' && va === 'H');
  return [eq1, eq2, eq3, eq4, eq5, highRequirement ? 0 : 1];
}

// Severity of each value in steps of 0.1, as in the reference calculator (lower is more severe).
const LEVELS: Record<string, Record<string, number>> = {
  AV: { N: 0, A: 0.1, L: 0.2, P: 0.3 },
  PR: { N: 0, L: 0.1, H: 0.2 },
  UI: { N: 0, P: 0.1, A: 0.2 },
  AC: { L: 0, H: 0.1 },
  AT: { N: 0, P: 0.1 },
  VC: { H: 0, L: 0.1, N: 0.2 },
  VI: { H: 0, L: 0.1, N: 0.2 },
  VA: { H: 0, L: 0.1, N: 0.2 },
  SC: { H: 0.1, L: 0.2, N: 0.3 },
  SI: { S: 0, H: 0.1, L: 0.2, N: 0.3 },
  SA: { S: 0, H: 0.1, L: 0.2, N: 0.3 },
  CR: { H: 0, M: 0.1, L: 0.2 },
  IR: { H: 0, M: 0.1, L: 0.2 },
  AR: { H: 0, M: 0.1, L: 0.2 },
  E: { A: 0, P: 0.1, U: 0.2 },
};

// The highest-severity vectors of each MacroVector, per EQ (EQ3 and EQ6 are scored jointly).
const MAX_VECTORS: ReadonlyArray<Record<string, string[]>> = [
  { '0': ['AV:N/PR:N/UI:N'], '1': ['AV:A/PR:N/UI:N', 'AV:N/PR:L/UI:N', 'AV:N/PR:N/UI:P'], '2': ['AV:P/PR:N/UI:N', 'AV:A/PR:L/UI:P'] },
  { '0': ['AC:L/AT:N'], '1': ['AC:H/AT:N', 'AC:L/AT:P'] },
  {
    '00': ['VC:H/VI:H/VA:H/CR:H/IR:H/AR:H'],
    '01': ['VC:H/VI:H/VA:L/CR:M/IR:M/AR:H', 'VC:H/VI:H/VA:H/CR:M/IR:M/AR:M'],
    '10': ['VC:L/VI:H/VA:H/CR:H/IR:H/AR:H', 'VC:H/VI:L/VA:H/CR:H/IR:H/AR:H'],
    '11': [
      'VC:L/VI:H/VA:L/CR:H/IR:M/AR:H',
      'VC:L/VI:H/VA:H/CR:H/IR:M/AR:M',
      'VC:H/VI:L/VA:H/CR:M/IR:H/AR:M',
      'VC:H/VI:L/VA:L/CR:M/IR:H/AR:H',
      'VC:L/VI:L/VA:H/CR:H/IR:H/AR:M',
    ],
    '21': ['VC:L/VI:L/VA:L/CR:H/IR:H/AR:H'],
  },
  { '0': ['SC:H/SI:S/SA:S'], '1': ['SC:H/SI:H/SA:H'], '2': ['SC:L/SI:L/SA:L'] },
  { '0': ['E:A'], '1': ['E:P'], '2': ['E:U'] },
];

// Depth of each MacroVector (its largest severity distance + 1), per EQ.
const MAX_SEVERITY: ReadonlyArray<Record<string, number>> = [
  { '0': 1, '1': 4, '2': 5 },
  { '0': 1, '1': 2 },
  { '00': 7, '01': 6, '10': 8, '11': 8, '21': 10 },
  { '0': 6, '1': 5, '2': 4 },
];

const STEP = 0.1;
const IMPACT_METRICS = ['VC', 'VI', 'VA', 'SC', 'SI', 'SA'];

export function scoreV4(metrics: Metrics): number {
  const value: Value = (key) => effectiveValue(metrics, key);
  if (IMPACT_METRICS.every((key) => value(key) === 'N')) return 0;
  const eq = equivalenceClasses(value, metrics);
  const macroScore = macroVectorScore(eq)!;
  const distances = distancesFromMaxVector(value, eq);
  const groups = [
    distances.AV + distances.PR + distances.UI,
    distances.AC + distances.AT,
    distances.VC + distances.VI + distances.VA + distances.CR + distances.IR + distances.AR,
    distances.SC + distances.SI + distances.SA,
  ];
  const depths = [MAX_SEVERITY[0][eq[0]], MAX_SEVERITY[1][eq[1]], MAX_SEVERITY[2][`${eq[2]}${eq[5]}`], MAX_SEVERITY[3][eq[3]]];
  let existingLower = 0;
  let sum = 0;
  lowerMacroScores(eq).forEach((lowerScore, i) => {
    const available = macroScore - lowerScore;
    if (Number.isNaN(available)) return;
    existingLower += 1;
    // EQ5 (exploit maturity) has no internal distance: it contributes a proportion of 0.
    if (i < 4) sum += available * (groups[i] / (depths[i] * STEP));
  });
  const mean = existingLower === 0 ? 0 : sum / existingLower;
  return roundToTenth(Math.max(0, Math.min(10, macroScore - mean)));
}

/** Scores of the next lower MacroVector along EQ1, EQ2, EQ3+EQ6, EQ4 and EQ5; NaN where none exists. */
function lowerMacroScores(eq: number[]): number[] {
  const [eq1, eq2, eq3, eq4, eq5, eq6] = eq;
  const at = (...classes: number[]) => macroVectorScore(classes) ?? NaN;
  const eq3eq6 =
    eq3 === 0 && eq6 === 0
      ? Math.max(at(eq1, eq2, 0, eq4, eq5, 1), at(eq1, eq2, 1, eq4, eq5, 0))
      : eq3 === 1 && eq6 === 0
        ? at(eq1, eq2, 1, eq4, eq5, 1)
        : at(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
  return [
    at(eq1 + 1, eq2, eq3, eq4, eq5, eq6),
    at(eq1, eq2 + 1, eq3, eq4, eq5, eq6),
    eq3eq6,
    at(eq1, eq2, eq3, eq4 + 1, eq5, eq6),
    at(eq1, eq2, eq3, eq4, eq5 + 1, eq6),
  ];
}

/** Distances from the first highest-severity vector of the MacroVector that the scored vector does not exceed. */
function distancesFromMaxVector(value: Value, eq: number[]): Record<string, number> {
  const candidates = [
    MAX_VECTORS[0][eq[0]],
    MAX_VECTORS[1][eq[1]],
    MAX_VECTORS[2][`${eq[2]}${eq[5]}`],
    MAX_VECTORS[3][eq[3]],
    MAX_VECTORS[4][eq[4]],
  ].reduce<string[]>((combined, parts) => combined.flatMap((prefix) => parts.map((part) => `${prefix}/${part}`)), ['']);
  let distances: Record<string, number> = {};
  for (const candidate of candidates) {
    const max = new Map(candidate.slice(1).split('/').map((pair) => pair.split(':') as [string, string]));
    distances = Object.fromEntries(
      Object.keys(LEVELS).map((key) => [key, LEVELS[key][value(key)] - LEVELS[key][max.get(key)!]]),
    );
    if (Object.values(distances).every((distance) => distance >= 0)) break;
  }
  return distances;
}

function roundToTenth(value: number): number {
  return parseFloat((Math.round(value * 10) / 10).toFixed(1));
}

function macroVectorScore(eq: readonly number[]): number | undefined {
  return MACRO_VECTOR_SCORES.get(eq.join(''));
}

// FIRST's expert-assigned score of each of the 270 MacroVectors (EQ1..EQ6), one row per EQ1-EQ2-EQ3 prefix,
// columns in EQ4-EQ5-EQ6 order. With EQ3 = 2 only EQ6 = 1 can occur.
const SUFFIXES = ['000', '001', '010', '011', '020', '021', '100', '101', '110', '111', '120', '121', '200', '201', '210', '211', '220', '221'];
const SUFFIXES_EQ6_1 = SUFFIXES.filter((suffix) => suffix.endsWith('1'));
const MACRO_VECTOR_ROWS: Record<string, string> = {
  '000': '10 9.9 9.8 9.5 9.5 9.2 10 9.6 9.3 8.7 9.1 8.1 9.3 9 8.9 8 8.1 6.8',
  '001': '9.8 9.5 9.5 9.2 9 8.4 9.3 9.2 8.9 8.1 8.1 6.5 8.8 8 7.8 7 6.9 4.8',
  '002': '9.2 8.2 7.2 7.9 6.9 5 6.9 5.5 2.7',
  '010': '9.9 9.7 9.5 9.2 9.2 8.5 9.5 9.1 9 8.3 8.4 7.1 9.2 8.1 8.2 7.1 7.2 5.3',
  '011': '9.5 9.3 9.2 8.5 8.5 7.3 9.2 8.2 8 7.2 7 5.9 8.4 7 7.1 5.2 5 3',
  '012': '8.6 7.5 5.2 7.1 5.2 2.9 6.3 2.9 1.7',
  '100': '9.8 9.5 9.4 8.7 9.1 8.1 9.4 8.9 8.6 7.4 7.7 6.4 8.7 7.5 7.4 6.3 6.3 4.9',
  '101': '9.4 8.9 8.8 7.7 7.6 6.7 8.6 7.6 7.4 5.8 5.9 5 7.2 5.7 5.7 5.2 5.2 2.5',
  '102': '8.3 7 5.4 6.5 5.8 2.6 5.3 2.1 1.3',
  '110': '9.5 9 8.8 7.6 7.6 7 9 7.7 7.5 6.2 6.1 5.3 7.7 6.6 6.8 5.9 5.2 3',
  '111': '8.9 7.8 7.6 6.7 6.2 5.8 7.4 5.9 5.7 5.7 4.7 2.3 6.1 5.2 5.7 2.9 2.4 1.6',
  '112': '7.1 5.9 3 5.8 2.6 1.5 2.3 1.3 0.6',
  '200': '9.3 8.7 8.6 7.2 7.5 5.8 8.6 7.4 7.4 6.1 5.6 3.4 7 5.4 5.2 4 4 2.2',
  '201': '8.5 7.5 7.4 5.5 6.2 5.1 7.2 5.7 5.5 4.1 4.6 1.9 5.3 3.6 3.4 1.9 1.9 0.8',
  '202': '6.4 5.1 2 4.7 2.1 1.1 2.4 0.9 0.4',
  '210': '8.8 7.5 7.3 5.3 6 5 7.3 5.5 5.9 4 4.1 2 5.4 4.3 4.5 2.2 2 1.1',
  '211': '7.5 5.5 5.8 4.5 4 2.1 6.1 5.1 4.8 1.8 2 0.9 4.6 1.8 1.7 0.7 0.8 0.2',
  '212': '5.3 2.4 1.4 2.4 1.2 0.5 1 0.3 0.1',
};

const MACRO_VECTOR_SCORES: ReadonlyMap<string, number> = new Map(
  Object.entries(MACRO_VECTOR_ROWS).flatMap(([prefix, row]) => {
    const suffixes = prefix.endsWith('2') ? SUFFIXES_EQ6_1 : SUFFIXES;
    return row.split(' ').map((score, i) => [`${prefix}${suffixes[i]}`, Number(score)] as const);
  }),
);
