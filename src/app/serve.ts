import type { Config } from './config.js';
import { buildHttp, createIcap, createWorker, openThirdwatch, SCHEDULES } from './thirdwatch.js';
import { createLogger } from '../platform/logger.js';

/**
 * `thirdwatch serve`: API + UI + worker in one process. Every replica of it is stateless: state
 * lives in the database, so several can run against one PostgreSQL.
 */
export async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const tw = await openThirdwatch(config, logger);
  const initialToken = await tw.services.access.bootstrapAdminToken();
  const { app } = await buildHttp(tw);
  const address = await app.listen({ port: config.port, host: config.host });
  const icap = createIcap(tw);
  const icapUrl = await icap.start();
  const worker = config.worker ? createWorker(tw) : null;
  if (worker) {
    await worker.registerSchedules(SCHEDULES);
    worker.start();
  }

  const url = address.replace('[::1]', 'localhost');
  // One write, so whoever reads the listening line also has the token that follows it.
  const lines = [`Thirdwatch ${config.dialect === 'sqlite' ? '(SQLite)' : '(PostgreSQL)'} listening on ${url}`, `ICAP service listening on ${icapUrl} (fails ${config.icapFail})`];
  if (initialToken) {
    const rule = '='.repeat(78);
    lines.push(
      '',
      rule,
      'First start: an admin API token was created. It is shown only this once; keep it safe.',
      '',
      `  ${initialToken}`,
      '',
      `Sign in at ${url} with this token, or use it as "Authorization: Bearer <token>".`,
      'To make another (e.g. after losing this one), run with the same data directory or database:',
      '  thirdwatch token create --name admin --role admin     (node bin/thirdwatch.js … in a checkout)',
      rule,
      '',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    await worker?.stop();
    await icap.close();
    await app.close();
    await tw.close();
    logger.flush();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
