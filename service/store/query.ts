import {
  type Compilable,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from "kysely";

import type { Queryable } from "./database.js";
import type { DB } from "./schema.js";

/**
 * The store's typed query builder: Kysely over the schema generated from the migrations (`store/schema.ts`,
 * `npm run schema:types`). It only builds and compiles queries (PostgreSQL's dialect, numbered parameters); they run
 * through the store's own `Queryable`, so that one query runs the same on node-postgres and PGlite, inside or outside
 * a transaction of the store's, and the rows come back with the types the schema says.
 */
export const qb = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** Runs a built query on `q` (the database or a transaction): its rows, typed. */
export async function rows<R>(q: Queryable, query: Compilable<R>): Promise<R[]> {
  const compiled = query.compile();
  return q.query<R>(compiled.sql, [...compiled.parameters]);
}

/** The first row of a built query, or undefined. */
export async function first<R>(q: Queryable, query: Compilable<R>): Promise<R | undefined> {
  return (await rows(q, query))[0];
}

/** Runs a built statement that returns no rows (an insert, update or delete without RETURNING). */
export async function run(q: Queryable, query: Compilable<unknown>): Promise<void> {
  await rows(q, query);
}
