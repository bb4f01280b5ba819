// Deterministic, realistic synthetic SBOMs (npm/maven/pypi purls, hashes, licenses, a dependency
// graph) for tests and benchmarks. Same arguments → byte-identical output.

export interface GenerateOptions {
  /** CycloneDX specVersion to claim (and to follow for the tools shape); default '1.6'. */
  specVersion?: '1.4' | '1.5' | '1.6';
  /** PRNG seed; default 1. */
  seed?: number;
  /** Most dependencies per component; default 4. */
  maxDependencies?: number;
}

interface Package {
  ecosystem: 'npm' | 'maven' | 'pypi';
  group: string | null;
  name: string;
  version: string;
  purl: string;
  license: string;
  sha256: string;
  sha1: string;
}

const WORDS = [
  'core', 'util', 'http', 'json', 'parser', 'stream', 'logger', 'crypto', 'config', 'cache', 'client',
  'server', 'async', 'codec', 'schema', 'lang', 'io', 'test', 'net', 'time', 'yaml', 'xml', 'auth', 'db',
];
const NPM_SCOPES = ['@babel', '@types', '@aws-sdk', '@angular', '@nestjs'];
const MAVEN_GROUPS = ['org.apache.commons', 'com.fasterxml.jackson.core', 'io.netty', 'org.springframework', 'com.google.guava'];
const LICENSES = ['MIT', 'Apache-2.0', 'BSD-3-Clause', 'ISC', 'MIT OR Apache-2.0', 'EPL-2.0', 'LGPL-2.1-or-later'];

/** mulberry32: tiny, fast, good enough for test data. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)];
}

function makePackage(random: () => number, index: number): Package {
  const ecosystem = pick(random, ['npm', 'npm', 'maven', 'pypi'] as const);
  const base = `${pick(random, WORDS)}-${pick(random, WORDS)}-${index}`;
  const version = `${Math.floor(random() * 10)}.${Math.floor(random() * 30)}.${Math.floor(random() * 20)}`;
  const license = pick(random, LICENSES);
  const hashes = { sha256: hex(random, 64), sha1: hex(random, 40) };
  if (ecosystem === 'maven') {
    const group = pick(random, MAVEN_GROUPS);
    return { ecosystem, group, name: base, version, purl: `pkg:maven/${group}/${base}@${version}`, license, ...hashes };
  }
  if (ecosystem === 'npm' && random() < 0.3) {
    const scope = pick(random, NPM_SCOPES);
    return { ecosystem, group: scope, name: base, version, purl: `pkg:npm/%40${scope.slice(1)}/${base}@${version}`, license, ...hashes };
  }
  if (ecosystem === 'pypi') {
    // Distributions are often named with '_', which the canonical pypi purl spells '-'.
    return { ecosystem, group: null, name: base.replace(/-/g, '_'), version, purl: `pkg:pypi/${base}@${version}`, license, ...hashes };
  }
  return { ecosystem, group: null, name: base, version, purl: `pkg:npm/${base}@${version}`, license, ...hashes };
}

function makePackages(n: number, seed: number): { packages: Package[]; random: () => number } {
  const random = prng(seed);
  return { packages: Array.from({ length: n }, (_, i) => makePackage(random, i)), random };
}

/** Indexes of each package's dependencies: mostly later packages, so the graph is DAG-like with a few cycles. */
function dependencyIndexes(random: () => number, n: number, index: number, max: number): number[] {
  const count = Math.floor(random() * (max + 1));
  const targets = new Set<number>();
  for (let i = 0; i < count; i++) {
    const target = random() < 0.95 ? index + 1 + Math.floor(random() * 50) : Math.floor(random() * n);
    if (target < n && target !== index) targets.add(target);
  }
  return [...targets];
}

function timestamp(seed: number): string {
  return new Date(Date.UTC(2024, 0, 1) + (seed % 365) * 86_400_000).toISOString().replace('.000Z', 'Z');
}

