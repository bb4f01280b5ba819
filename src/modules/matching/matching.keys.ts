// The (ecosystem, normalised package name) identity shared by advisory affected entries and SBOM
// components, the release of distro packages, and the verdict of one component against the
// affected entries of its key. Pure functions: the repositories and the matcher build on them.
import type { AdvisoryAffected } from '../advisories/parsers/index.js';
import { tryParsePurl } from '../purl/index.js';
import { canonicalEcosystem, identityOfPurl, normalizeName } from '../sboms/sboms.identity.js';
import { comparatorFor, fixedVersions, osvAffects, type MatchVerdict, type OsvRange } from '../versioning/index.js';

export interface PackageKey {
  ecosystem: string;
  packageName: string;
}

export const keyOf = (ecosystem: string, packageName: string): string => `${ecosystem}\u0000${packageName}`;

export function splitKey(key: string): PackageKey {
  const cut = key.indexOf('\u0000');
  return { ecosystem: key.slice(0, cut), packageName: key.slice(cut + 1) };
}

/** Distro ecosystems name source packages and carry a release suffix ('Debian:12', 'Alpine:v3.18'). */
export const DISTRO_ECOSYSTEMS = new Set(['Debian', 'Ubuntu', 'Alpine', 'Wolfi', 'Chainguard', 'Red Hat', 'Rocky Linux', 'AlmaLinux', 'openSUSE', 'SUSE', 'Mageia', 'openEuler', 'Photon OS', 'Azure Linux']);

/**
 * OSV ecosystems that have no version order (commits, kernels, images): their records are
 * accepted and indexed, and a component in them gets an indeterminate verdict unless its version
 * is listed. Anything that is neither here nor orderable is refused as an unknown ecosystem.
 */
const UNORDERED_OSV_ECOSYSTEMS = new Set(['GIT', 'OSS-Fuzz', 'Linux', 'Android', 'GitHub Actions', 'UVI', 'GSD', 'Echo', 'MinimOS', 'openEuler', 'Julia', 'VSCode', 'Haiku', 'Kubernetes', 'BellSoft Hardened Containers']);

/** purl types, which is what CSAF and VEX products and generic SBOM components are keyed by. */
const PURL_TYPES = /^[a-z][a-z0-9.+-]*$/;

export interface AdvisoryEntryKey extends PackageKey {
  /** The ':release' suffix of a distro ecosystem ('12', 'v3.18', '22.04:LTS'), or null. */
  release: string | null;
}

/** The index key of one affected entry, or the reason it cannot be indexed. */
export function advisoryEntryKey(entry: AdvisoryAffected): AdvisoryEntryKey | { error: string } {
  const raw = entry.ecosystem.trim();
  const colon = raw.indexOf(':');
  const base = colon >= 0 ? raw.slice(0, colon).trim() : raw;
  const release = colon >= 0 ? raw.slice(colon + 1).trim() || null : null;
  const purl = entry.purl ? tryParsePurl(entry.purl) : null;
  if (purl && !comparatorFor(base) && !UNORDERED_OSV_ECOSYSTEMS.has(base)) {
    // CSAF products and other purl-named packages: the same identity components get.
    const identity = identityOfPurl(purl);
    return { ecosystem: identity.ecosystem, packageName: identity.packageName, release: release ?? distroRelease(identity.ecosystem, purl.qualifiers?.distro ?? null) };
  }
  if (!base) return { error: 'package.ecosystem: empty' };
  const ecosystem = canonicalEcosystem(base);
  if (!comparatorFor(ecosystem) && !UNORDERED_OSV_ECOSYSTEMS.has(base) && !(PURL_TYPES.test(base) && entry.purl)) {
    return { error: `package.ecosystem: unknown ecosystem '${base.slice(0, 60)}'` };
  }
  const packageName = normalizeName(ecosystem, entry.name);
  if (!packageName) return { error: 'package.name: empty' };
  return { ecosystem, packageName, release: release ?? (purl ? distroRelease(ecosystem, purl.qualifiers?.distro ?? null) : null) };
}

