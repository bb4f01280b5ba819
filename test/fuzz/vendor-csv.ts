// The vendor CSV import runs against a real, migrated SQLite database; a dry run parses, checks and
// writes every row inside a transaction it then rolls back, so the database stays as it was.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/app/config.js';
import { openThirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { AppError } from '../../src/platform/errors.js';
import { createLogger } from '../../src/platform/logger.js';
import type { FuzzBytes } from './mutate.js';
import { type Session, expectOnly } from './target.js';

export async function openVendorCsv(): Promise<Session<FuzzBytes>> {
  const dir = mkdtempSync(join(tmpdir(), 'thirdwatch-fuzz-'));
  const config = loadConfig({ THIRDWATCH_DATABASE_URL: `sqlite://${join(dir, 'fuzz.db')}`, THIRDWATCH_DATA_DIR: dir, THIRDWATCH_LOG_LEVEL: 'silent' });
  const tw = await openThirdwatch(config, createLogger('silent'));
  const ctx = systemContext('fuzz');
  return {
    check: (input) => expectOnly(() => tw.services.vendorCsv.import(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'), true, ctx), AppError),
    async close() {
      await tw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
