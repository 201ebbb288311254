import { parquetReadObjects } from "hyparquet";
import { ByteWriter, parquetWrite } from "hyparquet-writer";
import { ARCHIVE_COLUMNS, type ArchiveRow } from "./rows";

type ColumnType = "STRING" | "TIMESTAMP" | "DOUBLE";

const TYPES: Record<(typeof ARCHIVE_COLUMNS)[number], ColumnType> = {
  namespace_id: "STRING",
  lead_id: "STRING",
  message_id: "STRING",
  kind: "STRING",
  type: "STRING",
  event: "STRING",
  timestamp: "TIMESTAMP",
  user_id: "STRING",
  anonymous_id: "STRING",
  email: "STRING",
  score: "DOUBLE",
  stage: "STRING",
  score_before: "DOUBLE",
  stage_before: "STRING",
  properties: "STRING",
  body: "STRING",
};

/** A Parquet file (snappy, one row group per 10,000 rows) holding these rows. */
export function writeParquet(rows: readonly ArchiveRow[]): Uint8Array {
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    columnData: ARCHIVE_COLUMNS.map((name) => ({
      name,
      type: TYPES[name],
      data: rows.map((row) => (name === "timestamp" ? new Date(row.timestamp) : row[name])),
    })),
    rowGroupSize: 10_000,
    createdBy: "leadflare archive",
  });
  return new Uint8Array(writer.getBuffer());
}

/** The rows of a file written by writeParquet (erasure rewrites files with them). */
export async function readParquet(bytes: ArrayBuffer): Promise<ArchiveRow[]> {
  const objects = await parquetReadObjects({ file: bytes, columns: [...ARCHIVE_COLUMNS] });
  return objects.map((object) => {
    const row = {} as Record<string, unknown>;
    for (const name of ARCHIVE_COLUMNS) {
      const value = object[name];
      row[name] = name === "timestamp" ? toMillis(value) : typeof value === "bigint" ? Number(value) : (value ?? null);
    }
    return row as unknown as ArchiveRow;
  });
}

function toMillis(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  return Number(value);
}
