import { Migrator, type Kysely, type MigrationResult } from 'kysely';
import { migrations } from '../../migrations/index.js';

export interface MigrationReport {
  applied: string[];
}

/** Applies pending migrations. Kysely's migrator locks (advisory lock on PostgreSQL), so replicas may race safely. */
export async function migrateToLatest(db: Kysely<any>, upTo?: string): Promise<MigrationReport> {
  // Numbers are handed out to work landing in parallel, so a database may have a later number
  // applied before an earlier one lands; each migration owns its own tables, so order among them is free.
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true });
  const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  const applied = (results ?? []).filter((r: MigrationResult) => r.status === 'Success').map((r) => r.migrationName);
  if (error) {
    const failed = (results ?? []).find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? String(error)}`);
  }
  return { applied };
}
