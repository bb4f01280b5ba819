// The identity of a package across SBOMs, advisories and technologies: (ecosystem, package name)
// with the version ignored. Ecosystems are OSV names where one exists ('npm', 'Maven', 'PyPI',
// 'Go', 'Debian', …) so advisories match with one indexed lookup; other purl types keep their type
// ('generic', 'github', 'docker', …), and components without a purl are 'generic'.
import type { Purl } from '../purl/index.js';
import { normalizePackageName, purlTypeToEcosystem } from '../versioning/index.js';

export interface PackageIdentity {
  ecosystem: string;
  /** OSV-style full name, normalised per ecosystem: 'org.apache.logging.log4j:log4j-core', '@babel/core'. */
  packageName: string;
  /**
   * Lower-cased name as people say it: without namespace ('log4j-core', 'logrus', 'openssl'),
   * except npm, where the scope is part of the name ('@sentry/electron' is not 'electron').
   */
  nameKey: string;
}

/** For OS packages the purl namespace is the distribution, not part of the name. */
const OS_TYPES = new Set(['deb', 'apk', 'rpm', 'alpm']);

export const GENERIC = 'generic';

const OSV_ECOSYSTEMS = [
  'npm', 'Go', 'crates.io', 'PyPI', 'Maven', 'NuGet', 'RubyGems', 'Packagist', 'Pub', 'CRAN', 'Hackage', 'Hex',
  'SwiftURL', 'ConanCenter', 'Bitnami', 'Debian', 'Ubuntu', 'Alpine', 'Wolfi', 'Chainguard', 'Red Hat',
  'Rocky Linux', 'AlmaLinux', 'openSUSE', 'SUSE', 'Mageia', 'openEuler', 'Photon OS', 'Azure Linux',
];
const OSV_BY_LOWER_CASE = new Map(OSV_ECOSYSTEMS.map((e) => [e.toLowerCase(), e]));

export function identityOfPurl(purl: Purl): PackageIdentity {
  const osv = purlTypeToEcosystem(purl.type, purl.qualifiers, purl.namespace);
  const full =
    OS_TYPES.has(purl.type) || !purl.namespace ? purl.name : purl.type === 'maven' ? `${purl.namespace}:${purl.name}` : `${purl.namespace}/${purl.name}`;
  return {
    ecosystem: osv ?? purl.type,
    packageName: osv ? normalizePackageName(osv, full) : full.toLowerCase(),
    nameKey: (purl.type === 'npm' && purl.namespace ? `${purl.namespace}/${purl.name}` : purl.name).toLowerCase(),
  };
}

/** A component without a purl: 'generic', named by group/name, case-insensitively. */
export function identityOfName(name: string, group: string | null): PackageIdentity {
  const bare = name.trim().toLowerCase();
  return { ecosystem: GENERIC, packageName: group ? `${group.trim().toLowerCase()}/${bare}` : bare, nameKey: bare };
}

/**
 * An ecosystem as a user types it: an OSV name in any case ('pypi', 'maven', 'red hat'), a purl type
 * ('golang', 'cargo', 'deb') or any other purl type ('generic', 'github'), which is kept lower-cased.
 */
export function canonicalEcosystem(input: string): string {
  const text = input.trim();
  const lower = text.toLowerCase();
  return OSV_BY_LOWER_CASE.get(lower) ?? purlTypeToEcosystem(lower) ?? lower;
}

/** The package name as stored for an ecosystem ('PyPI' folds case and separators, npm keeps case). */
export function normalizeName(ecosystem: string, name: string): string {
  return OSV_BY_LOWER_CASE.has(ecosystem.toLowerCase()) ? normalizePackageName(ecosystem, name) : name.trim().toLowerCase();
}

/** A friendly label: the Maven artifact, the last Go path segment (not /vN), else the package name. */
export function technologyLabel(ecosystem: string, packageName: string): string {
  if (ecosystem === 'Maven') return packageName.slice(packageName.lastIndexOf(':') + 1);
  if (ecosystem === 'Go') {
    const segments = packageName.split('/');
    while (segments.length > 1 && /^v\d+$/.test(segments[segments.length - 1])) segments.pop();
    return segments[segments.length - 1];
  }
  return packageName;
}

/** 'npm:electron', 'Maven:org.apache.logging.log4j:log4j-core', 'generic:ffmpeg'. */
export function technologyKey(ecosystem: string, packageName: string): string {
  return `${ecosystem}:${packageName}`;
}

export function parseTechnologyKey(key: string): { ecosystem: string; packageName: string } | null {
  const colon = key.indexOf(':');
  if (colon <= 0 || colon === key.length - 1) return null;
  const ecosystem = canonicalEcosystem(key.slice(0, colon));
  return { ecosystem, packageName: normalizeName(ecosystem, key.slice(colon + 1)) };
}
