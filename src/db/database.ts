import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";

/** One drizzle handle per D1 binding: it holds only the binding and the SQL dialect, no data. */
const handles = new WeakMap<D1Database, DrizzleD1Database>();

/** Drizzle over `db`, built on first use and reused by every query helper. */
export function database(db: D1Database): DrizzleD1Database {
  let handle = handles.get(db);
  if (!handle) handles.set(db, (handle = drizzle(db)));
  return handle;
}
