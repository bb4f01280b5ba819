import { comparePrerelease } from './semver.js';
import type { VersionComparator } from './types.js';
import { compareNumberLists, compareStrings, sign } from './util.js';

// OpenSSL: numeric components, then a letter patch level (1.0.2a … 1.0.2z, 1.0.2za …), then an
// optional '-alpha1'/'-beta2' pre-release.

const VERSION = /^(\d+(?:\.\d+)*)([a-z]*)(?:-(.*))?$/s;

function parse(v: string) {
  const m = VERSION.exec(v);
  return m ? { numbers: m[1].split('.'), letters: m[2], pre: m[3]?.split('.') ?? null } : { numbers: [], letters: v, pre: null };
}

export const opensslComparator: VersionComparator = {
  name: 'openssl',
  compare(a, b) {
    const x = parse(a);
    const y = parse(b);
    return (
      compareNumberLists(x.numbers, y.numbers) ||
      sign(x.letters.length - y.letters.length) ||
      compareStrings(x.letters, y.letters) ||
      comparePrerelease(x.pre, y.pre)
    );
  },
  isValid: (v) => /^\d+(?:\.\d+)*[a-z]*(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?$/.test(v),
};
