import type { VersionComparator } from './types.js';
import { compareDigits, isDigits, sign } from './util.js';

// PHP's version_compare(), which Composer uses once versions are normalised: '-', '_' and '+'
// separate parts like '.', and so does every digit/letter transition. Numbers may be arbitrarily
// long here (PHP would saturate them at PHP_INT_MAX).

const SPECIAL_FORMS: Array<[prefix: string, rank: number]> = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];
const NUMBER_RANK = 4;

/** Unknown words rank below 'dev', as in PHP. */
function rank(part: string): number {
  for (const [prefix, r] of SPECIAL_FORMS) if (part.startsWith(prefix)) return r;
  return -1;
}

function canonicalParts(v: string): string[] {
  return v
    .replace(/^[vV]/, '')
    .replace(/[-_+]/g, '.')
    .replace(/([^\d.])(\d)/g, '$1.$2')
    .replace(/(\d)([^\d.])/g, '$1.$2')
    .split('.');
}

function comparePart(a: string, b: string): number {
  const an = isDigits(a);
  const bn = isDigits(b);
  if (an && bn) return compareDigits(a, b);
  return sign((an ? NUMBER_RANK : rank(a)) - (bn ? NUMBER_RANK : rank(b)));
}

/** When one version has more parts, the extra parts are compared against a bare '#' (a number). */
function compareParts(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = comparePart(a[i], b[i]);
    if (c !== 0) return c;
  }
  if (a.length > b.length) return isDigits(a[n]) ? 1 : compareParts(a.slice(n), ['#']);
  if (a.length < b.length) return isDigits(b[n]) ? -1 : compareParts(['#'], b.slice(n));
  return 0;
}

const VALID = /^(?:[vV]?\d[0-9A-Za-z.+_-]*|dev-\S+)$/;

export const composerComparator: VersionComparator = {
  name: 'composer',
  compare: (a, b) => compareParts(canonicalParts(a.trim()), canonicalParts(b.trim())),
  isValid: (v) => VALID.test(v),
};
