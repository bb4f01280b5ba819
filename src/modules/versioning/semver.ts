import type { VersionComparator } from './types.js';
import { compareDigits, compareNumberLists, compareStrings, isDigitCode, isDigits, sign } from './util.js';

/**
 * A version split the SemVer way, tolerantly: optional 'v', any number of numeric components,
 * then '-pre.release' and '+build'. Text after the numbers without a '-' (as in '1.2.3a') is read
 * as a pre-release so that it still sorts somewhere sensible.
 */
export interface SemverLike {
  core: string[];
  pre: string[] | null;
  build: string[] | null;
}

export function parseSemverLike(input: string): SemverLike {
  const s = input.trim();
  const first = s.charCodeAt(0);
  let i = first === 118 || first === 86 ? 1 : 0;
  const plus = s.indexOf('+');
  const end = plus >= 0 ? plus : s.length;
  const core: string[] = [];
  // Numeric components: digits, separated by '.' only when another digit follows.
  while (i < end && isDigitCode(s.charCodeAt(i))) {
    const start = i;
    while (i < end && isDigitCode(s.charCodeAt(i))) i++;
    core.push(s.slice(start, i));
    if (s.charCodeAt(i) !== 46 || i + 1 >= end || !isDigitCode(s.charCodeAt(i + 1))) break;
    i++;
  }
  const rest = s.slice(i, end);
  const pre = rest === '' ? null : (rest[0] === '-' || rest[0] === '.' ? rest.slice(1) : rest).split('.');
  return { core, pre, build: plus >= 0 ? s.slice(plus + 1).split('.') : null };
}

/** SemVer §11 identifier precedence: numeric < alphanumeric, then a longer list wins. */
export function compareIdentifiers(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    const xn = isDigits(x);
    const yn = isDigits(y);
    const c = xn && yn ? compareDigits(x, y) : xn ? -1 : yn ? 1 : compareStrings(x, y);
    if (c !== 0) return c;
  }
  return sign(a.length - b.length);
}

/** A release (no pre-release) sorts after all of its pre-releases. */
export function comparePrerelease(a: readonly string[] | null, b: readonly string[] | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return compareIdentifiers(a, b);
}

export function compareSemverLike(a: SemverLike, b: SemverLike): number {
  return compareNumberLists(a.core, b.core) || comparePrerelease(a.pre, b.pre);
}

const IDENTS = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
const VALID = new RegExp(`^v?\\d+(?:\\.\\d+){0,2}(?:-${IDENTS})?(?:\\+${IDENTS})?$`);

/**
 * SemVer 2 as used by npm, Go, crates.io and Hex. Build metadata (Go's '+incompatible') is ignored
 * for precedence; two-part versions and a 'v' prefix are accepted.
 */
export const semverComparator: VersionComparator = {
  name: 'semver',
  compare: (a, b) => compareSemverLike(parseSemverLike(a), parseSemverLike(b)),
  isValid: (v) => VALID.test(v),
};
