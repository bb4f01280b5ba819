// Data-flow aggregation cost (issue 12): what the flows ingest hook adds per 10,000 egress events,
// on each engine, in batches of the ingest service's size. Events: 100 clients (a third with an
// app), 600 hosts under 300 destinations (a third of them vendor domains of 100 vendors, a few
// SaaS services, the rest unknown), a tenth carrying personal data. Measured: the hook alone on
// new hours (most keys distinct: the costly case), the hook again on the same hours (every key
// merged: counts added, sets unioned), the whole ingest (events stored + hook), and the hook on
// traffic where each client reaches its own ten destinations (keys repeat, as in real logs).
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/app/config.js';
import { openThirdwatch, type Thirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { createLogger } from '../../src/platform/logger.js';
import type { DetectionType } from '../../src/modules/pii/pii.model.js';
import type { EgressEvent } from '../../src/modules/egress/egress.model.js';
import { BATCH_SIZE } from '../../src/modules/egress/ingest.service.js';
import { benchEngines, median, type BenchRow, type BenchSuite } from '../lib.js';

const SUITE = 'flows';
const ctx = systemContext('bench');
const EVENTS = 10_000;

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SAAS = ['slack.com', 'files.slack.com', 'api.dropboxapi.com', 'github.com', 'alice.github.io', 'bucket-7.s3.amazonaws.com'];
const CLASSES: DetectionType[] = ['email', 'phone', 'payment_card', 'iban', 'secret'];

/** `spread`: any client may reach any destination (most keys distinct), or each only its own ten (typical: keys repeat). */
function events(day: string, seed: number, spread: 'wide' | 'typical' = 'wide'): EgressEvent[] {
  const random = prng(seed);
  const out: EgressEvent[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const client = Math.floor(random() * 100);
    const d = spread === 'wide' ? Math.floor(random() * 300) : (client * 7 + Math.floor(random() * 10) * 31) % 300;
    const host = d < 100 ? `h${Math.floor(random() * 2)}.vendor${d}.example` : d < 110 ? SAAS[d % SAAS.length] : `cdn${Math.floor(random() * 2)}.unknown${d}.example`;
    const data = random() < 0.1;
    out.push({
      at: `${day}T${String(Math.floor((i / EVENTS) * 2)).padStart(2, '0')}:${String(Math.floor(random() * 60)).padStart(2, '0')}:00.000Z`,
      source: 'squid',
      client: `10.0.${Math.floor(client / 250)}.${client % 250}`,
      app: client % 3 === 0 ? `App${client % 7}/1.0` : null,
      method: random() < 0.3 ? 'POST' : 'GET',
      host,
      port: 443,
      path: '/',
      status: 200,
      bytesOut: Math.floor(random() * 5000),
      bytesIn: Math.floor(random() * 50_000),
      contentType: random() < 0.5 ? 'application/json' : 'text/html',
      dataClasses: data ? [CLASSES[Math.floor(random() * CLASSES.length)]] : [],
      detections: [],
      decision: null,
      reason: null,
    });
  }
  return out;
}

async function aggregate(tw: Thirdwatch, list: EgressEvent[]): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < list.length; from += BATCH_SIZE) {
    const batch = list.slice(from, from + BATCH_SIZE);
    await tw.database.db.transaction().execute((trx) => tw.services.flows.aggregate(trx, batch));
  }
  return performance.now() - started;
}

async function flowRows(tw: Thirdwatch): Promise<number> {
  return Number((await tw.database.db.selectFrom('egress_flows').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
}

async function ingest(tw: Thirdwatch, list: EgressEvent[]): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < list.length; from += BATCH_SIZE) await tw.services.egressIngest.ingest(list.slice(from, from + BATCH_SIZE), ctx);
  return performance.now() - started;
}

export const run: BenchSuite = async (bench) => {
  const rounds = bench.quick ? 3 : 7;
  const rows: BenchRow[] = [];
  for (const engine of await benchEngines(bench, SUITE)) {
    const config = loadConfig({ THIRDWATCH_DATABASE_URL: engine.url, THIRDWATCH_DATA_DIR: '/nonexistent-thirdwatch-bench', THIRDWATCH_LOG_LEVEL: 'warn' });
    const tw = await openThirdwatch(config, createLogger('warn', new Writable({ write: (_c, _e, done) => done() })));
    try {
      for (let v = 0; v < 100; v++) await tw.services.vendors.create({ name: `Bench Vendor ${v}`, domains: [`vendor${v}.example`], dataCategories: v % 2 ? ['personal'] : ['payment'] }, ctx);
      const fresh: number[] = [];
      const merged: number[] = [];
      const whole: number[] = [];
      const typical: number[] = [];
      let keys = 0;
      let typicalKeys = 0;
      for (let r = 0; r < rounds; r++) {
        // A day per round: its hours are new to the first pass and merged into by the second.
        const day = `2026-0${1 + Math.floor(r / 28)}-${String(1 + (r % 28)).padStart(2, '0')}`;
        fresh.push(await aggregate(tw, events(day, r + 1)));
        if (r === 0) keys = await flowRows(tw);
        merged.push(await aggregate(tw, events(day, r + 101)));
        whole.push(await ingest(tw, events(day.replace('2026', '2027'), r + 201)));
        const before = await flowRows(tw);
        typical.push(await aggregate(tw, events(day.replace('2026', '2028'), r + 301, 'typical')));
        if (r === 0) typicalKeys = (await flowRows(tw)) - before;
      }
      const note = `${engine.name}; ${EVENTS} events in batches of ${BATCH_SIZE}; ${keys} flow rows per 10k events; median of ${rounds}`;
      rows.push({ suite: SUITE, name: `aggregate 10k events, new hours (${engine.name})`, value: median(fresh), unit: 'ms', notes: note });
      rows.push({ suite: SUITE, name: `aggregate 10k events, merged into existing hours (${engine.name})`, value: median(merged), unit: 'ms', notes: note });
      rows.push({ suite: SUITE, name: `ingest 10k events with the flows hook (${engine.name})`, value: median(whole), unit: 'ms', notes: `${note}; events stored + hook` });
      rows.push({ suite: SUITE, name: `aggregate 10k events, typical spread, new hours (${engine.name})`, value: median(typical), unit: 'ms', notes: `${engine.name}; each client reaches its own 10 destinations; ${typicalKeys} flow rows per 10k events; median of ${rounds}` });
      bench.log(`${engine.name}: hook ${median(fresh).toFixed(0)} ms new / ${median(merged).toFixed(0)} ms merge per 10k; whole ingest ${median(whole).toFixed(0)} ms`);
    } finally {
      await tw.close();
      await engine.drop();
    }
  }
  return rows;
};
