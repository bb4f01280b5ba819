import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
} from 'kysely';
import { sqlitePath } from '../../app/config.js';
import { validationError } from '../errors.js';
import { unstorableReason } from '../text.js';
import type { DB } from './schema.js';
import { SQLITE_BUSY_TIMEOUT_MS, SqliteReadWriteDriver } from './sqlite-driver.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Called with every statement sent to the engine, BEGIN and COMMIT included: one call, one round trip. */
  onQuery?: (sql: string) => void;
}

class ReadWriteSqliteDialect extends SqliteDialect {
  constructor(
    private readonly writer: SQLite.Database,
    private readonly reader: SQLite.Database | null,
    private readonly options: DatabaseOptions,
  ) {
    super({ database: writer });
  }
  override createDriver(): Driver {
    return guardText(new SqliteReadWriteDriver(this.writer, this.reader), this.options);
  }
}

class GuardedPostgresDialect extends PostgresDialect {
  constructor(
    config: ConstructorParameters<typeof PostgresDialect>[0],
    private readonly options: DatabaseOptions,
  ) {
    super(config);
  }
  override createDriver(): Driver {
    return guardText(super.createDriver(), this.options);
  }
}

/**
 * The last line behind the HTTP edge checks (and the only one for the CLI and archive entries): a
 * string parameter that neither engine stores as written (U+0000: PostgreSQL refuses it with its
 * own message, SQLite keeps it; an unpaired surrogate: both store U+FFFD) is refused before either
 * engine sees it, with one message, so both engines behave alike and no database text leaks out.
 */
