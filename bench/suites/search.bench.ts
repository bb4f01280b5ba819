// Global search (GET /api/v1/search) over the demo plus 1,000,000 component rows (100,000 with
// --quick): 200 SBOMs of 5,000 components drawn from 60,000 package identities in five ecosystems
// (a few hundred in every SBOM, the rest spread out), each component with its own SHA-256, a
// fifth of them with a CPE, and 20,000 advisory ids. The rows are written the way an upload writes
// them (components, hashes, search terms, technologies rollup); then a mix of queries of every
// shape runs over HTTP, one at a time, and p50/p99 are reported (target: p99 under 30 ms).
import { createHash } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { loadConfig } from '../../src/app/config.js';
import { buildHttp, openThirdwatch, type Thirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { newId } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/logger.js';
import { searchText } from '../../src/platform/search-text.js';
import type { ComponentRow } from '../../src/modules/sboms/sboms.ingest.js';
import { SbomRepository } from '../../src/modules/sboms/sboms.repository.js';
import { applyCurrentChange } from '../../src/modules/sboms/sboms.usage.js';
import { loadDemoSboms } from '../../src/modules/sboms/sboms.demo.js';
import { loadDemo } from '../../src/modules/vendors/demo.js';
import { indexComponentIdentities } from '../../src/modules/search/search.index.js';
import { benchEngines, percentile, type BenchRow, type BenchSuite } from '../lib.js';

const WORDS = ['core', 'util', 'http', 'json', 'parser', 'client', 'server', 'crypto', 'stream', 'logger', 'config', 'codec', 'image', 'video', 'audio', 'cache', 'async', 'test', 'mock', 'auth', 'token', 'proto', 'grpc', 'sql', 'yaml', 'xml', 'zip', 'tls', 'dns', 'cli'];
const ECOSYSTEMS = ['npm', 'maven', 'pypi', 'golang', 'generic'] as const;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Identity {
  ecosystem: string;
  name: string;
  group: string | null;
  purlBase: string | null;
  packageName: string;
  cpeBase: string | null;
}

export function identities(count: number): Identity[] {
  const random = mulberry32(19);
  const out: Identity[] = [];
  for (let i = 0; i < count; i++) {
    const ecosystem = ECOSYSTEMS[i % ECOSYSTEMS.length];
    const name = `${WORDS[Math.floor(random() * WORDS.length)]}-${WORDS[Math.floor(random() * WORDS.length)]}-${i.toString(36)}`;
    const group = ecosystem === 'maven' ? `org.bench${i % 97}` : null;
    const purlBase = ecosystem === 'generic' ? null : ecosystem === 'maven' ? `pkg:maven/${group}/${name}` : `pkg:${ecosystem}/${ecosystem === 'golang' ? `example.com/${name}` : name}`;
    const packageName = ecosystem === 'maven' ? `${group}:${name}` : ecosystem === 'golang' ? `example.com/${name}` : name;
    const cpeBase = ecosystem === 'generic' ? `cpe:2.3:a:vendor${i % 311}:${name.replaceAll('-', '_')}` : null;
    out.push({ ecosystem, name, group, purlBase, packageName, cpeBase });
  }
  return out;
}

function componentRow(id: Identity, idx: number, version: string, hash: string): ComponentRow {
  return {
    idx, ref: null, name: id.name, group_name: id.group, version,
    purl: id.purlBase ? `${id.purlBase}@${version}` : null, purl_type: id.purlBase ? id.ecosystem : null,
    purl_namespace: id.group, purl_name: id.purlBase ? id.name : null, purl_qualifiers: null,
    ecosystem: id.ecosystem, package_name: id.packageName, name_key: id.name.toLowerCase(),
    cpe: id.cpeBase ? `${id.cpeBase}:${version}:*:*:*:*:*:*:*` : null,
    type: 'library', scope: null, supplier: null, licenses: null, hashes: JSON.stringify({ 'SHA-256': hash }),
    parent_idx: null, depth: 1, via_idx: 0, direct: 1,
  };
}

/** Writes `sboms` SBOMs of `perSbom` components as an upload would; answers what the queries look for. */
export async function load(tw: Thirdwatch, sboms: number, perSbom: number, pool: Identity[], log: (m: string) => void) {
  const ctx = systemContext('bench');
  const random = mulberry32(7);
  const vendors: string[] = [];
  for (let v = 0; v < 20; v++) vendors.push((await tw.services.vendors.create({ name: `Bench search vendor ${v}`, aliases: [`BSV${v}`], domains: [`vendor${v}.example`] }, ctx)).id);
  const hashes: string[] = [];
  const started = performance.now();
  for (let s = 0; s < sboms; s++) {
    const vendorId = vendors[s % vendors.length];
    const product = await tw.services.vendors.createProduct(vendorId, { name: `Bench search product ${s}`, type: 'desktop-app' }, ctx);
    const id = newId();
    const rows: ComponentRow[] = [];
    const used = new Set<number>();
    for (let i = 0; i < perSbom; i++) {
      // The first 300 identities are in every SBOM; the rest drawn at random (a package once per SBOM).
      let pick = i < 300 ? i : 300 + Math.floor(random() * (pool.length - 300));
      while (used.has(pick)) pick = 300 + Math.floor(random() * (pool.length - 300));
      used.add(pick);
      const hash = createHash('sha256').update(`${s}/${i}`).digest('hex');
      if (i % 997 === 0) hashes.push(hash);
      rows.push(componentRow(pool[pick], i + 1, `${1 + (pick % 5)}.${s % 7}.${i % 3}`, hash));
    }
    await tw.database.db.transaction().execute(async (trx) => {
      const repo = new SbomRepository(trx);
      await repo.insertSbom({
        id, product_id: product.id, release: `${1 + (s % 4)}.${s}.0`, is_current: 1, format: 'cyclonedx', encoding: 'json', spec_version: '1.6', serial_number: null,
        document_created_at: null, tools: '[]', root_ref: 'root', root_name: `bench-app-${s}`, root_version: '1.0.0', root_purl: null,
        component_count: rows.length, dependency_count: 0, warnings: '[]', byte_size: 0, sha256: '', media_type: 'application/vnd.cyclonedx+json',
        uploaded_at: new Date().toISOString(), uploaded_by: 'bench', published: 1,
      });
      for (let i = 0; i < rows.length; i += 2000) {
        const slice = rows.slice(i, i + 2000);
        await repo.insertComponents(id, slice);
        await repo.insertComponentHashes(id, slice);
        await indexComponentIdentities(trx, slice);
      }
      await applyCurrentChange(trx, { productId: product.id, vendorId, sbomId: id, delta: 1 });
    });
    if ((s + 1) % 20 === 0) log(`  ${s + 1}/${sboms} SBOMs (${((s + 1) * perSbom).toLocaleString('en-US')} component rows, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  // Advisory ids as a large OSV + NVD import leaves them (one group each).
  const now = new Date().toISOString();
  for (let i = 0; i < 20_000; i += 1000) {
    const groups = Array.from({ length: 1000 }, (_, k) => ({ id: newId(), n: i + k }));
    await tw.database.db.insertInto('advisory_groups').values(groups.map((g) => ({ id: g.id, display_id: `CVE-20${10 + (g.n % 14)}-${10000 + g.n}`, identifiers: '[]', summary: `Bench advisory ${g.n}`, search_text: searchText(['[]', `Bench advisory ${g.n}`]), malicious: 0, withdrawn: 0, kev: 0, member_count: 1, created_at: now, updated_at: now }))).execute();
    await tw.database.db.insertInto('advisory_ids').values(groups.flatMap((g) => [{ identifier: `CVE-20${10 + (g.n % 14)}-${10000 + g.n}`, group_id: g.id }, { identifier: `GHSA-b${g.n.toString(36).padStart(3, '0')}-bnch-xxxx`, group_id: g.id }])).execute();
  }
  await sql`analyze`.execute(tw.database.db);
  return { seconds: (performance.now() - started) / 1000, hashes };
}

function queries(pool: Identity[], hashes: string[], count: number): Array<{ shape: string; q: string }> {
  const random = mulberry32(3);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const makers: Array<() => { shape: string; q: string }> = [
    () => ({ shape: 'text', q: pick(['3CX', '3cx', 'Slack', 'electron', 'openssl', 'log4j', 'Bench search', 'BSV1', 'vendor3.example', 'zzz-nothing']) }),
    () => ({ shape: 'text', q: pick(pool).name }),
    () => ({ shape: 'text', q: pick(pool).name.slice(0, 4) }),
    () => ({ shape: 'text', q: pick(WORDS) }),
    () => ({ shape: 'text', q: pick(['a', 'c', '1', '18.12', '3CX Desktop App 18.12.416']) }),
    () => ({ shape: 'purl', q: pick(pool.filter((p) => p.purlBase)).purlBase! }),
    () => ({ shape: 'cpe', q: pick(pool.filter((p) => p.cpeBase)).cpeBase! }),
    () => ({ shape: 'hash', q: pick(hashes) }),
    () => ({ shape: 'hash', q: createHash('sha256').update(`miss ${random()}`).digest('hex') }),
    () => ({ shape: 'advisory-id', q: pick(['CVE-2023-29059', `CVE-20${10 + Math.floor(random() * 14)}-1${Math.floor(random() * 9999)}`, 'CVE-2021-1', 'GHSA-b1']) }),
  ];
  return Array.from({ length: count }, (_, i) => makers[i % makers.length]());
}

export const run: BenchSuite = async (ctx) => {
  const rows: BenchRow[] = [];
  const sboms = ctx.quick ? 20 : 200;
  const perSbom = 5_000;
  const pool = identities(ctx.quick ? 10_000 : 60_000);
  for (const engine of await benchEngines(ctx, 'search')) {
    const config = loadConfig({ THIRDWATCH_DATABASE_URL: engine.url, THIRDWATCH_DATA_DIR: tmpdir(), THIRDWATCH_LOG_LEVEL: 'warn' });
    const logger = createLogger('warn', new Writable({ write: (_c, _e, done) => done() }));
    const tw = await openThirdwatch(config, logger);
    const { app } = await buildHttp(tw, { webRoot: '/nonexistent' });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await loadDemo(tw.services, systemContext('bench'));
      await loadDemoSboms(tw.services, systemContext('bench'));
      ctx.log(`${engine.name}: writing ${sboms} SBOMs × ${perSbom.toLocaleString('en-US')} components`);
      const loaded = await load(tw, sboms, perSbom, pool, ctx.log);
      const count = async (table: 'sbom_components' | 'search_component_terms' | 'search_components') =>
        Number((await tw.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const [components, terms, identityCount] = [await count('sbom_components'), await count('search_component_terms'), await count('search_components')];
      rows.push({ suite: 'search', name: `write ${components.toLocaleString('en-US')} component rows with hashes and search terms (${engine.name})`, value: components / loaded.seconds, unit: 'rows/s', notes: `${loaded.seconds.toFixed(1)} s; ${identityCount.toLocaleString('en-US')} identities, ${terms.toLocaleString('en-US')} terms` });

      const { token } = await tw.services.access.createToken({ name: 'bench', role: 'viewer' }, systemContext('bench'));
      const mix = queries(pool, loaded.hashes, ctx.quick ? 300 : 1000);
      const byShape = new Map<string, number[]>();
      const all: number[] = [];
      // CPU time of the process (server and client share it) per query: what the wall time would be on an idle machine, at most.
      const cpu: number[] = [];
      const ask = async (q: string) => {
        const res = await fetch(`${base}/api/v1/search?${new URLSearchParams({ q })}`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as { shape?: string; detail?: string };
        if (res.status !== 200) throw new Error(`search ${q}: ${res.status} ${body.detail}`);
        return body;
      };
      for (const { q } of mix.slice(0, 50)) await ask(q);
      const started = loadavg()[0];
      for (const { shape, q } of mix) {
        const t = performance.now();
        const c = process.cpuUsage();
        const body = await ask(q);
        const ms = performance.now() - t;
        const used = process.cpuUsage(c);
        cpu.push((used.user + used.system) / 1000);
        if (body.shape !== shape) throw new Error(`${q}: shape ${body.shape}, expected ${shape}`);
        all.push(ms);
        byShape.set(shape, [...(byShape.get(shape) ?? []), ms]);
      }
      const loadNote = `load average ${started.toFixed(1)} → ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`;
      const over = `${components.toLocaleString('en-US')} component rows + demo`;
      rows.push(
        { suite: 'search', name: `GET /api/v1/search p50, mixed queries over ${over} (${engine.name})`, value: percentile(all, 50), unit: 'ms', notes: `${all.length} queries over HTTP, one at a time; ${loadNote}` },
        { suite: 'search', name: `GET /api/v1/search p99, mixed queries over ${over} (${engine.name})`, value: percentile(all, 99), unit: 'ms', notes: `target < 30 ms; max ${Math.max(...all).toFixed(1)} ms` },
        { suite: 'search', name: `GET /api/v1/search CPU per query p50 / p99 (${engine.name})`, value: percentile(cpu, 99), unit: 'ms', notes: `p50 ${percentile(cpu, 50).toFixed(1)} ms; server and client CPU in this process, so the wall time on an idle core is at most this (plus the database server's on PostgreSQL)` },
      );
      for (const [shape, samples] of byShape) {
        rows.push({ suite: 'search', name: `  p99 ${shape} queries (${engine.name})`, value: percentile(samples, 99), unit: 'ms', notes: `p50 ${percentile(samples, 50).toFixed(1)} ms, ${samples.length} queries` });
      }
    } finally {
      await app.close();
      await tw.close();
      await engine.drop();
    }
  }
  return rows;
};
