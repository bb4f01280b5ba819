// A Thirdwatch server in a process of its own for bench/suites/ingest.bench.ts, so that its peak
// resident set size is the server's alone. Prints one JSON line {url, token} once it listens.
import { Writable } from 'node:stream';
import { loadConfig } from '../src/app/config.js';
import { buildHttp, openThirdwatch } from '../src/app/thirdwatch.js';
import { systemContext } from '../src/platform/context.js';
import { createLogger } from '../src/platform/logger.js';

const config = loadConfig(process.env);
const tw = await openThirdwatch(config, createLogger('warn', new Writable({ write: (_c, _e, done) => done() })));
const { app } = await buildHttp(tw, { webRoot: '/nonexistent' });
const url = await app.listen({ port: 0, host: '127.0.0.1' });
const { token } = await tw.services.access.createToken({ name: 'bench', role: 'admin' }, systemContext('bench'));
process.stdout.write(`${JSON.stringify({ url, token })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => tw.close()).then(() => process.exit(0));
});
