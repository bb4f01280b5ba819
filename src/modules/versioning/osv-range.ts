import { comparatorFor } from './registry.js';
import { semverComparator } from './semver.js';
import type { MatchVerdict, VersionComparator } from './types.js';

// OSV "affected" evaluation (https://ossf.github.io/osv-schema/#evaluation): a version is affected
// when it is listed in `versions` or falls in any SEMVER/ECOSYSTEM range. GIT ranges name commits,
// not versions, and are skipped.

export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvRange {
  type: 'SEMVER' | 'ECOSYSTEM' | 'GIT' | string;
  events: OsvEvent[];
}

export interface OsvAffected {
  versions?: string[];
  ranges?: OsvRange[];
}

type Bound = { kind: 'introduced' | 'fixed' | 'last_affected' | 'limit'; version: string };

function bound(event: OsvEvent): Bound | null {
  if (event.introduced !== undefined) return { kind: 'introduced', version: event.introduced };
  if (event.fixed !== undefined) return { kind: 'fixed', version: event.fixed };
  if (event.last_affected !== undefined) return { kind: 'last_affected', version: event.last_affected };
  if (event.limit !== undefined) return { kind: 'limit', version: event.limit };
  return null;
}

/** introduced "0" is the start of time and limit "*" its end. */
function isOpenEnd(b: Bound): boolean {
  return (b.kind === 'introduced' && b.version === '0') || (b.kind === 'limit' && b.version === '*');
}

/** A range's events as evaluation reads them under one comparator: the same for every version it is asked about. */
interface PreparedRange {
  /** Some bound is not a valid version for the comparator: every answer is indeterminate. */
  invalid: boolean;
  limits: Bound[];
  /** The other bounds in evaluation order. */
  sorted: Bound[];
}

/**
 * Prepared ranges by their events array and comparator. The matcher asks about the same advisory
 * entries (kept in its index cache) for every component of every upload: preparing them each time
 * was most of the garbage of matching a heavy upload (a sort and its arrays per component and entry).
 */
const prepared = new WeakMap<OsvEvent[], Map<VersionComparator, PreparedRange>>();

function prepareRange(cmp: VersionComparator, events: OsvEvent[]): PreparedRange {
  let byComparator = prepared.get(events);
  const known = byComparator?.get(cmp);
  if (known) return known;
  const bounds = events.map(bound).filter((b): b is Bound => b !== null);
  const invalid = bounds.some((b) => !isOpenEnd(b) && !cmp.isValid(b.version));
  const range: PreparedRange = {
    invalid,
    limits: bounds.filter((b) => b.kind === 'limit'),
    // Array.prototype.sort is stable: events at the same version keep their order, so an
    // introduced/fixed pair at one version (an empty interval) stays empty.
    sorted: invalid
      ? []
      : bounds.filter((b) => b.kind !== 'limit').sort((a, b) => (isOpenEnd(a) ? (isOpenEnd(b) ? 0 : -1) : isOpenEnd(b) ? 1 : cmp.compare(a.version, b.version))),
  };
  if (!byComparator) prepared.set(events, (byComparator = new Map()));
  byComparator.set(cmp, range);
  return range;
}

function evaluateRange(cmp: VersionComparator, version: string, events: OsvEvent[]): MatchVerdict {
  const { invalid, limits, sorted } = prepareRange(cmp, events);
  if (invalid || !cmp.isValid(version)) return 'indeterminate';
  if (limits.length > 0 && !limits.some((b) => b.version === '*' || cmp.compare(version, b.version) < 0)) return 'not_affected';
  let affected = false;
  for (const b of sorted) {
    if (b.kind === 'introduced') {
      if (isOpenEnd(b) || cmp.compare(version, b.version) >= 0) affected = true;
    } else if (b.kind === 'fixed') {
      if (cmp.compare(version, b.version) >= 0) affected = false;
    } else if (b.kind === 'last_affected' && cmp.compare(version, b.version) > 0) {
      affected = false;
    }
  }
  return affected ? 'affected' : 'not_affected';
}

/**
 * 'indeterminate' when the answer depends on something we cannot order: an unknown ecosystem, a
 * version (or range bound) that is not valid for it, or an entry with neither versions nor ranges.
 */
export function osvAffects(ecosystem: string, version: string, affected: OsvAffected): MatchVerdict {
  const cmp = comparatorFor(ecosystem);
  const listed = affected.versions ?? [];
  const valid = cmp !== null && cmp.isValid(version);
  if (listed.some((v) => v === version || (valid && cmp.isValid(v) && cmp.compare(v, version) === 0))) return 'affected';

  let verdict: MatchVerdict = valid ? 'not_affected' : 'indeterminate';
  let evaluated = 0;
  for (const range of affected.ranges ?? []) {
    if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') continue;
    evaluated++;
    const rangeCmp = range.type === 'SEMVER' ? semverComparator : cmp;
    const result = rangeCmp === null ? 'indeterminate' : evaluateRange(rangeCmp, version, range.events);
    if (result === 'affected') return 'affected';
    if (result === 'indeterminate') verdict = 'indeterminate';
  }
  return evaluated === 0 && listed.length === 0 ? 'indeterminate' : verdict;
}

/** The `fixed` versions of the SEMVER and ECOSYSTEM ranges, first occurrence first. */
export function fixedVersions(affected: OsvAffected): string[] {
  const fixed = new Set<string>();
  for (const range of affected.ranges ?? []) {
    if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') continue;
    for (const event of range.events) if (event.fixed !== undefined) fixed.add(event.fixed);
  }
  return [...fixed];
}
