// Thirdwatch's ICAP service as its own process for test/icap/icap-process.ts: Thirdwatch opened on
// the database THIRDWATCH_DATABASE_URL names (migrated, default policy) and the ICAP runtime wired as
// `thirdwatch icap` wires it (createIcap), on a free port. Prints the service URL once listening.
import { loadConfig } from '../../src/app/config.js';
import { createIcap, openThirdwatch } from '../../src/app/thirdwatch.js';
import { createLogger } from '../../src/platform/logger.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const tw = await openThirdwatch(config, logger);
const runtime = createIcap(tw, { port: 0 });
console.log(`ICAP service listening on ${await runtime.start()}`);
process.on('SIGTERM', () => void runtime.close().then(() => tw.close()).then(() => process.exit(0)));
