import { compareSemverLike, parseSemverLike } from './semver.js';
import type { VersionComparator } from './types.js';

const IDENTS = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
const VALID = new RegExp(`^\\d+(?:\\.\\d+){0,3}(?:-${IDENTS})?(?:\\+${IDENTS})?$`);

/** NuGet: up to four numeric parts, case-insensitive pre-release labels, metadata ignored. */
export const nugetComparator: VersionComparator = {
  name: 'nuget',
  compare: (a, b) => compareSemverLike(parseSemverLike(a.toLowerCase()), parseSemverLike(b.toLowerCase())),
  isValid: (v) => VALID.test(v.trim()),
};
