import { sql, type Kysely } from 'kysely';
import { isPostgres } from './database.js';

/** Column types that mean the same on both engines (see tables.ts for the conventions). */
export const T = {
  id: 'varchar(36)',
  text: 'text',
  time: 'varchar(32)',
  json: 'text',
  flag: 'integer',
  int: 'integer',
  real: 'double precision',
} as const;

/**
 * Row triggers on `table` that run the same statements on either engine: on PostgreSQL one plpgsql
 * function `fn` (the `postgres` statements, then RETURN `returns`) that each trigger executes; on
 * SQLite the `sqlite` statements in each trigger. `triggers` maps each trigger's name to its event
 * (AFTER DELETE, AFTER UPDATE OF col, ...).
 */
export async function createRowTriggers(
  db: Kysely<unknown>,
  table: string,
  spec: { fn: string; postgres: string; returns: 'OLD' | 'NEW'; sqlite: string; triggers: Record<string, string> },
): Promise<void> {
  const postgres = isPostgres(db);
  if (postgres) {
    await sql
      .raw(
        `CREATE FUNCTION ${spec.fn}() RETURNS trigger AS $$
         BEGIN
           ${spec.postgres}
           RETURN ${spec.returns};
         END; $$ LANGUAGE plpgsql`,
      )
      .execute(db);
  }
  for (const [name, event] of Object.entries(spec.triggers)) {
    const action = postgres ? `EXECUTE FUNCTION ${spec.fn}()` : `BEGIN ${spec.sqlite} END`;
    await sql.raw(`CREATE TRIGGER ${name} ${event} ON ${table} FOR EACH ROW ${action}`).execute(db);
  }
}

/** Forbids UPDATE and DELETE on a table, on either engine. */
export async function makeAppendOnly(db: Kysely<unknown>, table: string): Promise<void> {
  if (isPostgres(db)) {
    await sql
      .raw(
        `CREATE OR REPLACE FUNCTION thirdwatch_append_only() RETURNS trigger AS $$
         BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
         FOR EACH ROW EXECUTE FUNCTION thirdwatch_append_only()`,
      )
      .execute(db);
    return;
  }
  for (const op of ['UPDATE', 'DELETE']) {
    await sql
      .raw(
        `CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table}
         BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`,
      )
      .execute(db);
  }
}
