import type { Executor } from '../../platform/db/schema.js';
import type { PiiPatternsTable } from './pii.tables.js';

export class PiiRepository {
  constructor(private readonly db: Executor) {}

  async patterns(): Promise<PiiPatternsTable[]> {
    return this.db.selectFrom('pii_patterns').selectAll().orderBy('position').execute();
  }

  /** Replaces the whole list (the caller's transaction makes it atomic). */
  async replacePatterns(rows: PiiPatternsTable[]): Promise<void> {
    await this.db.deleteFrom('pii_patterns').execute();
    if (rows.length) await this.db.insertInto('pii_patterns').values(rows).execute();
  }
}
