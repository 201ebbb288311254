/**
 * Where archive files live in the bucket, one folder per namespace and day
 * (Hive-style, so DuckDB, BigQuery, Snowflake and ClickHouse read `ns` and
 * `date` as columns):
 *
 *   ns=<namespaceId>/date=YYYY-MM-DD/<shard>-<seq>.parquet     the rows
 *   ns=<namespaceId>/date=YYYY-MM-DD/_manifest/<shard>.json    that shard's files of the day
 *
 * A shard is the only writer of its files and its manifest, so nothing in the
 * bucket is written by two objects.
 */
export function namespacePrefix(namespaceId: string): string {
  return `ns=${namespaceId}/`;
}

export function datePrefix(namespaceId: string, date: string): string {
  return `${namespacePrefix(namespaceId)}date=${date}/`;
}

export function fileKey(namespaceId: string, date: string, shard: number, seq: number): string {
  return `${datePrefix(namespaceId, date)}${String(shard).padStart(3, "0")}-${String(seq).padStart(9, "0")}.parquet`;
}

export function manifestKey(namespaceId: string, date: string, shard: number): string {
  return `${datePrefix(namespaceId, date)}_manifest/${String(shard).padStart(3, "0")}.json`;
}

const KEY = /^ns=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/(?:_manifest\/\d{3}\.json|\d{3}-\d{9}\.parquet)$/;

/** The namespace and day of an archive key, or null when it is not one (a reader's path is checked with this). */
export function parseKey(key: string): { namespaceId: string; date: string; manifest: boolean } | null {
  const match = KEY.exec(key);
  if (!match) return null;
  return { namespaceId: match[1]!, date: match[2]!, manifest: key.includes("/_manifest/") };
}
