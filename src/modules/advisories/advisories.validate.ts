// Per-record checks on a parsed advisory before anything is written: every affected entry must be
// indexable (a known ecosystem, a package name), and sizes must stay sane (an "absurd" record is
// refused as a whole, with its id and the reason, while the rest of the feed imports).
import type { NormalizedAdvisory } from './parsers/index.js';
import { advisoryEntryKey, type AdvisoryEntryKey } from '../matching/matching.keys.js';

export const ADVISORY_LIMITS = {
  aliases: 1_000,
  affected: 10_000,
  versionsPerEntry: 100_000,
  rangesPerEntry: 200,
  eventsPerRange: 2_000,
  versionLength: 256,
  nameLength: 1_000,
};

export type ValidAdvisory = { advisory: NormalizedAdvisory; keys: AdvisoryEntryKey[] };

/** The entry keys of a record, or the reason the record is refused. */
export function checkAdvisory(a: NormalizedAdvisory): ValidAdvisory | { error: string } {
  const L = ADVISORY_LIMITS;
  if (a.aliases.length > L.aliases) return { error: `aliases: ${a.aliases.length} aliases, more than ${L.aliases}` };
  if (a.affected.length > L.affected) return { error: `affected: ${a.affected.length} entries, more than ${L.affected}` };
  if (Number.isNaN(Date.parse(a.modified))) return { error: `modified: '${a.modified.slice(0, 40)}' is not a timestamp` };
  const keys: AdvisoryEntryKey[] = [];
  for (const [i, entry] of a.affected.entries()) {
    const where = `affected[${i}]`;
    if (entry.name.length > L.nameLength) return { error: `${where}.package.name: longer than ${L.nameLength} characters` };
    if (entry.versions.length > L.versionsPerEntry) return { error: `${where}.versions: ${entry.versions.length} versions, more than ${L.versionsPerEntry}` };
    const longVersion = entry.versions.find((v) => v.length > L.versionLength);
    if (longVersion !== undefined) return { error: `${where}.versions: a version of ${longVersion.length} characters (limit ${L.versionLength})` };
    if (entry.ranges.length > L.rangesPerEntry) return { error: `${where}.ranges: ${entry.ranges.length} ranges, more than ${L.rangesPerEntry}` };
    for (const [r, range] of entry.ranges.entries()) {
      if (range.events.length > L.eventsPerRange) return { error: `${where}.ranges[${r}].events: ${range.events.length} events, more than ${L.eventsPerRange}` };
      for (const event of range.events) {
        const value = event.introduced ?? event.fixed ?? event.last_affected ?? event.limit ?? '';
        if (value.length > L.versionLength) return { error: `${where}.ranges[${r}]: a version bound of ${value.length} characters (limit ${L.versionLength})` };
      }
    }
    const key = advisoryEntryKey(entry);
    if ('error' in key) return { error: `${where}.${key.error}` };
    keys.push(key);
  }
  return { advisory: a, keys };
}
