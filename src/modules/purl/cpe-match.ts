import { tryParseCpe, type Cpe } from './cpe.js';
import { cpeVersionComparator } from '../versioning/cpe-version.js';

/**
 * CPE name matching (NISTIR 7696) and the evaluation of NVD applicability criteria against the
 * CPEs of components. Values are the logical values src/modules/purl/cpe.ts produces: lower case,
 * `*` alone is ANY, `-` alone is NA, an unescaped `*`/`?` inside a value is a wildcard and a
 * literal `*`, `?` or `\` keeps its backslash.
 */

export interface CpeCriterion {
  /** CPE 2.3 formatted string as NVD writes it. */
  criteria: string;
  vulnerable: boolean;
  versionStartIncluding?: string;
  versionStartExcluding?: string;
  versionEndIncluding?: string;
  versionEndExcluding?: string;
}

/** The payload of one CPE entry of the advisory index (advisory_packages.ranges). */
export interface CpeEntryPayload {
  type: 'CPE';
  criterion: CpeCriterion;
  /** Running-on platforms the criterion's configuration ANDs it with (each inner list: alternatives
      of one node); null when the configuration has none. */
  platforms: CpeCriterion[][] | null;
}

export type CpeVerdict = 'affected' | 'not_affected' | 'indeterminate';

const ATTRIBUTES = ['part', 'vendor', 'product', 'version', 'update', 'edition', 'language', 'swEdition', 'targetSw', 'targetHw', 'other'] as const;

/** NISTIR 7696 attribute relations, from the source's point of view. */
type Relation = 'superset' | 'equal' | 'subset' | 'disjoint' | 'undefined';

/** The index key of a CPE: `${vendor}:${product}` of its logical (lower-cased) values. */
export function cpeKey(cpe: Cpe): string {
  return `${cpe.vendor}:${cpe.product}`;
}

/** NISTIR 7696 name matching: is `target` within the set `source` names (ANY/NA/wildcards/escapes)? */
export function cpeNameMatches(source: Cpe, target: Cpe): boolean {
  for (const attribute of ATTRIBUTES) {
    const relation = compareValues(source[attribute], target[attribute]);
    if (relation !== 'superset' && relation !== 'equal') return false;
  }
  return true;
}

/**
 * Affected / not_affected / indeterminate (version not orderable) for one component CPE, given the
 * OS CPEs the estate records for where it runs (null = unknown: the platform does not narrow).
 *
 * The component's CPE describes one piece of software, so an attribute it leaves ANY was not
 * recorded rather than meaning "every value": it does not rule the criterion out (a component
 * `cpe:2.3:a:3cx:3cx:18.12.416:*:*:*:*:*:*:*` is within NVD's `…:18.12.416:*:*:*:*:windows:*:*`),
 * except the version, where an unrecorded one against a bounded criterion is indeterminate.
 */
export function evaluateCpeEntry(entry: CpeEntryPayload, target: Cpe, platforms: Cpe[] | null): CpeVerdict {
  const verdict = evaluateCriterion(entry.criterion, target);
  if (verdict === 'not_affected' || !entry.platforms || !platforms || platforms.length === 0) return verdict;
  for (const alternatives of entry.platforms) {
    // A platform node narrows only when none of its alternatives can be one of the recorded OSes.
    const possible = alternatives.some((criterion) => platforms.some((os) => evaluateCriterion(criterion, os) !== 'not_affected'));
    if (!possible) return 'not_affected';
  }
  return verdict;
}

function evaluateCriterion(criterion: CpeCriterion, target: Cpe): CpeVerdict {
  const source = parsedCriteria(criterion.criteria);
  if (!source) return 'not_affected';
  const bounded =
    criterion.versionStartIncluding !== undefined ||
    criterion.versionStartExcluding !== undefined ||
    criterion.versionEndIncluding !== undefined ||
    criterion.versionEndExcluding !== undefined;
  for (const attribute of ATTRIBUTES) {
    if (attribute === 'version') continue;
    const relation = compareValues(source[attribute], target[attribute]);
    if (relation === 'superset' || relation === 'equal') continue;
    if (relation === 'subset' && target[attribute] === '*') continue;
    return 'not_affected';
  }
  let verdict: CpeVerdict = source.version === '*' ? 'affected' : versionEquals(source.version, target.version);
  if (bounded && verdict !== 'not_affected') {
    const range = versionInRange(criterion, comparableVersion(target));
    if (range !== 'affected') verdict = range;
  }
  return verdict;
}

