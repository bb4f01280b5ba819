import type { VersionComparator } from './types.js';
import { compareDigits, compareStrings, sign } from './util.js';

const NUMBERS = /^\d+(?:\.\d+)*/;
const VALID = /^\d+(?:\.\d+)*$/;

/** Haskell's Data.Version: numeric components compared as lists, so 1.0.0 > 1.0. */
export const hackageComparator: VersionComparator = {
  name: 'hackage',
  compare(a, b) {
    const x = split(a);
    const y = split(b);
    const n = Math.min(x.parts.length, y.parts.length);
    for (let i = 0; i < n; i++) {
      const c = compareDigits(x.parts[i], y.parts[i]);
      if (c !== 0) return c;
    }
    return sign(x.parts.length - y.parts.length) || compareStrings(x.rest, y.rest);
  },
  isValid: (v) => VALID.test(v),
};

function split(v: string): { parts: string[]; rest: string } {
  const numbers = NUMBERS.exec(v)?.[0] ?? '';
  return { parts: numbers === '' ? [] : numbers.split('.'), rest: v.slice(numbers.length) };
}
