import type { VersionComparator } from './types.js';
import { compareDigits, compareNumberLists, compareStrings, isAlphaCode, isDigitCode, sign } from './util.js';

/*
 * CPE version order. NVD writes versions of every kind of software (`18.12.416`, `1.1.1t`,
 * `102.0.5005.61`, `2.0.0-rc1`, `8u211`, `5.4.0_beta2`), so the rule is general rather than one
 * ecosystem's:
 *
 * 1. Case is ignored and a `v` before a digit is dropped.
 * 2. The release is the leading run of numbers separated by `.`; releases compare number by number,
 *    numerically, a missing number counting as 0 (`1.0` = `1.0.0` < `1.0.1`, `1.10` > `1.9`).
 * 3. The rest is split into runs of digits and runs of letters (any other character only separates:
 *    `-rc.1`, `rc1` and `_RC1` are the same) and compared run by run, where at each position
 *    pre-release < end of version < other letters < number:
 *    - pre-release words sort before the release they precede, in the order
 *      dev < alpha < beta < pre/preview < rc/cr; `a`, `b` and `c` count as alpha, beta and rc only
 *      when a number follows them directly (`2.0b2`), otherwise they are suffixes (`1.1.1b`);
 *    - any other letters are a suffix after the release (`1.1.1` < `1.1.1a` < `1.1.1t` < `1.1.1za`,
 *      `8u45` < `8u211`, `1.0` < `1.0-sp1`), compared by length, then alphabetically;
 *    - numbers compare numerically.
 *
 * A version is orderable when it holds a digit and only printable ASCII; `*` (ANY), `-` (NA) and
 * words like `unspecified` are not, and callers treat them as "cannot tell".
 */

const PRERELEASE: Record<string, number> = { dev: 0, alpha: 1, beta: 2, pre: 3, preview: 3, rc: 4, cr: 4 };
const SHORT_PRERELEASE: Record<string, number> = { a: 1, b: 2, c: 4 };

/** Run classes, in their order at one position. END stands for "the version stops here". */
const PRE = 0;
const END = 1;
const ALPHA = 2;
const NUM = 3;

interface Run {
  kind: number;
  text: string;
  /** Rank among pre-release words. */
  rank: number;
}

interface CpeVersion {
  release: string[];
  rest: Run[];
}

function parse(input: string): CpeVersion {
  const s = input.trim().toLowerCase();
  let i = s.charCodeAt(0) === 118 && isDigitCode(s.charCodeAt(1)) ? 1 : 0;
  const release: string[] = [];
  while (i < s.length && isDigitCode(s.charCodeAt(i))) {
    const start = i;
    while (i < s.length && isDigitCode(s.charCodeAt(i))) i++;
    release.push(s.slice(start, i));
    if (s.charCodeAt(i) !== 46 || !isDigitCode(s.charCodeAt(i + 1))) break;
    i++;
  }
  const rest: Run[] = [];
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const start = i;
    if (isDigitCode(c)) {
      while (i < s.length && isDigitCode(s.charCodeAt(i))) i++;
      rest.push({ kind: NUM, text: s.slice(start, i), rank: 0 });
    } else if (isAlphaCode(c)) {
      while (i < s.length && isAlphaCode(s.charCodeAt(i))) i++;
      const text = s.slice(start, i);
      const rank = PRERELEASE[text] ?? (isDigitCode(s.charCodeAt(i)) ? SHORT_PRERELEASE[text] : undefined);
      rest.push(rank === undefined ? { kind: ALPHA, text, rank: 0 } : { kind: PRE, text, rank });
    } else i++;
  }
  return { release, rest };
}

const END_RUN: Run = { kind: END, text: '', rank: 0 };

function compareRuns(a: Run, b: Run): number {
  if (a.kind !== b.kind) return sign(a.kind - b.kind);
  switch (a.kind) {
    case PRE:
      return sign(a.rank - b.rank);
    case NUM:
      return compareDigits(a.text, b.text);
    case ALPHA:
      return sign(a.text.length - b.text.length) || compareStrings(a.text, b.text);
    default:
      return 0;
  }
}

function compareParsed(x: CpeVersion, y: CpeVersion): number {
  const release = compareNumberLists(x.release, y.release);
  if (release !== 0) return release;
  const n = Math.max(x.rest.length, y.rest.length);
  for (let i = 0; i < n; i++) {
    const c = compareRuns(x.rest[i] ?? END_RUN, y.rest[i] ?? END_RUN);
    if (c !== 0) return c;
  }
  return 0;
}

const ORDERABLE = /^[\x21-\x7e]*[0-9][\x21-\x7e]*$/;

export const cpeVersionComparator: VersionComparator = {
  name: 'cpe',
  compare: (a, b) => compareParsed(parse(a), parse(b)),
  isValid: (v) => v.length <= 256 && ORDERABLE.test(v.trim()),
};
