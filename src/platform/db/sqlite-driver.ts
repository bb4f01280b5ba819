import type SQLite from 'better-sqlite3';
import { CompiledQuery, RawNode, SelectQueryNode, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';

/** How long a SQLite writer waits for another process (CLI beside a server, a sibling server process) to finish its write. */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;
/** Longest pause between two attempts at a lock another process holds. */
const SQLITE_BUSY_MAX_PAUSE_MS = 8;

/**
 * Kysely's SQLite driver shares one connection behind a mutex, so every query, a read included,
 * waits for whichever transaction is open, and a transaction stays open across the awaits between
 * its statements (other requests' work runs in those gaps, then finds the connection taken). Here
 * writes and transactions still take turns on the writing connection, but a read outside a
 * transaction runs at once on a second, read-only connection, which sees the last committed state
 * (WAL), as a read on another PostgreSQL connection would.
 *
 * Transactions start with BEGIN IMMEDIATE: a deferred one that reads and then writes can fail with
 * SQLITE_BUSY at once when another process writes meanwhile; an immediate one takes the write lock
 * up front. Waiting for another process's lock happens between attempts on timers, not in SQLite's
 * busy handler, which sleeps in the calling thread: a server process whose sibling holds the lock
 * for 20 ms would stop answering anything for 20-50 ms. A statement is tried again only outside a
 * transaction (BEGIN IMMEDIATE itself, or one autocommit statement), where SQLITE_BUSY means it
 * did nothing.
 */
export class SqliteReadWriteDriver implements Driver {
  private readonly turns = new Turns();

  /** `reader` is null for an in-memory database, which a second connection would not share. */
  constructor(
    private readonly writer: SQLite.Database,
    private readonly reader: SQLite.Database | null,
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new Lease(this.writer, this.reader, this.turns);
  }

  // `connection` may be a wrapper of the lease (see guardText): BEGIN and COMMIT go through it too.
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as Lease).begin(connection);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as Lease).end(connection, 'commit');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as Lease).end(connection, 'rollback');
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as Lease).release();
  }

  async destroy(): Promise<void> {
    this.reader?.close();
    this.writer.close();
  }
}

/** What one acquireConnection gave out: a single query, or a whole transaction. */
class Lease implements DatabaseConnection {
  private holding = false;

  constructor(
    private readonly writer: SQLite.Database,
    private readonly reader: SQLite.Database | null,
    private readonly turns: Turns,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.holding) return run<R>(this.writer, query);
    if (this.reader && mayRead(query)) {
      const statement = this.reader.prepare(query.sql);
      // SQLite's own verdict: a SELECT calling nothing that writes, a WITH that ends in a SELECT.
      if (statement.readonly) return retryWhileBusy(() => runStatement<R>(statement, query));
    }
    await this.turns.take();
    try {
      return await retryWhileBusy(() => run<R>(this.writer, query));
    } finally {
      this.turns.pass();
    }
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    // An open iterator keeps its connection busy for anything else: the stream takes the writer's turn.
    const mine = !this.holding;
    if (mine) await this.turns.take();
    try {
      const statement = this.writer.prepare(query.sql);
      for (const row of statement.iterate(query.parameters as unknown[])) yield { rows: [row as R] };
    } finally {
      if (mine) this.turns.pass();
    }
  }

  async begin(through: DatabaseConnection): Promise<void> {
    await this.turns.take();
    this.holding = true;
    try {
      await retryWhileBusy(() => through.executeQuery(CompiledQuery.raw('begin immediate')));
    } catch (error) {
      this.release();
      throw error;
    }
  }

  async end(through: DatabaseConnection, command: 'commit' | 'rollback'): Promise<void> {
    try {
      // A rollback after SQLite already ended the transaction (it does on some errors) would only hide the error.
      if (command === 'commit' || this.writer.inTransaction) await through.executeQuery(CompiledQuery.raw(command));
    } finally {
      // A failed COMMIT leaves the transaction open for the ROLLBACK Kysely sends next.
      if (!this.writer.inTransaction) this.release();
    }
  }

  release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.turns.pass();
  }
}

/** Worth asking the reading connection: statements that may read only (SQLite decides, once prepared). */
function mayRead(query: CompiledQuery): boolean {
  return SelectQueryNode.is(query.query) || (RawNode.is(query.query) && /^\s*(select|with)\b/i.test(query.sql));
}

function run<R>(sqlite: SQLite.Database, query: CompiledQuery): QueryResult<R> {
  return runStatement<R>(sqlite.prepare(query.sql), query);
}

function runStatement<R>(statement: SQLite.Statement, query: CompiledQuery): QueryResult<R> {
  const parameters = query.parameters as unknown[];
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

async function retryWhileBusy<T>(attempt: () => T | Promise<T>): Promise<T> {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (let pause = 1; ; pause = Math.min(pause * 2, SQLITE_BUSY_MAX_PAUSE_MS)) {
    try {
      return await attempt();
    } catch (error) {
      const busy = String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY');
      if (!busy || Date.now() + pause > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** The writing connection's turns, first come first served. */
class Turns {
  private busy = false;
  private readonly waiting: Array<() => void> = [];

  take(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the turn straight to the next in line, so nobody can slip in between. */
  pass(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }
}
