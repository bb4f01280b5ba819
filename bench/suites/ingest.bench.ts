// Upload → findings against the targets of issue 7, on a server in its own process (so its peak
// RSS is measured alone): a heavy 10,000-component SBOM (20,000 findings), a typical one (1,000
// findings), a 50,000-component one (5,000 findings, peak server RSS), and while that one is
// ingested, how long `/healthz` and a vendor create take to answer.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { cpus, loadavg, tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/app/config.js';
import { openThirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { createLogger } from '../../src/platform/logger.js';
import type { NormalizedAdvisory } from '../../src/modules/advisories/parsers/index.js';
import { benchEngines, median, percentile, type BenchRow, type BenchSuite } from '../lib.js';

const SUITE = 'ingest';
const ctx = systemContext('bench');

/**
 * An npm SBOM shaped like real ones (hashes, a licence, a description, a dependency graph):
 * `vulnerable` of its `size` components are packages vuln-pkg-0… that two advisories each name.
 */
export function sbomDocument(size: number, vulnerable: number, seed: number): string {
  const components = [];
  const dependencies = [{ ref: 'root', dependsOn: [] as string[] }];
  for (let i = 0; i < size; i++) {
    const name = i < vulnerable ? `vuln-pkg-${i}` : `safe-pkg-${seed}-${i}`;
    const version = `1.${i % 10}.0`;
    const purl = `pkg:npm/${name}@${version}`;
    components.push({
      type: 'library',
      'bom-ref': purl,
      name,
      version,
      description: `Synthetic package ${name} for benchmarking`,
      scope: 'required',
      hashes: [{ alg: 'SHA-256', content: (i * 2654435761 + seed).toString(16).padStart(64, '0').slice(-64) }],
      licenses: [{ license: { id: 'MIT' } }],
      purl,
    });
    if (i < 20) dependencies[0].dependsOn.push(purl);
    const next = [i + 1, i + 7].filter((t) => t < size);
    dependencies.push({ ref: purl, dependsOn: next.map((t) => `pkg:npm/${t < vulnerable ? `vuln-pkg-${t}` : `safe-pkg-${seed}-${t}`}@1.${t % 10}.0`) });
  }
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { component: { type: 'application', name: 'bench-app', version: '1.0.0', 'bom-ref': 'root' } },
    components,
    dependencies,
  });
}

