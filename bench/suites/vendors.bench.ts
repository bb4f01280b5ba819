import { Writable } from 'node:stream';
import autocannon from 'autocannon';
import pg from 'pg';
import { loadConfig } from '../../src/app/config.js';
import { buildHttp, openThirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { createLogger } from '../../src/platform/logger.js';
import { benchEngines, percentile, type BenchEngine, type BenchRow, type BenchSuite } from '../lib.js';
import { startServe } from '../../test/support/processes.js';
import { tmpdir } from 'node:os';



function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

function csv(rows: number): string {
  const lines = ['name,domains,criticality,substitutability,data_categories,access_level,ships_software,auto_update,team'];
  const cats = ['personal', 'confidential', 'internal', 'payment', 'none'];
  const access = ['none', 'network', 'integrated', 'privileged'];
  for (let i = 0; i < rows; i++) {
    lines.push(`Bench Import ${i},vendor${i}.example,${(i % 4) + 1},${((i >> 2) % 4) + 1},${cats[i % 5]},${access[i % 4]},${i % 3 === 0 ? 'yes' : 'no'},${i % 6 === 0 ? 'yes' : 'no'},${['it', 'security', 'legal', 'privacy', 'compliance'][i % 5]}`);
  }
  return `${lines.join('\n')}\n`;
}

export const run: BenchSuite = async (ctx) => {
  const rows: BenchRow[] = [];
  const seconds = ctx.quick ? 2 : 8;
  for (const engine of await benchEngines(ctx, 'vendors')) {
    const config = loadConfig({ THIRDWATCH_DATABASE_URL: engine.url, THIRDWATCH_DATA_DIR: tmpdir(), THIRDWATCH_LOG_LEVEL: 'warn' });
    const logger = createLogger('warn', new Writable({ write: (_c, _e, done) => done() }));
    const tw = await openThirdwatch(config, logger);
    const { app } = await buildHttp(tw, { webRoot: '/nonexistent' });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const { token } = await tw.services.access.createToken({ name: 'bench', role: 'admin' }, systemContext('bench'));
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    try {
      let counter = 0;
      const create = await cannon({
        url: `${base}/api/v1/vendors`,
        connections: 10,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            headers,
            setupRequest: (req) => ({ ...req, body: JSON.stringify({ name: `Bench ${counter++}`, domains: [`b${counter}.example`], criticality: 3, dataCategories: ['personal'], accessLevel: 'network' }) }),
          },
        ],
      });
      rows.push(
        { suite: 'vendors', name: `create over HTTP (${engine.name}, 10 connections)`, value: create.requests.average, unit: 'req/s', notes: `${create.non2xx} non-2xx` },
        { suite: 'vendors', name: `create p50 latency (${engine.name})`, value: create.latency.p50, unit: 'ms' },
        { suite: 'vendors', name: `create p99 latency (${engine.name})`, value: create.latency.p99, unit: 'ms' },
      );
      const list = await cannon({ url: `${base}/api/v1/vendors?limit=50&sort=-riskScore`, connections: 10, duration: seconds, headers });
      rows.push(
        { suite: 'vendors', name: `list 50 of ${counter} (${engine.name}, 10 connections)`, value: list.requests.average, unit: 'req/s', notes: `${list.non2xx} non-2xx` },
        { suite: 'vendors', name: `list p50 latency (${engine.name})`, value: list.latency.p50, unit: 'ms' },
        { suite: 'vendors', name: `list p99 latency (${engine.name})`, value: list.latency.p99, unit: 'ms' },
      );
      const size = ctx.quick ? 2000 : 10_000;
      const body = csv(size);
      const started = performance.now();
      const res = await fetch(`${base}/api/v1/vendors/import?wait=true`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body });
      const elapsed = performance.now() - started;
      const report = (await res.json()) as { created: number; errors: unknown[] };
      if (report.created !== size) throw new Error(`import created ${report.created} of ${size}: ${JSON.stringify(report.errors).slice(0, 300)}`);
      rows.push(
        { suite: 'vendors', name: `CSV import of ${size.toLocaleString('en-US')} vendors (${engine.name})`, value: elapsed / 1000, unit: 's', notes: `${Math.round(size / (elapsed / 1000))} rows/s, all-or-nothing; target < 3 s for 10,000` },
      );

      // The service while a large import runs in the same process: /healthz and a vendor create,
      // one of each every 50 ms, from the import's start to its end.
      const large = ctx.quick ? 20_000 : 100_000;
      const during = { healthz: [] as number[], create: [] as number[] };
      let importing = true;
      const failed = { healthz: 0, create: 0 };
      const probe = async (kind: 'healthz' | 'create', i: number) => {
        const t = performance.now();
        try {
          const r = kind === 'healthz'
            ? await fetch(`${base}/healthz`)
            : await fetch(`${base}/api/v1/vendors`, { method: 'POST', headers, body: JSON.stringify({ name: `During Import ${engine.name} ${i}`, criticality: 2 }) });
          await r.arrayBuffer();
          if (r.status >= 300) failed[kind]++;
          else during[kind].push(performance.now() - t);
        } catch {
          // A reset connection is a probe the service did not answer: counted, not fatal.
          failed[kind]++;
        }
      };
      const probes = (async () => {
        for (let i = 0; importing; i++) {
          await Promise.all([probe('healthz', i), probe('create', i)]);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const largeStarted = performance.now();
      const big = await fetch(`${base}/api/v1/vendors/import?wait=true`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body: csv(large).replaceAll('Bench Import', 'Bench Large Import') });
      const largeElapsed = performance.now() - largeStarted;
      importing = false;
      await probes;
      const bigReport = (await big.json()) as { created: number; errors: unknown[] };
      if (bigReport.created !== large) throw new Error(`large import created ${bigReport.created} of ${large}: ${JSON.stringify(bigReport.errors).slice(0, 300)}`);
      const label = `during a ${large.toLocaleString('en-US')}-row import (${engine.name})`;
      const max = (xs: number[]) => Math.max(...xs);
      rows.push(
        { suite: 'vendors', name: `CSV import of ${large.toLocaleString('en-US')} vendors (${engine.name})`, value: largeElapsed / 1000, unit: 's', notes: `${Math.round(large / (largeElapsed / 1000))} rows/s, with probes` },
        { suite: 'vendors', name: `/healthz max ${label}`, value: max(during.healthz), unit: 'ms', notes: `${during.healthz.length} answered, ${failed.healthz} failed; target < 200 ms` },
        { suite: 'vendors', name: `/healthz p99 ${label}`, value: percentile(during.healthz, 99), unit: 'ms' },
        { suite: 'vendors', name: `vendor create max ${label}`, value: max(during.create), unit: 'ms', notes: `${during.create.length} answered, ${failed.create} failed; target < 200 ms` },
        { suite: 'vendors', name: `vendor create p99 ${label}`, value: percentile(during.create, 99), unit: 'ms' },
      );
    } finally {
      await app.close();
      await tw.close();
      await engine.drop();
    }
  }
  for (const engine of await benchEngines(ctx, 'vendors50')) {
    try {
      rows.push(...(await fiftyConnections(ctx, engine)));
    } finally {
      await engine.drop();
    }
  }
  return rows;
};

