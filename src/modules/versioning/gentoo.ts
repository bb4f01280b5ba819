import type { VersionComparator } from './types.js';
import { compareDigits, compareStrings, sign } from './util.js';

// Gentoo's version comparison (Package Manager Specification, "Version comparison"):
// number{.number}[letter]{_suffix[n]}[-rN].

const VERSION = /^(\d+(?:\.\d+)*)([a-z]?)((?:_(?:alpha|beta|pre|rc|p)\d*)*)(?:-r(\d+))?(.*)$/s;
const SUFFIX = /_(alpha|beta|pre|rc|p)(\d*)/g;
const SUFFIX_ORDER: Record<string, number> = { alpha: 0, beta: 1, pre: 2, rc: 3, p: 4 };

interface GentooVersion {
  numbers: string[];
  letter: string;
  suffixes: Array<{ order: number; number: string }>;
  revision: string;
  rest: string;
}

function parse(v: string): GentooVersion {
  const m = VERSION.exec(v);
  if (!m) return { numbers: [], letter: '', suffixes: [], revision: '0', rest: v };
  const suffixes = [...m[3].matchAll(SUFFIX)].map((s) => ({ order: SUFFIX_ORDER[s[1]], number: s[2] }));
  return { numbers: m[1].split('.'), letter: m[2], suffixes, revision: m[4] ?? '0', rest: m[5] };
}

/** After the first, a component with a leading zero compares as a string without trailing zeros. */
function compareNumbers(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c =
      i > 0 && (a[i][0] === '0' || b[i][0] === '0')
        ? compareStrings(a[i].replace(/0+$/, ''), b[i].replace(/0+$/, ''))
        : compareDigits(a[i], b[i]);
    if (c !== 0) return c;
  }
  return sign(a.length - b.length);
}

/** An extra suffix makes a version newer only if it is _p. */
function compareSuffixes(a: GentooVersion['suffixes'], b: GentooVersion['suffixes']): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = sign(a[i].order - b[i].order) || compareDigits(a[i].number, b[i].number);
    if (c !== 0) return c;
  }
  if (a.length > n) return a[n].order === SUFFIX_ORDER.p ? 1 : -1;
  if (b.length > n) return b[n].order === SUFFIX_ORDER.p ? -1 : 1;
  return 0;
}

export const gentooComparator: VersionComparator = {
  name: 'gentoo',
  compare(a, b) {
    const x = parse(a);
    const y = parse(b);
    return (
      compareNumbers(x.numbers, y.numbers) ||
      compareStrings(x.letter, y.letter) ||
      compareSuffixes(x.suffixes, y.suffixes) ||
      compareDigits(x.revision, y.revision) ||
      compareStrings(x.rest, y.rest)
    );
  },
  isValid: (v) => {
    const m = VERSION.exec(v);
    return m !== null && m[5] === '';
  },
};
