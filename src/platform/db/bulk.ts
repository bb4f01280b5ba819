import { sql } from 'kysely';
import { isPostgres } from './database.js';
import type { Executor } from './schema.js';

export interface BulkInsertOptions {
  /** On a clash of this key: 'nothing' keeps the stored row; `update` overwrites the named columns. */
  conflict?: { columns: string[]; update: string[] | 'nothing' };
}

/**
 * Inserts many rows in one statement with one parameter: the rows as a JSON array, unpacked by the
 * database (jsonb_populate_recordset on PostgreSQL, json_each on SQLite). A multi-row VALUES list
 * costs a bind parameter per cell, and building it in JS took longer than the insert itself;
 * this keeps bulk writes (imports) to their database time. Rows must share one set of keys.
 */
export async function insertJsonRows(executor: Executor, table: string, rows: Array<Record<string, unknown>>, options: BulkInsertOptions = {}): Promise<void> {
  if (!rows.length) return;
  const columns = Object.keys(rows[0]);
  const list = sql.join(columns.map((c) => sql.id(c)));
  const json = JSON.stringify(rows);
  const source = isPostgres(executor)
    ? sql`select ${list} from jsonb_populate_recordset(null::${sql.id(table)}, ${json}::jsonb)`
    : sql`select ${sql.join(columns.map((c) => sql`value ->> ${`$.${c}`}`))} from json_each(${json}) where true`;
  const conflict = options.conflict;
  const onConflict = !conflict
    ? sql``
    : conflict.update === 'nothing'
      ? sql` on conflict (${sql.join(conflict.columns.map((c) => sql.id(c)))}) do nothing`
      : sql` on conflict (${sql.join(conflict.columns.map((c) => sql.id(c)))}) do update set ${sql.join(conflict.update.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`))}`;
  await sql`insert into ${sql.id(table)} (${list}) ${source}${onConflict}`.execute(executor);
}
