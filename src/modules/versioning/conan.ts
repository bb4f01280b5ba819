import type { VersionComparator } from './types.js';
import { compareDigits, compareStrings, isDigits, sign } from './util.js';

// Conan 2's Version model: dot-separated items (numbers, or strings that sort by their text against
// numbers), trailing zero items ignored, '-pre' (split at the first '-') and '+build' (at the last
// '+') parts that are versions themselves.

interface ConanVersion {
  items: string[];
  pre: ConanVersion | null;
  build: ConanVersion | null;
}

function parse(v: string, qualifier = false): ConanVersion {
  let main = v;
  let build: ConanVersion | null = null;
  let pre: ConanVersion | null = null;
  if (!qualifier) {
    const plus = main.lastIndexOf('+');
    if (plus >= 0) {
      build = parse(main.slice(plus + 1), true);
      main = main.slice(0, plus);
    }
    const dash = main.indexOf('-');
    if (dash >= 0) {
      pre = parse(main.slice(dash + 1), true);
      main = main.slice(0, dash);
    }
  }
  const items = main.split('.');
  while (items.length > 0 && isDigits(items[items.length - 1]) && compareDigits(items[items.length - 1], '0') === 0) items.pop();
  return { items, pre, build };
}

function compareItem(a: string, b: string): number {
  const an = isDigits(a);
  const bn = isDigits(b);
  if (an && bn) return compareDigits(a, b);
  // Python falls back to comparing str(int) with the string.
  return compareStrings(an ? a.replace(/^0+(?=\d)/, '') : a, bn ? b.replace(/^0+(?=\d)/, '') : b);
}

function compareItems(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareItem(a[i], b[i]);
    if (c !== 0) return c;
  }
  return sign(a.length - b.length);
}

function compareOptional(a: ConanVersion | null, b: ConanVersion | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return compareConan(a, b);
}

/** A pre-release sorts before the same items without one, but only then. */
function compareConan(a: ConanVersion, b: ConanVersion): number {
  const c = compareItems(a.items, b.items);
  if (a.pre && b.pre) return c || compareConan(a.pre, b.pre) || compareOptional(a.build, b.build);
  if (a.pre || b.pre) return c || (a.pre ? -1 : 1);
  return c || compareOptional(a.build, b.build);
}

export const conanComparator: VersionComparator = {
  name: 'conan',
  compare: (a, b) => compareConan(parse(a), parse(b)),
  isValid: (v) => v.length > 0 && !/\s/.test(v),
};