function uuid(random: () => number): string {
  const h = hex(random, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

export function generateCycloneDx(n: number, opts: GenerateOptions = {}): string {
  const specVersion = opts.specVersion ?? '1.6';
  const seed = opts.seed ?? 1;
  const { packages, random } = makePackages(n, seed);
  const rootRef = 'pkg:npm/thirdwatch-demo-app@1.0.0';
  const tool = { name: 'thirdwatch-generator', version: '1.0.0' };
  const components = packages.map((p) => ({
    type: 'library',
    'bom-ref': p.purl,
    ...(p.group ? { group: p.group } : {}),
    name: p.name,
    version: p.version,
    description: `Synthetic ${p.ecosystem} package ${p.name} for benchmarking`,
    scope: random() < 0.9 ? 'required' : 'optional',
    hashes: [
      { alg: 'SHA-256', content: p.sha256 },
      { alg: 'SHA-1', content: p.sha1 },
    ],
    licenses: p.license.includes(' ') ? [{ expression: p.license }] : [{ license: { id: p.license } }],
    purl: p.purl,
  }));
  const dependencies = [
    { ref: rootRef, dependsOn: packages.slice(0, Math.min(20, n)).map((p) => p.purl) },
    ...packages.map((p, i) => ({
      ref: p.purl,
      dependsOn: dependencyIndexes(random, n, i, opts.maxDependencies ?? 4).map((t) => packages[t].purl),
    })),
  ];
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion,
    serialNumber: `urn:uuid:${uuid(random)}`,
    version: 1,
    metadata: {
      timestamp: timestamp(seed),
      tools: specVersion === '1.4' ? [{ vendor: 'Thirdwatch', ...tool }] : { components: [{ type: 'application', ...tool }] },
      component: { type: 'application', 'bom-ref': rootRef, name: 'thirdwatch-demo-app', version: '1.0.0', purl: rootRef },
    },
    components,
    dependencies,
  });
}

export function generateSpdx23(n: number, opts: Pick<GenerateOptions, 'seed' | 'maxDependencies'> = {}): string {
  const seed = opts.seed ?? 1;
  const { packages, random } = makePackages(n, seed);
  const rootId = 'SPDXRef-Package-root';
  const id = (i: number) => `SPDXRef-Package-${i}`;
  const spdxPackages = [
    { name: 'thirdwatch-demo-app', SPDXID: rootId, versionInfo: '1.0.0', downloadLocation: 'NOASSERTION', filesAnalyzed: false, primaryPackagePurpose: 'APPLICATION' },
    ...packages.map((p, i) => ({
      name: p.group && p.ecosystem === 'maven' ? `${p.group}:${p.name}` : p.group ? `${p.group}/${p.name}` : p.name,
      SPDXID: id(i),
      versionInfo: p.version,
      supplier: p.ecosystem === 'maven' ? `Organization: ${p.group}` : 'NOASSERTION',
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: p.license,
      licenseDeclared: p.license,
      copyrightText: 'NOASSERTION',
      checksums: [
        { algorithm: 'SHA256', checksumValue: p.sha256 },
        { algorithm: 'SHA1', checksumValue: p.sha1 },
      ],
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl }],
      primaryPackagePurpose: 'LIBRARY',
    })),
  ];
  const relationships = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: rootId },
    ...packages.slice(0, Math.min(20, n)).map((_, i) => ({ spdxElementId: rootId, relationshipType: 'DEPENDS_ON', relatedSpdxElement: id(i) })),
    ...packages.flatMap((_, i) =>
      dependencyIndexes(random, n, i, opts.maxDependencies ?? 4).map((t) => ({
        spdxElementId: id(i),
        relationshipType: 'DEPENDS_ON',
        relatedSpdxElement: id(t),
      })),
    ),
  ];
  return JSON.stringify({
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'thirdwatch-demo-app',
    documentNamespace: `https://thirdwatch.example/spdx/thirdwatch-demo-app-${uuid(random)}`,
    creationInfo: { created: timestamp(seed), creators: ['Tool: thirdwatch-generator-1.0.0'] },
    packages: spdxPackages,
    relationships,
  });
}
