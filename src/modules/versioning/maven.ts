import type { VersionComparator } from './types.js';
import { compareDigits, compareStrings, isDigitCode } from './util.js';

// Maven's ComparableVersion as in maven-artifact 3.8 (osv-scalibr generated its Maven vectors with
// 3.8.6; the vers-spec vectors agree, while maven-artifact 4 orders '2.0.a' before '2-1'). A version
// is a tree: '.' separates items of one list, '-' and digit/letter transitions open a sub-list;
// trailing null items (0, '', 'ga', 'final', 'release', empty lists) are trimmed from every list.

type Item = { kind: 'number'; digits: string } | { kind: 'qualifier'; value: string } | { kind: 'list'; items: Item[] };

const ZERO: Item = { kind: 'number', digits: '0' };
const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const RELEASE_KEY = String(QUALIFIERS.indexOf(''));
// Maps, not object literals: a qualifier such as 'constructor' must not find Object.prototype's members.
const ALIASES = new Map([['ga', ''], ['final', ''], ['release', ''], ['cr', 'rc']]);
const SHORT_FORMS = new Map([['a', 'alpha'], ['b', 'beta'], ['m', 'milestone']]);

/** Known qualifiers in their fixed order, then unknown ones alphabetically. */
function qualifierKey(q: string): string {
  const i = QUALIFIERS.indexOf(q);
  return i < 0 ? `${QUALIFIERS.length}-${q}` : String(i);
}

/** 'a1', 'b1' and 'm1' abbreviate alpha-1, beta-1 and milestone-1; only when a digit follows. */
function qualifier(text: string, followedByDigit: boolean): Item {
  const value = followedByDigit ? (SHORT_FORMS.get(text) ?? text) : text;
  return { kind: 'qualifier', value: ALIASES.get(value) ?? value };
}

function isNull(item: Item): boolean {
  if (item.kind === 'number') return compareDigits(item.digits, '0') === 0;
  if (item.kind === 'qualifier') return item.value === '';
  return item.items.length === 0;
}

/** Compares two items when at least one is not a list; b === null is the padding used when the other version has no item here. */
function compareScalar(a: Item, b: Item | null): number {
  if (a.kind === 'number') {
    if (b === null) return isNull(a) ? 0 : 1;
    return b.kind === 'number' ? compareDigits(a.digits, b.digits) : 1;
  }
  if (a.kind === 'qualifier') {
    if (b === null) return compareStrings(qualifierKey(a.value), RELEASE_KEY);
    return b.kind === 'qualifier' ? compareStrings(qualifierKey(a.value), qualifierKey(b.value)) : -1;
  }
  return b!.kind === 'number' ? -1 : 1;
}

interface Frame {
  left: Item[];
  /** null: compare left against padding. */
  right: Item[] | null;
  /** The sides were swapped on the way down, so the answer's sign flips. */
  negate: boolean;
  i: number;
}

/**
 * Walks both trees with an explicit stack: every digit/letter change opens a sub-list, so a long
 * version is a deep tree, and recursion would overflow the call stack on a few thousand characters.
 */
function compareLists(a: Item[], b: Item[]): number {
  const stack: Frame[] = [{ left: a, right: b, negate: false, i: 0 }];
  while (stack.length) {
    const frame = stack[stack.length - 1];
    const n = frame.right ? Math.max(frame.left.length, frame.right.length) : frame.left.length;
    if (frame.i >= n) {
      stack.pop();
      continue;
    }
    const i = frame.i++;
    let l = frame.left[i] ?? null;
    let r = frame.right ? (frame.right[i] ?? null) : null;
    let negate = frame.negate;
    if (l === null) {
      if (r === null) continue;
      [l, r] = [r, null];
      negate = !negate;
    }
    if (l.kind === 'list' && (r === null || r.kind === 'list')) {
      stack.push({ left: l.items, right: r === null ? null : r.items, negate, i: 0 });
      continue;
    }
    const c = compareScalar(l, r);
    if (c !== 0) return negate ? -c : c;
  }
  return 0;
}

function normalize(items: Item[], nested: boolean): void {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (isNull(item)) items.splice(i, 1);
    else if (item.kind !== 'list') break;
  }
  // Trimming '1-ga-1' leaves a sub-list holding only a list; OSV (following the POM reference)
  // reads it as '1-1', where maven-artifact would keep the extra level.
  const only = items[0];
  if (nested && items.length === 1 && only.kind === 'list') items.splice(0, 1, ...only.items);
}

function parse(version: string): Item[] {
  const v = version.toLowerCase();
  const root: Item[] = [];
  const lists = [root];
  let list = root;
  let isDigit = false;
  let start = 0;
  const token = (end: number): Item => (isDigit ? { kind: 'number', digits: v.slice(start, end) } : qualifier(v.slice(start, end), false));
  const openList = () => {
    const items: Item[] = [];
    list.push({ kind: 'list', items });
    list = items;
    lists.push(items);
  };

  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 46 || c === 45) {
      list.push(i === start ? ZERO : token(i));
      start = i + 1;
      if (c === 45) openList();
    } else if (isDigitCode(c) !== isDigit && i > start) {
      list.push(isDigit ? token(i) : qualifier(v.slice(start, i), true));
      start = i;
      openList();
      isDigit = !isDigit;
    } else {
      isDigit = isDigitCode(c);
    }
  }
  if (v.length > start) list.push(token(v.length));
  for (let i = lists.length - 1; i >= 0; i--) normalize(lists[i], i > 0);
  return root;
}

export const mavenComparator: VersionComparator = {
  name: 'maven',
  compare: (a, b) => compareLists(parse(a), parse(b)),
  // ComparableVersion accepts any string; only reject what cannot be a version at all.
  isValid: (v) => v.length > 0 && !/\s/.test(v),
};
