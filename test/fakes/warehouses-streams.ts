import { FakeService, type RecordedRequest } from "./fake-service";
import { XADD_ONCE as XADD_ONCE_SCRIPT } from "../../src/destinations/redis";

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

/**
 * Confluent REST Proxy v2: `POST /topics/{topic}` with
 * `application/vnd.kafka.json.v2+json` records; Basic auth; a record's
 * partition is chosen by its key (3 partitions). `failRecords(code)` makes
 * the next call answer 200 with every record refused by that error_code
 * (1: will not succeed, 2: retriable), as the proxy does.
 */
export const kafkaFake = (topic = "leadflare-events", auth = `Basic ${btoa("kafka-key:kafka-secret")}`) => {
  const partitions: { key: string; value: any }[][] = [[], [], []];
  let refuseNext: number | null = null;
  const partitionOf = (key: string) => [...key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % partitions.length;
  const fake = new FakeService("kafka.fake", (r) => {
    if (r.headers.get("Authorization") !== auth) return Response.json({ error_code: 40101, message: "Unauthorized" }, { status: 401 });
    if (r.headers.get("Content-Type") !== "application/vnd.kafka.json.v2+json") return Response.json({ error_code: 415, message: "HTTP 415 Unsupported Media Type" }, { status: 415 });
    if (r.url.pathname !== `/topics/${topic}`) return Response.json({ error_code: 40401, message: "Topic not found." }, { status: 404 });
    const records = JSON.parse(r.body).records as { key: string; value: any }[];
    if (!Array.isArray(records) || records.some((record) => typeof record.key !== "string" || typeof record.value !== "object")) {
      return Response.json({ error_code: 42201, message: "Unprocessable entity" }, { status: 422 });
    }
    if (refuseNext !== null) {
      const code = refuseNext;
      refuseNext = null;
      return Response.json({ key_schema_id: null, value_schema_id: null, offsets: records.map(() => ({ partition: null, offset: null, error_code: code, error: "Leader not available" })) });
    }
    const offsets = records.map((record) => {
      const partition = partitionOf(record.key);
      partitions[partition]!.push(record);
      return { partition, offset: partitions[partition]!.length - 1, error_code: null, error: null };
    });
    return Response.json({ key_schema_id: null, value_schema_id: null, offsets });
  });
  return Object.assign(fake, {
    partitions,
    records: () => partitions.flat(),
    failRecords: (code: number) => void (refuseNext = code),
  });
};

/**
 * Upstash Redis REST: `POST /pipeline` with a JSON list of commands and a
 * bearer token; answers one `{result}` or `{error}` per command. A small
 * in-memory Redis for the commands the destination uses (EVAL of its
 * XADD-once script, HSET, ZADD).
 */
export const upstashFake = (token = "upstash-token") => {
  const strings = new Map<string, string>();
  const streams = new Map<string, Record<string, string>[]>();
  const hashes = new Map<string, Record<string, string>>();
  const zsets = new Map<string, Map<string, number>>();
  /** Calls whose commands run but whose answer is lost (a 504): the sender must not append twice. */
  let loseAnswers = 0;
  const run = (command: string[]): { result: unknown } | { error: string } => {
    const [name, ...args] = command;
    switch (name?.toUpperCase()) {
      case "EVAL": {
        const [script, numKeys, marker, stream, , , ...fields] = args;
        if (script !== XADD_ONCE_SCRIPT || numKeys !== "2") return { error: "ERR unknown script in this fake" };
        if (strings.has(marker!)) return { result: null };
        strings.set(marker!, "1");
        const entries = streams.get(stream!) ?? [];
        streams.set(stream!, entries);
        const entry: Record<string, string> = {};
        for (let i = 0; i < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
        entries.push(entry);
        return { result: `${Date.now()}-${entries.length}` };
      }
      case "HSET": {
        const [key, ...pairs] = args;
        if (pairs.length === 0 || pairs.length % 2 !== 0) return { error: "ERR wrong number of arguments for 'hset' command" };
        const hash = hashes.get(key!) ?? {};
        for (let i = 0; i < pairs.length; i += 2) hash[pairs[i]!] = pairs[i + 1]!;
        hashes.set(key!, hash);
        return { result: pairs.length / 2 };
      }
      case "ZADD": {
        const [key, score, member] = args;
        if (Number.isNaN(Number(score))) return { error: "ERR value is not a valid float" };
        const set = zsets.get(key!) ?? new Map();
        set.set(member!, Number(score));
        zsets.set(key!, set);
        return { result: 1 };
      }
      default:
        return { error: `ERR unknown command '${name}'` };
    }
  };
  const fake = new FakeService("upstash.fake", (r) => {
    if (r.headers.get("Authorization") !== `Bearer ${token}`) return Response.json({ error: "Unauthorized" }, { status: 401 });
    if (r.url.pathname !== "/pipeline") return Response.json({ error: "not found" }, { status: 404 });
    const commands = JSON.parse(r.body) as unknown;
    if (!Array.isArray(commands) || !commands.every((c) => Array.isArray(c) && c.every((a) => typeof a === "string"))) {
      return Response.json({ error: "ERR failed to parse pipeline request" }, { status: 400 });
    }
    const answers = commands.map(run);
    if (loseAnswers > 0) {
      loseAnswers--;
      return Response.json({ error: "upstream timeout" }, { status: 504 });
    }
    return Response.json(answers);
  });
  return Object.assign(fake, { strings, streams, hashes, zsets, loseNextAnswer: () => void loseAnswers++ });
};

const toHex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
const sha256 = async (data: string) => toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(data)));
async function hmacSha256(key: ArrayBuffer | Uint8Array, data: string) {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", k, new TextEncoder().encode(data));
}

