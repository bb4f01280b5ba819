import type { VersionComparator } from './types.js';
import { compareDigits, isDigits, sign } from './util.js';

const VALID = /^\d+(?:[.-]\d+)+$/;

/** R's package_version: integers separated by '.' or '-', compared as lists (1.0.0 > 1.0). */
export const cranComparator: VersionComparator = {
  name: 'cran',
  compare(a, b) {
    const x = numbers(a);
    const y = numbers(b);
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      const c = compareDigits(x[i], y[i]);
      if (c !== 0) return c;
    }
    return sign(x.length - y.length);
  },
  isValid: (v) => VALID.test(v),
};

function numbers(v: string): string[] {
  return v.trim().split(/[.-]/).filter(isDigits);
}
