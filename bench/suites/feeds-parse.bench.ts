// Feed parsing throughput: OSV all.zip import, CISA KEV, FIRST EPSS (csv-parse as the peer for EPSS).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as csvParse } from 'csv-parse/sync';
import { type BenchRow, type BenchSuite, median, timeRounds } from '../lib.js';
import { parseEpss } from '../../src/modules/advisories/parsers/epss.js';
import { parseKev } from '../../src/modules/advisories/parsers/kev.js';
import { readOsvZip } from '../../src/modules/advisories/parsers/osv.js';

const SUITE = 'feeds-parse';
const GO_ZIP = fileURLToPath(new URL('../../../shared/data/osv/Go/all.zip', import.meta.url));
const KEV_JSON = new URL('../../../shared/data/kev/known_exploited_vulnerabilities.json', import.meta.url);

export const run: BenchSuite = async (ctx) => {
  const rounds = ctx.quick ? 2 : 5;
  return [await osvZip(rounds, ctx.log), await kev(rounds * 4), await epss(ctx.quick ? 50_000 : 300_000, rounds)];
};


async function osvZip(rounds: number, log: (message: string) => void): Promise<BenchRow> {
  let records = 0;
  const ms = median(
    await timeRounds(rounds, async () => {
      records = 0;
      await readOsvZip(GO_ZIP, () => void (records += 1));
    }),
  );
  log(`OSV Go all.zip: ${records} records in ${ms.toFixed(0)} ms`);
  return { suite: SUITE, name: 'OSV Go all.zip read + parse (from file)', value: Math.round((records / ms) * 1000), unit: 'records/s', notes: `${records} records, median ${ms.toFixed(0)} ms` };
}

async function kev(rounds: number): Promise<BenchRow> {
  const bytes = await readFile(KEV_JSON);
  const ms = median(await timeRounds(rounds, () => parseKev(bytes)));
  return { suite: SUITE, name: 'CISA KEV catalog parse (1,404 entries)', value: Number(ms.toFixed(2)), unit: 'ms' };
}

async function epss(lines: number, rounds: number): Promise<BenchRow> {
  const csv = epssCsv(lines);
  const ours = median(await timeRounds(rounds, () => parseEpss(csv)));
  const peer = median(await timeRounds(rounds, () => csvParse(csv, { comment: '#', columns: true, cast: true })));
  const value = Math.round((lines / ours) * 1000);
  const peerValue = Math.round((lines / peer) * 1000);
  return {
    suite: SUITE,
    name: `EPSS CSV parse (${lines.toLocaleString('en')} lines)`,
    value,
    unit: 'lines/s',
    peer: { name: 'csv-parse (columns, cast)', value: peerValue },
    ratio: Number((value / peerValue).toFixed(2)),
    notes: `median ${ours.toFixed(0)} ms`,
  };
}

function epssCsv(lines: number): string {
  const values = Array.from({ length: 1000 }, (_, i) => (i / 1000).toFixed(5));
  const rows = ['#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000', 'cve,epss,percentile'];
  for (let i = 0; i < lines; i++) rows.push(`CVE-${2000 + (i % 25)}-${10000 + i},${values[i % 997]},${values[i % 991]}`);
  return `${rows.join('\n')}\n`;
}
