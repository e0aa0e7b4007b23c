import { type CompiledQuery, createQueryId } from "kysely";
import type { Executor } from "./executor.ts";

/** Stands for an argument while the query is compiled; found again among the compiled parameters. */
class Placeholder {
  constructor(readonly index: number) {}
}

/**
 * A hot query built and compiled by Kysely once per database, then run with new arguments: building and
 * compiling cost more than running the cached SQLite statement. `build` must use each argument as a plain
 * bound value (no IN lists, no value that changes the SQL text), and the query must return rows.
 */
export function compiledOnce<Args extends unknown[], Row>(
  build: (db: Executor, ...args: Args) => { compile(): CompiledQuery<Row> },
  arity: Args["length"],
): (db: Executor, ...args: Args) => Promise<Row[]> {
  const compiled = new WeakMap<Executor, { query: CompiledQuery<Row>; slots: number[] }>();
  const compile = (db: Executor) => {
    const placeholders = Array.from({ length: arity }, (_, index) => new Placeholder(index));
    const query = build(db, ...(placeholders as Args)).compile();
    const slots = query.parameters.map((value) => (value instanceof Placeholder ? value.index : -1));
    if (new Set(slots.filter((slot) => slot >= 0)).size !== arity)
      throw new Error(`a compiled query does not bind each of its ${arity} arguments as a value`);
    const entry = { query, slots };
    compiled.set(db, entry);
    return entry;
  };
  return async (db, ...args) => {
    const { query, slots } = compiled.get(db) ?? compile(db);
    const parameters = slots.map((slot, at) => (slot >= 0 ? args[slot] : query.parameters[at]));
    const result = await db.executeQuery<Row>({ ...query, parameters, queryId: createQueryId() });
    return result.rows;
  };
}
