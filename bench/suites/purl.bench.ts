// Package URL parsing: throughput on a realistic SBOM mix and purl-spec conformance, against
// packageurl-js when it is installed.
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { opsPerSecond, type BenchRow, type BenchSuite } from '../lib.js';
import { formatPurl, normalizePurl, parsePurl, parseStrictPurl, type Purl } from '../../src/modules/purl/purl.js';

const SUITE = new URL('../../../shared/data/purl-spec/tests/', import.meta.url);
const PEER = 'packageurl-js';
const WARM_UP_CALLS = 20_000;

interface PurlLibrary {
  /** Parsing as a caller would use it, returning the library's own representation. */
  parse(input: string): unknown;
  normalize(input: string): string;
  /** Parsing into the purl-spec test format; group is the test case's conformance group. */
  components(input: string, group: string): Purl;
  build(components: Purl): string;
}

const ours: PurlLibrary = {
  parse: parsePurl,
  normalize: normalizePurl,
  // Required cases test conformance (strict), recommended ones normalisation (lenient).
  components: (input, group) => (group === 'required' ? parseStrictPurl : parsePurl)(input),
  build: formatPurl,
};

interface PeerPackageUrl {
  type: string;
  namespace?: string | null;
  name: string;
  version?: string | null;
  qualifiers?: Record<string, string> | null;
  subpath?: string | null;
  toString(): string;
}

interface PeerModule {
  PackageURL: {
    new (...components: Array<string | Record<string, string> | null>): PeerPackageUrl;
    fromString(input: string): PeerPackageUrl;
  };
}

async function loadPeer(): Promise<PurlLibrary | null> {
  let mod: PeerModule & { default?: PeerModule };
  try {
    // A variable specifier keeps TypeScript from requiring the optional package at compile time.
    const specifier: string = PEER;
    mod = await import(specifier);
  } catch {
    return null;
  }
  const { PackageURL } = mod.default ?? mod;
  const components = (p: PeerPackageUrl): Purl => ({
    type: p.type,
    namespace: p.namespace ?? null,
    name: p.name,
    version: p.version ?? null,
    qualifiers: p.qualifiers && Object.keys(p.qualifiers).length ? { ...p.qualifiers } : null,
    subpath: p.subpath ?? null,
  });
  return {
    parse: (input) => PackageURL.fromString(input),
    normalize: (input) => PackageURL.fromString(input).toString(),
    components: (input) => components(PackageURL.fromString(input)),
    build: (c) => new PackageURL(c.type, c.namespace, c.name, c.version, c.qualifiers, c.subpath).toString(),
  };
}

export const run: BenchSuite = async (ctx) => {
  const peer = await loadPeer();
  if (!peer) ctx.log(`${PEER} is not installed: reporting our numbers without a peer`);
  const purls = realisticPurls(1000);
  const minMs = ctx.quick ? 200 : 1500;
  const cases = loadSuite();

  const throughput = (label: string, op: (lib: PurlLibrary) => (input: string) => unknown): BenchRow => {
    const measure = (lib: PurlLibrary) => {
      const fn = op(lib);
      let i = 0;
      const next = () => {
        try {
          fn(purls[i++ % purls.length]);
        } catch {
          // A rejected purl costs what it costs; both libraries see the same inputs.
        }
      };
      // Warm up first, or whichever library is measured first pays for the JIT.
      for (let n = 0; n < WARM_UP_CALLS; n++) next();
      return opsPerSecond(next, minMs);
    };
    return withPeer({ suite: 'purl', name: label, value: measure(ours), unit: 'ops/s' }, peer && measure(peer));
  };

  const passed = (lib: PurlLibrary) => cases.filter((c) => passes(lib, c)).length;
  return [
    throughput('parse (1,000-purl SBOM mix)', (lib) => lib.parse),
    throughput('normalise (1,000-purl SBOM mix)', (lib) => lib.normalize),
    withPeer(
      {
        suite: 'purl',
        name: 'purl-spec conformance',
        value: passed(ours),
        unit: `of ${cases.length} cases`,
        notes: 'ours: required cases via parseStrictPurl; the suite contradicts itself on upper-case qualifier keys, so 585 is the maximum',
      },
      peer && passed(peer),
    ),
  ];
};