const DEBIAN_CODENAMES: Record<string, string> = {
  wheezy: '7', jessie: '8', stretch: '9', buster: '10', bullseye: '11', bookworm: '12', trixie: '13', forky: '14', duke: '15',
};
const UBUNTU_CODENAMES: Record<string, string> = {
  trusty: '14.04', xenial: '16.04', bionic: '18.04', focal: '20.04', jammy: '22.04', kinetic: '22.10', lunar: '23.04',
  mantic: '23.10', noble: '24.04', oracular: '24.10', plucky: '25.04', questing: '25.10',
};

/** The release of a distro package from the purl `distro` qualifier: 'debian-12.5' → '12', 'jammy' → '22.04', 'alpine-3.18.4' → 'v3.18'. */
export function distroRelease(ecosystem: string, distro: string | null): string | null {
  if (!distro) return null;
  const text = distro.trim().toLowerCase();
  switch (ecosystem) {
    case 'Debian': {
      for (const [name, number] of Object.entries(DEBIAN_CODENAMES)) if (text.includes(name)) return number;
      return /(\d+)/.exec(text)?.[1] ?? null;
    }
    case 'Ubuntu': {
      for (const [name, number] of Object.entries(UBUNTU_CODENAMES)) if (text.includes(name)) return number;
      return /(\d{2}\.\d{2})/.exec(text)?.[1] ?? null;
    }
    case 'Alpine': {
      const match = /(\d+)\.(\d+)/.exec(text);
      return match ? `v${match[1]}.${match[2]}` : null;
    }
    default:
      return null;
  }
}

/** Whether an entry's release suffix admits a component's release; unknown on either side admits. */
export function releaseMatches(ecosystem: string, advisoryRelease: string | null, componentRelease: string | null): boolean {
  if (!advisoryRelease || !componentRelease) return true;
  switch (ecosystem) {
    case 'Debian':
      return advisoryRelease.split(':')[0].split('.')[0] === componentRelease;
    case 'Ubuntu':
      return advisoryRelease.split(':').some((part) => part === componentRelease);
    case 'Alpine':
      return advisoryRelease.split(':')[0].toLowerCase() === componentRelease;
    default:
      return true;
  }
}

/** What the matcher needs of a component row (stored or about to be). */
export interface MatchComponent {
  sbomId: string;
  idx: number;
  name: string;
  version: string | null;
  purl: string | null;
  qualifiers: Record<string, string> | null;
  ecosystem: string;
  packageName: string;
  sourcePackage: string | null;
}

export function parseQualifiers(json: string | null): Record<string, string> | null {
  if (!json) return null;
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' ? (value as Record<string, string>) : null;
  } catch {
    return null;
  }
}

/**
 * The source package of a distro binary package, from the purl `upstream` qualifier ('openssl',
 * 'openssl@3.0.11-1', or an RPM's 'openssl-3.0.7-1.el9.src.rpm'); null when it is absent or the
 * same as the package.
 */
export function sourcePackageOf(ecosystem: string, packageName: string, qualifiers: Record<string, string> | null): string | null {
  if (!DISTRO_ECOSYSTEMS.has(ecosystem)) return null;
  const upstream = qualifiers?.upstream?.trim();
  if (!upstream) return null;
  const srpm = /^(.+)-[^-]+-[^-]+\.src\.rpm$/.exec(upstream);
  const at = upstream.indexOf('@');
  const name = normalizeName(ecosystem, srpm ? srpm[1] : at > 0 ? upstream.slice(0, at) : upstream);
  return name && name !== packageName ? name : null;
}

/** Every key a component is matched under: its own and, for distro packages, its source package. */
export function componentKeys(c: Pick<MatchComponent, 'ecosystem' | 'packageName' | 'sourcePackage'>): string[] {
  return c.sourcePackage ? [keyOf(c.ecosystem, c.packageName), keyOf(c.ecosystem, c.sourcePackage)] : [keyOf(c.ecosystem, c.packageName)];
}

/**
 * The version as the ecosystem's advisories write it: the purl `epoch` qualifier prefixed for
 * dpkg/rpm, Go's 'go1.21.3' toolchain form for stdlib without its 'go'.
 */
export function comparableVersion(c: Pick<MatchComponent, 'ecosystem' | 'version' | 'qualifiers' | 'packageName'>): string | null {
  const version = c.version?.trim();
  if (!version) return null;
  const epoch = c.qualifiers?.epoch;
  if (epoch && /^\d+$/.test(epoch) && !version.includes(':') && DISTRO_ECOSYSTEMS.has(c.ecosystem) && c.ecosystem !== 'Alpine') return `${epoch}:${version}`;
  if (c.ecosystem === 'Go' && (c.packageName === 'stdlib' || c.packageName === 'toolchain') && /^go\d/.test(version)) return version.slice(2);
  return version;
}

