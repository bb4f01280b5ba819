import type { VersionComparator } from './types.js';
import { compareDigits, compareNumberLists, compareStrings, isDigitCode, isDigits, sign } from './util.js';

// The regular expression of PEP 440, Appendix B (case-insensitive, surrounding whitespace allowed).
const PEP440 =
  /^\s*v?(?:(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?)(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

const PRE_RANK: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 };

interface Pep440Version {
  epoch: string;
  release: string[];
  /** 0: a dev release with no pre/post part (it sorts before the pre-releases), 1: a pre-release, 2: neither. */
  preSlot: number;
  prePhase: number;
  preNumber: string;
  post: string | null;
  dev: string | null;
  local: string[] | null;
}

function parse(v: string): Pep440Version | null {
  const m = PEP440.exec(v);
  if (!m) return null;
  const post = m[5] ?? (m[6] !== undefined ? (m[7] ?? '0') : null);
  const dev = m[8] !== undefined ? (m[9] ?? '0') : null;
  return {
    epoch: m[1] ?? '0',
    release: m[2].split('.'),
    preSlot: m[3] !== undefined ? 1 : post === null && dev !== null ? 0 : 2,
    prePhase: m[3] !== undefined ? PRE_RANK[m[3].toLowerCase()] : 0,
    preNumber: m[4] ?? '0',
    post,
    dev,
    local: m[10] !== undefined ? m[10].toLowerCase().split(/[-_.]/) : null,
  };
}

function comparePep440(a: Pep440Version, b: Pep440Version): number {
  return (
    compareDigits(a.epoch, b.epoch) ||
    compareNumberLists(a.release, b.release) ||
    sign(a.preSlot - b.preSlot) ||
    sign(a.prePhase - b.prePhase) ||
    compareDigits(a.preNumber, b.preNumber) ||
    compareOptional(a.post, b.post, -1) ||
    compareOptional(a.dev, b.dev, 1) ||
    compareLocal(a.local, b.local)
  );
}

/** Compares optional numbers; `missing` is where an absent value sorts (-1 first, 1 last). */
function compareOptional(a: string | null, b: string | null, missing: number): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? missing : -missing;
  return compareDigits(a, b);
}

/** Local labels: a version without one sorts first; numeric parts beat alphanumeric ones. */
function compareLocal(a: string[] | null, b: string[] | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const an = isDigits(a[i]);
    const bn = isDigits(b[i]);
    const c = an && bn ? compareDigits(a[i], b[i]) : an ? 1 : bn ? -1 : compareStrings(a[i], b[i]);
    if (c !== 0) return c;
  }
  return sign(a.length - b.length);
}

// setuptools' pre-PEP 440 ordering (packaging.version.LegacyVersion), kept for old releases such as
// '0.1-bulbasaur'. Every legacy version sorts before every PEP 440 version.
const LEGACY_SPLIT = /(\d+|[a-z]+|\.|-)/;
// A Map, not an object literal: a part such as 'constructor' must not find Object.prototype's members.
const LEGACY_ALIASES = new Map([['pre', 'c'], ['preview', 'c'], ['-', 'final-'], ['rc', 'c'], ['dev', '@']]);

function legacyKey(v: string): string[] {
  const key: string[] = [];
  const add = (part: string) => {
    if (part.startsWith('*')) {
      if (part < '*final') while (key.at(-1) === '*final-') key.pop();
      while (key.at(-1) === '00000000') key.pop();
    }
    key.push(part);
  };
  for (const raw of v.toLowerCase().split(LEGACY_SPLIT)) {
    const part = LEGACY_ALIASES.get(raw) ?? raw;
    if (part === '' || part === '.') continue;
    add(isDigitCode(part.charCodeAt(0)) ? part.padStart(8, '0') : `*${part}`);
  }
  add('*final');
  return key;
}

function compareLegacy(a: string, b: string): number {
  const x = legacyKey(a);
  const y = legacyKey(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const c = compareStrings(x[i], y[i]);
    if (c !== 0) return c;
  }
  return sign(x.length - y.length);
}

export const pep440Comparator: VersionComparator = {
  name: 'pep440',
  compare(a, b) {
    const x = parse(a);
    const y = parse(b);
    if (x && y) return comparePep440(x, y);
    if (x || y) return x ? 1 : -1;
    return compareLegacy(a, b);
  },
  isValid: (v) => PEP440.test(v),
};
