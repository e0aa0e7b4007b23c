import { type CompiledQuery, createQueryId, type QueryResult } from "kysely";
import type { Executor } from "./executor.ts";

/** Stands for an argument while the query is compiled; found again among the compiled parameters. */
class Placeholder {
  constructor(readonly index: number) {}
}

/** A query compiled once, to be run with new arguments: on this connection, or on another (a writer thread's). */
export interface CompiledStatement {
  sql: string;
  /** For each parameter: the index of the argument it binds, or -1 for a value the query fixes (in `fixed`). */
  slots: number[];
  fixed: unknown[];
}

type Build<Args extends unknown[], Row> = (db: Executor, ...args: Args) => { compile(): CompiledQuery<Row> };

/**
 * Builds and compiles a query with a placeholder for each argument. `build` must use each argument as a
 * plain bound value (no IN lists, no value that changes the SQL text).
 */
export function compileStatement<Args extends unknown[], Row>(
  db: Executor,
  build: Build<Args, Row>,
  arity: Args["length"],
): CompiledStatement & { query: CompiledQuery<Row> } {
  const placeholders = Array.from({ length: arity }, (_, index) => new Placeholder(index));
  const query = build(db, ...(placeholders as Args)).compile();
  const slots = query.parameters.map((value) => (value instanceof Placeholder ? value.index : -1));
  if (new Set(slots.filter((slot) => slot >= 0)).size !== arity)
    throw new Error(`a compiled query does not bind each of its ${arity} arguments as a value`);
  const fixed = query.parameters.map((value) => (value instanceof Placeholder ? null : value));
  return { sql: query.sql, slots, fixed, query };
}

/** The statement's parameters for these arguments. */
export function bindArguments(statement: CompiledStatement, args: readonly unknown[]): unknown[] {
  return statement.slots.map((slot, at) => (slot >= 0 ? args[slot] : statement.fixed[at]));
}

/**
 * A hot statement built and compiled by Kysely once per database, then run with new arguments: building and
 * compiling cost more than running the cached SQLite statement. The compiled form is kept per the database's
 * adapter, which its transactions and reserved connections share with it (each of them is a new Kysely
 * object): a statement run in a transaction is not compiled again for each.
 */
export function compiledStatement<Args extends unknown[], Row>(
  build: Build<Args, Row>,
  arity: Args["length"],
): (db: Executor, ...args: Args) => Promise<QueryResult<Row>> {
  const compiled = new WeakMap<object, CompiledStatement & { query: CompiledQuery<Row> }>();
  return (db, ...args) => {
    const key = db.getExecutor().adapter;
    let statement = compiled.get(key);
    if (!statement) {
      statement = compileStatement(db, build, arity);
      compiled.set(key, statement);
    }
    const parameters = bindArguments(statement, args);
    return db.executeQuery<Row>({ ...statement.query, parameters, queryId: createQueryId() });
  };
}

/** compiledStatement for a query: its rows. */
export function compiledOnce<Args extends unknown[], Row>(
  build: Build<Args, Row>,
  arity: Args["length"],
): (db: Executor, ...args: Args) => Promise<Row[]> {
  const run = compiledStatement(build, arity);
  return async (db, ...args) => (await run(db, ...args)).rows;
}

/**
 * compiledOnce for a query over a list whose length changes its SQL (an IN list, a UNION ALL of parts): one
 * compiled query per length, built by `build(length)` with each list item's arguments as plain bound values,
 * run with the arguments flattened. Lengths are bounded by the caller (a request's list limit).
 */
export function compiledPerLength<Row>(
  build: (length: number) => (db: Executor, ...args: unknown[]) => { compile(): CompiledQuery<Row> },
  arityOf: (length: number) => number,
): (db: Executor, length: number, args: readonly unknown[]) => Promise<Row[]> {
  const runs = new Map<number, (db: Executor, ...args: unknown[]) => Promise<Row[]>>();
  return (db, length, args) => {
    let run = runs.get(length);
    if (!run) {
      run = compiledOnce(build(length), arityOf(length));
      runs.set(length, run);
    }
    return run(db, ...args);
  };
}
