import { CompiledQuery } from 'kysely';
import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import { rowsPerStatement } from '../sboms/sboms.repository.js';

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

/** Replaces U+0000 (which PostgreSQL text cannot hold) in every string of a JSON-like value. */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[withoutNul(k)] = withoutNul(v);
    return out as T;
  }
  return value;
}
