import { datetimeComparator } from './general.js';
import { versComparatorFor } from './registry.js';
import type { MatchVerdict, VersionComparator } from './types.js';

// vers: version range specifiers (https://github.com/package-url/vers-spec), e.g.
// 'vers:npm/>=1.0.0|<2.0.0'. Parsing follows docs/specification/how-to-parse.md.

export type VersComparator = '=' | '!=' | '<' | '<=' | '>' | '>=' | '*';

export interface VersConstraint {
  comparator: VersComparator;
  /** Percent-decoded. */
  version: string;
}

export interface Vers {
  scheme: string;
  constraints: VersConstraint[];
}

export class VersError extends Error {
  override readonly name = 'VersError';
}

export interface ParseVersOptions {
  /**
   * Accept constraints in any order, sorting them by version, and skip the duplicate and comparator
   * sequence checks: for ranges written by hand or by tools that do not sort.
   */
  normalize?: boolean;
}

const TYPE = /^[a-z][a-z0-9.-]*$/;
const PREFIXES: VersComparator[] = ['>=', '<=', '!=', '<', '>'];
/** Characters a version must percent-encode (besides '%' itself and whitespace). */
const RESERVED = new Set(['<', '>', '=', '!', '*', '|']);

export function parseVers(input: string, options: ParseVersOptions = {}): Vers {
  if (/\s/.test(input)) throw new VersError('non-canonical VERS: whitespace is not permitted');
  const colon = input.indexOf(':');
  if (colon < 0 || input.slice(0, colon) !== 'vers') throw new VersError(`invalid VERS: must start with 'vers:': ${input}`);
  const specifier = input.slice(colon + 1);
  const slash = specifier.indexOf('/');
  if (slash < 0) throw new VersError(`invalid VERS: missing '/' after the type: ${input}`);
  const scheme = specifier.slice(0, slash);
  const body = specifier.slice(slash + 1);
  if (!TYPE.test(scheme)) throw new VersError(`invalid VERS: type '${scheme}' must be lower case letters, digits, '.' or '-', starting with a letter`);
  if (scheme === 'invalid') throw new VersError("invalid VERS: the 'invalid' type is never valid");
  if (body === '') throw new VersError('invalid VERS: constraints are empty');
  if (body === '*') return { scheme, constraints: [{ comparator: '*', version: '' }] };
  if (scheme === 'all' || scheme === 'none') throw new VersError(`invalid VERS: 'vers:${scheme}/*' is the only valid form`);
  if (body.startsWith('|')) throw new VersError('non-canonical VERS: leading pipe is not permitted');
  if (body.endsWith('|')) throw new VersError('non-canonical VERS: trailing pipe is not permitted');
  if (body.includes('||')) throw new VersError('non-canonical VERS: consecutive pipes are not permitted');

  const constraints = body.split('|').map((text) => parseConstraint(scheme, text));
  const cmp = versComparatorFor(scheme);
  if (cmp && options.normalize) return { scheme, constraints: sortConstraints(cmp, constraints) };
  if (cmp) checkCanonical(cmp, constraints);
  return { scheme, constraints };
}

function parseConstraint(scheme: string, text: string): VersConstraint {
  if (text === '*') throw new VersError("invalid VERS: '*' must be the only constraint");
  if (text.startsWith('=')) throw new VersError(`invalid VERS: '${text}': equality is implicit, write the bare version`);
  const comparator = PREFIXES.find((p) => text.startsWith(p)) ?? '=';
  const encoded = comparator === '=' ? text : text.slice(comparator.length);
  if (encoded === '') throw new VersError(`invalid VERS: constraint '${text}' has no version`);
  return { comparator, version: decodeVersion(scheme, encoded) };
}

function decodeVersion(scheme: string, encoded: string): string {
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded[i];
    if (c === '%') {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new VersError('non-canonical VERS: invalid percent-encoding in version');
      if (hex !== hex.toUpperCase()) throw new VersError('non-canonical VERS: percent-encoding in version is not canonical');
      if (scheme === 'datetime' && hex === '3A') throw new VersError('non-canonical VERS: datetime time colons must be unencoded');
      i += 2;
    } else if (RESERVED.has(c)) {
      throw new VersError(`non-canonical VERS: '${c}' must be percent-encoded in version '${encoded}'`);
    } else if (c < '!' || c > '~') {
      throw new VersError(`non-canonical VERS: version '${encoded}' must be printable ASCII (percent-encode anything else)`);
    }
  }
  let version: string;
  try {
    version = decodeURIComponent(encoded);
  } catch {
    throw new VersError('non-canonical VERS: invalid percent-encoding in version');
  }
  if (scheme === 'datetime' && /[tz]/.test(version) && datetimeComparator.isValid(version)) {
    throw new VersError('non-canonical VERS: datetime must use uppercase T and Z');
  }
  return version;
}

