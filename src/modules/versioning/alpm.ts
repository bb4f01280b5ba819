import type { VersionComparator } from './types.js';
import { compareDigits, compareStrings, isAlphaCode, isDigitCode } from './util.js';

// Arch Linux's alpm_pkg_vercmp: [epoch:]version[-pkgrel], each part compared with pacman's older
// rpmvercmp, in which a trailing letter run loses to the end of the string (1.0rc < 1.0) and a
// pkgrel only counts when both sides have one.

interface Evr {
  epoch: string;
  version: string;
  release: string | null;
}

function parse(evr: string): Evr {
  let i = 0;
  while (isDigitCode(evr.charCodeAt(i))) i++;
  const hasEpoch = evr.charCodeAt(i) === 58;
  const rest = hasEpoch ? evr.slice(i + 1) : evr;
  const dash = rest.lastIndexOf('-');
  return {
    epoch: hasEpoch ? (evr.slice(0, i) || '0') : '0',
    version: dash >= 0 ? rest.slice(0, dash) : rest,
    release: dash >= 0 ? rest.slice(dash + 1) : null,
  };
}

const isAlnum = (c: number) => isDigitCode(c) || isAlphaCode(c);

function vercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  let segmentEndA = 0;
  let segmentEndB = 0;
  while (i < a.length && j < b.length) {
    while (i < a.length && !isAlnum(a.charCodeAt(i))) i++;
    while (j < b.length && !isAlnum(b.charCodeAt(j))) j++;
    if (i === a.length || j === b.length) break;
    // A longer run of separators wins.
    if (i - segmentEndA !== j - segmentEndB) return i - segmentEndA < j - segmentEndB ? -1 : 1;

    const numeric = isDigitCode(a.charCodeAt(i));
    const same = numeric ? isDigitCode : isAlphaCode;
    const si = i;
    const sj = j;
    while (i < a.length && same(a.charCodeAt(i))) i++;
    while (j < b.length && same(b.charCodeAt(j))) j++;
    segmentEndA = i;
    segmentEndB = j;
    if (sj === j) return numeric ? 1 : -1;

    const x = a.slice(si, i);
    const y = b.slice(sj, j);
    const c = numeric ? compareDigits(x, y) : compareStrings(x, y);
    if (c !== 0) return c;
  }
  if (i >= a.length && j >= b.length) return 0;
  // Whatever is left wins, unless it starts with a letter (a pre-release such as 'rc').
  return (i >= a.length && !isAlphaCode(b.charCodeAt(j))) || isAlphaCode(a.charCodeAt(i)) ? -1 : 1;
}

export const alpmComparator: VersionComparator = {
  name: 'alpm',
  compare(a, b) {
    if (a === b) return 0;
    const x = parse(a);
    const y = parse(b);
    const c = vercmp(x.epoch, y.epoch) || vercmp(x.version, y.version);
    return c !== 0 || x.release === null || y.release === null ? c : vercmp(x.release, y.release);
  },
  isValid: (v) => /^(?:\d+:)?[A-Za-z0-9._+]+(?:-[A-Za-z0-9._+]+)?$/.test(v),
};
