// Just enough purl reading to file a CSAF product under an OSV-style (ecosystem, name); canonical purl
// parsing and ecosystem mapping belong to the purl and matching modules.

const ECOSYSTEMS: Record<string, string> = {
  npm: 'npm',
  pypi: 'PyPI',
  maven: 'Maven',
  golang: 'Go',
  cargo: 'crates.io',
  gem: 'RubyGems',
  nuget: 'NuGet',
  composer: 'Packagist',
  hex: 'Hex',
  pub: 'Pub',
  hackage: 'Hackage',
  cran: 'CRAN',
  swift: 'SwiftURL',
  conan: 'ConanCenter',
  deb: 'Debian',
  apk: 'Alpine',
};

const DISTRO_ECOSYSTEMS: Record<string, string> = {
  ubuntu: 'Ubuntu',
  redhat: 'Red Hat',
  almalinux: 'AlmaLinux',
  rocky: 'Rocky Linux',
  opensuse: 'openSUSE',
  suse: 'SUSE',
};

/** For OS packages the namespace is the distribution, not part of the package name. */
const OS_TYPES = new Set(['deb', 'apk', 'rpm']);

export interface PurlPackage {
  ecosystem: string;
  name: string;
  version: string | null;
}

export function purlPackage(purl: string): PurlPackage | null {
  const match = /^pkg:([a-z][a-z0-9.+-]*)\/+([^?#]+)/i.exec(purl.trim());
  if (!match) return null;
  const type = match[1].toLowerCase();
  let path = match[2].replace(/\/+$/, '');
  const at = path.lastIndexOf('@');
  const version = at > path.lastIndexOf('/') ? decode(path.slice(at + 1)) : null;
  if (version !== null) path = path.slice(0, at);
  const segments = path.split('/').filter(Boolean).map(decode);
  const name = segments.pop();
  if (!name) return null;
  const namespace = segments.join('/');
  if (OS_TYPES.has(type)) {
    return { ecosystem: DISTRO_ECOSYSTEMS[namespace.toLowerCase()] ?? ECOSYSTEMS[type] ?? type, name, version };
  }
  const separator = type === 'maven' ? ':' : '/';
  return { ecosystem: ECOSYSTEMS[type] ?? type, name: namespace ? `${namespace}${separator}${name}` : name, version };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
