// Egress log ingestion (issue 12), as `thirdwatch egress ingest` runs it: lines per second for a
// Squid native access.log, a Zeek http.log (TSV) and a JSON lines file of LINES lines each,
// generated here, read by ingestFile into a fresh database on each engine (parse, store in
// batches with the flows and alerts hooks, save the resume offset). Beside each: our parser alone
// on the same file (no storage), and a plain split of the file into lines and fields
// (JSON.parse for JSON lines) as the parse-only floor no reader of these formats can beat.
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/app/config.js';
import { openThirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { createLogger } from '../../src/platform/logger.js';
import { ingestFile } from '../../src/modules/egress/ingest.file.js';
import { lineParser, maxLineBytes, readLines, type IngestFormat } from '../../src/modules/egress/parsers/index.js';
import { benchEngines, type BenchRow, type BenchSuite } from '../lib.js';

const SUITE = 'egress-ingest';
const ctx = systemContext('bench');

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** 200 clients, 600 hosts under 300 destinations (a third of them the 100 vendors' domains), a day of traffic. */
function traffic(lines: number, seed: number) {
  const random = prng(seed);
  const start = Date.UTC(2026, 11, 1) / 1000;
  return Array.from({ length: lines }, (_, i) => {
    const d = Math.floor(random() * 300);
    return {
      ts: start + (i / lines) * 86_400,
      client: `10.0.${Math.floor(random() * 200) % 4}.${1 + Math.floor(random() * 50)}`,
      host: d < 100 ? `h${Math.floor(random() * 2)}.vendor${d}.example` : `cdn${Math.floor(random() * 2)}.site${d}.example`,
      method: random() < 0.3 ? 'POST' : 'GET',
      path: `/api/v${1 + Math.floor(random() * 3)}/items/${Math.floor(random() * 1000)}`,
      bytesOut: Math.floor(random() * 5000),
      bytesIn: Math.floor(random() * 50_000),
      agent: random() < 0.3 ? 'Slack/4.33.90 Electron/27' : 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36',
    };
  });
}

function squidLog(lines: number): string {
  return traffic(lines, 1)
    .map((t) => `${t.ts.toFixed(3)}     45 ${t.client} TCP_MISS/200 ${t.bytesIn} ${t.method} https://${t.host}${t.path}?q=1 - HIER_DIRECT/203.0.113.9 application/json ${t.bytesOut} "${t.agent}"\n`)
    .join('');
}

function zeekHttpLog(lines: number): string {
  const header = ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\thttp', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\torig_mime_types\tresp_mime_types', '#types\ttime\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tcount\tstring\tset[string]\tset[string]'];
  const body = traffic(lines, 2).map((t, i) => `${t.ts.toFixed(6)}\tC${i}\t${t.client}\t${40000 + (i % 20000)}\t198.51.100.${i % 250}\t80\t1\t${t.method}\t${t.host}\t${t.path}\t-\t1.1\t${t.agent}\t${t.bytesOut}\t${t.bytesIn}\t200\tOK\tapplication/json\ttext/html\n`);
  return `${header.join('\n')}\n${body.join('')}`;
}

function jsonLines(lines: number): string {
  return traffic(lines, 3)
    .map((t) => `${JSON.stringify({ at: t.ts, url: `https://${t.host}${t.path}`, client: t.client, method: t.method, status: 200, bytesOut: t.bytesOut, bytesIn: t.bytesIn, userAgent: t.agent, contentType: 'application/json' })}\n`)
    .join('');
}

/** The floor: the file split into lines, each split into its fields (JSON.parse for JSON lines), nothing checked or kept. */
function splitOnly(path: string, format: IngestFormat): number {
  let fields = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    if (format === 'jsonl') fields += Object.keys(JSON.parse(line) as object).length;
    else fields += line.split(format === 'zeek' ? '\t' : ' ').length;
  }
  return fields;
}

/** Our reader and parser over the file, without storing: what ingestion costs before the database. */
async function parseOnly(path: string, format: IngestFormat): Promise<number> {
  const parser = lineParser(format, path);
  let events = 0;
  for await (const line of readLines(createReadStream(path), { maxBytes: maxLineBytes(format) })) if (parser.parse(line.text).kind === 'event') events++;
  return events;
}

const seconds = async (fn: () => unknown) => {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
};

export const run: BenchSuite = async (bench) => {
  const lines = bench.quick ? 20_000 : 200_000;
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-egress-ingest-'));
  const files: Array<{ format: IngestFormat; label: string; path: string }> = [
    { format: 'squid', label: 'Squid native', path: join(dir, 'access.log') },
    { format: 'zeek', label: 'Zeek http.log TSV', path: join(dir, 'http.log') },
    { format: 'jsonl', label: 'JSON lines', path: join(dir, 'events.jsonl') },
  ];
  writeFileSync(files[0].path, squidLog(lines));
  writeFileSync(files[1].path, zeekHttpLog(lines));
  writeFileSync(files[2].path, jsonLines(lines));
  const rows: BenchRow[] = [];
  try {
    const floors = new Map<IngestFormat, number>();
    for (const file of files) {
      await parseOnly(file.path, file.format);
      splitOnly(file.path, file.format);
      const ours = lines / (await seconds(() => parseOnly(file.path, file.format)));
      const floor = lines / (await seconds(() => splitOnly(file.path, file.format)));
      floors.set(file.format, floor);
      rows.push({ suite: SUITE, name: `${file.label}: parse only`, value: ours, unit: 'lines/s', peer: { name: 'split into fields (parse-only floor)', value: floor }, ratio: ours / floor, notes: `${lines} lines; readLines + the ${file.format} parser, nothing stored` });
    }
    for (const engine of await benchEngines(bench, 'egress_ingest')) {
      const config = loadConfig({ THIRDWATCH_DATABASE_URL: engine.url, THIRDWATCH_DATA_DIR: '/nonexistent-thirdwatch-bench', THIRDWATCH_LOG_LEVEL: 'warn' });
      const tw = await openThirdwatch(config, createLogger('warn', new Writable({ write: (_c, _e, done) => done() })));
      try {
        for (let v = 0; v < 100; v++) await tw.services.vendors.create({ name: `Bench Vendor ${v}`, domains: [`vendor${v}.example`], dataCategories: v % 2 ? ['personal'] : ['payment'] }, ctx);
        for (const file of files) {
          let accepted = 0;
          const took = await seconds(async () => {
            const report = await ingestFile(tw.database.db, tw.services.egressIngest, file.path, file.format, ctx);
            accepted = report.accepted;
          });
          if (accepted !== lines) throw new Error(`${file.label}: ${accepted} of ${lines} lines stored`);
          const value = lines / took;
          const floor = floors.get(file.format)!;
          rows.push({ suite: SUITE, name: `${file.label}: ingest file (${engine.name})`, value, unit: 'lines/s', peer: { name: 'split into fields (parse-only floor)', value: floor }, ratio: value / floor, notes: `${engine.name}; ${lines} lines into a fresh database with 100 vendors: events, flows and alerts hooks, resume offset; one run` });
          bench.log(`${engine.name} ${file.label}: ${Math.round(value)} lines/s (${took.toFixed(1)} s)`);
        }
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