function guardText(driver: Driver, options: DatabaseOptions): Driver {
  const guardConnection = (connection: DatabaseConnection): DatabaseConnection =>
    new Proxy(connection, {
      get(target, property) {
        if (property === 'executeQuery' || property === 'streamQuery') {
          return (query: CompiledQuery, ...rest: unknown[]) => {
            checkParameters(query.parameters);
            options.onQuery?.(query.sql);
            return (target[property] as (...args: unknown[]) => unknown).call(target, query, ...rest);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return new Proxy(driver, {
    get(target, property) {
      if (property === 'acquireConnection') return async () => guardConnection(await target.acquireConnection());
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const storedParameters = new WeakSet<readonly unknown[]>();

/**
 * Marks a statement's parameters as text taken from rows already stored, or JSON made from such
 * text (JSON.stringify escapes U+0000 and unpaired surrogates): it passed this guard when it was
 * first written, so the guard does not scan it again (new findings: ~20,000 rows of it per upload).
 */
export function storedTextParameters<T extends unknown[]>(parameters: T): T {
  storedParameters.add(parameters);
  return parameters;
}

function checkParameters(parameters: readonly unknown[]): void {
  if (storedParameters.has(parameters)) return;
  for (const value of parameters) {
    if (typeof value === 'string') checkText(value);
    // Bulk writes on PostgreSQL bind a column of values as one array parameter (unnest).
    else if (Array.isArray(value)) for (const item of value) if (typeof item === 'string') checkText(item);
  }
}

/** One scan of each string for both cases; only the rare string holding either is looked at closely. */
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000\ud800-\udfff]/;

function checkText(value: string): void {
  if (!SUSPECT.test(value)) return;
  const reason = unstorableReason(value);
  if (reason) throw validationError(`a text value ${reason}`, [{ field: '/', reason }]);
}

export function openDatabase(url: string, options: DatabaseOptions = {}): Database {
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options);
  return openSqlite(sqlitePath(url), options);
}

function openSqlite(path: string, options: DatabaseOptions): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SQLite(path, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  sqlite.pragma('journal_mode = WAL');
  // NORMAL keeps every committed transaction across a process kill (the WAL is in the OS page
  // cache); FULL would only add protection against power loss at a large write cost.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // From here on the driver waits for other processes' locks without holding the thread.
  sqlite.pragma('busy_timeout = 0');
  const checkpointer = path === ':memory:' ? null : startCheckpointer(sqlite, path);
  const reader = path === ':memory:' ? null : openReader(path);
  const db = new Kysely<DB>({ dialect: new ReadWriteSqliteDialect(withStatementCache(sqlite), reader && withStatementCache(reader), options) });
  return {
    db,
    dialect: 'sqlite',
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/** The connection reads outside transactions run on (see SqliteReadWriteDriver): it refuses to write. */
function openReader(path: string): SQLite.Database {
  const reader = new SQLite(path, { timeout: 0 });
  reader.pragma('query_only = ON');
  return reader;
}

/** WAL pages after which a commit on the main connection checkpoints itself (SQLite's default is 1,000). */
const FALLBACK_AUTOCHECKPOINT_PAGES = 16_000;
const CHECKPOINT_EVERY_MS = 250;

/**
 * Checkpoints (copying the WAL back into the database file, with an fsync) run on a connection of
 * their own in a worker thread. SQLite otherwise runs one inside whichever commit crosses 1,000 WAL
 * pages: during a large upload that is a commit every few statements, each then holding the event
 * loop (and the write lock) for the copy. A PASSIVE checkpoint takes no write lock, so writers go
 * on meanwhile. Should the thread stop or fall far behind, commits checkpoint themselves again.
 */
function startCheckpointer(sqlite: SQLite.Database, path: string): { stop(): Promise<void> } {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const Database = require(workerData.module);
    const db = new Database(workerData.path, { timeout: workerData.busyMs });
    const timer = setInterval(() => {
      try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
    }, workerData.everyMs);
    parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });`;
  const worker = new Worker(code, {
    eval: true,
    workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), path, busyMs: SQLITE_BUSY_TIMEOUT_MS, everyMs: CHECKPOINT_EVERY_MS },
  });
  worker.unref();
  sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  let stopped = false;
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      if (!stopped && sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
      resolve();
    }),
  );
  // An error ends the thread: the exit handler above puts checkpoints back into commits.
  worker.on('error', () => undefined);
  return {
    stop: async () => {
      stopped = true;
      // Held until it has closed its connection, so that closing waits for it.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}

type Row = Record<string, unknown>;

/**
 * A reading statement whose rows come back as objects of one fixed shape. better-sqlite3 adds a
 * row's columns to a new object one by one, and past a couple of dozen V8 keeps such an object as
 * a hash table: a findings or vendors page (35-40 columns) cost twice the CPU to fetch (51 findings:
 * 1.0 ms against 0.5 ms), and every later read of those rows (mapping, serialising) is a hash
 * lookup. Here SQLite returns each row as an array and a function compiled once per statement
 * builds the object, with its columns in order (a repeated name keeps the last value, as before).
 */
function withShapedRows(statement: SQLite.Statement): SQLite.Statement {
  if (!statement.reader) return statement;
  let shape: { width: number; build: (values: unknown[]) => Row } | null = null;
  const build = (values: unknown[]): Row => {
    // A schema change re-prepares the statement underneath (`select *` may gain a column).
    if (!shape || shape.width !== values.length) shape = compileShape(statement.columns().map((c) => c.name));
    return shape.build(values);
  };
  statement.raw(true);
  const rows = {
    reader: true,
    readonly: statement.readonly,
    all: (...params: unknown[]) => (statement.all(...params) as unknown[][]).map(build),
    *iterate(...params: unknown[]) {
      for (const values of statement.iterate(...params) as IterableIterator<unknown[]>) yield build(values);
    },
    get: (...params: unknown[]) => {
      const values = statement.get(...params) as unknown[] | undefined;
      return values && build(values);
    },
    run: (...params: unknown[]) => statement.run(...params),
    columns: () => statement.columns(),
    source: statement.source,
  };
  return rows as unknown as SQLite.Statement;
}

function compileShape(names: string[]): { width: number; build: (values: unknown[]) => Row } {
  // "__proto__" written as a literal key would set the prototype instead of a property.
  if (names.includes('__proto__')) return { width: names.length, build: (values) => Object.fromEntries(names.map((name, i) => [name, values[i]])) };
  const build = new Function('v', `return { ${names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ')} };`) as (values: unknown[]) => Row;
  return { width: names.length, build };
}

/** SQL longer than this is a multi-row bulk statement (hundreds of rows of parameters). */
const BULK_SQL_CHARS = 8_000;
/** Bulk statements kept prepared, least recently used first out. */
const BULK_STATEMENTS = 48;

/**
 * Kysely prepares every query afresh; with better-sqlite3 preparing costs more than running a
 * small query. Queries are built from a bounded set of shapes, so caching statements by SQL text
 * keeps the cache small while removing that cost from every request. Bulk statements are kept
 * apart, in a small cache of their own: a prepared 500-row insert holds about a megabyte of the
 * engine's memory, and their last batch of each write has a row count of its own, so 2,000 of
 * them (one per remainder ever written) would make gigabytes. The full-size ones, used for every
 * batch, stay; a remainder is prepared again when it comes back after being let go (~1-3 ms).
 */
function withStatementCache(sqlite: SQLite.Database, limit = 2000): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const bulk = new Map<string, SQLite.Statement>();
  const prepare = (source: string) => withShapedRows(sqlite.prepare(source));
  const bulkStatement = (source: string) => {
    let statement = bulk.get(source);
    if (statement) bulk.delete(source);
    else {
      if (bulk.size >= BULK_STATEMENTS) bulk.delete(bulk.keys().next().value!);
      statement = prepare(source);
    }
    // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
    bulk.set(source, statement);
    return statement;
  };
  return new Proxy(sqlite, {
    get(target, property) {
      if (property === 'prepare') {
        return (source: string) => {
          if (source.length > BULK_SQL_CHARS) return bulkStatement(source);
          let statement = cache.get(source);
          if (!statement) {
            if (cache.size >= limit) cache.clear();
            statement = prepare(source);
            cache.set(source, statement);
          }
          return statement;
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function openPostgres(url: string, options: DatabaseOptions): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // A replica must survive a dropped idle connection rather than crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new GuardedPostgresDialect({ pool }, options) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

export function isPostgres(db: { getExecutor(): { adapter: unknown } }): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** A unique-constraint failure on either engine (a race another check could not prevent). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A foreign-key failure on either engine (a referenced row deleted after it was checked). */
export function isForeignKeyViolation(error: unknown): boolean {
  const e = error as { code?: string };
  return e?.code === '23503' || e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
