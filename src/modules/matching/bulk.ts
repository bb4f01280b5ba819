import { CompiledQuery, sql } from 'kysely';
import { isPostgres, storedTextParameters } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import { PARAMETERS_PER_STATEMENT, rowsPerStatement } from '../sboms/sboms.repository.js';
import { yieldToEventLoop } from '../../platform/event-loop.js';

/** Batches an IN list so that no statement exceeds the engines' parameter limits. */
export const IN_BATCH = 500;

export function chunks<T>(items: T[], size = IN_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Multi-row INSERT ... VALUES built directly (table and column names are constants of the
 * callers), as the SBOM repository does for components: for thousands of rows Kysely's per-value
 * query tree is measurable overhead. `conflict` is appended verbatim (an ON CONFLICT clause).
 */
export async function bulkInsert(db: Executor, table: string, columns: readonly string[], rows: unknown[][], conflict = ''): Promise<void> {
  if (!rows.length) return;
  const postgres = isPostgres(db);
  const perStatement = rowsPerStatement(postgres, columns.length);
  const head = `insert into ${table} (${columns.join(', ')}) values `;
  for (let start = 0; start < rows.length; start += perStatement) {
    const batch = rows.slice(start, start + perStatement);
    const params: unknown[] = new Array(batch.length * columns.length);
    let p = 0;
    for (const row of batch) for (const value of row) params[p++] = value;
    await db.executeQuery(CompiledQuery.raw(head + placeholders(batch.length, columns.length, postgres) + (conflict ? ` ${conflict}` : ''), params));
  }
}

export type ColumnType = 'text' | 'int' | 'real';

/**
 * Between two bounded statements written outside a transaction (an SBOM being ingested), lets
 * other requests run: their queries get the connection (SQLite has one) and the event loop.
 */
export async function breathe(db: Executor): Promise<void> {
  if (!db.isTransaction) await yieldToEventLoop();
}

/**
 * Runs one bulk statement of rows that no reader sees until a later transaction publishes them (an
 * SBOM being written, outside any transaction): on PostgreSQL its commit does not wait for the WAL
 * flush (synchronous_commit off). The WAL is flushed in order, so the publishing commit makes these
 * rows durable too; a crash before it loses only rows of an unpublished upload, which is swept.
 * Inside a transaction, or on SQLite (whose WAL commits do not sync), it runs as it is.
 */
export async function unpublishedWrite(db: Executor, query: CompiledQuery): Promise<void> {
  if (db.isTransaction || !isPostgres(db)) {
    await db.executeQuery(query);
    return;
  }
  await db.transaction().execute(async (trx) => {
    await sql`set local synchronous_commit = off`.execute(trx);
    await trx.executeQuery(query);
  });
}

/**
 * Rows per unnest statement on PostgreSQL: one array parameter per column, whatever the row count,
 * so the 65,535-parameter limit never comes near. Against multi-row VALUES, unnest inserted a
 * 10,000-component SBOM in about 60% of the time (the server parses 24 parameters, not 240,000).
 */
const ROWS_PER_UNNEST = 5_000;

const POSTGRES_TYPES: Record<ColumnType, string> = { text: 'text', int: 'integer', real: 'double precision' };

/** Constant columns from which insertRows binds them once per statement on SQLite. */
const FOLDED_COLUMNS = 4;

/**
 * Many rows of one table, the cheap way on each engine. A column whose value is the same in every
 * row (the SBOM, product and vendor of a batch of findings, a NULL nobody set) is bound once per
 * statement rather than once per row, which on a 37-column findings row halves what is bound.
 * SQLite gets INSERT ... SELECT over a multi-row VALUES list, PostgreSQL INSERT ... SELECT over
 * unnest of one array per column (24 parameters instead of 100,000s). `conflict` is appended
 * verbatim (an ON CONFLICT clause; the `where true` before it is SQLite's required disambiguation).
 * Outside a transaction each statement commits on its own: that is for rows nobody reads until a
 * later transaction publishes them (see unpublishedWrite). `storedText`: every text value was taken
 * from stored rows (see storedTextParameters).
 */
export async function insertRows(db: Executor, table: string, columns: ReadonlyArray<readonly [string, ColumnType]>, rows: unknown[][], conflict = '', options: { storedText?: boolean } = {}): Promise<void> {
  if (!rows.length) return;
  const marked = (params: unknown[]) => (options.storedText ? storedTextParameters(params) : params);
  const first = rows[0];
  const fixed: number[] = [];
  const varying: number[] = [];
  for (let c = 0; c < columns.length; c++) {
    const value = first[c];
    let same = true;
    for (let r = 1; r < rows.length && same; r++) same = rows[r][c] === value;
    (same ? fixed : varying).push(c);
  }
  // A single row (or identical rows) still needs one column in VALUES / unnest.
  if (!varying.length) varying.push(fixed.pop()!);
  const names = [...fixed, ...varying].map((c) => columns[c][0]).join(', ');
  const constants = fixed.map((c) => first[c]);
  if (isPostgres(db)) {
    const cast = (c: number) => POSTGRES_TYPES[columns[c][1]];
    let n = 0;
    const head = fixed.map((c) => `$${++n}::${cast(c)}`);
    const arrays = varying.map((c) => `$${++n}::${cast(c)}[]`);
    const aliases = varying.map((_, i) => `v${i}`);
    const text = `insert into ${table} (${names}) select ${[...head, ...aliases.map((a) => `u.${a}`)].join(', ')} from unnest(${arrays.join(', ')}) as u(${aliases.join(', ')})${conflict ? ` where true ${conflict}` : ''}`;
    for (let start = 0; start < rows.length; start += ROWS_PER_UNNEST) {
      const end = Math.min(rows.length, start + ROWS_PER_UNNEST);
      const params: unknown[] = [...constants];
      for (const c of varying) {
        const column: unknown[] = new Array(end - start);
        for (let r = start; r < end; r++) column[r - start] = rows[r][c];
        params.push(column);
      }
      await unpublishedWrite(db, CompiledQuery.raw(text, marked(params)));
      await breathe(db);
    }
    return;
  }
  // The SELECT over a VALUES list that binds a constant once costs more than it saves unless several
  // columns are constant: SBOM hashes (2 of 4) insert 30% slower that way, components (about 12 of
  // 24) 25% faster. Below that, a plain multi-row VALUES.
  if (fixed.length < FOLDED_COLUMNS) {
    varying.splice(0, varying.length, ...columns.map((_, c) => c));
    fixed.length = 0;
  }
  const folded = fixed.length > 0;
  const sqliteNames = [...fixed, ...varying].map((c) => columns[c][0]).join(', ');
  const perStatement = Math.max(1, Math.floor((PARAMETERS_PER_STATEMENT - fixed.length) / varying.length));
  const head = folded
    ? `insert into ${table} (${sqliteNames}) select ${[...fixed.map(() => '?'), ...varying.map((_, i) => `column${i + 1}`)].join(', ')} from (values `
    : `insert into ${table} (${sqliteNames}) values `;
  const tail = folded ? `)${conflict ? ` where true ${conflict}` : ''}` : conflict ? ` ${conflict}` : '';
  const tuple = `(${new Array(varying.length).fill('?').join(',')})`;
  const texts = new Map<number, string>();
  for (let start = 0; start < rows.length; ) {
    const end = start + statementRows(rows.length - start, perStatement);
    let text = texts.get(end - start);
    if (text === undefined) texts.set(end - start, (text = `${head}${new Array(end - start).fill(tuple).join(',')}${tail}`));
    const params: unknown[] = new Array(fixed.length + (end - start) * varying.length);
    let p = 0;
    for (const c of fixed) params[p++] = first[c];
    for (let r = start; r < end; r++) {
      const row = rows[r];
      for (const c of varying) params[p++] = row[c];
    }
    await db.executeQuery(CompiledQuery.raw(text, marked(params)));
    await breathe(db);
    start = end;
  }
}

/** Below this many rows a statement is cheap to prepare: a remainder that small runs as it is. */
const LADDER_FLOOR = 32;

/**
 * Rows of the next SQLite statement when `left` remain: full statements, then the remainder in
 * power-of-two sizes down to LADDER_FLOOR. Every size recurs, so its statement stays prepared
 * (the statement cache); a remainder of its own exact size changed with every slice of findings
 * and cost a fresh prepare each time (~2 ms for 12,000 parameters, 20 slices an upload).
 */
function statementRows(left: number, perStatement: number): number {
  if (left >= perStatement) return perStatement;
  if (left < LADDER_FLOOR) return left;
  return 2 ** Math.floor(Math.log2(left));
}

function placeholders(rows: number, columns: number, postgres: boolean): string {
  if (!postgres) {
    const tuple = `(${new Array(columns).fill('?').join(',')})`;
    return new Array(rows).fill(tuple).join(',');
  }
  const tuples: string[] = new Array(rows);
  let n = 1;
  for (let r = 0; r < rows; r++) {
    const cells: string[] = new Array(columns);
    for (let c = 0; c < columns; c++) cells[c] = `$${n++}`;
    tuples[r] = `(${cells.join(',')})`;
  }
  return tuples.join(',');
}
