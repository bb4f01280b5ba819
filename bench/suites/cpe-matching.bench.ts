// CPE matching, advisory side: a new NVD record whose criteria name one vendor:product arrives in a
// portfolio of 1,000,000 component rows that carry CPEs (100,000 with --quick): time until its
// findings exist. The record's CPE entries are written to the advisory index as the NVD importer
// writes them (advisory_packages rows of ecosystem 'cpe'), then matched through the components'
// CPE index (sbom_component_cpes by cpe_key), inside one feed-write transaction.
import { tmpdir } from 'node:os';
import { sql } from 'kysely';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/app/config.js';
import { openThirdwatch, type Thirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { newId } from '../../src/platform/ids.js';
import { refreshStaleStatistics } from '../../src/platform/db/statistics.js';
import { createLogger } from '../../src/platform/logger.js';
import { CpeRepository } from '../../src/modules/cpes/cpes.repository.js';
import { cpeAt, type ComponentCpe } from '../../src/modules/cpes/cpes.infer.js';
import { keyOf } from '../../src/modules/matching/matching.keys.js';
import { MatchingRepository } from '../../src/modules/matching/matching.repository.js';
import type { CpeEntryPayload } from '../../src/modules/purl/index.js';
import { SbomRepository } from '../../src/modules/sboms/sboms.repository.js';
import type { ComponentRow } from '../../src/modules/sboms/sboms.ingest.js';
import { benchEngines, median, type BenchRow, type BenchSuite } from '../lib.js';

const ctx = systemContext('bench');
const SUITE = 'cpe-matching';
const TARGET = 'benchvendor:embedded_engine';
const ROUNDS = 9;

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * `rows` generic components in current SBOMs of 10,000 components each, every one with a CPE row
 * (declared, or inferred at 0.7) under one of 200,000 vendor:product keys; the target key appears
 * once per SBOM, alternately declared and inferred, at versions below and above the fix.
 */
async function buildPortfolio(tw: Thirdwatch, rows: number, log: (m: string) => void) {
  const perSbom = 10_000;
  const sboms = Math.ceil(rows / perSbom);
  const vendor = await tw.services.vendors.create({ name: `CPE portfolio ${newId().slice(-6)}` }, ctx);
  const random = prng(7);
  let affected = 0;
  const started = performance.now();
  for (let s = 0; s < sboms; s++) {
    const product = await tw.services.vendors.createProduct(vendor.id, { name: `Appliance ${s}`, type: 'desktop-app' }, ctx);
    const id = newId();
    const components: ComponentRow[] = [];
    const cpes: ComponentCpe[] = [];
    for (let i = 1; i <= perSbom; i++) {
      const target = i === 1;
      const key = target ? TARGET : `vendor${Math.floor(random() * 2_000)}:product${Math.floor(random() * 100)}`;
      const version = target ? (s % 4 === 3 ? '3.1.0' : `2.${s % 10}.0`) : `1.${Math.floor(random() * 10)}.0`;
      if (target && s % 4 !== 3) affected++;
      const name = key.slice(key.indexOf(':') + 1);
      components.push({
        idx: i, ref: `c${i}`, name, group_name: null, version, purl: null, purl_type: null, purl_namespace: null, purl_name: null, purl_qualifiers: null,
        ecosystem: 'generic', package_name: name, name_key: name, cpe: null, type: 'file', scope: null, supplier: null, licenses: null, hashes: null,
        parent_idx: null, depth: 1, via_idx: 0, direct: 1,
      });
      const inferred = i % 2 === 0 || (target && s % 2 === 1);
      cpes.push({ idx: i, cpeKey: key, cpe: cpeAt(key, version)!, source: inferred ? 'inferred' : 'declared', confidence: inferred ? 0.7 : null });
    }
    await tw.database.db.transaction().execute(async (trx) => {
      const r = new SbomRepository(trx);
      await r.insertSbom({
        id, product_id: product.id, release: '1.0', is_current: 1, format: 'cyclonedx', encoding: 'json', spec_version: '1.5', serial_number: null,
        document_created_at: null, tools: '[]', root_ref: null, root_name: `appliance-${s}`, root_version: '1.0', root_purl: null, component_count: perSbom,
        dependency_count: 0, warnings: '[]', byte_size: 0, sha256: '0', media_type: 'application/vnd.cyclonedx+json', uploaded_at: new Date().toISOString(), uploaded_by: 'bench', published: 1,
      });
      await r.insertComponents(id, components);
      await new CpeRepository(trx).insertComponentCpes(id, cpes);
    });
    if ((s + 1) % 20 === 0) log(`cpe portfolio: ${(s + 1) * perSbom} component rows with CPEs (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  return { sboms, affected };
}

/** A new NVD record's CPE entry written to the index and matched, as one feed write. */
async function newRecord(tw: Thirdwatch, groupId: string, advisoryId: string, n: number) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const stats = await tw.database.db.transaction().execute(async (trx) => {
    await new MatchingRepository(trx).lockMatching('exclusive');
    const criteria = `cpe:2.3:a:${TARGET}:*:*:*:*:*:*:*:*`;
    const payload: CpeEntryPayload = { type: 'CPE', criterion: { criteria, vulnerable: true, versionEndExcluding: '3.0.0' }, platforms: null };
    await trx
      .insertInto('advisory_packages')
      .values({
        advisory_id: advisoryId, idx: 1000 + n, group_id: groupId, external_id: `CVE-2030-${String(n).padStart(4, '0')}`, ecosystem: 'cpe', ecosystem_release: null,
        package_name: TARGET, raw_ecosystem: 'cpe', raw_name: criteria, purl: null, versions: '[]', ranges: JSON.stringify([payload]), fixed: '["3.0.0"]',
      })
      .execute();
    return tw.services.matcher.matchAdvisoryChanges(trx, { groups: new Set([groupId]), keys: new Set([keyOf('cpe', TARGET)]), withdrawnGroups: new Set() }, ctx);
  });
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, stats };
}

export const run: BenchSuite = async (bench) => {
  const rows: BenchRow[] = [];
  const portfolioRows = bench.quick ? 100_000 : 1_000_000;
  for (const engine of await benchEngines(bench, 'cpe_matching')) {
    const config = loadConfig({ THIRDWATCH_DATABASE_URL: engine.url, THIRDWATCH_DATA_DIR: tmpdir(), THIRDWATCH_LOG_LEVEL: 'warn' });
    const tw = await openThirdwatch(config, createLogger('warn', new Writable({ write: (_c, _e, done) => done() })));
    try {
      bench.log(`${engine.name}: building a portfolio of ${portfolioRows.toLocaleString('en-US')} component rows with CPEs`);
      const portfolio = await buildPortfolio(tw, portfolioRows, bench.log);
      // Steady state before timing: PostgreSQL's statistics follow the new rows (as uploads refresh
      // them), SQLite's write-ahead log is checkpointed (the first commit after a million rows would
      // otherwise copy them into the database file inside the timed transaction).
      await refreshStaleStatistics(tw.database.db, ['sboms', 'sbom_components', 'sbom_component_cpes', 'findings']);
      if (engine.name === 'sqlite') await sql`pragma wal_checkpoint(truncate)`.execute(tw.database.db);
      const times: number[] = [];
      const cpuTimes: number[] = [];
      let last: Awaited<ReturnType<typeof newRecord>> | null = null;
      // Each round a new record (its own group): nothing it finds exists yet.
      for (let n = 0; n < ROUNDS; n++) {
        const report = await tw.services.advisories.importAdvisories([{
          id: `BENCH-CPE-${n}`, aliases: [`CVE-2030-${String(n).padStart(4, '0')}`], source: 'bench', summary: null, details: null, published: null, modified: '2030-01-01T00:00:00Z',
          withdrawn: null, severity: [], cvss: null, malicious: false, references: [],
          affected: [{ ecosystem: 'npm', name: `bench-cpe-placeholder-${n}`, purl: null, versions: [], ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.0' }] }] }],
        }], 'bench', ctx);
        if (report.errors.length) throw new Error(JSON.stringify(report.errors));
        const advisory = await tw.database.db.selectFrom('advisories').select(['id', 'group_id']).where('external_id', '=', `BENCH-CPE-${n}`).executeTakeFirstOrThrow();
        last = await newRecord(tw, advisory.group_id, advisory.id, n);
        if (last.stats.created !== portfolio.affected) throw new Error(`expected ${portfolio.affected} findings, got ${last.stats.created}`);
        times.push(last.ms);
        cpuTimes.push(last.cpuMs);
      }
      rows.push({
        suite: SUITE,
        name: `new NVD record → its findings exist, ${portfolioRows.toLocaleString('en-US')} component rows with CPEs (${engine.name})`,
        value: median(times),
        unit: 'ms',
        notes: `median of ${ROUNDS} (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}); this process's CPU per record ${median(cpuTimes).toFixed(1)} ms (median; on SQLite that includes the database's work); ${last!.stats.created} findings in ${portfolio.sboms} SBOMs, ${last!.stats.keys} key looked up, ${last!.stats.componentsExamined} components evaluated (a quarter past the fix); index write + matching in one feed-write transaction`,
      });
    } finally {
      await tw.close();
      await engine.drop();
    }
  }
  return rows;
};
