// Thirdwatch's ICAP service as its own process for test/icap/icap-process.ts: Thirdwatch opened on
// the database THIRDWATCH_DATABASE_URL names (migrated, default policy) and the ICAP runtime wired to
// its services as the app wires it — policy store, attribution, the PII service, egress ingestion.
// Prints the service URL once listening.
import { loadConfig } from '../../src/app/config.js';
import { openThirdwatch } from '../../src/app/thirdwatch.js';
import { IcapRuntime } from '../../src/modules/icap/icap.runtime.js';
import { createLogger } from '../../src/platform/logger.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const tw = await openThirdwatch(config, logger);
const { services } = tw;
const runtime = new IcapRuntime(
  { db: tw.database.db, policies: services.icapPolicies, attribution: services.attribution, scanBody: (b, h) => services.pii.scanBody(b, h), ingest: (e, ctx) => services.egressIngest.ingest(e, ctx), failMode: config.icapFail, logger },
  { port: 0, scanBytes: config.piiMaxScanBytes },
);
services.icap.useRuntime(runtime);
console.log(`ICAP service listening on ${await runtime.start()}`);
process.on('SIGTERM', () => void runtime.close().then(() => tw.close()).then(() => process.exit(0)));
