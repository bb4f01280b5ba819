// What changed between two SBOMs (typically two releases of one product). Components are compared
// by package identity (ecosystem + normalised name), so a version bump is one change, not an
// addition and a removal; the same version with different hashes is reported on its own, since
// that is what a tampered build (or a silently re-released one) looks like.
import { comparatorFor, versComparatorFor } from '../versioning/index.js';

export interface DiffInput {
  name: string;
  group_name: string | null;
  version: string | null;
  purl: string | null;
  ecosystem: string;
  package_name: string;
  hashes: string | null;
  direct: number;
}

export interface DiffComponent {
  ecosystem: string;
  packageName: string;
  name: string;
  version: string | null;
  purl: string | null;
  direct: boolean;
}

export interface VersionChange {
  ecosystem: string;
  packageName: string;
  name: string;
  fromVersion: string | null;
  toVersion: string | null;
  fromPurl: string | null;
  toPurl: string | null;
  direct: boolean;
}

export interface HashChange {
  ecosystem: string;
  packageName: string;
  name: string;
  version: string | null;
  purl: string | null;
  algorithms: Array<{ alg: string; from: string; to: string }>;
}

export interface SbomDiff {
  summary: { added: number; removed: number; versionChanged: number; hashChanged: number; unchanged: number };
  added: DiffComponent[];
  removed: DiffComponent[];
  versionChanged: VersionChange[];
  hashChanged: HashChange[];
}

type Versions = Map<string, DiffInput>;

function byPackage(rows: DiffInput[]): Map<string, Versions> {
  const packages = new Map<string, Versions>();
  for (const row of rows) {
    const key = `${row.ecosystem}\n${row.package_name}`;
    let versions = packages.get(key);
    if (!versions) packages.set(key, (versions = new Map()));
    const version = row.version ?? '';
    if (!versions.has(version)) versions.set(version, row);
  }
  return packages;
}

function present(row: DiffInput): DiffComponent {
  return { ecosystem: row.ecosystem, packageName: row.package_name, name: displayName(row), version: row.version, purl: row.purl, direct: row.direct === 1 };
}

function displayName(row: DiffInput): string {
  return row.group_name ? `${row.group_name}${row.ecosystem === 'Maven' ? ':' : '/'}${row.name}` : row.name;
}

function orderVersions(ecosystem: string, versions: string[]): string[] {
  const cmp = comparatorFor(ecosystem) ?? versComparatorFor(ecosystem.toLowerCase()) ?? versComparatorFor('generic')!;
  return versions.sort((a, b) => cmp.compare(a, b));
}

function hashChanges(a: DiffInput, b: DiffInput): Array<{ alg: string; from: string; to: string }> {
  if (!a.hashes || !b.hashes) return [];
  const from = JSON.parse(a.hashes) as Record<string, string>;
  const to = JSON.parse(b.hashes) as Record<string, string>;
  const changes: Array<{ alg: string; from: string; to: string }> = [];
  for (const alg of Object.keys(from).sort()) {
    if (alg in to && to[alg] !== from[alg]) changes.push({ alg, from: from[alg], to: to[alg] });
  }
  return changes;
}

const byIdentity = <T extends { ecosystem: string; packageName: string }>(x: T, y: T) =>
  x.ecosystem < y.ecosystem ? -1 : x.ecosystem > y.ecosystem ? 1 : x.packageName < y.packageName ? -1 : x.packageName > y.packageName ? 1 : 0;

/**
 * Per package: versions on both sides are unchanged (or hash-changed); when versions disappeared
 * and others appeared, they are paired in version order, from the highest, as version changes, and
 * what is left over on either side is added or removed.
 */
export function diffSboms(fromRows: DiffInput[], toRows: DiffInput[]): SbomDiff {
  const from = byPackage(fromRows);
  const to = byPackage(toRows);
  const diff: SbomDiff = { summary: { added: 0, removed: 0, versionChanged: 0, hashChanged: 0, unchanged: 0 }, added: [], removed: [], versionChanged: [], hashChanged: [] };
  for (const [key, before] of from) {
    const after = to.get(key);
    if (!after) {
      for (const row of before.values()) diff.removed.push(present(row));
      continue;
    }
    const ecosystem = key.slice(0, key.indexOf('\n'));
    const gone: string[] = [];
    for (const [version, row] of before) {
      const same = after.get(version);
      if (!same) {
        gone.push(version);
        continue;
      }
      const algorithms = hashChanges(row, same);
      if (algorithms.length) diff.hashChanged.push({ ecosystem, packageName: row.package_name, name: displayName(same), version: same.version, purl: same.purl, algorithms });
      else diff.summary.unchanged++;
    }
    const arrived = [...after.keys()].filter((v) => !before.has(v));
    const oldVersions = orderVersions(ecosystem, gone);
    const newVersions = orderVersions(ecosystem, arrived);
    // Paired from the highest down: 1.0 and 3.0 becoming 3.1 reads as 3.0 → 3.1, 1.0 removed.
    const pairs = Math.min(oldVersions.length, newVersions.length);
    const oldPaired = oldVersions.slice(oldVersions.length - pairs);
    const newPaired = newVersions.slice(newVersions.length - pairs);
    for (let i = 0; i < pairs; i++) {
      const a = before.get(oldPaired[i])!;
      const b = after.get(newPaired[i])!;
      diff.versionChanged.push({
        ecosystem,
        packageName: b.package_name,
        name: displayName(b),
        fromVersion: a.version,
        toVersion: b.version,
        fromPurl: a.purl,
        toPurl: b.purl,
        direct: b.direct === 1,
      });
    }
    for (const version of oldVersions.slice(0, oldVersions.length - pairs)) diff.removed.push(present(before.get(version)!));
    for (const version of newVersions.slice(0, newVersions.length - pairs)) diff.added.push(present(after.get(version)!));
  }
  for (const [key, after] of to) {
    if (!from.has(key)) for (const row of after.values()) diff.added.push(present(row));
  }
  diff.added.sort(byIdentity);
  diff.removed.sort(byIdentity);
  diff.versionChanged.sort(byIdentity);
  diff.hashChanged.sort(byIdentity);
  diff.summary.added = diff.added.length;
  diff.summary.removed = diff.removed.length;
  diff.summary.versionChanged = diff.versionChanged.length;
  diff.summary.hashChanged = diff.hashChanged.length;
  return diff;
}