/**
 * The signature S3 expects for a recorded request, recomputed from what
 * arrived (the path as sent, the signed headers' values, the body's hash),
 * written apart from the destination's signer so a mistake in one shows.
 */
export async function expectedSigV4(r: RecordedRequest, secret: string): Promise<{ ok: boolean; why?: string }> {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(
    r.headers.get("Authorization") ?? "",
  );
  if (!auth) return { ok: false, why: "malformed Authorization" };
  const [, , day, region, signed, signature] = auth;
  const date = r.headers.get("x-amz-date") ?? "";
  if (!date.startsWith(day!)) return { ok: false, why: "x-amz-date does not match the credential's day" };
  const when = Date.parse(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  if (!(Math.abs(Date.now() - when) < 15 * 60_000)) return { ok: false, why: "RequestTimeTooSkewed" };
  if ((await sha256(r.body)) !== r.headers.get("x-amz-content-sha256")) return { ok: false, why: "XAmzContentSHA256Mismatch" };
  const names = signed!.split(";");
  if (!["host", "x-amz-content-sha256", "x-amz-date"].every((n) => names.includes(n))) return { ok: false, why: "required headers not signed" };
  const headerLines = names.map((n) => `${n}:${n === "host" ? r.url.host : (r.headers.get(n) ?? "").trim()}\n`).join("");
  const query = [...r.url.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).sort().join("&");
  const canonical = `${r.method}\n${r.url.pathname}\n${query}\n${headerLines}\n${signed}\n${r.headers.get("x-amz-content-sha256")}`;
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${await sha256(canonical)}`;
  const kDate = await hmacSha256(new TextEncoder().encode(`AWS4${secret}`), day!);
  const kSigning = await hmacSha256(await hmacSha256(await hmacSha256(kDate, region!), "s3"), "aws4_request");
  return toHex(await hmacSha256(kSigning, toSign)) === signature ? { ok: true } : { ok: false, why: "SignatureDoesNotMatch" };
}

const s3Error = (status: number, code: string, message: string) =>
  new Response(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`, { status, headers: { "Content-Type": "application/xml" } });

/**
 * S3's (and GCS's XML API's) PUT Object, path-style: `/<bucket>/<key>`,
 * SigV4 checked for real against the secret of `accessKeyId`. Keeps the
 * objects; a PUT to an existing key replaces it, as S3 does.
 */
export const s3Fake = (bucket = "lf-drops", accessKeyId = "AKIDLEADFLARE", secret = "s3-secret-key") => {
  const objects = new Map<string, string>();
  const fake = new FakeService("s3.fake", async (r) => {
    const credential = /Credential=([^/]+)\//.exec(r.headers.get("Authorization") ?? "")?.[1];
    if (credential !== accessKeyId) return s3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
    const verdict = await expectedSigV4(r, secret);
    if (!verdict.ok) return s3Error(403, verdict.why === "SignatureDoesNotMatch" ? "SignatureDoesNotMatch" : "AccessDenied", verdict.why ?? "");
    const [, first, ...rest] = r.url.pathname.split("/");
    if (first !== bucket) return s3Error(404, "NoSuchBucket", "The specified bucket does not exist");
    if (r.method !== "PUT" || rest.length === 0) return s3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
    objects.set(decodeURIComponent(rest.join("/")), r.body);
    return new Response(null, { status: 200, headers: { ETag: `"${(await sha256(r.body)).slice(0, 32)}"` } });
  });
  return Object.assign(fake, { objects, rows: () => [...objects.values()].flatMap(lines) });
};

const fromBase64url = (text: string) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

/**
 * Google's OAuth token endpoint for service accounts: takes the
 * jwt-bearer grant, verifies the RS256 signature with the account's public
 * key and the claims (iss, aud, scope, an hour at most, issued now), and
 * issues a short access token it remembers.
 */
export const googleTokenFake = (clientEmail: string, publicKey: CryptoKey, audience = "https://oauth2.fake/token") => {
  const issued = new Set<string>();
  const refuse = (description: string) => Response.json({ error: "invalid_grant", error_description: description }, { status: 400 });
  const fake = new FakeService("oauth2.fake", async (r) => {
    const form = new URLSearchParams(r.body);
    if (r.url.pathname !== "/token" || form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") return Response.json({ error: "unsupported_grant_type" }, { status: 400 });
    const [header, claims, signature] = (form.get("assertion") ?? "").split(".");
    if (!header || !claims || !signature) return refuse("Invalid JWT.");
    if (JSON.parse(new TextDecoder().decode(fromBase64url(header))).alg !== "RS256") return refuse("Invalid JWT algorithm.");
    const valid = await crypto.subtle.verify("RSASSA-PKCS1-v1_5", publicKey, fromBase64url(signature), new TextEncoder().encode(`${header}.${claims}`));
    if (!valid) return refuse("Invalid JWT Signature.");
    const c = JSON.parse(new TextDecoder().decode(fromBase64url(claims)));
    const now = Date.now() / 1000;
    if (c.iss !== clientEmail) return refuse("Invalid email or User ID");
    if (c.aud !== audience) return refuse("Invalid JWT: audience");
    if (!String(c.scope).split(" ").includes("https://www.googleapis.com/auth/bigquery.insertdata")) return refuse("Invalid scope");
    if (Math.abs(c.iat - now) > 300 || c.exp - c.iat > 3600 || c.exp < now) return refuse("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.");
    const token = `ya29.${crypto.randomUUID()}`;
    issued.add(token);
    return Response.json({ access_token: token, expires_in: 3599, token_type: "Bearer" });
  });
  return Object.assign(fake, { issued });
};

/**
 * BigQuery's tabledata.insertAll for one table, accepting only tokens the
 * token fake issued; rows deduplicated by insertId, as BigQuery does.
 */
export const bigqueryFake = (tokens: Set<string>, table = "/bigquery/v2/projects/lf-project/datasets/analytics/tables/leadflare_events/insertAll") => {
  const rows: any[] = [];
  const insertIds = new Set<string>();
  const googleError = (code: number, status: string, message: string) => Response.json({ error: { code, message, status, errors: [{ message, reason: status.toLowerCase() }] } }, { status: code });
  const fake = new FakeService("bigquery.fake", (r) => {
    const token = /^Bearer (.+)$/.exec(r.headers.get("Authorization") ?? "")?.[1];
    if (!token || !tokens.has(token)) return googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
    if (r.method !== "POST" || r.url.pathname !== table) return googleError(404, "NOT_FOUND", `Not found: Table ${r.url.pathname}`);
    const body = JSON.parse(r.body);
    if (!Array.isArray(body.rows) || body.rows.length > 50_000) return googleError(400, "INVALID_ARGUMENT", "rows: at most 50,000");
    const invalid = body.rows.findIndex((row: any) => typeof row.json?.message_id !== "string");
    if (invalid >= 0) {
      return Response.json({ kind: "bigquery#tableDataInsertAllResponse", insertErrors: body.rows.map((_: unknown, index: number) => ({ index, errors: [{ reason: index === invalid ? "invalid" : "stopped", message: "" }] })) });
    }
    for (const row of body.rows) {
      if (row.insertId && insertIds.has(row.insertId)) continue;
      if (row.insertId) insertIds.add(row.insertId);
      rows.push(row.json);
    }
    return Response.json({ kind: "bigquery#tableDataInsertAllResponse" });
  });
  return Object.assign(fake, { rows });
};

export const SERVICE_ACCOUNT_EMAIL = "leadflare@lf-project.iam.gserviceaccount.com";

/** A service account's JSON key with a fresh RSA key pair, and the public half for the token fake. */
export async function testServiceAccount(clientEmail = SERVICE_ACCOUNT_EMAIL) {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  const pem = `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...pkcs8)).replace(/.{64}/g, "$&\n")}\n-----END PRIVATE KEY-----\n`;
  const json = JSON.stringify({ type: "service_account", project_id: "lf-project", private_key_id: "k1", private_key: pem, client_email: clientEmail, token_uri: "https://oauth2.googleapis.com/token" }, null, 2);
  return { json, publicKey: pair.publicKey };
}
