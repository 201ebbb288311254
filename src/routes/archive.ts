import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { archiveFilesQuery } from "../schemas/archive";
import { datePrefix, namespacePrefix, parseKey } from "../archive/keys";
import { dateOf } from "../archive/rows";

/** Files listed per request at most (R2 lists up to 1,000 keys a call). */
const MAX_LISTED = 5_000;
const DEFAULT_DAYS = 7;

/** The namespace's archive files on R2, for operators with its API key: list them, download one. */
export const archiveRoutes = new Hono<AppEnv>();


archiveRoutes.get("/files", async (c) => {
  const query = parseOrThrow(archiveFilesQuery, c.req.query(), "query");
  const to = query.to ?? dateOf(Date.now());
  const from = query.from ?? dateOf(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * 86_400_000);
  const namespaceId = c.var.namespace.id;
  const files: { key: string; date: string; bytes: number; rows: number | null; uploaded: string; manifest: boolean }[] = [];
  let cursor: string | undefined;
  let truncated = false;
  // Keys sort by day, so the listing starts at `from` and stops after `to`.
  const startAfter = datePrefix(namespaceId, from).slice(0, -1);
  for (;;) {
    const page = await c.env.ARCHIVE.list({ prefix: namespacePrefix(namespaceId), startAfter: cursor ? undefined : startAfter, cursor, include: ["customMetadata"] });
    let past = false;
    for (const object of page.objects) {
      const parsed = parseKey(object.key);
      if (!parsed || parsed.date < from) continue;
      if (parsed.date > to) {
        past = true;
        break;
      }
      if (parsed.manifest && query.manifests !== "true") continue;
      const rows = object.customMetadata?.rows;
      files.push({ key: object.key, date: parsed.date, bytes: object.size, rows: rows === undefined ? null : Number(rows), uploaded: object.uploaded.toISOString(), manifest: parsed.manifest });
    }
    if (files.length >= MAX_LISTED) {
      truncated = true;
      break;
    }
    if (past || !page.truncated) break;
    cursor = page.cursor;
  }
  return c.json({ from, to, files: files.slice(0, MAX_LISTED), truncated });
});

archiveRoutes.get("/files/*", async (c) => {
  const key = decodedKey(new URL(c.req.url).pathname.replace(/^.*?\/api\/archive\/files\//, ""));
  const parsed = parseKey(key);
  if (!parsed) throw new ApiError(400, "invalid_request", "invalid key: not an archive file key (ns=<namespace>/date=YYYY-MM-DD/<file>)", [{ path: "key", message: "not an archive file key" }]);
  // The same answer as a missing file: another tenant's keys are not confirmed to exist.
  if (parsed.namespaceId !== c.var.namespace.id) throw new ApiError(404, "not_found", `no archive file ${key} in this namespace`);
  const object = await c.env.ARCHIVE.get(key);
  if (!object) throw new ApiError(404, "not_found", `no archive file ${key} in this namespace`);
  return new Response(object.body, {
    headers: {
      "Content-Type": parsed.manifest ? "application/json" : "application/vnd.apache.parquet",
      "Content-Length": String(object.size),
      ETag: object.httpEtag,
      "Content-Disposition": `attachment; filename="${key.split("/").pop()}"`,
    },
  });
});

/** The key as sent in the path; a malformed percent-encoding (`%E0%A4%A`) is a 400 naming it. */
function decodedKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new ApiError(400, "invalid_request", "invalid key: not a valid percent-encoded path", [{ path: "key", message: "holds a malformed percent-encoding" }]);
  }
}