/**
 * The API at 50 connections against `thirdwatch serve` in its own process (worker included, as
 * deployed), so the load generator does not share the server's event loop. After the creates the
 * audit trail must verify.
 */
async function fiftyConnections(ctx: Parameters<BenchSuite>[0], engine: BenchEngine): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const seconds = ctx.quick ? 3 : 10;
  const server = await startServe({ THIRDWATCH_DATABASE_URL: engine.url, THIRDWATCH_DATA_DIR: tmpdir(), THIRDWATCH_LOG_LEVEL: 'warn' });
  try {
    const headers = { authorization: `Bearer ${server.initialToken}`, 'content-type': 'application/json' };
    let counter = 0;
    const waits = engine.name === 'postgres' ? sampleLockWaits(engine.url) : null;
    const create = await cannon({
      url: `${server.url}/api/v1/vendors`,
      connections: 50,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          headers,
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ name: `Load ${counter++}`, domains: [`l${counter}.example`], criticality: 3, dataCategories: ['personal'], accessLevel: 'network' }) }),
        },
      ],
    });
    const lockWaits = await waits?.stop();
    const verify = (await (await fetch(`${server.url}/api/v1/audit/verify`, { headers })).json()) as { ok: boolean; checked: number; unsealed?: { count: number } };
    rows.push(
      {
        suite: 'vendors',
        name: `create over HTTP (${engine.name}, 50 connections)`,
        value: create.requests.average,
        unit: 'req/s',
        notes: `${create.non2xx} non-2xx, ${create['2xx']} created; audit verify ${verify.ok ? 'ok' : 'BROKEN'}: ${verify.checked} events checked, ${verify.unsealed?.count ?? 0} unsealed`,
      },
      { suite: 'vendors', name: `create p50 latency (${engine.name}, 50 connections)`, value: create.latency.p50, unit: 'ms' },
      { suite: 'vendors', name: `create p99 latency (${engine.name}, 50 connections)`, value: create.latency.p99, unit: 'ms' },
    );
    if (lockWaits) {
      rows.push({ suite: 'vendors', name: 'creates: server connections waiting on a lock (postgres, 50 connections)', value: lockWaits.waiting, unit: 'mean', notes: `of ${lockWaits.active.toFixed(2)} active on average, ${lockWaits.samples} samples` });
    }
    if (!verify.ok) throw new Error(`audit chain broken after the create load: ${JSON.stringify(verify)}`);
    for (const [label, path] of [
      ['list 50 by risk', '/api/v1/vendors?limit=50&sort=-riskScore'],
      ['search 50 by name', '/api/v1/vendors?limit=50&sort=name&q=load%201'],
    ] as const) {
      const read = await cannon({ url: `${server.url}${path}`, connections: 50, duration: seconds, headers });
      rows.push(
        { suite: 'vendors', name: `${label} of ${counter} (${engine.name}, 50 connections)`, value: read.requests.average, unit: 'req/s', notes: `${read.non2xx} non-2xx` },
        { suite: 'vendors', name: `${label} p50 latency (${engine.name}, 50 connections)`, value: read.latency.p50, unit: 'ms' },
        { suite: 'vendors', name: `${label} p99 latency (${engine.name}, 50 connections)`, value: read.latency.p99, unit: 'ms' },
      );
    }
  } finally {
    await server.stop();
  }
  return rows;
}

/** Samples pg_stat_activity for the bench database: how many of its connections wait on a lock. */
function sampleLockWaits(url: string) {
  const client = new pg.Client({ connectionString: url });
  const database = new URL(url).pathname.slice(1);
  let waiting = 0;
  let active = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ waiting: number; active: number }>(
        `SELECT count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS waiting, count(*) FILTER (WHERE state = 'active')::int AS active
         FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [database],
      );
      waiting += rows[0].waiting;
      active += rows[0].active;
      samples++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { waiting: waiting / Math.max(samples, 1), active: active / Math.max(samples, 1), samples };
    },
  };
}
