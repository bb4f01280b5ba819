import { compareIdentifiers, compareSemverLike, parseSemverLike } from './semver.js';
import type { VersionComparator } from './types.js';

const IDENTS = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
const VALID = new RegExp(`^v?\\d+\\.\\d+\\.\\d+(?:-${IDENTS})?(?:\\+${IDENTS})?$`);

/** Dart's pub_semver: like SemVer, except build metadata counts and a build sorts after none. */
export const pubComparator: VersionComparator = {
  name: 'pub',
  compare(a, b) {
    const x = parseSemverLike(a);
    const y = parseSemverLike(b);
    const c = compareSemverLike(x, y);
    if (c !== 0) return c;
    if (x.build === null || y.build === null) return x.build === y.build ? 0 : x.build === null ? -1 : 1;
    return compareIdentifiers(x.build, y.build);
  },
  isValid: (v) => VALID.test(v.trim()),
};
