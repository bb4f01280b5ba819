import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, type Database, type Dialect } from '../database.js';
import { migrateToLatest } from '../migrate.js';
import { migrations } from '../../../migrations/index.js';

export interface TestDatabase extends Database {
  url: string;
}

export interface EngineContext {
  engine: Dialect;
  /** A fresh, migrated database of this engine, dropped when the test file ends. */
  createDatabase(options?: { migrate?: boolean }): Promise<TestDatabase>;
}

const PG_URL = process.env.THIRDWATCH_TEST_DATABASE_URL;

/** The engines this run covers: SQLite always, PostgreSQL when THIRDWATCH_TEST_DATABASE_URL is set. */
export function supportedEngines(): Dialect[] {
  return PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** Declares the same suite once per supported engine (Backstage's TestDatabases idea). */
export function describeEachEngine(title: string, body: (ctx: EngineContext) => void): void {
  for (const engine of supportedEngines()) {
    describe(`${title} [${engine}]`, () => body({ engine, createDatabase: (o) => createTestDatabase(engine, o) }));
  }
}

const cleanups: Array<() => Promise<void>> = [];
// Registered when the test file imports this module, so it runs once, after every suite in the file.
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export async function createTestDatabase(engine: Dialect, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  const created = engine === 'sqlite' ? await createSqlite(migrate) : await createPostgres(migrate);
  cleanups.push(created.drop);
  return created.database;
}

async function createSqlite(migrate: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'thirdwatch-test-'));
  const path = join(dir, 'test.db');
  if (migrate) copyFileSync(await sqliteTemplate(), path);
  const url = `sqlite://${path}`;
  const database = openDatabase(url);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await database.close();
  };
  return {
    database: { ...database, url, close },
    drop: async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

let fingerprint: string | undefined;

/** Templates are keyed by the migrations' code, so an edited migration gets a fresh template; hashed once per process. */
function migrationsFingerprint(): string {
  if (fingerprint === undefined) {
    const source = Object.entries(migrations).map(([name, m]) => `${name}:${m.up.toString()}:${m.down?.toString() ?? ''}`);
    fingerprint = createHash('sha256').update(source.join('\n')).digest('hex').slice(0, 12);
  }
  return fingerprint;
}

/**
 * A migrated SQLite file per migration set, shared by the test files of a run (and later runs)
 * and copied per test database: migrating from scratch costs ~165 ms of CPU a database, a copy ~1 ms.
 * Built under a unique name and renamed into place, so a concurrent test file never sees half of one.
 */
async function sqliteTemplate(): Promise<string> {
  const template = join(tmpdir(), `thirdwatch-sqlite-tpl-${migrationsFingerprint()}.db`);
  if (existsSync(template)) return template;
  const building = mkdtempSync(join(tmpdir(), 'thirdwatch-tpl-'));
  try {
    const database = openDatabase(`sqlite://${join(building, 'migrating.db')}`);
    try {
      await migrateToLatest(database.db);
      // One self-contained file (the WAL folded in), written beside the template and renamed over it.
      await sql`VACUUM INTO ${join(building, 'template.db')}`.execute(database.db);
    } finally {
      await database.close();
    }
    renameSync(join(building, 'template.db'), template);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}

/** A migrated template per migration set, cloned per test database (30–70 ms a clone). */
async function ensureTemplate(admin: pg.Client): Promise<string> {
  const template = `thirdwatch_tpl_${migrationsFingerprint()}`;
  await admin.query('SELECT pg_advisory_lock(7301)');
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount) return template;
    const building = `${template}_building_${randomBytes(3).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${building}`);
    const database = openDatabase(withDatabaseName(PG_URL!, building));
    try {
      await migrateToLatest(database.db);
    } finally {
      await database.close();
    }
    await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    return template;
  } finally {
    await admin.query('SELECT pg_advisory_unlock(7301)');
  }
}

async function createPostgres(migrate: boolean) {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  const name = `thirdwatch_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  try {
    if (migrate) {
      const template = await ensureTemplate(admin);
      await cloneWithRetry(admin, name, template);
    } else {
      await admin.query(`CREATE DATABASE ${name}`);
    }
  } finally {
    await admin.end();
  }
  const url = withDatabaseName(PG_URL!, name);
  const database = openDatabase(url);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await database.close();
  };
  return {
    database: { ...database, url, close },
    drop: async () => {
      await close();
      const dropper = new pg.Client({ connectionString: PG_URL });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** Concurrent clones of one template can collide ("being accessed by other users"): retry briefly. */
async function cloneWithRetry(admin: pg.Client, name: string, template: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      return;
    } catch (error) {
      if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
}
