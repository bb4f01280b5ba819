// NVD import: one year of NVD records (~30,000; 3,000 with --quick) generated in the shape of real
// ones — descriptions, 1–3 CVSS metrics, CWE, 5–20 references, configurations of 1–30 cpeMatch
// entries with version bounds, a fifth of them an application AND its running-on platforms — written
// as CVE API 2.0 pages of 2,000 and imported with `feeds import nvd DIR` (parse, groups, CPE index
// rows, incremental matching), then imported again (every record unchanged: skipped).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg as osLoadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/app/config.js';
import { openThirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { createLogger } from '../../src/platform/logger.js';
import { parseNvdDocument } from '../../src/modules/advisories/parsers/index.js';
import { nvdMetric, nvdPage, type NvdConfigurationFixture, type NvdCriterionFixture } from '../../src/modules/advisories/parsers/test-nvd.js';
import { benchEngines, type BenchRow, type BenchSuite } from '../lib.js';

const SUITE = 'nvd';
const ctx = systemContext('bench');
const PAGE = 2_000;

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS = 'allows remote attackers to execute arbitrary code via crafted request buffer overflow in the component when parsing malformed input leading to denial of service information disclosure authentication bypass privilege escalation cross-site scripting SQL injection path traversal use-after-free memory corruption improper validation'.split(' ');
const OSES = ['cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*', 'cpe:2.3:o:apple:macos:-:*:*:*:*:*:*:*', 'cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*', 'cpe:2.3:o:google:android:-:*:*:*:*:*:*:*'];

/** `count` records modified over one year, deterministic. */
export function generateNvdRecords(count: number, seed = 20_240_101): Array<Record<string, unknown>> {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const start = Date.parse('2024-01-01T00:00:00Z');
  const records: Array<Record<string, unknown>> = [];
  for (let i = 0; i < count; i++) {
    const id = `CVE-2024-${String(10_000 + i)}`;
    const vendor = `vendor${int(0, 1_999)}`;
    const product = `product${int(0, 4)}`;
    const words = Array.from({ length: int(25, 90) }, () => pick(WORDS)).join(' ');
    const lastModified = new Date(start + Math.floor((i / count) * 365 * 86_400_000)).toISOString().replace('Z', '');
    const metrics: Record<string, unknown[]> = { cvssMetricV31: [nvdMetric('3.1', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 8.8, 'nvd@nist.gov', 'Primary')] };
    const extra = int(0, 2);
    if (extra >= 1) metrics.cvssMetricV31.push(nvdMetric('3.1', 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N', 6.5, 'cna@example.com', 'Secondary'));
    if (extra === 2) metrics.cvssMetricV40 = [nvdMetric('4.0', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3, 'cna@example.com', 'Secondary')];
    const matches = int(1, 30);
    const criteria: NvdCriterionFixture[] = Array.from({ length: matches }, (_, m) => {
      const major = int(1, 20);
      return m % 3 === 0
        ? { vulnerable: true, criteria: `cpe:2.3:a:${vendor}:${product}:${major}.${int(0, 9)}.${int(0, 30)}:*:*:*:*:*:*:*`, matchCriteriaId: `00000000-0000-4000-8000-${String(i * 31 + m).padStart(12, '0')}` }
        : { vulnerable: true, criteria: `cpe:2.3:a:${vendor}:${m % 2 ? product : `${product}_${m % 5}`}:*:*:*:*:*:*:*:*`, versionStartIncluding: `${major}.0`, versionEndExcluding: `${major}.${int(1, 9)}.${int(0, 30)}` };
    });
    const configurations: NvdConfigurationFixture[] =
      random() < 0.2
        ? [{ operator: 'AND', nodes: [{ operator: 'OR', negate: false, cpeMatch: criteria }, { operator: 'OR', negate: false, cpeMatch: OSES.slice(0, int(1, 4)).map((c) => ({ vulnerable: false, criteria: c })) }] }]
        : [{ nodes: [{ operator: 'OR', negate: false, cpeMatch: criteria }] }];
    records.push({
      id,
      sourceIdentifier: 'cve@mitre.org',
      published: lastModified,
      lastModified,
      vulnStatus: pick(['Analyzed', 'Analyzed', 'Modified', 'Awaiting Analysis']),
      cveTags: [],
      descriptions: [{ lang: 'en', value: `The ${product} of ${vendor} ${words}.` }],
      metrics,
      weaknesses: [{ source: 'nvd@nist.gov', type: 'Primary', description: [{ lang: 'en', value: `CWE-${int(20, 1_400)}` }] }],
      configurations,
      references: Array.from({ length: int(5, 20) }, (_, r) => ({ url: `https://${vendor}.example.com/security/${id}/${r}`, source: 'cve@mitre.org', tags: r ? ['Third Party Advisory'] : ['Vendor Advisory'] })),
      ...(i % 200 === 0 ? { cisaExploitAdd: '2024-06-01', cisaActionDue: '2024-06-22', cisaRequiredAction: 'Apply updates per vendor instructions.', cisaVulnerabilityName: `${vendor} ${product} Vulnerability` } : {}),
    });
  }
  return records;
}

export const run: BenchSuite = async (bench) => {
  const count = bench.quick ? 3_000 : 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-nvd-'));
  const rows: BenchRow[] = [];
  try {
    const records = generateNvdRecords(count);
    let bytes = 0;
    for (let p = 0; p * PAGE < count; p++) {
      const text = JSON.stringify(nvdPage(records.slice(p * PAGE, (p + 1) * PAGE), p * PAGE, count));
      bytes += text.length;
      writeFileSync(join(dir, `page-${String(p).padStart(3, '0')}.json`), text);
    }
    const matches = records.reduce((n, r) => n + (r.configurations as NvdConfigurationFixture[]).reduce((k, c) => k + c.nodes.reduce((j, node) => j + node.cpeMatch.length, 0), 0), 0);
    bench.log(`nvd: ${count} records, ${matches} cpeMatch entries, ${(bytes / 1e6).toFixed(0)} MB of API pages`);

    let started = performance.now();
    const parseCpu = process.cpuUsage();
    for (let p = 0; p * PAGE < count; p++) parseNvdDocument(JSON.stringify(nvdPage(records.slice(p * PAGE, (p + 1) * PAGE))));
    rows.push({ suite: SUITE, name: `parse ${count} NVD records (no database)`, value: Math.round(performance.now() - started), unit: 'ms', notes: `CPU ${cpuMs(parseCpu)} ms; load ${loadavg()}` });

    for (const engine of await benchEngines(bench, SUITE)) {
      const config = loadConfig({ THIRDWATCH_DATABASE_URL: engine.url, THIRDWATCH_DATA_DIR: tmpdir(), THIRDWATCH_LOG_LEVEL: 'warn' });
      const tw = await openThirdwatch(config, createLogger('warn', new Writable({ write: (_c, _e, done) => done() })));
      try {
        started = performance.now();
        let cpu = process.cpuUsage();
        const report = await tw.services.feeds.importPath('nvd', dir, {}, ctx);
        const ms = performance.now() - started;
        const importCpu = cpuMs(cpu);
        const indexRows = await tw.database.db.selectFrom('advisory_packages').select((eb) => eb.fn.countAll<number>().as('n')).where('ecosystem', '=', 'cpe').executeTakeFirstOrThrow();
        rows.push({
          suite: SUITE,
          name: `import ${count} NVD records (${engine.name})`,
          value: Math.round(ms),
          unit: 'ms',
          // On a loaded machine the wall time mostly says how long the import waited for a CPU: this process's CPU time (all threads, PostgreSQL's excluded) is given beside it.
          notes: `CPU ${importCpu} ms; ${Math.round((count / ms) * 1000)} records/s; ${report.imported} imported, ${report.errors.length} errors, ${Number(indexRows.n)} CPE index rows; target < 20 s for 30,000 on SQLite; load ${loadavg()}`,
        });
        started = performance.now();
        cpu = process.cpuUsage();
        const again = await tw.services.feeds.importPath('nvd', dir, {}, ctx);
        rows.push({ suite: SUITE, name: `re-import ${count} unchanged NVD records (${engine.name})`, value: Math.round(performance.now() - started), unit: 'ms', notes: `CPU ${cpuMs(cpu)} ms; ${again.skipped} skipped; load ${loadavg()}` });
      } finally {
        await tw.close();
        await engine.drop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
};

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1000);
}

function loadavg(): string {
  return osLoadavg().map((l) => l.toFixed(1)).join(' ');
}
