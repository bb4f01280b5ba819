import { alpmComparator } from './alpm.js';
import { apkComparator } from './apk.js';
import { composerComparator } from './composer.js';
import { conanComparator } from './conan.js';
import { cpeVersionComparator } from './cpe-version.js';
import { cranComparator } from './cran.js';
import { dpkgComparator } from './dpkg.js';
import { datetimeComparator, genericComparator, intdotComparator, lexicographicComparator } from './general.js';
import { gentooComparator } from './gentoo.js';
import { hackageComparator } from './hackage.js';
import { mavenComparator } from './maven.js';
import { nugetComparator } from './nuget.js';
import { opensslComparator } from './openssl.js';
import { pep440Comparator } from './pep440.js';
import { pubComparator } from './pub.js';
import { rpmComparator } from './rpm.js';
import { rubygemsComparator } from './rubygems.js';
import { semverComparator } from './semver.js';
import type { Ecosystem, VersionComparator } from './types.js';

/** OSV ecosystem names (https://ossf.github.io/osv-schema/#affectedpackage-field) by version order. */
const ECOSYSTEMS: Record<string, VersionComparator> = {
  npm: semverComparator,
  Go: semverComparator,
  'crates.io': semverComparator,
  Hex: semverComparator,
  Bitnami: semverComparator,
  SwiftURL: semverComparator,
  PyPI: pep440Comparator,
  Maven: mavenComparator,
  NuGet: nugetComparator,
  RubyGems: rubygemsComparator,
  Packagist: composerComparator,
  Pub: pubComparator,
  CRAN: cranComparator,
  Bioconductor: cranComparator,
  Hackage: hackageComparator,
  GHC: hackageComparator,
  ConanCenter: conanComparator,
  Debian: dpkgComparator,
  Ubuntu: dpkgComparator,
  Alpine: apkComparator,
  Wolfi: apkComparator,
  Chainguard: apkComparator,
  MinimOS: apkComparator,
  'Red Hat': rpmComparator,
  'Rocky Linux': rpmComparator,
  AlmaLinux: rpmComparator,
  openSUSE: rpmComparator,
  SUSE: rpmComparator,
  Mageia: rpmComparator,
  openEuler: rpmComparator,
  'Photon OS': rpmComparator,
  'Azure Linux': rpmComparator,
  // Not an OSV ecosystem: the order of the versions in CPE names (advisory index rows of ecosystem 'cpe').
  cpe: cpeVersionComparator,
};

const ECOSYSTEMS_BY_LOWER_CASE = new Map(Object.entries(ECOSYSTEMS).map(([name, c]) => [name.toLowerCase(), c]));

/** 'Debian:12' → 'Debian', 'Red Hat:rhel_aus:8.4::appstream' → 'Red Hat'. */
function baseEcosystem(ecosystem: Ecosystem): string {
  const colon = ecosystem.indexOf(':');
  return (colon >= 0 ? ecosystem.slice(0, colon) : ecosystem).trim();
}

export function comparatorFor(ecosystem: Ecosystem): VersionComparator | null {
  const base = baseEcosystem(ecosystem);
  return ECOSYSTEMS[base] ?? ECOSYSTEMS_BY_LOWER_CASE.get(base.toLowerCase()) ?? null;
}

/** vers types (https://github.com/package-url/vers-spec) by version order. */
const VERS_SCHEMES: Record<string, VersionComparator> = {
  npm: semverComparator,
  semver: semverComparator,
  golang: semverComparator,
  cargo: semverComparator,
  hex: semverComparator,
  swift: semverComparator,
  generic: genericComparator,
  pypi: pep440Comparator,
  maven: mavenComparator,
  nuget: nugetComparator,
  gem: rubygemsComparator,
  composer: composerComparator,
  pub: pubComparator,
  dart: pubComparator,
  cran: cranComparator,
  hackage: hackageComparator,
  conan: conanComparator,
  deb: dpkgComparator,
  rpm: rpmComparator,
  apk: apkComparator,
  alpm: alpmComparator,
  gentoo: gentooComparator,
  ebuild: gentooComparator,
  openssl: opensslComparator,
  datetime: datetimeComparator,
  lexicographic: lexicographicComparator,
  intdot: intdotComparator,
  cpe: cpeVersionComparator,
};

export function versComparatorFor(scheme: string): VersionComparator | null {
  return VERS_SCHEMES[scheme] ?? null;
}

const PURL_TYPES: Record<string, string> = {
  npm: 'npm',
  golang: 'Go',
  cargo: 'crates.io',
  pypi: 'PyPI',
  maven: 'Maven',
  nuget: 'NuGet',
  gem: 'RubyGems',
  composer: 'Packagist',
  pub: 'Pub',
  cran: 'CRAN',
  hackage: 'Hackage',
  hex: 'Hex',
  swift: 'SwiftURL',
  conan: 'ConanCenter',
  bitnami: 'Bitnami',
};

const UBUNTU = /ubuntu|trusty|xenial|bionic|focal|jammy|kinetic|lunar|mantic|noble|oracular|plucky|questing/;
const RPM_DISTROS: Array<[RegExp, string]> = [
  [/rocky/, 'Rocky Linux'],
  [/alma/, 'AlmaLinux'],
  [/opensuse/, 'openSUSE'],
  [/suse|sles/, 'SUSE'],
  [/mageia/, 'Mageia'],
  [/openeuler/, 'openEuler'],
  [/photon/, 'Photon OS'],
  [/azurelinux|mariner/, 'Azure Linux'],
  [/redhat|rhel|^el\d|centos/, 'Red Hat'],
];

/**
 * The OSV ecosystem (without a ':release' suffix) for a purl type. For deb, apk and rpm the
 * distribution comes from the purl namespace when given, else from the 'distro' qualifier
 * ('ubuntu-22.04', 'bookworm', 'rhel-9'); an rpm from an unknown distribution has no ecosystem.
 */
export function purlTypeToEcosystem(purlType: string, qualifiers?: Record<string, string> | null, namespace?: string | null): string | null {
  const type = purlType.toLowerCase();
  const distro = `${namespace ?? ''} ${qualifiers?.distro ?? ''}`.trim().toLowerCase();
  switch (type) {
    case 'deb':
      return UBUNTU.test(distro) ? 'Ubuntu' : 'Debian';
    case 'apk':
      return distro.includes('wolfi') ? 'Wolfi' : distro.includes('chainguard') ? 'Chainguard' : 'Alpine';
    case 'rpm':
      if (distro === '') return 'Red Hat';
      return RPM_DISTROS.find(([pattern]) => pattern.test(distro))?.[1] ?? null;
    default:
      return PURL_TYPES[type] ?? null;
  }
}

/**
 * The key under which advisories and components are matched: PEP 503 for PyPI, lower case where
 * the registry treats names case-insensitively, unchanged where case matters (npm, Go, Maven's
 * 'group:artifact', RubyGems, CRAN, Hackage, RPM).
 */
export function normalizePackageName(ecosystem: Ecosystem, name: string): string {
  const n = name.trim();
  switch (baseEcosystem(ecosystem)) {
    case 'PyPI':
      return n.toLowerCase().replace(/[-_.]+/g, '-');
    case 'crates.io':
      // crates.io refuses names that differ only in case or in '-' versus '_'.
      return n.toLowerCase().replaceAll('_', '-');
    case 'NuGet':
    case 'Packagist':
    case 'Pub':
    case 'Hex':
    case 'Debian':
    case 'Ubuntu':
    case 'Alpine':
    case 'Wolfi':
    case 'Chainguard':
    case 'ConanCenter':
      return n.toLowerCase();
    default:
      return n;
  }
}
