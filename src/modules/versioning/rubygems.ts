import type { VersionComparator } from './types.js';
import { compareDigits, compareStrings, isDigitCode } from './util.js';

const SEGMENT = /[0-9]+|[a-z]+/gi;
const VALID = /^\s*[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?\s*$/;

/**
 * Gem::Version's canonical segments: '-' means '.pre.', digit and letter runs are separate
 * segments, and trailing zeros are dropped from the release part and from the pre-release part.
 */
function segments(v: string): string[] {
  const all = v.trim().replaceAll('-', '.pre.').match(SEGMENT) ?? [];
  const firstString = all.findIndex((s) => !isDigitCode(s.charCodeAt(0)));
  const cut = firstString < 0 ? all.length : firstString;
  return [...dropTrailingZeros(all.slice(0, cut)), ...dropTrailingZeros(all.slice(cut))];
}

function dropTrailingZeros(segs: string[]): string[] {
  let end = segs.length;
  while (end > 0 && isDigitCode(segs[end - 1].charCodeAt(0)) && compareDigits(segs[end - 1], '0') === 0) end--;
  return segs.slice(0, end);
}

/** Missing segments count as 0; a letter segment (pre-release) sorts before any number. */
function compareSegments(a: string[], b: string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? '0';
    const y = b[i] ?? '0';
    const xn = isDigitCode(x.charCodeAt(0));
    const yn = isDigitCode(y.charCodeAt(0));
    const c = xn && yn ? compareDigits(x, y) : xn ? 1 : yn ? -1 : compareStrings(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

export const rubygemsComparator: VersionComparator = {
  name: 'rubygems',
  compare: (a, b) => compareSegments(segments(a), segments(b)),
  isValid: (v) => VALID.test(v),
};
