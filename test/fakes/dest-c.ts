import { FakeService, type RecordedRequest } from "./fake-service";

/**
 * Fakes of the warehouse and stream destinations (ClickHouse, Kafka REST
 * Proxy, Upstash Redis, BigQuery, S3/GCS). Each checks auth and the request's
 * shape as the real service would, answers in its format, and keeps what it
 * stored, deduplicated the way the real service deduplicates.
 */

const lines = (body: string) => body.split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line));

/**
 * ClickHouse's HTTP interface: `POST /?query=INSERT INTO db.table FORMAT
 * JSONEachRow` with X-ClickHouse-User/Key; a repeated
 * insert_deduplication_token stores nothing (as replicated MergeTree does).
 */
export const clickhouseFake = (user = "leadflare", key = "ch-secret", table = "analytics.leadflare_events") => {
  const rows: any[] = [];
  const tokens = new Set<string>();
  const fake = new FakeService("clickhouse.fake", (r) => {
    if (r.headers.get("X-ClickHouse-User") !== user || r.headers.get("X-ClickHouse-Key") !== key) {
      return new Response(`Code: 516. DB::Exception: ${r.headers.get("X-ClickHouse-User")}: Authentication failed. (AUTHENTICATION_FAILED)`, { status: 403 });
    }
    const query = r.url.searchParams.get("query") ?? "";
    const insert = /^INSERT INTO ([A-Za-z0-9_]+\.[A-Za-z0-9_]+) FORMAT JSONEachRow$/.exec(query);
    if (r.method !== "POST" || r.url.pathname !== "/" || !insert) return new Response(`Code: 62. DB::Exception: Syntax error: ${query}. (SYNTAX_ERROR)`, { status: 400 });
    if (insert[1] !== table) return new Response(`Code: 60. DB::Exception: Table ${insert[1]} does not exist. (UNKNOWN_TABLE)`, { status: 404 });
    const token = r.url.searchParams.get("insert_deduplication_token");
    if (token && tokens.has(token)) return new Response("", { status: 200 });
    if (token) tokens.add(token);
    rows.push(...lines(r.body));
    return new Response("", { status: 200, headers: { "X-ClickHouse-Summary": JSON.stringify({ written_rows: String(lines(r.body).length) }) } });
  });
  return Object.assign(fake, { rows, rowsIn: (request: RecordedRequest) => lines(request.body).length });
};
