// Threat-intel indicators (issue 8's speed targets), on SQLite and PostgreSQL:
// - importing a generated STIX 2.1 bundle of 100,000 indicators (target: under 10 s on SQLite), and
//   the same bundle again (every record unchanged);
// - one new indicator arriving in a portfolio of 1,000,000 SBOM component hashes and 100,000
//   artifacts: the time from its import to its sightings (target: under 50 ms), for an indicator
//   that matches (a component hash and an artifact: sightings and a risk) and one that does not.
// The portfolio is written in bulk straight into the tables correlation reads.
import { createHash } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { loadConfig } from '../../src/app/config.js';
import { openThirdwatch, type Thirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { insertJsonRows } from '../../src/platform/db/bulk.js';
import { newId } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/logger.js';
import { parseIndicatorDocument } from '../../src/modules/indicators/parsers/index.js';
import { SbomRepository } from '../../src/modules/sboms/sboms.repository.js';
import type { ComponentRow } from '../../src/modules/sboms/sboms.ingest.js';
import { benchEngines, median, type BenchRow, type BenchSuite } from '../lib.js';

const SUITE = 'indicators';
const ctx = systemContext('bench');
const CREATED = '2026-01-01T00:00:00.000Z';

const hex = (seed: string, alg = 'sha256') => createHash(alg).update(seed).digest('hex');

/** A deterministic UUID (v4 shape) from a number, for STIX ids. */
function uuid(n: number): string {
  const h = hex(`uuid-${n}`, 'md5');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The STIX pattern of the n-th generated indicator: a mix of the types real feeds carry. */
function pattern(n: number, prefix: string): string {
  switch (n % 8) {
    case 0:
    case 1:
    case 2:
      return `[file:hashes.'SHA-256' = '${hex(`${prefix}-${n}`)}']`;
    case 3:
      return `[file:hashes.MD5 = '${hex(`${prefix}-${n}`, 'md5')}']`;
    case 4:
      return `[file:hashes.'SHA-1' = '${hex(`${prefix}-${n}`, 'sha1')}']`;
    case 5:
      return `[domain-name:value = 'c2-${n}.${prefix}.example']`;
    case 6:
      return `[url:value = 'https://drop-${n}.${prefix}.example/payload/${n}']`;
    default:
      return `[ipv4-addr:value = '10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}']`;
  }
}

function bundle(patterns: string[], offset = 0): Buffer {
  const objects = patterns.map((p, i) => ({
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${uuid(offset + i)}`,
    created: CREATED,
    modified: CREATED,
    name: `Bench indicator ${offset + i}`,
    pattern: p,
    pattern_type: 'stix',
    valid_from: CREATED,
    confidence: 80,
    labels: ['malicious-activity'],
  }));
  return Buffer.from(JSON.stringify({ type: 'bundle', id: `bundle--${uuid(offset + 9_999_999)}`, objects }));
}

async function quietThirdwatch(url: string): Promise<Thirdwatch> {
  const config = loadConfig({ THIRDWATCH_DATABASE_URL: url, THIRDWATCH_DATA_DIR: tmpdir(), THIRDWATCH_LOG_LEVEL: 'warn', THIRDWATCH_MAX_UPLOAD_MB: '200' });
  return openThirdwatch(config, createLogger('warn', new Writable({ write: (_c, _e, done) => done() })));
}

async function bulkImport(engine: { name: string; url: string }, count: number, log: (m: string) => void): Promise<BenchRow[]> {
  const body = bundle(Array.from({ length: count }, (_, i) => pattern(i, 'bulk')));
  let started = performance.now();
  const parsed = await parseIndicatorDocument('stix', body);
  const parseMs = performance.now() - started;
  if (parsed.indicators.length !== count) throw new Error(`parsed ${parsed.indicators.length} of ${count}`);
  const tw = await quietThirdwatch(engine.url);
  try {
    started = performance.now();
    // CPU time too: on a loaded machine the wall time mostly measures waiting for a core.
    const cpu = process.cpuUsage();
    const first = await tw.services.indicators.importBuffer('stix', body, { source: 'bench' }, ctx);
    const firstMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    if (first.imported !== count) throw new Error(`imported ${first.imported} of ${count}: ${JSON.stringify(first.errors.slice(0, 3))}`);
    log(`${engine.name}: ${count} indicators imported in ${(firstMs / 1000).toFixed(1)} s`);
    started = performance.now();
    const again = await tw.services.indicators.importBuffer('stix', body, { source: 'bench' }, ctx);
    const againMs = performance.now() - started;
    if (again.skipped !== count) throw new Error(`re-import skipped ${again.skipped} of ${count}`);
    const mb = (body.length / 1e6).toFixed(1);
    return [
      {
        suite: SUITE,
        name: `import a STIX 2.1 bundle of ${count.toLocaleString('en-US')} indicators (${engine.name})`,
        value: firstMs / 1000,
        unit: 's',
        notes: `${Math.round(count / (firstMs / 1000)).toLocaleString('en-US')} indicators/s, ${mb} MB; CPU ${cpuSeconds.toFixed(1)} s (all threads); parse + schema validation alone ${(parseMs / 1000).toFixed(1)} s; load ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs; target < 10 s on SQLite`,
      },
      { suite: SUITE, name: `the same bundle again, every record unchanged (${engine.name})`, value: againMs / 1000, unit: 's', notes: `${again.skipped.toLocaleString('en-US')} skipped` },
    ];
  } finally {
    await tw.close();
  }
}

/**
 * 1,000,000 component-hash rows over 100 SBOMs of 10 products, and 100,000 observed artifacts of
 * those products. Targets (hashes an indicator will name) sit in one real component row each (of
 * one SBOM, with its component) and in one artifact each.
 */
async function seedPortfolio(tw: Thirdwatch, hashRows: number, artifactRows: number, targets: string[], log: (m: string) => void): Promise<void> {
  const db = tw.database.db;
  const vendor = await tw.services.vendors.create({ name: 'Bench portfolio vendor', domains: ['portfolio.example'] }, ctx);
  const products: string[] = [];
  for (let p = 0; p < 10; p++) products.push((await tw.services.vendors.createProduct(vendor.id, { name: `Bench product ${p}`, type: 'desktop-app' }, ctx)).id);
  const sboms: string[] = [];
  for (let s = 0; s < 100; s++) {
    const id = newId();
    sboms.push(id);
    const components: ComponentRow[] = (s === 0 ? targets : ['placeholder']).map((value, i) => ({
      idx: i + 1, ref: null, name: `bench-lib-${i}`, group_name: null, version: '1.0.0', purl: `pkg:npm/bench-lib-${i}@1.0.0`, purl_type: 'npm', purl_namespace: null, purl_name: `bench-lib-${i}`,
      purl_qualifiers: null, ecosystem: 'npm', package_name: `bench-lib-${i}`, name_key: `bench-lib-${i}`, cpe: null, type: 'library', scope: null, supplier: null, licenses: null,
      hashes: s === 0 ? JSON.stringify({ 'SHA-256': value }) : null, parent_idx: null, depth: 1, via_idx: 0, direct: 1,
    }));
    await db.transaction().execute(async (trx) => {
      const repo = new SbomRepository(trx);
      await repo.insertSbom({
        id, product_id: products[s % 10], release: `1.${s}`, is_current: s < 10 ? 1 : 0, format: 'cyclonedx', encoding: 'json', spec_version: '1.6', serial_number: null,
        document_created_at: null, tools: '[]', root_ref: null, root_name: `bench-app-${s}`, root_version: `1.${s}`, root_purl: null, component_count: components.length,
        dependency_count: 0, warnings: '[]', byte_size: 0, sha256: '', media_type: 'application/vnd.cyclonedx+json', uploaded_at: CREATED, uploaded_by: 'bench', published: 1,
      });
      await repo.insertComponents(id, components);
    });
  }
  const started = performance.now();
  const slice = 20_000;
  for (let from = 0; from < hashRows; from += slice) {
    const rows: Array<Record<string, unknown>> = [];
    for (let i = from; i < Math.min(hashRows, from + slice); i++) {
      const target = i < targets.length;
      rows.push({ value: target ? targets[i] : hex(`component-${i}`), alg: 'sha256', sbom_id: target ? sboms[0] : sboms[i % 100], idx: target ? i + 1 : 1 + Math.floor(i / 100) });
    }
    await insertJsonRows(db, 'sbom_component_hashes', rows);
  }
  log(`portfolio: ${hashRows.toLocaleString('en-US')} component hashes in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const vendorOf = vendor.id;
  for (let from = 0; from < artifactRows; from += 5000) {
    const rows: Array<Record<string, unknown>> = [];
    for (let i = from; i < Math.min(artifactRows, from + 5000); i++) {
      const target = i < targets.length;
      const seed = `artifact-${i}`;
      rows.push({
        id: newId(), product_id: products[i % 10], vendor_id: vendorOf, version: `1.${i % 100}.${i}`, file_name: `setup-${i}.msi`, size: 1000 + i,
        md5: hex(seed, 'md5'), sha1: hex(seed, 'sha1'), sha256: target ? targets[i] : hex(seed), sha512: hex(seed, 'sha512'), source: 'observed',
        signature_status: 'not-pe', signer_subject: null, signer_issuer: null, signer_serial: null, signer_thumbprint: null, signing_time: null, signature: null,
        provenance_status: 'none', provenance: null, sigstore_bundle: null, first_seen_at: CREATED, last_seen_at: CREATED, seen_count: 1, created_by: 'bench',
      });
    }
    await insertJsonRows(db, 'artifacts', rows);
  }
  await sql`analyze`.execute(db);
  log(`portfolio: ${artifactRows.toLocaleString('en-US')} artifacts, total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function newIndicator(engine: { name: string; url: string }, hashRows: number, artifactRows: number, runs: number, log: (m: string) => void): Promise<BenchRow[]> {
  const targets = Array.from({ length: runs + 1 }, (_, i) => hex(`target-${i}`));
  const tw = await quietThirdwatch(engine.url);
  try {
    await seedPortfolio(tw, hashRows, artifactRows, targets, log);
    const one = async (p: string, n: number) => {
      const body = bundle([p], 50_000_000 + n);
      const started = performance.now();
      const report = await tw.services.indicators.importBuffer('stix', body, { source: 'bench-live' }, ctx);
      return { ms: performance.now() - started, report };
    };
    // Warm-up: the STIX validator compiles and the statements are prepared once.
    await one(`[domain-name:value = 'warm-up.example']`, 0);
    const hits: number[] = [];
    const misses: number[] = [];
    let sightings = 0;
    for (let i = 0; i < runs; i++) {
      const hit = await one(`[file:hashes.'SHA-256' = '${targets[i]}']`, 1 + i * 2);
      if (hit.report.sightings !== 2) throw new Error(`a matching indicator made ${hit.report.sightings} sightings, expected 2 (component and artifact)`);
      sightings += hit.report.sightings;
      hits.push(hit.ms);
      const miss = await one(`[file:hashes.'SHA-256' = '${hex(`absent-${i}`)}']`, 2 + i * 2);
      if (miss.report.sightings !== 0) throw new Error('a non-matching indicator made sightings');
      misses.push(miss.ms);
    }
    const risks = await tw.database.db.selectFrom('risks').select((eb) => eb.fn.countAll<number>().as('n')).where('source', '=', 'sighting').executeTakeFirstOrThrow();
    if (Number(risks.n) !== runs) throw new Error(`${risks.n} sighting risks, expected ${runs}`);
    const portfolio = `${hashRows.toLocaleString('en-US')} component hashes, ${artifactRows.toLocaleString('en-US')} artifacts`;
    return [
      {
        suite: SUITE,
        name: `new matching indicator → its sightings, ${portfolio} (${engine.name})`,
        value: median(hits),
        unit: 'ms',
        notes: `median of ${runs} (${hits.map((m) => m.toFixed(0)).join('/')}); STIX bundle import: parse, store, correlate, ${sightings / runs} sightings and a risk, audit; target < 50 ms`,
      },
      {
        suite: SUITE,
        name: `new indicator that matches nothing, ${portfolio} (${engine.name})`,
        value: median(misses),
        unit: 'ms',
        notes: `median of ${runs} (${misses.map((m) => m.toFixed(0)).join('/')}); target < 50 ms`,
      },
    ];
  } finally {
    await tw.close();
  }
}

export const run: BenchSuite = async (bench) => {
  const rows: BenchRow[] = [];
  const count = bench.quick ? 20_000 : 100_000;
  const hashRows = bench.quick ? 100_000 : 1_000_000;
  const artifactRows = bench.quick ? 10_000 : 100_000;
  for (const engine of await benchEngines(bench, SUITE)) {
    try {
      rows.push(...(await bulkImport(engine, count, bench.log)));
    } finally {
      await engine.drop();
    }
  }
  for (const engine of await benchEngines(bench, SUITE)) {
    try {
      rows.push(...(await newIndicator(engine, hashRows, artifactRows, 7, bench.log)));
    } finally {
      await engine.drop();
    }
  }
  return rows;
};
