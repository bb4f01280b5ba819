import { Writable } from 'node:stream';
import autocannon from 'autocannon';
import { loadConfig } from '../../src/app/config.js';
import { buildHttp, openThirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { createLogger } from '../../src/platform/logger.js';
import { benchEngines, type BenchRow, type BenchSuite } from '../lib.js';
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
      const res = await fetch(`${base}/api/v1/vendors/import`, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body });
      const elapsed = performance.now() - started;
      const report = (await res.json()) as { created: number; errors: unknown[] };
      if (report.created !== size) throw new Error(`import created ${report.created} of ${size}: ${JSON.stringify(report.errors).slice(0, 300)}`);
      rows.push(
        { suite: 'vendors', name: `CSV import of ${size.toLocaleString('en-US')} vendors (${engine.name})`, value: elapsed / 1000, unit: 's', notes: `${Math.round(size / (elapsed / 1000))} rows/s, all-or-nothing` },
      );
    } finally {
      await app.close();
      await tw.close();
      await engine.drop();
    }
  }
  return rows;
};