/** Two advisory layers over vuln-pkg-0…(packages-1), five packages per record: every such package gets two findings. */
export function advisories(packages: number): NormalizedAdvisory[] {
  const out: NormalizedAdvisory[] = [];
  for (let layer = 0; layer < 2; layer++) {
    for (let p = 0; p < packages; p += 5) {
      const id = `BENCH-${layer}-${String(p / 5).padStart(6, '0')}`;
      out.push({
        id, aliases: [], source: 'bench', summary: `Bench advisory ${id}`, details: null, published: null, modified: '2030-01-01T00:00:00Z', withdrawn: null,
        severity: [], cvss: null, malicious: false, references: [],
        affected: Array.from({ length: Math.min(5, packages - p) }, (_, k) => ({
          ecosystem: 'npm', name: `vuln-pkg-${p + k}`, purl: null, versions: [],
          ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: `9.${layer}.0` }] }],
        })),
      });
    }
  }
  return out;
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; token: string }> {
  const script = fileURLToPath(new URL('../ingest-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { child, ...(JSON.parse(first) as { url: string; token: string }) };
}

/** CPU time the process has used, all its threads, in milliseconds (utime + stime of /proc/<pid>/stat, 10 ms clock ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function status(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

export const run: BenchSuite = async (bench) => {
  const rows: BenchRow[] = [];
  const heavy = [0, 1, 2].map((i) => sbomDocument(10_000, 10_000, 100 + i));
  const typical = [0, 1, 2].map((i) => sbomDocument(10_000, 500, 200 + i));
  const big = sbomDocument(50_000, 2_500, 300);

  for (const engine of await benchEngines(bench, SUITE)) {
    const env = { THIRDWATCH_DATABASE_URL: engine.url, THIRDWATCH_DATA_DIR: tmpdir(), THIRDWATCH_LOG_LEVEL: 'warn', THIRDWATCH_MAX_UPLOAD_MB: '100' };
    const setup = await openThirdwatch(loadConfig(env), createLogger('warn', new Writable({ write: (_c, _e, done) => done() })));
    const products: string[] = [];
    try {
      const report = await setup.services.advisories.importAdvisories(advisories(10_000), 'bench', ctx);
      if (report.errors.length) throw new Error(`advisory import: ${JSON.stringify(report.errors.slice(0, 2))}`);
      const vendor = await setup.services.vendors.create({ name: `Ingest bench ${engine.name}`, criticality: 3 }, ctx);
      for (let i = 0; i < 8; i++) products.push((await setup.services.vendors.createProduct(vendor.id, { name: `Ingest ${i}`, type: 'server-software' }, ctx)).id);
    } finally {
      await setup.close();
    }
    const server = await startServer(env);
    const auth = { authorization: `Bearer ${server.token}` };
    // Server CPU per upload as well as time: on a loaded machine the time mostly says how long the
    // server waited for a CPU, its CPU time what the upload cost.
    const cpu: number[] = [];
    const upload = async (productId: string, body: string) => {
      const started = performance.now();
      const cpuBefore = cpuMs(server.child.pid!);
      const res = await fetch(`${server.url}/api/v1/products/${productId}/sboms`, { method: 'POST', headers: { ...auth, 'content-type': 'application/vnd.cyclonedx+json' }, body });
      const text = await res.text();
      const ms = performance.now() - started;
      cpu.push(cpuMs(server.child.pid!) - cpuBefore);
      if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${text.slice(0, 300)}`);
      return ms;
    };
    const load = () => `load ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`;
    try {
      // Warm-up: JIT and the CycloneDX schema validator.
      await upload(products[7], sbomDocument(2_000, 100, 1));
      for (const [label, docs, offset, findings] of [['heavy', heavy, 0, '20,000'], ['typical', typical, 3, '1,000']] as const) {
        const samples: number[] = [];
        cpu.length = 0;
        for (let i = 0; i < docs.length; i++) samples.push(await upload(products[offset + i], docs[i]));
        rows.push({
          suite: SUITE,
          name: `upload → 201, ${label} 10,000 components / ${findings} findings (${engine.name})`,
          value: median(samples),
          unit: 'ms',
          notes: `median of 3 over HTTP, server in its own process; runs ${samples.map((s) => Math.round(s)).join('/')} ms; server CPU ${cpu.map((c) => Math.round(c)).join('/')} ms; ${load()}; target < ${label === 'heavy' ? 500 : 250} ms`,
        });
      }

      // The 50k upload, with the server's peak RSS and probes of other requests meanwhile.
      writeFileSync(`/proc/${server.child.pid}/clear_refs`, '5');
      const before = status(server.child.pid!, 'VmRSS');
      const health: number[] = [];
      const creates: number[] = [];
      const failed = { health: 0, create: 0 };
      let uploading = true;
      // A probe that fails (a connection reset while the server is stalled) is counted, not fatal.
      const timed = async (samples: number[], kind: keyof typeof failed, request: () => Promise<Response>, expect: number) => {
        const t = performance.now();
        try {
          const res = await request();
          await res.text();
          if (res.status !== expect) throw new Error(`answered ${res.status}`);
          samples.push(performance.now() - t);
        } catch {
          failed[kind]++;
        }
      };
      const probe = async () => {
        let n = 0;
        while (uploading) {
          await timed(health, 'health', () => fetch(`${server.url}/healthz`), 200);
          await timed(creates, 'create', () => fetch(`${server.url}/api/v1/vendors`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: `Probe ${engine.name} ${n++}` }) }), 201);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const probing = probe();
      cpu.length = 0;
      const bigMs = await upload(products[6], big);
      uploading = false;
      await probing;
      const peak = status(server.child.pid!, 'VmHWM');
      rows.push({
        suite: SUITE,
        name: `upload → 201, 50,000 components / 5,000 findings (${engine.name})`,
        value: bigMs,
        unit: 'ms',
        notes: `${(big.length / 1e6).toFixed(1)} MB; server CPU ${Math.round(cpu[0])} ms (the probes' requests included); server peak RSS ${Math.round(peak)} MB (${Math.round(before)} MB before); ${load()}; target < 3,000 ms`,
      });
      rows.push({ suite: SUITE, name: `server peak RSS during the 50,000-component upload (${engine.name})`, value: peak, unit: 'MB', notes: 'VmHWM of the server process, reset just before; target < 400 MB' });
      rows.push({
        suite: SUITE,
        name: `/healthz during the 50,000-component upload, slowest (${engine.name})`,
        value: Math.max(...health),
        unit: 'ms',
        notes: `${health.length} answered, ${failed.health} failed, p50 ${percentile(health, 50).toFixed(1)} ms; target < 200 ms`,
      });
      rows.push({
        suite: SUITE,
        name: `vendor create during the 50,000-component upload, slowest (${engine.name})`,
        value: Math.max(...creates),
        unit: 'ms',
        notes: `${creates.length} answered, ${failed.create} failed, p50 ${percentile(creates, 50).toFixed(1)} ms; target < 200 ms`,
      });
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    }
    // The documents must have produced the findings the rows name.
    const check = await openThirdwatch(loadConfig(env), createLogger('warn', new Writable({ write: (_c, _e, done) => done() })));
    try {
      const counts = await check.database.db.selectFrom('findings').select((eb) => ['product_id', eb.fn.countAll<number>().as('n')]).groupBy('product_id').execute();
      const of = new Map(counts.map((c) => [c.product_id, Number(c.n)]));
      const expected = [20_000, 20_000, 20_000, 1_000, 1_000, 1_000, 5_000];
      const wrong = products.slice(0, 7).map((p, i) => [of.get(p) ?? 0, expected[i]]).filter(([got, want]) => got !== want);
      if (wrong.length) throw new Error(`findings per upload ${JSON.stringify(wrong)} (got, expected)`);
    } finally {
      await check.close();
      await engine.drop();
    }
  }
  return rows;
};
