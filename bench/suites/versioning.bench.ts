import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { comparatorFor } from '../../src/modules/versioning/index.js';
import { type BenchRow, type BenchSuite, opsPerSecond } from '../lib.js';

// compare() throughput per ecosystem over osv-scalibr's version-order corpus, with the npm
// libraries people would otherwise reach for measured on the same pairs in the same process.

const CORPUS = new URL('../../../shared/data/version-order/', import.meta.url);

const ECOSYSTEM_FILES: Record<string, string[]> = {
  npm: ['semver-versions.txt'],
  PyPI: ['pypi-versions.txt', 'pypi-versions-generated.txt'],
  Maven: ['maven-versions.txt', 'maven-versions-generated.txt'],
  NuGet: ['nuget-versions.txt'],
  RubyGems: ['rubygems-versions.txt', 'rubygems-versions-generated.txt'],
  Packagist: ['packagist-versions.txt', 'packagist-versions-generated.txt'],
  Pub: ['pub-versions.txt'],
  CRAN: ['cran-versions.txt', 'cran-versions-generated.txt'],
  Hackage: ['hackage-versions.txt'],
  Debian: ['debian-versions.txt', 'debian-versions-generated.txt'],
  Alpine: ['alpine-versions.txt', 'alpine-versions-generated.txt'],
  'Red Hat': ['redhat-versions.txt'],
};

interface Peer {
  name: string;
  compare(a: string, b: string): number;
  /** Pairs the peer would throw on are left out of both measurements. */
  accepts(v: string): boolean;
}

const require = createRequire(import.meta.url);

/** Peers are optional: a missing package just means no comparison row. */
async function loadPeer(specifier: string, make: (mod: any) => Omit<Peer, 'name'>): Promise<Peer | null> {
  try {
    const mod = await import(specifier);
    let version = '';
    try {
      version = `@${require(`${specifier}/package.json`).version}`;
    } catch {
      // Packages that do not export package.json are named without a version.
    }
    return { name: `${specifier}${version}`, ...make(mod.default ?? mod) };
  } catch {
    return null;
  }
}

function pairs(files: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const file of files) {
    for (const line of readFileSync(new URL(file, CORPUS), 'utf8').split('\n')) {
      if (line === '' || line.startsWith('# ') || line.startsWith('// ')) continue;
      const [a, , b] = line.split(' ');
      out.push([a, b]);
    }
  }
  return out;
}

/** Cycles through the pairs; a first, discarded run lets the JIT settle before measuring. */
function throughput(list: Array<[string, string]>, compare: (a: string, b: string) => number, minMs: number): number {
  let i = 0;
  const step = () => {
    const [a, b] = list[i];
    compare(a, b);
    i = i + 1 === list.length ? 0 : i + 1;
  };
  opsPerSecond(step, minMs / 2);
  return opsPerSecond(step, minMs);
}

export const run: BenchSuite = async (ctx) => {
  const minMs = ctx.quick ? 150 : 600;
  const peers: Record<string, Peer | null> = {
    npm: await loadPeer('semver', (semver) => ({ compare: semver.compare, accepts: (v) => semver.valid(v) !== null })),
    PyPI: await loadPeer('@renovatebot/pep440', (pep440) => ({ compare: pep440.compare, accepts: (v) => pep440.valid(v) !== null })),
  };
  const rows: BenchRow[] = [];
  for (const [ecosystem, files] of Object.entries(ECOSYSTEM_FILES)) {
    const cmp = comparatorFor(ecosystem);
    if (!cmp) throw new Error(`no comparator for ${ecosystem}`);
    const peer = peers[ecosystem] ?? null;
    const all = pairs(files);
    const measured = peer ? all.filter(([a, b]) => peer.accepts(a) && peer.accepts(b)) : all;
    ctx.log(`versioning: ${ecosystem} compare() on ${measured.length} pairs`);
    const ours = throughput(measured, cmp.compare, minMs);
    const row: BenchRow = {
      suite: 'versioning',
      name: `compare ${ecosystem} (${cmp.name})`,
      value: Math.round(ours),
      unit: 'ops/s',
      notes: `${measured.length} pairs from version-order/${files.join(', ')}${peer ? ` (${all.length - measured.length} the peer rejects left out)` : ''}`,
    };
    if (peer) {
      const theirs = throughput(measured, peer.compare, minMs);
      row.peer = { name: peer.name, value: Math.round(theirs) };
      row.ratio = Number((ours / theirs).toFixed(2));
    }
    rows.push(row);
  }
  return rows;
};
