import type { VersionComparator } from './types.js';
import { compareDigits, compareStrings, isAlphaCode, isDigitCode } from './util.js';

// RPM's rpmvercmp() applied to epoch, version and release. A version without a release sorts
// before the same version with one ('1.0' < '1.0-1'), which is what OSV's Red Hat data expects.

interface Evr {
  epoch: string;
  version: string;
  release: string | null;
}

/** [epoch:]version[-release], with the release after the last '-' (as rpm's parseEVR does). */
function parse(evr: string): Evr {
  let i = 0;
  while (isDigitCode(evr.charCodeAt(i))) i++;
  const hasEpoch = evr.charCodeAt(i) === 58;
  const epoch = hasEpoch ? (evr.slice(0, i) || '0') : '0';
  const rest = hasEpoch ? evr.slice(i + 1) : evr;
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) } : { epoch, version: rest, release: null };
}

const isAlnum = (c: number) => isDigitCode(c) || isAlphaCode(c);

function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(a.charCodeAt(i)) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b.charCodeAt(j)) && b[j] !== '~' && b[j] !== '^') j++;

    // '~' sorts before anything, even the end of the string.
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    // '^' sorts after the end of the string but before anything else.
    if (a[i] === '^' || b[j] === '^') {
      if (i === a.length) return -1;
      if (j === b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i === a.length || j === b.length) break;

    const numeric = isDigitCode(a.charCodeAt(i));
    const same = numeric ? isDigitCode : isAlphaCode;
    const si = i;
    const sj = j;
    while (i < a.length && same(a.charCodeAt(i))) i++;
    while (j < b.length && same(b.charCodeAt(j))) j++;
    // A numeric segment is newer than an alphabetic one.
    if (sj === j) return numeric ? 1 : -1;

    const x = a.slice(si, i);
    const y = b.slice(sj, j);
    const c = numeric ? compareDigits(x, y) : compareStrings(x, y);
    if (c !== 0) return c;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

const VALID = /^(?:\d+:)?[A-Za-z0-9._+~^]+(?:-[A-Za-z0-9._+~^]+)?$/;

export const rpmComparator: VersionComparator = {
  name: 'rpm',
  compare(a, b) {
    const x = parse(a);
    const y = parse(b);
    const c = rpmvercmp(x.epoch, y.epoch) || rpmvercmp(x.version, y.version);
    if (c !== 0) return c;
    if (x.release === null || y.release === null) return x.release === y.release ? 0 : x.release === null ? -1 : 1;
    return rpmvercmp(x.release, y.release);
  },
  isValid: (v) => VALID.test(v),
};