function withPeer(row: BenchRow, peerValue: number | null): BenchRow {
  return peerValue === null ? row : { ...row, peer: { name: PEER, value: peerValue }, ratio: row.value / peerValue };
}

// ---------------------------------------------------------------------------------------------
// purl-spec conformance

interface SuiteCase {
  test_group: string;
  test_type: 'parse' | 'build' | 'validate';
  input: string | Purl;
  expected_output: string | Purl | null;
  expected_failure?: boolean;
}

function loadSuite(): SuiteCase[] {
  return ['spec/', 'types/'].flatMap((dir) => {
    const folder = new URL(dir, SUITE);
    return readdirSync(folder)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => JSON.parse(readFileSync(new URL(f, folder), 'utf8')).tests as SuiteCase[]);
  });
}

function passes(lib: PurlLibrary, c: SuiteCase): boolean {
  let output: unknown;
  try {
    if (c.test_type === 'build') output = lib.build(c.input as Purl);
    else if (c.test_type === 'parse') output = lib.components(c.input as string, c.test_group);
    else output = lib.build(lib.components(c.input as string, c.test_group));
  } catch {
    return c.expected_failure === true;
  }
  return !c.expected_failure && isDeepStrictEqual(output, c.expected_output);
}

// ---------------------------------------------------------------------------------------------
// Workload

/** Purls shaped like those in real SBOMs: mostly npm, some non-canonical, many qualifiers. */
function realisticPurls(count: number): string[] {
  const shapes: Array<(i: number) => string> = [
    (i) => `pkg:npm/lodash-${i}@4.17.${i % 30}`,
    (i) => `pkg:npm/react-dom-${i}@18.${i % 4}.0`,
    (i) => `pkg:npm/%40scope${i % 40}/pkg-${i}@${1 + (i % 9)}.${i % 13}.${i % 7}`,
    (i) => `pkg:npm/@types/node-${i}@20.${i % 20}.1`,
    (i) => `pkg:maven/org.apache.commons/commons-lang${i}@3.${i % 15}.0?type=jar`,
    (i) => `pkg:maven/com.fasterxml.jackson.core/jackson-databind-${i}@2.15.${i % 5}?classifier=sources&repository_url=https://repo1.maven.org/maven2`,
    (i) => `pkg:pypi/Django_Rest-${i}@${i % 5}.0.${i % 11}`,
    (i) => `pkg:golang/github.com/Org${i % 17}/module-${i}@v1.${i % 20}.0#sub/dir`,
    (i) => `pkg:deb/debian/libssl-${i}@1.1.1n-0%2Bdeb11u${i % 9}?arch=amd64&distro=debian-11`,
    (i) => `pkg:rpm/redhat/openssl-${i}@1.1.1k-${i % 9}.el8?arch=x86_64&epoch=1`,
    (i) => `pkg:apk/alpine/musl-${i}@1.2.${i % 5}-r${i % 4}?arch=x86_64&distro=alpine-3.18`,
    (i) => `pkg:oci/image-${i}@sha256%3A${(i * 2654435761).toString(16).padStart(12, '0')}?repository_url=ghcr.io/org/image&tag=v${i}`,
    (i) => `pkg:nuget/Newtonsoft.Json.${i}@13.0.${i % 4}`,
    (i) => `pkg:gem/rails-${i}@7.0.${i % 8}?platform=ruby`,
    (i) => `pkg:cargo/serde-${i}@1.0.${i % 200}`,
    (i) => `pkg:github/Package-URL/purl-spec-${i}@v${i}`,
  ];
  return Array.from({ length: count }, (_, i) => shapes[i % shapes.length](i));
}
