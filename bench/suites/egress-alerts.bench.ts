// Egress alerts: what the alert rules add to ingesting 10,000 events (batches of 2,000, the ingest
// batch size). The events are stored first with every rule off, then the alert hook alone is timed
// on the same batches in their own transactions with every rule on: personal data in 10% of them,
// vendors' software in 20%, 2,000 hosts (a tenth on GitHub under 200 owners), 60 clients, a few
// indicator destinations among 200 indicators.
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/app/config.js';
import { openThirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { createLogger } from '../../src/platform/logger.js';
import type { EgressEvent } from '../../src/modules/egress/egress.model.js';
import { DEFAULT_EGRESS_ALERT_SETTINGS, type EgressAlertSettings } from '../../src/modules/egress/alerts.schemas.js';
import { benchEngines, median, type BenchRow, type BenchSuite } from '../lib.js';

const SUITE = 'egress-alerts';
const ctx = systemContext('bench');
const EVENTS = 10_000;
const BATCH = 2_000;

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function events(count: number, start: number, seed: number): EgressEvent[] {
  const random = prng(seed);
  const out: EgressEvent[] = [];
  for (let i = 0; i < count; i++) {
    const r = random();
    const github = r < 0.1;
    const indicator = r > 0.999;
    const host = indicator ? `c2-${Math.floor(random() * 5)}.bad.example` : github ? 'raw.githubusercontent.com' : `svc${Math.floor(random() * 2000)}.site${Math.floor(random() * 400)}.example`;
    const personal = random() < 0.1;
    const app = random() < 0.2 ? `Mozilla/5.0 (Windows NT 10.0) BenchApp${Math.floor(random() * 20)}/1.0 Chrome/120 Safari/537.36` : null;
    out.push({
      at: new Date(start + i * 360).toISOString(),
      source: 'jsonl',
      client: `10.0.${Math.floor(random() * 60)}.1`,
      app,
      method: personal ? 'POST' : 'GET',
      host,
      port: 443,
      path: github ? `/owner${Math.floor(random() * 200)}/repo/main/file` : '/api',
      status: 200,
      bytesOut: Math.floor(200 + random() * 5000),
      bytesIn: 1000,
      contentType: null,
      dataClasses: personal ? ['email'] : [],
      detections: personal ? [{ type: 'email', tier: 'high', count: 2 }] : [],
      decision: null,
      reason: null,
    });
  }
  return out;
}

const allRules = (enabled: boolean): EgressAlertSettings => ({
  personalData: { ...DEFAULT_EGRESS_ALERT_SETTINGS.personalData, enabled },
  newDestination: { ...DEFAULT_EGRESS_ALERT_SETTINGS.newDestination, enabled, learningHours: 0 },
  volumeAnomaly: { ...DEFAULT_EGRESS_ALERT_SETTINGS.volumeAnomaly, enabled, minSamples: 2, minBytes: 1000 },
  indicatorContact: { ...DEFAULT_EGRESS_ALERT_SETTINGS.indicatorContact, enabled },
});

export const run: BenchSuite = async (context) => {
  const rows: BenchRow[] = [];
  for (const engine of await benchEngines(context, 'egress_alerts')) {
    try {
      const config = loadConfig({ THIRDWATCH_DATABASE_URL: engine.url, THIRDWATCH_DATA_DIR: tmpdir(), THIRDWATCH_LOG_LEVEL: 'warn' });
      const tw = await openThirdwatch(config, createLogger('warn', new Writable({ write: (_c, _e, done) => done() })), { migrate: true });
      try {
        for (let v = 0; v < 20; v++) {
          const vendor = await tw.services.vendors.create({ name: `Bench Vendor ${v}`, domains: [`site${v}.example`], dataCategories: ['personal'] }, ctx);
          await tw.services.vendors.createProduct(vendor.id, { name: `BenchApp${v}`, type: 'desktop-app' }, ctx);
        }
        const iocs = ['indicator,type,confidence', ...Array.from({ length: 200 }, (_, i) => `c2-${i}.bad.example,domain,90`)].join('\n');
        await tw.services.indicators.importBuffer('csv-iocs', Buffer.from(iocs), { source: 'bench' }, ctx);
        const alerts = tw.services.egressAlerts;
        const hook = alerts.ingestHook(tw.services.attribution);
        const rounds = context.quick ? 2 : 4;
        const samples: number[] = [];
        let raised = 0;
        for (let round = 0; round < rounds; round++) {
          await alerts.setSettings(allRules(false), ctx);
          const batches: Array<Array<EgressEvent & { id: string }>> = [];
          const generated = events(EVENTS, Date.parse('2026-03-01T00:00:00Z') + round * 3_600_000, round + 1);
          for (let i = 0; i < generated.length; i += BATCH) {
            const batch = generated.slice(i, i + BATCH);
            const { ids } = await tw.services.egressIngest.ingest(batch, ctx);
            batches.push(batch.map((e, j) => ({ ...e, id: ids[j] })));
          }
          await alerts.setSettings(allRules(true), ctx);
          const before = await tw.database.db.selectFrom('egress_alerts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
          const started = performance.now();
          for (const batch of batches) await tw.database.db.transaction().execute((trx) => hook(trx, batch, ctx));
          samples.push(performance.now() - started);
          const afterCount = await tw.database.db.selectFrom('egress_alerts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
          raised = Number(afterCount.n) - Number(before.n);
          context.log(`${engine.name} round ${round + 1}: ${samples[samples.length - 1].toFixed(0)} ms, ${raised} new alerts`);
        }
        rows.push({ suite: SUITE, name: `alert rules per 10k events (${engine.name})`, value: median(samples), unit: 'ms', notes: `median of ${rounds} rounds, batches of ${BATCH}, all four rules on; the last round opened ${raised} alerts` });
      } finally {
        await tw.close();
      }
    } finally {
      await engine.drop();
    }
  }
  return rows;
};
