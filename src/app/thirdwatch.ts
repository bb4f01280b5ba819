import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { openDatabase, type Database } from '../platform/db/database.js';
import { migrateToLatest } from '../platform/db/migrate.js';
import { systemContext } from '../platform/context.js';
import { createHttpServer, type App, type RouteInfo } from '../platform/http/server.js';
import { JobQueue } from '../platform/jobs/queue.js';
import { Worker, type ScheduleDefinition } from '../platform/jobs/worker.js';
import { AccessService } from '../modules/access/access.service.js';
import { accessRoutes } from '../modules/access/access.routes.js';
import { AuditService } from '../modules/audit/audit.service.js';
import { auditRoutes } from '../modules/audit/audit.routes.js';
import { systemRoutes } from '../modules/system/system.routes.js';
import { VendorService } from '../modules/vendors/vendors.service.js';
import { VendorCsv } from '../modules/vendors/vendors-csv.js';
import { vendorRoutes } from '../modules/vendors/vendors.routes.js';
import type { Config } from './config.js';
import { VERSION } from './version.js';

export const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Recurring work every deployment runs (each fires once across all replicas). */
export const SCHEDULES: ScheduleDefinition[] = [{ name: 'vendor-review-check', cron: '0 * * * *', jobKind: 'vendors.flag-overdue-reviews' }];

export interface Services {
  access: AccessService;
  audit: AuditService;
  vendors: VendorService;
  vendorCsv: VendorCsv;
  jobs: JobQueue;
}

export interface Thirdwatch {
  config: Config;
  database: Database;
  services: Services;
  logger: Logger;
  close(): Promise<void>;
}

/** Opens storage, applies migrations and wires services: everything a command or a server needs. */
export async function openThirdwatch(config: Config, logger: Logger, options: { migrate?: boolean } = {}): Promise<Thirdwatch> {
  const database = openDatabase(config.databaseUrl);
  try {
    if (options.migrate ?? true) {
      const { applied } = await migrateToLatest(database.db);
      if (applied.length) logger.info({ applied }, 'migrations applied');
    }
  } catch (error) {
    await database.close();
    throw error;
  }
  const jobs = new JobQueue(database.db);
  const vendors = new VendorService(database.db, jobs);
  const services: Services = {
    access: new AccessService(database.db, config),
    audit: new AuditService(database.db),
    vendors,
    vendorCsv: new VendorCsv(database.db, vendors),
    jobs,
  };
  return { config, database, services, logger, close: () => database.close() };
}

export function createWorker(tw: Thirdwatch, options: { pollMs?: number } = {}): Worker {
  const { vendors } = tw.services;
  return new Worker(tw.services.jobs, tw.logger.child({ role: 'worker' }), options)
    .handle('vendors.flag-overdue-reviews', () => vendors.flagOverdueReviews(systemContext('review scheduler')))
    .handle('vendors.rescore', async () => ({ rescored: await vendors.rescoreAll() }));
}

export async function buildHttp(tw: Thirdwatch, options: { webRoot?: string } = {}): Promise<{ app: App; routes: RouteInfo[] }> {
  const { services, config } = tw;
  const { app, routes } = await createHttpServer({
    config,
    logger: tw.logger,
    authenticator: services.access,
    webRoot: options.webRoot ?? WEB_ROOT,
    version: VERSION,
  });
  systemRoutes(app, { db: tw.database.db, dialect: tw.database.dialect, version: VERSION, jobs: services.jobs, vendors: services.vendors, audit: services.audit });
  accessRoutes(app, services.access, { secureCookies: config.secureCookies });
  vendorRoutes(app, services.vendors, services.vendorCsv);
  auditRoutes(app, services.audit, services.vendors);
  await app.ready();
  return { app, routes };
}
