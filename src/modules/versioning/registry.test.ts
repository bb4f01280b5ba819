import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { comparatorFor, normalizePackageName, purlTypeToEcosystem } from './index.js';

describe('comparatorFor', () => {
  test('maps OSV ecosystems, ignoring release suffixes and case', () => {
    assert.equal(comparatorFor('npm')?.name, 'semver');
    assert.equal(comparatorFor('Go')?.name, 'semver');
    assert.equal(comparatorFor('crates.io')?.name, 'semver');
    assert.equal(comparatorFor('PyPI')?.name, 'pep440');
    assert.equal(comparatorFor('Debian:12')?.name, 'dpkg');
    assert.equal(comparatorFor('Ubuntu:22.04:LTS')?.name, 'dpkg');
    assert.equal(comparatorFor('Alpine:v3.19')?.name, 'apk');
    assert.equal(comparatorFor('Red Hat:rhel_aus:8.4::appstream')?.name, 'rpm');
    assert.equal(comparatorFor('Rocky Linux:9')?.name, 'rpm');
    assert.equal(comparatorFor('openSUSE')?.name, 'rpm');
    assert.equal(comparatorFor('pypi')?.name, 'pep440');
  });

  test('returns null for ecosystems without a version order', () => {
    assert.equal(comparatorFor('GIT'), null);
    assert.equal(comparatorFor('Linux'), null);
    assert.equal(comparatorFor(''), null);
  });
});

describe('purlTypeToEcosystem', () => {
  test('maps purl types to OSV ecosystems', () => {
    const expected: Record<string, string> = {
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
      apk: 'Alpine',
      deb: 'Debian',
      rpm: 'Red Hat',
    };
    for (const [type, ecosystem] of Object.entries(expected)) assert.equal(purlTypeToEcosystem(type), ecosystem, type);
    assert.equal(purlTypeToEcosystem('generic'), null);
  });

  test('tells distributions apart by namespace or distro qualifier', () => {
    assert.equal(purlTypeToEcosystem('deb', { distro: 'ubuntu-22.04' }), 'Ubuntu');
    assert.equal(purlTypeToEcosystem('deb', { distro: 'jammy' }), 'Ubuntu');
    assert.equal(purlTypeToEcosystem('deb', { distro: 'debian-12' }), 'Debian');
    assert.equal(purlTypeToEcosystem('deb', null, 'ubuntu'), 'Ubuntu');
    assert.equal(purlTypeToEcosystem('apk', { distro: 'wolfi' }), 'Wolfi');
    assert.equal(purlTypeToEcosystem('rpm', { distro: 'rhel-9' }), 'Red Hat');
    assert.equal(purlTypeToEcosystem('rpm', { distro: 'el8' }), 'Red Hat');
    assert.equal(purlTypeToEcosystem('rpm', null, 'rocky'), 'Rocky Linux');
    assert.equal(purlTypeToEcosystem('rpm', null, 'almalinux'), 'AlmaLinux');
    assert.equal(purlTypeToEcosystem('rpm', null, 'opensuse'), 'openSUSE');
    assert.equal(purlTypeToEcosystem('rpm', { distro: 'sles-15' }), 'SUSE');
    assert.equal(purlTypeToEcosystem('rpm', null, 'fedora'), null);
  });
});

describe('normalizePackageName', () => {
  test('applies each registry\'s notion of name identity', () => {
    assert.equal(normalizePackageName('PyPI', 'Zope.Interface__x'), 'zope-interface-x');
    assert.equal(normalizePackageName('NuGet', 'Newtonsoft.Json'), 'newtonsoft.json');
    assert.equal(normalizePackageName('Packagist', 'Symfony/HTTP-Kernel'), 'symfony/http-kernel');
    assert.equal(normalizePackageName('crates.io', 'Serde_JSON'), 'serde-json');
    assert.equal(normalizePackageName('Debian:12', 'LibSSL3'), 'libssl3');
    assert.equal(normalizePackageName('Maven', ' org.Apache:Commons '), 'org.Apache:Commons');
    assert.equal(normalizePackageName('Go', 'github.com/BurntSushi/toml'), 'github.com/BurntSushi/toml');
    assert.equal(normalizePackageName('npm', '@scope/pkg'), '@scope/pkg');
    assert.equal(normalizePackageName('Red Hat', 'NetworkManager'), 'NetworkManager');
  });
});