/** One row of the matching index as the matcher reads it. */
export interface PackageEntry {
  advisoryId: string;
  externalId: string;
  groupId: string;
  ecosystem: string;
  release: string | null;
  packageName: string;
  versions: string[];
  ranges: OsvRange[];
  fixed: string[];
}

export interface GroupVerdict {
  verdict: Exclude<MatchVerdict, 'not_affected'>;
  matched: Array<{ advisory: string; ecosystem: string; name: string; verdict: string }>;
  fixed: string[];
}

/**
 * A component against the entries of its keys, per advisory group: 'affected' when any entry says
 * so (the OSV union of versions and ranges), else 'indeterminate' when any cannot tell; groups
 * that do not affect it are absent.
 */
export function evaluateComponent(c: MatchComponent, entries: PackageEntry[]): Map<string, GroupVerdict> {
  const verdicts = new Map<string, GroupVerdict>();
  if (!entries.length) return verdicts;
  const version = comparableVersion(c);
  const componentRelease = DISTRO_ECOSYSTEMS.has(c.ecosystem) ? distroRelease(c.ecosystem, c.qualifiers?.distro ?? null) : null;
  for (const entry of entries) {
    if (!releaseMatches(entry.ecosystem, entry.release, componentRelease)) continue;
    const ecosystem = entry.release ? `${entry.ecosystem}:${entry.release}` : entry.ecosystem;
    const verdict: MatchVerdict = version === null ? 'indeterminate' : entryVerdict(entry, ecosystem, version);
    if (verdict === 'not_affected') continue;
    let group = verdicts.get(entry.groupId);
    if (!group) verdicts.set(entry.groupId, (group = { verdict, matched: [], fixed: [] }));
    else if (verdict === 'affected') group.verdict = 'affected';
    group.matched.push({ advisory: entry.externalId, ecosystem, name: entry.packageName, verdict });
    for (const fix of entry.fixed) if (!group.fixed.includes(fix)) group.fixed.push(fix);
  }
  return verdicts;
}

/**
 * Verdicts by advisory entry and version. The matcher's index cache hands the same entry objects to
 * every upload until a feed write, and uploads share most of their packages at the same versions:
 * an (entry, version) answered before is looked up instead of evaluated again. Keyed weakly by the
 * entry, so verdicts go when their entries do; at most MEMO_VERDICTS are added before it starts over.
 */
let memo = new WeakMap<PackageEntry, Map<string, MatchVerdict>>();
let memoised = 0;
const MEMO_VERDICTS = 200_000;

function entryVerdict(entry: PackageEntry, ecosystem: string, version: string): MatchVerdict {
  let verdicts = memo.get(entry);
  let verdict = verdicts?.get(version);
  if (verdict !== undefined) return verdict;
  verdict = osvAffects(ecosystem, version, { versions: entry.versions, ranges: entry.ranges });
  if (memoised >= MEMO_VERDICTS) {
    memo = new WeakMap();
    memoised = 0;
    verdicts = undefined;
  }
  if (!verdicts) memo.set(entry, (verdicts = new Map()));
  verdicts.set(version, verdict);
  memoised++;
  return verdict;
}

/** The lowest fixed version above the component's version (the upgrade that closes it), or null. */
export function nearestFix(c: Pick<MatchComponent, 'ecosystem' | 'version' | 'qualifiers' | 'packageName'>, fixed: string[]): string | null {
  const version = comparableVersion(c);
  const cmp = comparatorFor(c.ecosystem);
  if (!fixed.length) return null;
  if (!cmp || version === null || !cmp.isValid(version)) return fixed.length === 1 ? fixed[0] : null;
  const above = fixed.filter((f) => cmp.isValid(f) && cmp.compare(f, version) > 0).sort((a, b) => cmp.compare(a, b));
  return above[0] ?? null;
}

/** Fixed versions of an entry, as the index stores them. */
export function entryFixedVersions(entry: AdvisoryAffected): string[] {
  return fixedVersions({ ranges: entry.ranges });
}
