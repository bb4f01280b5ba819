import type { VersionComparator } from './types.js';
import { compareDigits, compareStrings, isDigitCode, sign } from './util.js';

// Alpine's apk version order: number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}.
// Anything left over makes the version invalid; two invalid versions compare as plain strings,
// and an otherwise equal version with leftovers sorts below one without (as OSV's reference does).

/** Pre-release suffixes sort below "no suffix", post-release ones above. */
const SUFFIX_WEIGHT: Record<string, number> = { alpha: 0, beta: 1, pre: 2, rc: 3, cvs: 5, svn: 6, git: 7, hg: 8, p: 9 };
const NO_SUFFIX: Suffix = { weight: 4, number: '0' };

interface Suffix {
  weight: number;
  number: string;
}

interface ApkVersion {
  original: string;
  numbers: string[];
  letter: string;
  suffixes: Suffix[];
  build: string;
  /** Unparsed text after the build number (e.g. '1-r0-1'): tolerated but sorts lower. */
  remainder: string;
  /** Text that is not even a build number ('1.0bc', '1_blah'). */
  invalid: boolean;
}

const SUFFIX = /^_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)/;
const HASH = /^~[0-9a-f]+/;
const BUILD = /^-r(\d*)/;

function parse(v: string): ApkVersion {
  let i = 0;
  const numbers: string[] = [];
  while (isDigitCode(v.charCodeAt(i))) {
    const start = i;
    while (isDigitCode(v.charCodeAt(i))) i++;
    numbers.push(v.slice(start, i));
    if (v[i] === '.') i++;
  }
  let letter = '';
  const c = v.charCodeAt(i);
  if (c >= 97 && c <= 122) letter = v[i++];
  let rest = v.slice(i);
  const suffixes: Suffix[] = [];
  for (let m = SUFFIX.exec(rest); m; m = SUFFIX.exec(rest)) {
    suffixes.push({ weight: SUFFIX_WEIGHT[m[1]], number: m[2] });
    rest = rest.slice(m[0].length);
  }
  rest = rest.replace(HASH, '');
  const buildMatch = rest === '' ? null : BUILD.exec(rest);
  const build = buildMatch ? buildMatch[1] : '0';
  if (buildMatch) rest = rest.slice(buildMatch[0].length);
  return { original: v, numbers, letter, suffixes, build, remainder: rest, invalid: rest !== '' && !buildMatch };
}

/** The first number compares by value; later ones with a leading zero compare as strings. */
function compareNumbers(a: string[], b: string[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    let c: number;
    if (x === undefined || y === undefined) c = compareDigits(x ?? '0', y ?? '0');
    else if (i > 0 && (x[0] === '0' || y[0] === '0')) c = compareStrings(x, y);
    else c = compareDigits(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

function compareSuffixes(a: Suffix[], b: Suffix[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? NO_SUFFIX;
    const y = b[i] ?? NO_SUFFIX;
    const c = sign(x.weight - y.weight) || compareDigits(x.number, y.number);
    if (c !== 0) return c;
  }
  return 0;
}

function compareApk(a: ApkVersion, b: ApkVersion): number {
  if (a.invalid && b.invalid) return compareStrings(a.original, b.original);
  return (
    compareNumbers(a.numbers, b.numbers) ||
    compareStrings(a.letter, b.letter) ||
    compareSuffixes(a.suffixes, b.suffixes) ||
    compareDigits(a.build, b.build) ||
    (a.remainder === b.remainder || (a.remainder !== '' && b.remainder !== '') ? 0 : a.remainder === '' ? 1 : -1)
  );
}

export const apkComparator: VersionComparator = {
  name: 'apk',
  compare: (a, b) => compareApk(parse(a), parse(b)),
  isValid(v) {
    const p = parse(v);
    return p.numbers.length > 0 && p.remainder === '';
  },
};
