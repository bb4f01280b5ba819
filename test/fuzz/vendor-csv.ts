// The vendor CSV import runs against a real, migrated SQLite database, as the job it is in the
// product (run in this process); a dry run parses and checks every row and writes no vendor.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/app/config.js';
import { openThirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { AppError } from '../../src/platform/errors.js';
import { resultOf } from '../../src/platform/jobs/launcher.js';
import { createLogger } from '../../src/platform/logger.js';
import type { FuzzBytes } from './mutate.js';
import { type Session, expectOnly } from './target.js';

export async function openVendorCsv(): Promise<Session<FuzzBytes>> {
  const dir = mkdtempSync(join(tmpdir(), 'thirdwatch-fuzz-'));
  const config = loadConfig({ THIRDWATCH_DATABASE_URL: `sqlite://${join(dir, 'fuzz.db')}`, THIRDWATCH_DATA_DIR: dir, THIRDWATCH_LOG_LEVEL: 'silent' });
  const tw = await openThirdwatch(config, createLogger('silent'));
  const ctx = systemContext('fuzz');
  return {
    check: (input) =>
      expectOnly(async () => resultOf(await tw.services.vendorCsv.startImport(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'), { dryRun: true, wait: true }, ctx, tw.launcher)), AppError),
    async close() {
      await tw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
