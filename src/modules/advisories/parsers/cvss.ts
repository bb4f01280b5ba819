// CVSS v2.0, v3.0/v3.1 and v4.0 vector parsing and scoring per the FIRST specifications.
import type { AdvisoryCvss, CvssRating, NormalizedAdvisory } from './model.js';
import { CvssError, type Metrics, metricValues, parseMetrics } from './cvss-vector.js';
import { parseV4Metrics, scoreV4 } from './cvss4.js';

export { CvssError } from './cvss-vector.js';

type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';

/**
 * Parses and scores a vector. `hint` names the version when the vector has no `CVSS:x.y/` prefix:
 * OSV severity types (`CVSS_V3`) or CycloneDX rating methods (`CVSSv31`). Throws CvssError when invalid.
 * For v3.x the result is the Base score; for v4.0 it is the CVSS-B/BT/BE/BTE score the vector describes.
 */
export function parseCvss(vector: string, hint?: string): AdvisoryCvss {
  const text = vector.trim();
  const prefix = /^CVSS:(\d+\.\d+)\//.exec(text);
  const body = prefix ? text.slice(prefix[0].length) : text.replace(/^\((.*)\)$/, '$1');
  const version = prefix?.[1] ?? versionFromHint(hint, body);
  const baseScore = scoreFor(version, body);
  return { version, vector: text, baseScore, rating: cvssRating(baseScore, version) };
}

export function tryParseCvss(vector: string, hint?: string): AdvisoryCvss | null {
  try {
    return parseCvss(vector, hint);
  } catch (error) {
    if (error instanceof CvssError) return null;
    throw error;
  }
}

const SEVERITY_PREFERENCE = ['CVSS_V4', 'CVSS_V3', 'CVSS_V2'];

/** The newest valid CVSS among OSV-style severity entries; unparsable vectors are passed over. */
export function bestCvss(severity: NormalizedAdvisory['severity']): AdvisoryCvss | null {
  for (const type of SEVERITY_PREFERENCE) {
    for (const entry of severity) {
      const cvss = entry.type === type ? tryParseCvss(entry.score, type) : null;
      if (cvss) return cvss;
    }
  }
  return null;
}

export function cvssRating(score: number, version: string): CvssRating {
  // v2 has no None/Critical band: NVD rates 0.0-3.9 Low, 4.0-6.9 Medium, 7.0-10.0 High.
  if (version === '2.0') return score < 4 ? 'low' : score < 7 ? 'medium' : 'high';
  if (score === 0) return 'none';
  return score < 4 ? 'low' : score < 7 ? 'medium' : score < 9 ? 'high' : 'critical';
}

const HINTS: Record<string, CvssVersion> = {
  CVSS_V2: '2.0',
  CVSSV2: '2.0',
  CVSS_V3: '3.1',
  CVSSV3: '3.0',
  CVSSV31: '3.1',
  CVSS_V4: '4.0',
  CVSSV4: '4.0',
};

function versionFromHint(hint: string | undefined, body: string): string {
  const version = hint ? HINTS[hint.toUpperCase()] : undefined;
  if (version) return version;
  if (/(^|\/)Au:/.test(body)) return '2.0';
  throw new CvssError('vector has no CVSS version prefix');
}

function scoreFor(version: string, body: string): number {
  switch (version) {
    case '2.0':
      return scoreV2(parseMetrics(body, V2_METRICS, V2_BASE_METRICS));
    case '3.0':
    case '3.1':
      return scoreV3(parseMetrics(body, V3_METRICS, V3_BASE_METRICS), version);
    case '4.0':
      return scoreV4(parseV4Metrics(body));
    default:
      throw new CvssError(`unsupported CVSS version ${version}`);
  }
}

