// `npm run bench [-- --quick] [suite ...]`: runs bench/suites/*.bench.ts, prints one table and
// writes the rows as JSON to bench/results/<timestamp>.json and bench/results/latest.json.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { reachablePostgres, type BenchContext, type BenchRow, type BenchSuite } from './lib.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filters = args.filter((a) => !a.startsWith('--'));
const suitesDir = new URL('./suites/', import.meta.url);
const resultsDir = new URL('./results/', import.meta.url);


function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2);
}

const available = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
// A suite is named exactly: "ingest" is not also "egress-ingest".
const unknown = filters.filter((name) => !available.includes(name));
if (unknown.length) {
  process.stderr.write(`unknown bench suite(s): ${unknown.join(', ')}; the suites are: ${available.join(', ')}\n`);
  process.exit(2);
}
const files = available.filter((name) => !filters.length || filters.includes(name)).map((name) => `${name}.bench.ts`);
const ctx: BenchContext = {
  quick,
  postgresUrl: await reachablePostgres(),
  log: (message) => process.stderr.write(`  ${message}\n`),
};
const rows: BenchRow[] = [];
const failures: string[] = [];
for (const file of files) {
  process.stderr.write(`bench ${file}${quick ? ' (quick)' : ''}\n`);
  try {
    const suite = (await import(new URL(file, suitesDir).href)) as { run: BenchSuite };
    rows.push(...(await suite.run(ctx)));
  } catch (error) {
    failures.push(`${file}: ${(error as Error).stack ?? error}`);
  }
}

const header = ['suite', 'measurement', 'value', 'unit', 'peer', 'peer value', 'ratio', 'notes'];
const table = rows.map((r) => [r.suite, r.name, format(r.value), r.unit, r.peer?.name ?? '', r.peer ? format(r.peer.value) : '', r.ratio ? `${r.ratio.toFixed(2)}×` : '', r.notes ?? '']);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));

mkdirSync(resultsDir, { recursive: true });
const report = {
  at: new Date().toISOString(),
  quick,
  machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model },
  postgres: ctx.postgresUrl !== null,
  rows,
  failures,
};
const stamp = report.at.replace(/[:.]/g, '-');
writeFileSync(new URL(`${stamp}.json`, resultsDir), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(new URL('latest.json', resultsDir), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nresults: bench/results/${stamp}.json`);
if (failures.length) {
  console.error(`\n${failures.length} suite(s) failed:\n${failures.join('\n')}`);
  process.exitCode = 1;
}
