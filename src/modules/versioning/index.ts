export type { Ecosystem, MatchVerdict, VersionComparator } from './types.js';
export { comparatorFor, normalizePackageName, purlTypeToEcosystem, versComparatorFor } from './registry.js';
export { fixedVersions, osvAffects } from './osv-range.js';
export type { OsvAffected, OsvEvent, OsvRange } from './osv-range.js';
export { formatVers, parseVers, versContains, VersError } from './vers.js';
export type { ParseVersOptions, Vers, VersComparator, VersConstraint } from './vers.js';
