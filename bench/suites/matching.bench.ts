// Matching: a 10,000-component SBOM against the full Go vulndb plus 300,000 generated ranges
// (matching time alone, and upload-to-findings over HTTP); an in-process single-threaded hash join
// of 1,000,000 (name, version) pairs against the same ranges as the reference; and a new advisory
// arriving in a portfolio of 1,000,000 component rows (100,000 with --quick): time until its
// findings exist, and its exposure answer.
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/app/config.js';
import { buildHttp, openThirdwatch, type Thirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { newId } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/logger.js';
import { readOsvZip, type NormalizedAdvisory } from '../../src/modules/advisories/parsers/index.js';
import { sbomMatching } from '../../src/modules/matching/matching.hook.js';
import { Matcher, type MatchStats } from '../../src/modules/matching/matching.service.js';
import { SbomService } from '../../src/modules/sboms/sboms.service.js';
import { SbomRepository } from '../../src/modules/sboms/sboms.repository.js';
import type { ComponentRow } from '../../src/modules/sboms/sboms.ingest.js';
import { osvAffects } from '../../src/modules/versioning/index.js';
import { median, type BenchRow, type BenchSuite, benchEngines } from '../lib.js';

const GO_ZIP = fileURLToPath(new URL('../../../shared/data/osv/Go/all.zip', import.meta.url));
const ctx = systemContext('bench');
const SUITE = 'matching';



/** A small deterministic PRNG, so every run generates the same data. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const RANGES_PER_PACKAGE = 6;

/**
 * `ranges` generated npm ranges: packages gen-pkg-0…, six advisories each, ranges
 * [k.0.0, k.5.0) for k = 0…5, five affected entries (packages) per advisory record.
 */
function generatedAdvisories(ranges: number): NormalizedAdvisory[] {
  const packages = Math.ceil(ranges / RANGES_PER_PACKAGE);
  const entries: Array<{ name: string; k: number }> = [];
  for (let k = 0; k < RANGES_PER_PACKAGE; k++) for (let p = 0; p < packages && entries.length < ranges; p++) entries.push({ name: `gen-pkg-${p}`, k });
  const out: NormalizedAdvisory[] = [];
  for (let i = 0; i < entries.length; i += 5) {
    const id = `GEN-${String(i / 5).padStart(7, '0')}`;
    out.push({
      id,
      aliases: [],
      source: 'bench',
      summary: null,
      details: null,
      published: null,
      modified: '2030-01-01T00:00:00Z',
      withdrawn: null,
      severity: [],
      cvss: null,
      malicious: false,
      references: [],
      affected: entries.slice(i, i + 5).map(({ name, k }) => ({ ecosystem: 'npm', name, purl: null, versions: [], ranges: [{ type: 'SEMVER', events: [{ introduced: `${k}.0.0` }, { fixed: `${k}.5.0` }] }] })),
    });
  }
  return out;
}

/**
 * `heavy`: 2,000 Go modules the vulndb names (at an old version) and 8,000 generated npm packages,
 * nearly every one with advisories (a worst case: ~8,000 findings). `typical`: 5 % of the
 * components have advisories, the rest are packages no advisory names.
 */
function sbomDocument(goModules: string[], packages: number, size: number, seed: number, mix: 'heavy' | 'typical' = 'heavy'): string {
  const random = prng(seed);
  const components: Array<{ purl: string; name: string; version: string }> = [];
  if (mix === 'typical') {
    while (components.length < size * 0.95) {
      const n = components.length;
      components.push({ purl: `pkg:npm/other-pkg-${n}@1.0.${n % 7}`, name: `other-pkg-${n}`, version: `1.0.${n % 7}` });
    }
  } else for (const module of goModules.slice(0, Math.min(goModules.length, size / 5))) components.push({ purl: `pkg:golang/${module}@v0.0.1`, name: module, version: 'v0.0.1' });
  while (components.length < size) {
    const p = Math.floor(random() * packages);
    const version = `${Math.floor(random() * 8)}.${Math.floor(random() * 9)}.0`;
    components.push({ purl: `pkg:npm/gen-pkg-${p}@${version}`, name: `gen-pkg-${p}`, version });
  }
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { component: { type: 'application', name: 'bench-app', version: '1.0.0', 'bom-ref': 'root' } },
    components: components.map((c, i) => ({ type: 'library', 'bom-ref': `c${i}`, name: c.name, version: c.version, purl: c.purl })),
  });
}

