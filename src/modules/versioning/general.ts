import { semverComparator } from './semver.js';
import type { VersionComparator } from './types.js';
import { compareNumberLists, compareStrings, sign } from './util.js';

// The general-purpose vers types that are not tied to a package ecosystem.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Seconds since the epoch and the fractional digits (without trailing zeros), or null. */
function instant(v: string): { seconds: number; fraction: string } | null {
  const m = RFC3339.exec(v);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(ms);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 60) return null;
  const offset = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  return { seconds: ms / 1000 - offset, fraction: (m[7] ?? '').replace(/0+$/, '') };
}

/** RFC 3339 timestamps ordered by the instant they denote; malformed ones sort first, by text. */
export const datetimeComparator: VersionComparator = {
  name: 'datetime',
  compare(a, b) {
    const x = instant(a);
    const y = instant(b);
    if (!x || !y) return x === y ? compareStrings(a, b) : x ? 1 : -1;
    const width = Math.max(x.fraction.length, y.fraction.length);
    return sign(x.seconds - y.seconds) || compareStrings(x.fraction.padEnd(width, '0'), y.fraction.padEnd(width, '0'));
  },
  isValid: (v) => instant(v) !== null,
};

/** Code point order, which is the byte order of the UTF-8 encodings the vers spec prescribes. */
export const lexicographicComparator: VersionComparator = {
  name: 'lexicographic',
  compare(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a.charCodeAt(i);
      const y = b.charCodeAt(i);
      // UTF-16 puts surrogates (code points above U+FFFF) below U+E000–U+FFFF: move them on top.
      if (x !== y) return sign(codeUnitRank(x) - codeUnitRank(y));
    }
    return sign(a.length - b.length);
  },
  isValid: () => true,
};

function codeUnitRank(c: number): number {
  return c < 0xd800 ? c : c < 0xe000 ? c + 0x2000 : c - 0x800;
}

/** Dot-separated integers; anything from the first other character on is ignored. */
export const intdotComparator: VersionComparator = {
  name: 'intdot',
  compare: (a, b) => compareNumberLists(intdotParts(a), intdotParts(b)),
  isValid: (v) => /^\d+(?:\.\d+)*$/.test(v),
};

function intdotParts(v: string): string[] {
  return (/^[\d.]*/.exec(v)?.[0] ?? '').split('.');
}

/** 'generic' has no settled algorithm yet; the tolerant SemVer order handles n-part versions. */
export const genericComparator: VersionComparator = { ...semverComparator, name: 'generic' };
