import type { WarehouseRow } from "./rows";

/** The warehouse row's columns, in the order the INSERT names them. */
export const COLUMNS: readonly (keyof WarehouseRow)[] = [
  "message_id",
  "kind",
  "lead_id",
  "user_id",
  "email",
  "event_type",
  "event_name",
  "timestamp",
  "properties",
  "score",
  "behaviour_score",
  "icp_score",
  "stage",
  "grade",
  "velocity",
  "previous_score",
  "previous_stage",
];

/**
 * A value as an SQL literal. Strings are E'' literals (backslashes and
 * quotes escaped), read the same whatever standard_conforming_strings says;
 * numbers must be finite. Postgres casts each to its column's type.
 */
export function sqlLiteral(value: string | number | null): string {
  if (value === null) return "NULL";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "NULL";
  return `E'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/**
 * One multi-row INSERT; a row whose message_id is already there is
 * skipped, so a batch sent again adds nothing. Values are inlined as
 * literals and the statement goes by the simple query protocol: one message
 * and one answer, which connection poolers (PgBouncer in transaction mode,
 * PGlite's socket server in tests) pass through whole. `schema` and `table`
 * are validated identifiers (config), quoted here all the same.
 */
export function insertStatement(schema: string, table: string, rows: readonly WarehouseRow[]): string {
  const tuples = rows.map((row) => `(${COLUMNS.map((column) => sqlLiteral(row[column])).join(", ")})`);
  return `INSERT INTO "${schema}"."${table}" (${COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES ${tuples.join(", ")} ON CONFLICT (message_id) DO NOTHING`;
}

/**
 * Whether a failed insert is worth trying again, by its SQLSTATE class:
 * connection (08), transaction rollback (40), insufficient resources (53),
 * operator intervention (57), system error (58), lock not available; and
 * any error without a SQLSTATE (network, timeout). The rest (a missing
 * table, a wrong column type, bad credentials) will fail the same way again.
 */
export function isRetryableSqlState(code: string | undefined): boolean {
  if (!code || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return ["08", "40", "53", "57", "58"].includes(code.slice(0, 2)) || code === "55P03";
}