function sortConstraints(cmp: VersionComparator, constraints: VersConstraint[]): VersConstraint[] {
  return [...constraints].sort((a, b) => cmp.compare(a.version, b.version));
}

const isLess = (c: VersComparator) => c === '<' || c === '<=';
const isGreater = (c: VersComparator) => c === '>' || c === '>=';

/**
 * Sorted, each version once, and (ignoring '!=') no '<' after an equality, and '<'/'<=' alternating
 * with '>'/'>=' once equalities are ignored too: anything else is redundant or empty.
 */
function checkCanonical(cmp: VersionComparator, constraints: VersConstraint[]): void {
  for (let i = 1; i < constraints.length; i++) {
    const c = cmp.compare(constraints[i - 1].version, constraints[i].version);
    if (c > 0) throw new VersError('non-canonical VERS: constraints are not sorted by version');
    if (c === 0) throw new VersError(`invalid VERS: version '${constraints[i].version}' appears more than once`);
  }
  const significant = constraints.filter((c) => c.comparator !== '!=');
  for (let i = 1; i < significant.length; i++) {
    if (significant[i - 1].comparator === '=' && isLess(significant[i].comparator)) throw cannotFollow(significant[i - 1], significant[i]);
  }
  const bounds = significant.filter((c) => c.comparator !== '=');
  for (let i = 1; i < bounds.length; i++) {
    if (isLess(bounds[i - 1].comparator) === isLess(bounds[i].comparator)) throw cannotFollow(bounds[i - 1], bounds[i]);
  }
}

function cannotFollow(previous: VersConstraint, current: VersConstraint): VersError {
  const show = (c: VersConstraint) => `${c.comparator === '=' ? '' : c.comparator}${c.version}`;
  return new VersError(`invalid VERS: '${show(current)}' cannot follow '${show(previous)}'`);
}

const utf8 = new TextEncoder();

function encodeVersion(version: string): string {
  let out = '';
  for (const c of version) {
    if (c === '%' || RESERVED.has(c) || c < '!' || c > '~') {
      for (const byte of utf8.encode(c)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    } else {
      out += c;
    }
  }
  return out;
}

/** The canonical string: constraints sorted by version (for known types) and reserved characters encoded. */
export function formatVers(vers: Vers): string {
  const cmp = versComparatorFor(vers.scheme);
  const constraints = cmp ? sortConstraints(cmp, vers.constraints) : vers.constraints;
  const body = constraints.map((c) => (c.comparator === '*' ? '*' : `${c.comparator === '=' ? '' : c.comparator}${encodeVersion(c.version)}`));
  return `vers:${vers.scheme}/${body.join('|')}`;
}

/**
 * Whether version lies in the range ('affected' = contained), per the containment procedure of
 * the vers spec. A string is parsed with `normalize`, so unsorted ranges are accepted.
 * 'indeterminate' when the type has no known version order or the version is invalid for it.
 */
export function versContains(vers: Vers | string, version: string): MatchVerdict {
  const range = typeof vers === 'string' ? parseVers(vers, { normalize: true }) : vers;
  if (range.constraints.length === 1 && range.constraints[0].comparator === '*') return range.scheme === 'none' ? 'not_affected' : 'affected';
  const cmp = versComparatorFor(range.scheme);
  if (cmp === null || !cmp.isValid(version)) return 'indeterminate';
  const constraints = sortConstraints(cmp, range.constraints);

  for (const c of constraints) {
    if (cmp.compare(version, c.version) !== 0) continue;
    if (c.comparator === '!=') return 'not_affected';
    if (c.comparator === '=' || c.comparator === '<=' || c.comparator === '>=') return 'affected';
  }
  const bounds = constraints.filter((c) => isLess(c.comparator) || isGreater(c.comparator));
  const below = (c: VersConstraint) => cmp.compare(version, c.version) < 0;
  const above = (c: VersConstraint) => cmp.compare(version, c.version) > 0;
  if (bounds.length > 0 && isLess(bounds[0].comparator) && below(bounds[0])) return 'affected';
  const last = bounds.at(-1);
  if (last && isGreater(last.comparator) && above(last)) return 'affected';
  for (let i = 0; i + 1 < bounds.length; i++) {
    if (isGreater(bounds[i].comparator) && isLess(bounds[i + 1].comparator) && above(bounds[i]) && below(bounds[i + 1])) return 'affected';
  }
  return 'not_affected';
}
