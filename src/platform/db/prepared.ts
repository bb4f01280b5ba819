import { createQueryId, sql, type CompiledQuery, type Compilable, type RawBuilder, type SqlBool } from 'kysely';
import { isPostgres } from './database.js';
import type { Executor } from './schema.js';

interface Template<R> {
  compiled: CompiledQuery<R>;
  /** For each argument, the position of its parameter in the compiled query. */
  slots: number[];
}

/**
 * A query whose shape never changes, built and compiled once per engine instead of on every call.
 * Building and compiling a small query with Kysely costs about 25 µs of CPU, several times what
 * SQLite takes to run a lookup by key (~7 µs); the token lookup and the settings reads run on every
 * request. `build` receives stand-ins for its arguments and must use each once, as a value only
 * (a comparison or an insert value): an argument that decides the shape of the query (an `$if`, a
 * list's length) cannot be prepared, and a stand-in that does not come out as exactly one
 * parameter is refused at the first call.
 */
export function preparedQuery<A extends unknown[], R>(build: (db: Executor, ...args: A) => Compilable<R>) {
  const templates = new Map<boolean, Template<R>>();
  const template = (db: Executor, arity: number): Template<R> => {
    const postgres = isPostgres(db);
    let found = templates.get(postgres);
    if (found) return found;
    const standIns = Array.from({ length: arity }, (_, i) => `\u0000prepared argument ${i}\u0000`);
    const compiled = build(db, ...(standIns as A)).compile();
    const slots = standIns.map((standIn, index) => {
      const at = compiled.parameters.flatMap((p, i) => (p === standIn ? [i] : []));
      if (at.length !== 1) throw new Error(`preparedQuery: argument ${index} appears ${at.length} times in "${compiled.sql}"; it must be one value`);
      return at[0];
    });
    templates.set(postgres, (found = { compiled, slots }));
    return found;
  };
  const run = async (db: Executor, args: A): Promise<R[]> => {
    const { compiled, slots } = template(db, args.length);
    const parameters = [...compiled.parameters];
    slots.forEach((slot, i) => (parameters[slot] = args[i]));
    return (await db.executeQuery<R>({ ...compiled, parameters, queryId: createQueryId() })).rows;
  };
  return {
    execute: (db: Executor, ...args: A): Promise<R[]> => run(db, args),
    executeTakeFirst: async (db: Executor, ...args: A): Promise<R | undefined> => (await run(db, args))[0],
  };
}

/**
 * A query of a few shapes (a list in each of its orders, with or without a search), each prepared
 * as preparedQuery does on first use. `shape` decides the query's shape and must come from a small
 * fixed set of plain values (its JSON is the key); the arguments are the values, as for preparedQuery.
 */
export function preparedShapes<S, A extends unknown[], R>(build: (db: Executor, shape: S, ...args: A) => Compilable<R>) {
  const queries = new Map<string, ReturnType<typeof preparedQuery<A, R>>>();
  return {
    execute(db: Executor, shape: S, ...args: A): Promise<R[]> {
      const key = JSON.stringify(shape);
      let query = queries.get(key);
      if (!query) queries.set(key, (query = preparedQuery<A, R>((d, ...values) => build(d, shape, ...values))));
      return query.execute(db, ...args);
    },
  };
}

/**
 * `column IN (the values of a JSON array)`, the array being one parameter: a prepared query can take
 * a list of any length (an `in` with one parameter per value changes shape with its length).
 */
export function inJsonArray(db: Executor, column: string, json: string): RawBuilder<SqlBool> {
  return isPostgres(db)
    ? sql<SqlBool>`${sql.ref(column)} in (select jsonb_array_elements_text(cast(${json} as jsonb)))`
    : sql<SqlBool>`${sql.ref(column)} in (select value from json_each(${json}))`;
}
