import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import { isPostgres } from './database.js';
import type { Executor } from './schema.js';

export interface BulkInsertOptions {
  /** On a clash of this key: 'nothing' keeps the stored row; `update` overwrites the named columns. */
  conflict?: { columns: string[]; update: string[] | 'nothing' };
}

/** SQLite's limit on bound parameters per statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32). */
const SQLITE_MAX_PARAMETERS = 32_766;

/**
 * Inserts many rows with few statements. PostgreSQL: one parameter, the rows as a JSON array
 * unpacked by json_populate_recordset (a multi-row VALUES list costs a bind parameter per cell,
 * and building it through the query builder took longer than the insert; json rather than jsonb,
 * whose conversion cost the server ~15 % more on a 500-vendor insert). SQLite: multi-row VALUES
 * statements written here as text, as many rows per statement as its parameter limit allows;
 * json_each there re-parses a row's JSON for every column it extracts, which cost 2-3× the insert.
 * Rows must share one set of keys.
 */
export async function insertJsonRows(executor: Executor, table: string, rows: Array<Record<string, unknown>>, options: BulkInsertOptions = {}): Promise<void> {
  if (!rows.length) return;
  const columns = Object.keys(rows[0]);
  const onConflict = conflictClause(options.conflict);
  if (isPostgres(executor)) {
    const list = sql.join(columns.map((c) => sql.id(c)));
    await sql`insert into ${sql.id(table)} (${list}) select ${list} from json_populate_recordset(null::${sql.id(table)}, ${JSON.stringify(rows)}::json)${onConflict}`.execute(executor);
    return;
  }
  const suffix = onConflict.compile(executor).sql;
  const head = `insert into ${quoteId(table)} (${columns.map(quoteId).join(', ')}) values `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const perStatement = Math.max(1, Math.floor(SQLITE_MAX_PARAMETERS / columns.length));
  for (let from = 0; from < rows.length; from += perStatement) {
    const slice = rows.slice(from, from + perStatement);
    const parameters: unknown[] = [];
    for (const row of slice) for (const column of columns) parameters.push(row[column] ?? null);
    await executor.executeQuery(CompiledQuery.raw(`${head}${Array(slice.length).fill(tuple).join(', ')}${suffix}`, parameters));
  }
}

function conflictClause(conflict: BulkInsertOptions['conflict']): RawBuilder<unknown> {
  if (!conflict) return sql``;
  const target = sql.join(conflict.columns.map((c) => sql.id(c)));
  if (conflict.update === 'nothing') return sql` on conflict (${target}) do nothing`;
  return sql` on conflict (${target}) do update set ${sql.join(conflict.update.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`))}`;
}

function quoteId(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
