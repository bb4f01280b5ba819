import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import type { Config } from './config.js';
import { buildHttp, createIcap, createWorker, openThirdwatch, SCHEDULES } from './thirdwatch.js';
import { createLogger } from '../platform/logger.js';

/**
 * `thirdwatch serve`: API + UI + ICAP + worker. Every server process is stateless: state lives in
 * the database, so several can run against one database — replicas on PostgreSQL, or the
 * `processes` of one `serve` (node:cluster), which share its ports on either engine.
 */
export async function serve(config: Config): Promise<void> {
  if (config.processes > 1 && cluster.isPrimary) return superviseProcesses(config);
  const index = cluster.isWorker ? Number(process.env.THIRDWATCH_PROCESS_INDEX) : 0;
  // One process of a cluster runs the background jobs: the others would only contend for them.
  const worker = config.worker && index === 0;
  const logger = createLogger(config.logLevel).child(cluster.isWorker ? { process: index } : {});
  // A cluster's primary migrated the database before forking.
  const tw = await openThirdwatch(config, logger, { migrate: !cluster.isWorker });
  // A cluster's primary made the first token before forking, so a worker finds one already.
  const initialToken = cluster.isWorker ? null : await tw.services.access.bootstrapAdminToken();
  const { app } = await buildHttp(tw);
  const address = await app.listen({ port: config.port, host: config.host });
  const icap = createIcap(tw);
  const icapUrl = await icap.start();
  const jobs = worker ? createWorker(tw) : null;
  if (jobs) {
    await jobs.registerSchedules(SCHEDULES);
    jobs.start();
  }

  const url = address.replace('[::1]', 'localhost');
  const listening = { url, icapUrl };
  if (cluster.isWorker) process.send!(listening);
  else announce(config, listening, initialToken);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    await jobs?.stop();
    await icap.close();
    await app.close();
    await tw.close();
    logger.flush();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

interface Listening {
  url: string;
  icapUrl: string;
}

/** One write, so whoever reads the listening line also has the token that follows it. */
function announce(config: Config, { url, icapUrl }: Listening, initialToken: string | null): void {
  const processes = config.processes > 1 ? `, ${config.processes} processes` : '';
  const lines = [
    `Thirdwatch ${config.dialect === 'sqlite' ? '(SQLite' : '(PostgreSQL'}${processes}) listening on ${url}`,
    `ICAP service listening on ${icapUrl} (fails ${config.icapFail})`,
  ];
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
}

/** More replacements than this within a minute: the processes cannot stay up, and the primary gives up. */
const MAX_REPLACEMENTS_PER_MINUTE = 5;

/**
 * The primary of a multi-process `serve`: migrates and makes the first token once, then forks the
 * server processes, which share the HTTP and ICAP ports (the primary hands each new connection to
 * one of them in turn). It announces the server once all are listening, replaces a process that
 * dies, and on SIGINT/SIGTERM stops them all and waits for them. A process that fails before it
 * listens (a port in use, a bad database) stops the whole server with an error.
 */
async function superviseProcesses(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel).child({ role: 'primary' });
  const tw = await openThirdwatch(config, logger);
  const initialToken = await tw.services.access.bootstrapAdminToken();
  await tw.close();

  let closing = false;
  let listening = 0;
  const replacements: number[] = [];
  const fork = (index: number): void => {
    let ready = false;
    const child: ClusterWorker = cluster.fork({ THIRDWATCH_PROCESS_INDEX: String(index) });
    child.on('message', (message: Listening) => {
      ready = true;
      // The first time every process listens; a replacement is not announced again.
      if (++listening === config.processes) announce(config, message, initialToken);
    });
    child.on('exit', (code, signal) => {
      if (closing) return;
      const now = Date.now();
      replacements.push(now);
      while (replacements[0] < now - 60_000) replacements.shift();
      if (!ready || replacements.length > MAX_REPLACEMENTS_PER_MINUTE) {
        logger.fatal({ process: index, code, signal }, ready ? 'server processes keep dying; stopping' : 'a server process failed to start');
        void stopAll(1);
        return;
      }
      logger.error({ process: index, code, signal }, 'a server process died; starting another');
      fork(index);
    });
  };

  const stopAll = async (exitCode: number) => {
    closing = true;
    const children = Object.values(cluster.workers ?? {}).filter((w): w is ClusterWorker => !!w && !w.isDead());
    await Promise.all(children.map((w) => new Promise((resolve) => {
      w.once('exit', resolve);
      w.process.kill('SIGTERM');
    })));
    logger.flush();
    process.exit(exitCode);
  };
  for (let index = 0; index < config.processes; index++) fork(index);
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
}