/** The reference: a single-threaded JS hash join of (name, version) pairs against the same ranges. */
function referenceJoin(advisories: NormalizedAdvisory[], pairs: number, packages: number): { ms: number; hits: number } {
  const index = new Map<string, Array<{ versions: string[]; ranges: NormalizedAdvisory['affected'][number]['ranges'] }>>();
  for (const a of advisories) for (const e of a.affected) {
    const key = `${e.ecosystem}\u0000${e.name}`;
    const list = index.get(key);
    if (list) list.push(e);
    else index.set(key, [e]);
  }
  const random = prng(7);
  const names: string[] = new Array(pairs);
  const versions: string[] = new Array(pairs);
  for (let i = 0; i < pairs; i++) {
    names[i] = `npm\u0000gen-pkg-${Math.floor(random() * packages * 1.2)}`;
    versions[i] = `${Math.floor(random() * 8)}.${Math.floor(random() * 9)}.0`;
  }
  const started = performance.now();
  let hits = 0;
  for (let i = 0; i < pairs; i++) {
    const entries = index.get(names[i]);
    if (!entries) continue;
    for (const e of entries) if (osvAffects('npm', versions[i], e) !== 'not_affected') hits++;
  }
  return { ms: performance.now() - started, hits };
}

/** `rows` component rows in current SBOMs of `rows / 10,000` products; the target package appears once in each. */
async function buildPortfolio(tw: Thirdwatch, rows: number, log: (m: string) => void): Promise<{ sboms: number; targetOccurrences: number }> {
  const perSbom = 10_000;
  const sboms = Math.ceil(rows / perSbom);
  const vendor = await tw.services.vendors.create({ name: `Portfolio ${newId().slice(-6)}` }, ctx);
  const random = prng(11);
  let targetOccurrences = 0;
  const started = performance.now();
  for (let s = 0; s < sboms; s++) {
    const product = await tw.services.vendors.createProduct(vendor.id, { name: `Service ${s}`, type: 'saas' }, ctx);
    const id = newId();
    const components: ComponentRow[] = [];
    for (let i = 1; i <= perSbom; i++) {
      const target = i === 1;
      if (target) targetOccurrences++;
      const name = target ? 'portfolio-target' : `port-pkg-${Math.floor(random() * 200_000)}`;
      const version = `1.${Math.floor(random() * 10)}.0`;
      components.push({
        idx: i, ref: null, name, group_name: null, version, purl: `pkg:npm/${name}@${version}`, purl_type: 'npm', purl_namespace: null, purl_name: name,
        purl_qualifiers: null, ecosystem: 'npm', package_name: name, name_key: name, cpe: null, type: 'library', scope: null, supplier: null, licenses: null,
        hashes: null, parent_idx: null, depth: 1, via_idx: 0, direct: 1,
      });
    }
    await tw.database.db.transaction().execute(async (trx) => {
      const r = new SbomRepository(trx);
      await r.insertSbom({
        id, product_id: product.id, release: '1.0', is_current: 1, format: 'cyclonedx', encoding: 'json', spec_version: '1.5', serial_number: null,
        document_created_at: null, tools: '[]', root_ref: null, root_name: `service-${s}`, root_version: '1.0', root_purl: null, component_count: perSbom,
        dependency_count: 0, warnings: '[]', byte_size: 0, sha256: '0', media_type: 'application/vnd.cyclonedx+json', uploaded_at: new Date().toISOString(), uploaded_by: 'bench', published: 1,
      });
      await r.insertComponents(id, components);
    });
    if ((s + 1) % 20 === 0) log(`portfolio: ${(s + 1) * perSbom} component rows (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  return { sboms, targetOccurrences };
}

export const run: BenchSuite = async (bench) => {
  const rows: BenchRow[] = [];
  const rangeCount = bench.quick ? 30_000 : 300_000;
  const pairs = bench.quick ? 100_000 : 1_000_000;
  const portfolioRows = bench.quick ? 100_000 : 1_000_000;
  const sbomSize = 10_000;
  const generated = generatedAdvisories(rangeCount);
  const packages = Math.ceil(rangeCount / RANGES_PER_PACKAGE);
  const go = (await readOsvZip(GO_ZIP)).items;
  const goModules = [...new Set(go.flatMap((a) => a.affected.map((e) => e.name)))].filter((n) => n !== 'stdlib' && n !== 'toolchain').sort();

  const reference = referenceJoin([...go, ...generated], pairs, packages);
  bench.log(`reference hash join: ${pairs} pairs in ${reference.ms.toFixed(0)} ms (${reference.hits} hits)`);
  rows.push({
    suite: SUITE,
    name: `reference: in-process JS hash join, ${pairs.toLocaleString('en-US')} (name, version) pairs × ${(rangeCount + 6125).toLocaleString('en-US')} ranges`,
    value: reference.ms,
    unit: 'ms',
    notes: `${Math.round(pairs / (reference.ms / 1000)).toLocaleString('en-US')} pairs/s, single thread, no storage`,
  });

  for (const engine of await benchEngines(bench, 'matching')) {
    const config = loadConfig({ THIRDWATCH_DATABASE_URL: engine.url, THIRDWATCH_DATA_DIR: tmpdir(), THIRDWATCH_LOG_LEVEL: 'warn', THIRDWATCH_MAX_UPLOAD_MB: '200' });
    const logger = createLogger('warn', new Writable({ write: (_c, _e, done) => done() }));
    const tw = await openThirdwatch(config, logger);
    const { app } = await buildHttp(tw, { webRoot: '/nonexistent' });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const { token } = await tw.services.access.createToken({ name: 'bench', role: 'admin' }, ctx);
    try {
      let started = performance.now();
      const goReport = await tw.services.feeds.importPath('osv', GO_ZIP, {}, ctx);
      const goMs = performance.now() - started;
      rows.push({ suite: SUITE, name: `import Go all.zip, ${goReport.imported} records (${engine.name})`, value: goMs / 1000, unit: 's', notes: `${Math.round(goReport.imported / (goMs / 1000))} records/s incl. alias groups and the match index` });
      started = performance.now();
      const genReport = await tw.services.advisories.importAdvisories(generated, 'bench', ctx);
      const genMs = performance.now() - started;
      if (genReport.errors.length) throw new Error(`generated import: ${JSON.stringify(genReport.errors.slice(0, 3))}`);
      rows.push({ suite: SUITE, name: `import ${generated.length.toLocaleString('en-US')} generated advisories = ${rangeCount.toLocaleString('en-US')} ranges (${engine.name})`, value: genMs / 1000, unit: 's', notes: `${Math.round(rangeCount / (genMs / 1000)).toLocaleString('en-US')} ranges/s` });
      bench.log(`${engine.name}: advisories loaded (${((goMs + genMs) / 1000).toFixed(1)} s)`);

      // Matching alone: the same upload path with the matching hook timed. An upload hands its
      // components to the run slice by slice as they are written; the time is the sum of those calls.
      const matcher = new Matcher(tw.database.db);
      let last: { ms: number; stats: MatchStats } = { ms: 0, stats: null as unknown as MatchStats };
      const hook = sbomMatching(matcher);
      const timed = new SbomService(tw.database.db, { maxUploadBytes: config.maxUploadBytes }, {
        ...hook,
        start: (db, sbom, c) => {
          const run = hook.start(db, sbom, c);
          let ms = 0;
          return {
            add: async (rows) => {
              const t = performance.now();
              await run.add(rows);
              ms += performance.now() - t;
            },
            finish: async () => {
              const t = performance.now();
              const stats = await run.finish();
              last = { ms: ms + performance.now() - t, stats };
              return stats;
            },
          };
        },
      }, tw.services.jobs);
      const vendor = await tw.services.vendors.create({ name: `Bench vendor ${engine.name}` }, ctx);
      const matchMs: number[] = [];
      const uploadMs: number[] = [];
      let stats: MatchStats | null = null;
      for (let run = 0; run < 3; run++) {
        const product = await tw.services.vendors.createProduct(vendor.id, { name: `In-process ${run}`, type: 'server-software' }, ctx);
        const doc = Buffer.from(sbomDocument(goModules, packages, sbomSize, 100 + run));
        const t = performance.now();
        await timed.upload(product.id, doc, {}, ctx);
        uploadMs.push(performance.now() - t);
        matchMs.push(last.ms);
        stats = last.stats;
      }
      rows.push({
        suite: SUITE,
        name: `match a ${sbomSize.toLocaleString('en-US')}-component SBOM, Go vulndb + ${rangeCount.toLocaleString('en-US')} ranges, excluding parse (${engine.name})`,
        value: median(matchMs),
        unit: 'ms',
        peer: { name: 'in-process JS hash join (same pairs/s budget)', value: (sbomSize / pairs) * reference.ms },
        ratio: ((sbomSize / pairs) * reference.ms) / median(matchMs),
        notes: `median of 3; ${stats!.keys} keys looked up, ${stats!.entriesExamined} range entries evaluated, ${stats!.created} findings written; peer = reference time scaled to ${sbomSize} pairs`,
      });
      rows.push({ suite: SUITE, name: `upload + parse + store + match, in process (${engine.name})`, value: median(uploadMs), unit: 'ms', notes: 'median of 3; written unpublished in bounded statements, then published' });

      const typicalMatch: number[] = [];
      const typicalUpload: number[] = [];
      for (let run = 0; run < 3; run++) {
        const product = await tw.services.vendors.createProduct(vendor.id, { name: `Typical ${run}`, type: 'server-software' }, ctx);
        const doc = Buffer.from(sbomDocument(goModules, packages, sbomSize, 300 + run, 'typical'));
        const t = performance.now();
        await timed.upload(product.id, doc, {}, ctx);
        typicalUpload.push(performance.now() - t);
        typicalMatch.push(last.ms);
        stats = last.stats;
      }
      rows.push({
        suite: SUITE,
        name: `match a ${sbomSize.toLocaleString('en-US')}-component SBOM with 5 % vulnerable components, excluding parse (${engine.name})`,
        value: median(typicalMatch),
        unit: 'ms',
        notes: `median of 3; ${stats!.keys} keys looked up, ${stats!.entriesExamined} range entries evaluated, ${stats!.created} findings written; upload + parse + store + match ${median(typicalUpload).toFixed(0)} ms`,
      });

      const httpMs: number[] = [];
      for (let run = 0; run < 3; run++) {
        const product = await tw.services.vendors.createProduct(vendor.id, { name: `HTTP ${run}`, type: 'server-software' }, ctx);
        const doc = sbomDocument(goModules, packages, sbomSize, 200 + run);
        const t = performance.now();
        const res = await fetch(`${base}/api/v1/products/${product.id}/sboms`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.cyclonedx+json' }, body: doc });
        if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
        const findings = await fetch(`${base}/api/v1/findings?productId=${product.id}&limit=1`, { headers: { authorization: `Bearer ${token}` } });
        if (!((await findings.json()) as { items: unknown[] }).items.length) throw new Error('no findings after upload');
        httpMs.push(performance.now() - t);
      }
      rows.push({ suite: SUITE, name: `upload-to-findings end to end over HTTP, ${sbomSize.toLocaleString('en-US')} components (${engine.name})`, value: median(httpMs), unit: 'ms', notes: 'median of 3: POST the SBOM (parse, store, match, publish), then the first findings page' });

      // A new advisory in a large portfolio.
      bench.log(`${engine.name}: building a portfolio of ${portfolioRows.toLocaleString('en-US')} component rows`);
      const portfolio = await buildPortfolio(tw, portfolioRows, bench.log);
      const advisory: NormalizedAdvisory = {
        ...generated[0],
        id: 'NEW-2030-0001',
        aliases: ['CVE-2030-0001'],
        affected: [{ ecosystem: 'npm', name: 'portfolio-target', purl: null, versions: [], ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '9.0.0' }] }] }],
      };
      started = performance.now();
      const report = await tw.services.advisories.importAdvisories([advisory], 'bench', ctx);
      const newMs = performance.now() - started;
      if (report.findings.created !== portfolio.targetOccurrences) throw new Error(`expected ${portfolio.targetOccurrences} findings, got ${report.findings.created}`);
      rows.push({
        suite: SUITE,
        name: `new advisory → its findings exist, portfolio of ${portfolioRows.toLocaleString('en-US')} component rows (${engine.name})`,
        value: newMs,
        unit: 'ms',
        notes: `${report.findings.created} findings in ${portfolio.sboms} SBOMs; ${report.matching.keys} key looked up, ${report.matching.componentsExamined} components evaluated; includes writing the advisory, its group and the audit event`,
      });
      const exposureMs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        const exposure = await tw.services.findings.exposure({ cve: 'CVE-2030-0001' });
        exposureMs.push(performance.now() - t);
        if (exposure.summary.components !== portfolio.targetOccurrences) throw new Error('exposure mismatch');
      }
      rows.push({ suite: SUITE, name: `exposure of that advisory: vendors, products, releases, components with paths (${engine.name})`, value: median(exposureMs), unit: 'ms', notes: 'median of 5, service call' });
    } finally {
      await app.close();
      await tw.close();
      await engine.drop();
    }
  }
  return rows;
};