const V3_BASE_METRICS = ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'];
const V3_METRICS = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'R'],
  S: ['U', 'C'],
  ...metricValues(['C', 'I', 'A'], ['H', 'L', 'N']),
  E: ['X', 'U', 'P', 'F', 'H'],
  RL: ['X', 'O', 'T', 'W', 'U'],
  RC: ['X', 'U', 'R', 'C'],
  ...metricValues(['CR', 'IR', 'AR'], ['X', 'L', 'M', 'H']),
  MAV: ['X', 'N', 'A', 'L', 'P'],
  MAC: ['X', 'L', 'H'],
  MPR: ['X', 'N', 'L', 'H'],
  MUI: ['X', 'N', 'R'],
  MS: ['X', 'U', 'C'],
  ...metricValues(['MC', 'MI', 'MA'], ['X', 'N', 'L', 'H']),
};

const V3_WEIGHTS: Record<string, Record<string, number>> = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
};
const V3_PRIVILEGES: Record<'U' | 'C', Record<string, number>> = {
  U: { N: 0.85, L: 0.62, H: 0.27 },
  C: { N: 0.85, L: 0.68, H: 0.5 },
};

function scoreV3(m: Metrics, version: '3.0' | '3.1'): number {
  const scope = m.get('S') as 'U' | 'C';
  const cia = (key: string) => V3_WEIGHTS.CIA[m.get(key)!];
  const iss = 1 - (1 - cia('C')) * (1 - cia('I')) * (1 - cia('A'));
  const impact = scope === 'C' ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  if (impact <= 0) return 0;
  const exploitability =
    8.22 * V3_WEIGHTS.AV[m.get('AV')!] * V3_WEIGHTS.AC[m.get('AC')!] * V3_PRIVILEGES[scope][m.get('PR')!] * V3_WEIGHTS.UI[m.get('UI')!];
  const roundUp = version === '3.0' ? roundUpV30 : roundUpV31;
  return roundUp(Math.min((scope === 'C' ? 1.08 : 1) * (impact + exploitability), 10));
}

/** CVSS v3.0 Roundup: the smallest one-decimal number >= input. */
export function roundUpV30(value: number): number {
  return Math.ceil(value * 10) / 10;
}

/** CVSS v3.1 Appendix A Roundup, in integer arithmetic so that e.g. 4.000000000000001 stays 4.0. */
export function roundUpV31(value: number): number {
  const scaled = Math.round(value * 100000);
  return scaled % 10000 === 0 ? scaled / 100000 : (Math.floor(scaled / 10000) + 1) / 10;
}

const V2_BASE_METRICS = ['AV', 'AC', 'Au', 'C', 'I', 'A'];
const V2_METRICS = {
  AV: ['L', 'A', 'N'],
  AC: ['H', 'M', 'L'],
  Au: ['M', 'S', 'N'],
  ...metricValues(['C', 'I', 'A'], ['N', 'P', 'C']),
  E: ['U', 'POC', 'F', 'H', 'ND'],
  RL: ['OF', 'TF', 'W', 'U', 'ND'],
  RC: ['UC', 'UR', 'C', 'ND'],
  CDP: ['N', 'L', 'LM', 'MH', 'H', 'ND'],
  TD: ['N', 'L', 'M', 'H', 'ND'],
  ...metricValues(['CR', 'IR', 'AR'], ['L', 'M', 'H', 'ND']),
};

const V2_WEIGHTS: Record<string, Record<string, number>> = {
  AV: { L: 0.395, A: 0.646, N: 1 },
  AC: { H: 0.35, M: 0.61, L: 0.71 },
  Au: { M: 0.45, S: 0.56, N: 0.704 },
  CIA: { N: 0, P: 0.275, C: 0.66 },
};

function scoreV2(m: Metrics): number {
  const cia = (key: string) => V2_WEIGHTS.CIA[m.get(key)!];
  const impact = 10.41 * (1 - (1 - cia('C')) * (1 - cia('I')) * (1 - cia('A')));
  const exploitability = 20 * V2_WEIGHTS.AV[m.get('AV')!] * V2_WEIGHTS.AC[m.get('AC')!] * V2_WEIGHTS.Au[m.get('Au')!];
  const f = impact === 0 ? 0 : 1.176;
  return Math.max(0, Math.round((0.6 * impact + 0.4 * exploitability - 1.5) * f * 10) / 10);
}