function versionEquals(source: string, target: string): CpeVerdict {
  if (target === '*') return 'indeterminate';
  const relation = compareValues(source, target);
  if (relation === 'superset' || relation === 'equal') return 'affected';
  // The same version spelled differently (`18.12.416` / `18.12.416.0`) is equal in the CPE version order.
  if (isOrderable(source) && isOrderable(target)) return cpeVersionComparator.compare(source, target) === 0 ? 'affected' : 'not_affected';
  return relation === 'undefined' ? 'indeterminate' : 'not_affected';
}

/** The component's version, with a recorded update attribute appended (`1.0` + `beta1` → `1.0-beta1`). */
function comparableVersion(target: Cpe): string | null {
  if (!isOrderable(target.version)) return null;
  const update = target.update;
  if (update === '*' || update === '-' || hasWildcard(update) || update.includes('\\')) return target.version;
  return `${target.version}-${update}`;
}

function versionInRange(criterion: CpeCriterion, version: string | null): CpeVerdict {
  if (version === null) return 'indeterminate';
  const bounds: Array<[string | undefined, (c: number) => boolean]> = [
    [criterion.versionStartIncluding, (c) => c >= 0],
    [criterion.versionStartExcluding, (c) => c > 0],
    [criterion.versionEndIncluding, (c) => c <= 0],
    [criterion.versionEndExcluding, (c) => c < 0],
  ];
  for (const [bound, within] of bounds) {
    if (bound === undefined) continue;
    if (!isOrderable(bound)) return 'indeterminate';
    if (!within(cpeVersionComparator.compare(version, bound))) return 'not_affected';
  }
  return 'affected';
}

function isOrderable(version: string): boolean {
  return version !== '*' && version !== '-' && !hasWildcard(version) && cpeVersionComparator.isValid(version);
}

// ---------------------------------------------------------------------------------------------
// Attribute comparison (NISTIR 7696 §6.1.2, table 6-2)

function compareValues(source: string, target: string): Relation {
  if (source === '*') return 'superset';
  if (target === '*') return 'subset';
  if (source === '-') return target === '-' ? 'equal' : hasWildcard(target) ? 'undefined' : 'disjoint';
  if (target === '-') return 'disjoint';
  if (hasWildcard(target)) return 'undefined';
  if (!hasWildcard(source)) return source === target ? 'equal' : 'disjoint';
  return wildcardMatches(source, target) ? 'superset' : 'disjoint';
}

function hasWildcard(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?') return true;
  }
  return false;
}

/** Logical characters: an escaped character counts as one. */
function characters(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i++) {
    const width = value[i] === '\\' ? 2 : 1;
    out.push(value.slice(i, i + width));
    i += width - 1;
  }
  return out;
}

/**
 * A value with a leading and/or trailing `*` (any run of characters) or run of `?` (each: at most
 * one character, per NISTIR 7696's compare_strings) around a literal body.
 */
function wildcardMatches(source: string, target: string): boolean {
  const pattern = characters(source);
  const text = characters(target);
  let start = 0;
  let end = pattern.length;
  let before = 0; // -1: any number
  let after = 0;
  if (pattern[0] === '*') {
    start = 1;
    before = -1;
  } else {
    while (start < end && pattern[start] === '?') start++;
    before = start;
  }
  if (end > start && pattern[end - 1] === '*') {
    end--;
    after = -1;
  } else {
    while (end > start && pattern[end - 1] === '?') end--;
    after = pattern.length - end;
  }
  const body = pattern.slice(start, end);
  const last = before === -1 ? text.length - body.length : Math.min(before, text.length - body.length);
  for (let at = 0; at <= last; at++) {
    const leftover = text.length - at - body.length;
    if (after !== -1 && leftover > after) continue;
    if (body.every((c, i) => c === text[at + i])) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------

const PARSED = new Map<string, Cpe | null>();
const PARSED_LIMIT = 20_000;

/** Criteria strings repeat across many evaluations (one per candidate component): parse each once. */
function parsedCriteria(criteria: string): Cpe | null {
  let cpe = PARSED.get(criteria);
  if (cpe === undefined) {
    if (PARSED.size >= PARSED_LIMIT) PARSED.clear();
    cpe = typeof criteria === 'string' ? tryParseCpe(criteria) : null;
    PARSED.set(criteria, cpe);
  }
  return cpe;
}
