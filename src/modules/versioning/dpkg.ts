import type { VersionComparator } from './types.js';
import { compareDigits, isAlphaCode, isDigitCode } from './util.js';

// Debian's version order (deb-version(7), dpkg's verrevcmp). A missing epoch is 0 and a missing
// revision compares like '0', so '1.0' = '0:1.0-0'.

interface DebianVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

function parse(v: string): DebianVersion {
  const s = v.trim();
  const colon = s.indexOf(':');
  const epoch = colon >= 0 ? s.slice(0, colon) : '0';
  const rest = s.slice(colon + 1);
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) } : { epoch, upstream: rest, revision: '' };
}

/** '~' sorts before everything, even the end of the string; letters sort before other symbols. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigitCode(c)) return 0;
  if (isAlphaCode(c)) return c;
  if (c === 126) return -1;
  return c + 256;
}

function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigitCode(a.charCodeAt(i))) || (j < b.length && !isDigitCode(b.charCodeAt(j)))) {
      const d = order(a.charCodeAt(i)) - order(b.charCodeAt(j));
      if (d !== 0) return d < 0 ? -1 : 1;
      i++;
      j++;
    }
    const si = i;
    const sj = j;
    while (isDigitCode(a.charCodeAt(i))) i++;
    while (isDigitCode(b.charCodeAt(j))) j++;
    const c = compareDigits(a.slice(si, i), b.slice(sj, j));
    if (c !== 0) return c;
  }
  return 0;
}

function compareEpochs(a: string, b: string): number {
  return /^\d*$/.test(a) && /^\d*$/.test(b) ? compareDigits(a, b) : verrevcmp(a, b);
}

const EPOCH = /^\d+$/;
const UPSTREAM = /^\d[A-Za-z0-9.+~:-]*$/;
const REVISION = /^[A-Za-z0-9.+~]+$/;

export const dpkgComparator: VersionComparator = {
  name: 'dpkg',
  compare(a, b) {
    const x = parse(a);
    const y = parse(b);
    return compareEpochs(x.epoch, y.epoch) || verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision);
  },
  isValid(v) {
    const { epoch, upstream, revision } = parse(v);
    return v === v.trim() && EPOCH.test(epoch) && UPSTREAM.test(upstream) && (revision === '' ? !v.endsWith('-') : REVISION.test(revision));
  },
};
