// ICAP through a real Squid (issue 12, "Accuracy and speed"): POST bodies of 1 KB, 64 KB and 1 MB
// sent through Debian's Squid to a local upstream, with no ICAP, with Debian's c-icap echo service,
// and with Thirdwatch's ICAP service scanning every body, all in the same run. Throughput comes from
// autocannon (keep-alive connections at once); latency from one connection sending requests one
// after another, so the added latency is what a user waits, not queueing under load.
import { existsSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import { C_ICAP, processTreeCpuMs, runDir, runRoot, startCIcap, startSquid, startUpstream, type Running } from '../icap-harness.js';
import { startIcapProcess } from '../../test/icap/icap-process.js';
import { percentile, type BenchRow, type BenchSuite } from '../lib.js';

const SUITE = 'icap';
const THIRDWATCH = 'squid + thirdwatch scanning';
const HOST = 'bench-upstream.example';
const SIZES = [
  { label: '1 KB', bytes: 1024 },
  { label: '64 KB', bytes: 64 * 1024 },
  { label: '1 MB', bytes: 1_000_000 },
];

/** A JSON order export of about `bytes` bytes (whole records, so valid JSON) with no personal data: the common case a scanner must let through. */
export function cleanBody(bytes: number): Buffer {
  const items: string[] = [];
  let length = 2;
  for (let i = 0; length < bytes; i++) {
    const item = JSON.stringify({ sku: `SKU-${(i * 7919) % 100000}`, name: `Widget model ${i % 97}`, quantity: (i % 9) + 1, warehouse: `WH-${i % 13}`, note: 'standard shipping' });
    items.push(item);
    length += item.length + 1;
  }
  return Buffer.from(`[${items.join(',')}]`);
}

interface Measured {
  requestsPerSecond: number;
  /** CPU time of the ICAP service (all its threads and processes) per request under load, ms; null for Squid alone. */
  cpuPerRequest: number | null;
  /** CPU time of Squid (its process tree) per request under load, ms. */
  squidCpuPerRequest: number;
  median: number;
  p99: number;
  failures: string | null;
}

async function throughput(proxyPort: number, upstreamPort: number, body: Buffer, seconds: number): Promise<{ rps: number; requests: number; failures: string | null }> {
  const result = await autocannon({
    url: `http://127.0.0.1:${proxyPort}`,
    // Absolute-form target: autocannon speaks to Squid as to a forward proxy.
    requests: [{ method: 'POST', path: `http://${HOST}:${upstreamPort}/upload`, headers: { host: `${HOST}:${upstreamPort}`, 'content-type': 'application/json' }, body }],
    connections: 16,
    duration: seconds,
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  return { rps: result.requests.average, requests: result.requests.total, failures: bad ? `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts` : null };
}

/** Milliseconds per request over one keep-alive connection, requests one after another, and how many failed. */
async function latencies(proxyPort: number, upstreamPort: number, body: Buffer, count: number): Promise<{ samples: number[]; failed: string[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const req = request(
        {
          host: '127.0.0.1',
          port: proxyPort,
          method: 'POST',
          path: `http://${HOST}:${upstreamPort}/upload`,
          headers: { host: `${HOST}:${upstreamPort}`, 'content-type': 'application/json', 'content-length': body.length },
          agent,
        },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const samples: number[] = [];
  const failed: string[] = [];
  try {
    for (let i = 0; i < count + 5; i++) {
      try {
        const ms = await one();
        if (i >= 5) samples.push(ms);
      } catch (error) {
        failed.push((error as Error).message);
      }
    }
    return { samples, failed };
  } finally {
    agent.destroy();
  }
}

/**
 * Waits until a service has worked off what the load left queued in it (a slow scanner is still busy
 * with bodies after autocannon stops): one request that queues behind them, then a short pause, so
 * the next configuration is not measured on a machine still busy with this one.
 */
async function settle(proxyPort: number, upstreamPort: number, body: Buffer): Promise<void> {
  await latencies(proxyPort, upstreamPort, body, 0);
  await new Promise((r) => setTimeout(r, 300));
}

interface Config {
  name: string;
  /** Starts the ICAP service for this configuration; null = Squid alone. */
  start: ((dir: string) => Promise<Running & { url: string }>) | null;
}

/** Thirdwatch's ICAP service in its own process over a fresh database, default policy: every body scanned, every decision recorded. */
async function startThirdwatch(): Promise<Running & { url: string }> {
  const service = await startIcapProcess();
  return { port: service.port, url: `icap://127.0.0.1:${service.port}/reqmod`, cpuMs: () => processTreeCpuMs(service.pid), stop: service.stop };
}

interface Live {
  config: Config;
  squid: Running;
  service: Running | null;
}

export const run: BenchSuite = async (ctx) => {
  const root = runRoot('tw-bench-icap-');
  const upstream = await startUpstream();
  const configs: Config[] = [{ name: 'squid alone', start: null }];
  if (existsSync(C_ICAP)) configs.push({ name: 'squid + c-icap echo', start: startCIcap });
  else ctx.log(`${C_ICAP} is missing (Debian package c-icap): the c-icap echo column is left out`);
  configs.push({ name: THIRDWATCH, start: startThirdwatch });
  const live: Live[] = [];
  const results = new Map<string, Map<string, Measured>>();
  try {
    for (const config of configs) {
      const dir = runDir(root, config.name.replace(/\W+/g, '-'));
      const service = config.start ? await config.start(runDir(dir, 'icap')) : null;
      live.push({ config, service, squid: await startSquid({ dir: runDir(dir, 'squid'), hosts: [HOST], icap: service?.url }) });
    }
    // Every configuration runs at once and they take turns, round after round, so a neighbour's load
    // on this shared machine falls on all of them alike instead of on whichever ran at that moment.
    const rounds = ctx.quick ? 1 : 3;
    for (const size of SIZES) {
      const body = cleanBody(size.bytes);
      const perConfig = live.map(() => ({ rps: [] as number[], cpu: [] as number[], squidCpu: [] as number[], samples: [] as number[], problems: [] as string[] }));
      for (const l of live) {
        await throughput(l.squid.port, upstream.port, body, 1);
        await settle(l.squid.port, upstream.port, body);
      }
      for (let round = 0; round < rounds; round++) {
        for (const [i, l] of live.entries()) {
          const cpuBefore = l.service?.cpuMs() ?? 0;
          const squidBefore = l.squid.cpuMs();
          const t = await throughput(l.squid.port, upstream.port, body, ctx.quick ? 2 : 4);
          await settle(l.squid.port, upstream.port, body);
          perConfig[i].rps.push(t.rps);
          // The settling request is work of this load too: counted with it.
          if (l.service) perConfig[i].cpu.push((l.service.cpuMs() - cpuBefore) / (t.requests + 1));
          perConfig[i].squidCpu.push((l.squid.cpuMs() - squidBefore) / (t.requests + 1));
          if (t.failures) perConfig[i].problems.push(t.failures);
          const count = Math.ceil((ctx.quick ? 60 : size.bytes > 100_000 ? 150 : 400) / rounds);
          const { samples, failed } = await latencies(l.squid.port, upstream.port, body, count);
          perConfig[i].samples.push(...samples);
          if (failed.length) perConfig[i].problems.push(`${failed.length} sequential requests failed (${[...new Set(failed)].join(', ')})`);
        }
      }
      for (const [i, l] of live.entries()) {
        const { rps, cpu, squidCpu, samples, problems } = perConfig[i];
        const m: Measured = { requestsPerSecond: percentile(rps, 50), cpuPerRequest: cpu.length ? percentile(cpu, 50) : null, squidCpuPerRequest: percentile(squidCpu, 50), median: percentile(samples, 50), p99: percentile(samples, 99), failures: problems.length ? problems.join('; ') : null };
        const cpuNote = `${m.cpuPerRequest === null ? '' : `, service CPU ${m.cpuPerRequest.toFixed(3)} ms/request (rounds ${cpu.map((c) => c.toFixed(3)).join(', ')})`}, Squid CPU ${m.squidCpuPerRequest.toFixed(3)} ms/request`;
        ctx.log(`${l.config.name}, ${size.label}: ${Math.round(m.requestsPerSecond)} req/s (rounds ${rps.map(Math.round).join(', ')})${cpuNote}, latency median ${m.median.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms${m.failures ? ` (${m.failures})` : ''}`);
        if (!results.has(l.config.name)) results.set(l.config.name, new Map());
        results.get(l.config.name)!.set(size.label, m);
      }
    }
  } finally {
    for (const l of live) {
      await l.squid.stop();
      await l.service?.stop();
    }
    await upstream.stop();
    rmSync(root, { recursive: true, force: true });
  }
  return rows(results);
};

function rows(results: Map<string, Map<string, Measured>>): BenchRow[] {
  const out: BenchRow[] = [];
  const alone = results.get('squid alone')!;
  const echo = results.get('squid + c-icap echo');
  for (const [name, bySize] of results) {
    for (const size of SIZES) {
      const m = bySize.get(size.label)!;
      const base = alone.get(size.label)!;
      const peer = name === THIRDWATCH ? echo?.get(size.label) : undefined;
      const cpu = `${m.cpuPerRequest === null ? '' : `, service CPU ${m.cpuPerRequest.toFixed(3)} ms per request`}, Squid CPU ${m.squidCpuPerRequest.toFixed(3)} ms per request`;
      const notes = `latency median ${m.median.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms${cpu}${m.failures ? `; ${m.failures}` : ''}`;
      out.push({
        suite: SUITE,
        name: `${name}, ${size.label} POST: throughput`,
        value: m.requestsPerSecond,
        unit: 'req/s',
        ...(peer ? { peer: { name: 'c-icap echo', value: peer.requestsPerSecond }, ratio: m.requestsPerSecond / peer.requestsPerSecond } : {}),
        notes,
      });
      if (name === 'squid alone') continue;
      out.push(
        { suite: SUITE, name: `${name}, ${size.label} POST: added latency median`, value: m.median - base.median, unit: 'ms', ...(peer ? { peer: { name: 'c-icap echo', value: peer.median - base.median } } : {}), notes: 'over Squid alone' },
        { suite: SUITE, name: `${name}, ${size.label} POST: added latency p99`, value: m.p99 - base.p99, unit: 'ms', ...(peer ? { peer: { name: 'c-icap echo', value: peer.p99 - base.p99 } } : {}), notes: 'over Squid alone' },
      );
    }
  }
  return out;
}
