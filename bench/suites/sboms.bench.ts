// SBOM ingestion and "who uses X" on SQLite and PostgreSQL: a 10,000-component CycloneDX JSON
// through HTTP (median of 5, end to end), 1/10/50 MB documents with peak RSS, and the component
// search over a portfolio of 1,000,000 component rows (100,000 with --quick).
import { cpus, loadavg, tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { loadConfig } from '../../src/app/config.js';
import { buildHttp, openThirdwatch, type Thirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { newId } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/logger.js';
import { parseSbom } from '../../src/modules/sboms/parsers/index.js';
import { generateCycloneDx } from '../../src/modules/sboms/parsers/test-support/generate.js';
import { prepareSbom, type ComponentRow } from '../../src/modules/sboms/sboms.ingest.js';
import { SbomRepository } from '../../src/modules/sboms/sboms.repository.js';
import { applyCurrentChange } from '../../src/modules/sboms/sboms.usage.js';
import { median, type BenchRow, type BenchSuite, benchEngines } from '../lib.js';



/** A generated document of about `bytes` bytes (the generator writes ~620 bytes a component). */
function documentOfSize(bytes: number, seed: number): { text: string; components: number } {
  let components = Math.max(10, Math.round(bytes / 622));
  let text = generateCycloneDx(components, { seed });
  // Size it to just under the target: the 50 MB case must stay within the default 50 MiB limit.
  while (text.length > bytes) {
    components = Math.floor(components * 0.98);
    text = generateCycloneDx(components, { seed });
  }
  return { text, components };
}

/** Peak resident set size while fn runs, sampled every 5 ms. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ result: T; peakMb: number; baselineMb: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peakMb: peak / 1048576, baselineMb: baseline / 1048576 };
  } finally {
    clearInterval(timer);
  }
}

async function portfolio(tw: Thirdwatch, sboms: number, perSbom: number, log: (m: string) => void): Promise<{ common: string; rare: string; commonName: string }> {
  const ctx = systemContext('bench');
  const parsed = parseSbom(generateCycloneDx(perSbom, { seed: 7 }));
  const prepared = prepareSbom(parsed);
  const rows: ComponentRow[] = prepared.components;
  // The package searched for: a direct dependency present in every SBOM (Electron in every desktop app).
  const common = rows.find((r) => r.depth === 1 && r.purl?.startsWith('pkg:npm/') && !r.purl.includes('%40'))!;
  const vendors: string[] = [];
  for (let v = 0; v < 10; v++) vendors.push((await tw.services.vendors.create({ name: `Bench SBOM vendor ${v}`, criticality: (v % 4) + 1 }, ctx)).id);
  const started = performance.now();
  for (let i = 0; i < sboms; i++) {
    const product = await tw.services.vendors.createProduct(vendors[i % vendors.length], { name: `Bench product ${i}`, type: 'desktop-app' }, ctx);
    const id = newId();
    const own = i === sboms - 1 ? rows.map((r, k) => (k === rows.length - 1 ? { ...r, ecosystem: 'npm', package_name: 'rare-package', name_key: 'rare-package', purl: 'pkg:npm/rare-package@1.0.0' } : r)) : rows;
    await tw.database.db.transaction().execute(async (trx) => {
      const repo = new SbomRepository(trx);
      await repo.insertSbom({
        id, product_id: product.id, release: '1.0.0', is_current: 1, format: 'cyclonedx', encoding: 'json', spec_version: '1.6', serial_number: null,
        document_created_at: null, tools: '[]', root_ref: 'root', root_name: `bench-app-${i}`, root_version: '1.0.0', root_purl: null,
        component_count: own.length, dependency_count: 0, warnings: '[]', byte_size: 0, sha256: '', media_type: 'application/vnd.cyclonedx+json',
        uploaded_at: new Date().toISOString(), uploaded_by: 'bench', published: 1,
      });
      await repo.insertComponents(id, own);
      await applyCurrentChange(trx, { productId: product.id, vendorId: vendors[i % vendors.length], sbomId: id, delta: 1 });
    });
    if ((i + 1) % 10 === 0) log(`  portfolio: ${i + 1}/${sboms} SBOMs (${((i + 1) * perSbom).toLocaleString('en-US')} component rows, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  await sql`analyze`.execute(tw.database.db);
  return { common: common.purl!.replace(/@.*$/, ''), rare: 'pkg:npm/rare-package', commonName: common.name };
}

export const run: BenchSuite = async (ctx) => {
  const rows: BenchRow[] = [];
  const tenK = generateCycloneDx(10_000, { seed: 42 });
  const sizes = ctx.quick ? [1, 10] : [1, 10, 50];
  const portfolioSboms = ctx.quick ? 10 : 100;

  for (const engine of await benchEngines(ctx, 'sboms')) {
    const config = loadConfig({ THIRDWATCH_DATABASE_URL: engine.url, THIRDWATCH_DATA_DIR: tmpdir(), THIRDWATCH_LOG_LEVEL: 'warn' });
    const logger = createLogger('warn', new Writable({ write: (_c, _e, done) => done() }));
    const tw = await openThirdwatch(config, logger);
    const { app } = await buildHttp(tw, { webRoot: '/nonexistent' });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const { token } = await tw.services.access.createToken({ name: 'bench', role: 'admin' }, systemContext('bench'));
    const auth = { authorization: `Bearer ${token}` };
    const upload = async (body: string, release: string) => {
      const res = await fetch(`${base}/api/v1/products/estate/sboms?release=${release}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/vnd.cyclonedx+json' }, body });
      const created = (await res.json()) as { componentCount?: number; detail?: string };
      if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${created.detail}`);
      return created;
    };
    try {
      // Warm-up: compiles the CycloneDX 1.6 schema validator and JITs the parser once.
      await upload(generateCycloneDx(500, { seed: 1 }), 'warm-up');
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const created = await upload(tenK, `ten-k-${i}`);
        samples.push(performance.now() - started);
        if (created.componentCount !== 10_000) throw new Error(`stored ${created.componentCount} components`);
      }
      const ms = median(samples);
      rows.push(
        {
          suite: 'sboms',
          name: `ingest 10,000-component CycloneDX JSON over HTTP (${engine.name}, median of 5)`,
          value: ms,
          unit: 'ms',
          notes: `${(tenK.length / 1e6).toFixed(1)} MB, 19.6k edges, parse + store + match; runs ${samples.map((s) => Math.round(s)).join('/')} ms; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`,
        },
        { suite: 'sboms', name: `ingest throughput (${engine.name})`, value: 10_000 / (ms / 1000), unit: 'components/s' },
      );

      for (const mb of sizes) {
        // Generated only now, so the documents not in use do not weigh on the heap being measured.
        const doc = { mb, ...documentOfSize(mb * 1_000_000, mb) };
        const { result, peakMb, baselineMb } = await withPeakRss(async () => {
          const started = performance.now();
          await upload(doc.text, `size-${doc.mb}`);
          return performance.now() - started;
        });
        rows.push({
          suite: 'sboms',
          name: `ingest ${doc.mb} MB document, ${doc.components.toLocaleString('en-US')} components (${engine.name})`,
          value: result,
          unit: 'ms',
          notes: `peak RSS ${Math.round(peakMb)} MB (+${Math.round(peakMb - baselineMb)} MB over ${Math.round(baselineMb)} MB before; server and client in one process)`,
        });
      }

      ctx.log(`${engine.name}: loading ${portfolioSboms} SBOMs × 10,000 components through the repository's batch insert`);
      const loadStarted = performance.now();
      const target = await portfolio(tw, portfolioSboms, 10_000, ctx.log);
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      const total = await tw.database.db.selectFrom('sbom_components').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      rows.push({ suite: 'sboms', name: `bulk load ${Number(total.n).toLocaleString('en-US')} component rows (${engine.name})`, value: Number(total.n) / loadSeconds, unit: 'rows/s', notes: `${loadSeconds.toFixed(1)} s` });

      // The bulk load takes longer than the server's keep-alive timeout: a pooled connection may
      // have been closed under the client, which then fails once with ECONNRESET.
      const get = async (path: string): Promise<Response> => {
        try {
          return await fetch(`${base}${path}`, { headers: auth });
        } catch {
          return fetch(`${base}${path}`, { headers: auth });
        }
      };
      const time = async (label: string, path: string, expect: number, runs = 30) => {
        const samplesMs: number[] = [];
        for (let i = 0; i < runs + 3; i++) {
          const started = performance.now();
          const res = await get(path);
          const page = (await res.json()) as { items: unknown[] };
          if (i >= 3) samplesMs.push(performance.now() - started);
          if (page.items.length !== expect) throw new Error(`${path}: ${page.items.length} items, expected ${expect}`);
        }
        rows.push({ suite: 'sboms', name: `${label} over ${Number(total.n).toLocaleString('en-US')} rows (${engine.name})`, value: median(samplesMs), unit: 'ms', notes: `median of ${runs} over HTTP; target < 20 ms` });
      };
      const direct = async (label: string, query: Parameters<typeof tw.services.sboms.usage>[0], expect: number) => {
        const samplesMs: number[] = [];
        for (let i = 0; i < 33; i++) {
          const started = performance.now();
          const page = await tw.services.sboms.usage(query);
          if (i >= 3) samplesMs.push(performance.now() - started);
          if (page.items.length !== expect) throw new Error(`${label}: ${page.items.length} items, expected ${expect}`);
        }
        rows.push({ suite: 'sboms', name: `${label} over ${Number(total.n).toLocaleString('en-US')} rows (${engine.name}, service)`, value: median(samplesMs), unit: 'ms', notes: 'median of 30, query and paths, no HTTP' });
      };
      const page = Math.min(50, portfolioSboms);
      await direct('who uses X: purl in every SBOM, first page', { purl: target.common, limit: 50 }, page);
      await time('who uses X: purl in every SBOM, first page of 50 with paths', `/api/v1/components?purl=${encodeURIComponent(target.common)}&limit=50`, page);
      await time('who uses X: by name, first page of 50', `/api/v1/components?name=${encodeURIComponent(target.commonName)}&limit=50`, page);
      await time('who uses X: a package in one SBOM', `/api/v1/components?purl=${encodeURIComponent(target.rare)}`, 1);
      await time('who uses X: with a version range', `/api/v1/components?purl=${encodeURIComponent(target.common)}&version=${encodeURIComponent('>=0.0.0')}&limit=50`, page);
      const rank = async () => {
        const started = performance.now();
        const first = (await (await get('/api/v1/technologies?limit=20')).json()) as { items: unknown[] };
        if (first.items.length !== 20) throw new Error('technologies list is short');
        return performance.now() - started;
      };
      rows.push({
        suite: 'sboms',
        name: `technologies ranked list, first in this process, over ${Number(total.n).toLocaleString('en-US')} rows (${engine.name})`,
        value: await rank(),
        unit: 'ms',
        notes: 'reads the whole per-vendor rollup (sboms.usage.ts) once per process',
      });
      // A third-party vendor new to all these packages: every one of them changes a vendor rollup row.
      const changer = await tw.services.vendors.create({ name: 'Bench technologies change', criticality: 2 }, systemContext('bench'));
      const changed = await tw.services.vendors.createProduct(changer.id, { name: 'Bench technologies change', type: 'desktop-app' }, systemContext('bench'));
      const res = await fetch(`${base}/api/v1/products/${changed.id}/sboms?release=1`, { method: 'POST', headers: { ...auth, 'content-type': 'application/vnd.cyclonedx+json' }, body: tenK });
      if (res.status !== 201) throw new Error(`upload answered ${res.status}`);
      rows.push({
        suite: 'sboms',
        name: `technologies ranked list, first after a 10,000-component upload, over ${Number(total.n).toLocaleString('en-US')} rows (${engine.name})`,
        value: await rank(),
        unit: 'ms',
        notes: 'reads only the rollup rows that upload changed, then re-ranks in memory; target < 100 ms',
      });
      await time('technologies ranked list, unchanged portfolio', '/api/v1/technologies?limit=20', 20);
    } finally {
      await app.close();
      await tw.close();
      await engine.drop();
    }
  }
  return rows;
};
