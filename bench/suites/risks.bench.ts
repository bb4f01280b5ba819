// The risk register and mentions: importing a mentions feed matched against a portfolio of
// vendors, raising and re-raising automatic risks, and the summary (heat map, roll-ups).
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { loadConfig } from '../../src/app/config.js';
import { openThirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { createLogger } from '../../src/platform/logger.js';
import { benchEngines, median, type BenchRow, type BenchSuite } from '../lib.js';

function mentionsFeed(lines: number, vendors: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const v = (i * 7919) % vendors;
    // A third name a vendor's domain, a third its name (some misspelt), a third nobody.
    const post =
      i % 3 === 0
        ? { source: 'bench', id: `p${i}`, title: `Dump ${i} for sale`, text: `rows from portal.vendor${v}.example and more ${'text '.repeat(40)}`, domains: [`portal.vendor${v}.example`] }
        : i % 3 === 1
          ? { source: 'bench', id: `p${i}`, title: `Bench Vendr ${v} breach notice`, text: 'notice '.repeat(60), names: [`Bench Vendor ${v} Ltd`] }
          : { source: 'bench', id: `p${i}`, title: `Unrelated post ${i}`, text: 'chatter '.repeat(60) };
    out.push(JSON.stringify(post));
  }
  return Buffer.from(out.join('\n'));
}

export const run: BenchSuite = async (ctx) => {
  const rows: BenchRow[] = [];
  const vendorCount = ctx.quick ? 200 : 1000;
  const lines = ctx.quick ? 2000 : 10_000;
  const raises = ctx.quick ? 300 : 2000;
  for (const engine of await benchEngines(ctx, 'risks')) {
    const config = loadConfig({ THIRDWATCH_DATABASE_URL: engine.url, THIRDWATCH_DATA_DIR: tmpdir(), THIRDWATCH_LOG_LEVEL: 'warn' });
    const tw = await openThirdwatch(config, createLogger('warn', new Writable({ write: (_c, _e, done) => done() })));
    const sys = systemContext('bench');
    try {
      const vendorIds: string[] = [];
      for (let i = 0; i < vendorCount; i++) vendorIds.push((await tw.services.vendors.create({ name: `Bench Vendor ${i}`, domains: [`vendor${i}.example`] }, sys)).id);

      const feed = mentionsFeed(lines, vendorCount);
      let start = performance.now();
      const report = await tw.services.feeds.importBuffer('mentions', feed, {}, sys);
      const importMs = performance.now() - start;
      rows.push({ suite: 'risks', name: `mentions import, ${lines.toLocaleString('en-US')} lines × ${vendorCount.toLocaleString('en-US')} vendors (${engine.name})`, value: lines / (importMs / 1000), unit: 'lines/s', notes: `${Math.round(importMs)} ms, ${report.matched} matched` });

      const timings: number[] = [];
      const raise = async (i: number) => {
        const t = performance.now();
        await tw.services.risks.raiseAutomatic(
          { source: 'sighting', sourceKey: `bench-${i}`, title: `Sighting ${i}`, description: 'bench', likelihood: 1 + (i % 5), impact: 1 + ((i >> 2) % 5), vendorIds: [vendorIds[i % vendorCount], vendorIds[(i * 31) % vendorCount]], evidence: [{ type: 'sighting', id: `s-${i}` }] },
          sys,
        );
        timings.push(performance.now() - t);
      };
      for (let i = 0; i < raises; i++) await raise(i);
      rows.push({ suite: 'risks', name: `raiseAutomatic, new risk (${engine.name})`, value: median(timings), unit: 'ms', notes: `median of ${raises}` });
      timings.length = 0;
      for (let i = 0; i < raises; i++) await raise(i);
      rows.push({ suite: 'risks', name: `raiseAutomatic, same source again (${engine.name})`, value: median(timings), unit: 'ms', notes: `median of ${raises}; no duplicate` });

      const summaries: number[] = [];
      for (let i = 0; i < 20; i++) {
        start = performance.now();
        await tw.services.risks.summary({});
        summaries.push(performance.now() - start);
      }
      rows.push({ suite: 'risks', name: `summary: heat map and vendor roll-up over ${raises.toLocaleString('en-US')} risks (${engine.name})`, value: median(summaries), unit: 'ms' });
    } finally {
      await tw.close();
      await engine.drop();
    }
  }
  return rows;
};
