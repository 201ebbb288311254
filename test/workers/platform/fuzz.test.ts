/**
 * Throws thousands of generated requests at every route: malformed JSON,
 * wrong types, deep nesting (up to 10,000 levels inside a message's
 * fields), timestamps across the whole range JavaScript accepts, huge
 * strings, odd unicode, invalid UTF-8, bad gzip and deflate, odd header maps
 * in every config route, missing and extra fields, bad ids and auth. Seeded, so a failure
 * replays. Each answer must be below 500 and JSON; each 4xx must have changed
 * nothing (the D1 tables requests write, and the pool leads' event counts).
 * Afterwards every pool lead still reads back (timeline and export answer 200).
 * Change SEED to explore other cases.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { ADMIN_TOKEN, api, apiSend, basic, call, newTenant, send, type Tenant } from "../helpers";
import { installFakes, FakeService } from "../../fakes/fake-service";

const SEED = 20261123;
const CASES = 3000;
const POOL = ["fz-1", "fz-2", "fz-3"];

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
const chance = (p: number) => random() < p;

const ODD_STRINGS = [
  "",
  " ",
  "\u0000",
  "\ud800", // lone surrogate
  "\udfff\ud800",
  "💥🦄".repeat(3),
  "e\u0301\u200b\u202e",
  "<script>alert(1)</script>",
  "'; DROP TABLE leads; --",
  "../../etc/passwd",
  "%00%2e%2e",
  "null",
  "NaN",
  "-0",
  "1e309",
  "\\u0000",
  "ℌ𝔢𝔩𝔩𝔬",
];

function oddString(): string {
  if (chance(0.05)) return "x".repeat(pick([1_000, 40_000, 200_000]));
  if (chance(0.5)) return pick(ODD_STRINGS);
  return Array.from({ length: int(12) }, () => String.fromCharCode(int(0xffff))).join("");
}

function deep(depth: number, asArray: boolean): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

/** Any JSON value, of any shape. */
function anyValue(level = 0): unknown {
  switch (int(level > 2 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return chance(0.5);
    case 2:
      return pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MIN_VALUE, 42]);
    case 3:
    case 4:
    case 5:
      return oddString();
    case 6:
      return Array.from({ length: int(4) }, () => anyValue(level + 1));
    case 7:
      return Object.fromEntries(Array.from({ length: int(4) }, () => [oddString().slice(0, 20), anyValue(level + 1)]));
    default:
      return deep(pick([10, 200, 800]), chance(0.5));
  }
}

/** A valid-looking body, then a few mutations: a field dropped, retyped, nested deep, stretched, or an extra one. */
function mutate(base: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = structuredClone(base);
  for (let n = int(3); n >= 0; n--) {
    const keys = Object.keys(body);
    const key = keys.length > 0 && chance(0.8) ? pick(keys) : oddString().slice(0, 30) || "extra";
    switch (int(5)) {
      case 0:
        delete body[key];
        break;
      case 1:
        body[key] = anyValue();
        break;
      case 2:
        body[key] = deep(pick([50, 400, 800]), chance(0.5));
        break;
      case 3:
        body[key] = oddString();
        break;
      default:
        body[`${key}_extra`] = anyValue();
    }
  }
  return body;
}

type Body = string | Uint8Array | undefined;

/** A raw body that is not what a route expects at all. */
function junkBody(): Body {
  switch (int(9)) {
    case 0:
      return "";
    case 1:
      return "{";
    case 2:
      return '{"a":1,}';
    case 3:
      return JSON.stringify(anyValue());
    case 4:
      return "[".repeat(20_000) + "]".repeat(20_000);
    case 5:
      return new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]); // {"\xff\xfe":1}
    case 6:
      return new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5]); // a gzip header, then garbage
    case 7:
      return `{"userId":"${"\\".repeat(3)}"}`;
    default:
      return JSON.stringify({ s: "y".repeat(pick([10_000, 600_000])) });
  }
}

interface Fixture {
  tenant: Tenant;
  leadIds: string[];
  ruleId: string;
  destinationId: string;
  automationId: string;
}

/** Percent-encodes; a lone surrogate becomes the bytes of an invalid UTF-8 sequence, which URLs may carry too. */
function enc(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, "")) + "%ED%A0%80";
  }
}

const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[int(16)]).join("");
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;

function segmentMessage(): Record<string, unknown> {
  return {
    userId: pick([...POOL, "fz-new", 42, null]),
    anonymousId: pick(["anon-fz", undefined]),
    event: pick(["Signup", "Demo Request", ""]),
    properties: { plan: "pro", n: int(100) },
    traits: chance(0.3) ? { email: pick(["a@fz.test", "not-an-email", 7]) } : undefined,
    timestamp: pick([new Date().toISOString(), "yesterday", 1e20, undefined, anyTime(), anyTime()]),
    sentAt: chance(0.2) ? anyTime() : undefined,
    messageId: chance(0.5) ? `fz-${int(1e9)}` : undefined,
    context: { ip: "1.2.3.4" },
  };
}

/** The edges of what `new Date()` accepts (±8.64e15 ms), the epoch, and anything between, as ISO text or a number. */
function anyTime(): string | number {
  const ms = pick([8.64e15, -8.64e15, 0, 86_400_000, Date.now() - 400 * 86_400_000, Math.floor((random() * 2 - 1) * 8.64e15)]);
  return chance(0.5) ? ms : new Date(ms).toISOString();
}

/** Header maps a tenant might try: line breaks, bad names, non-ASCII, reserved names, too many, too long. */
function oddHeaders(): Record<string, string> {
  const names = ["X-A", "Bad Name:", "", "X-\u00e9", "Content-Type", "Idempotency-Key", "h".repeat(200), "X-Ok", "X\r\nInjected", "X A"];
  const values = ["v\r\nX-Injected: 1", "v\n", "\u0000", "caf\u00e9", "\u2603", "y".repeat(5_000), "ok", "\t ok", ""];
  const count = chance(0.05) ? 25 : int(4);
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [chance(0.2) ? `X-${i}` : pick(names), pick(values)]));
}

/** JSON text nested `levels` deep (arrays or objects), written as text: JSON.stringify could not write the deep ones. */
function deepText(levels: number, asArray: boolean): string {
  return asArray ? `${"[".repeat(levels)}1${"]".repeat(levels)}` : `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

interface Case {
  method: string;
  path: string;
  auth: "writeKey" | "apiKey" | "admin" | "none" | "bad";
  body?: Body;
}

/** One generated request against a route picked from every router of the app. */
function generate(f: Fixture): Case {
  const leadId = () => pick([pick(f.leadIds), hex(64), hex(63), oddString(), "0".repeat(64)]);
  const id = (valid: string) => pick([valid, uuid(), oddString(), "1"]);
  const structured = (base: Record<string, unknown>): Body => {
    if (chance(0.2)) return junkBody();
    const text = JSON.stringify(mutate(base));
    // Nesting deeper than a generated object could be (and than the Worker's stack), spliced in as text:
    // at the top, or inside a field (a message's properties, a config), up to 10,000 levels.
    if (chance(0.1)) {
      const depth = pick([5_000, 50_000]);
      return `{"deep":${'{"a":'.repeat(depth)}1${"}".repeat(depth)},${text.slice(1)}`;
    }
    if (chance(0.1)) {
      const field = pick(["properties", "config", "traits", "context"]);
      return `{"${field}":{"x":${deepText(pick([31, 33, 2_500, 10_000]), chance(0.5))}},${text.slice(1)}`;
    }
    return text;
  };
  const q = () => enc(oddString().slice(0, 50));
  const ns = f.tenant.namespace;
  const routes: Array<() => Case> = [
    () => ({ method: "POST", path: `/v1/${pick(["track", "identify", "page", "screen", "group", "alias", "t", "i", "p", "s", "g", "a"])}`, auth: "writeKey", body: structured(segmentMessage()) }),
    () => ({
      method: "POST",
      path: `/v1/${pick(["batch", "b", "import"])}`,
      auth: "writeKey",
      body: structured({ batch: Array.from({ length: int(5) }, () => (chance(0.7) ? { type: pick(["track", "identify", "fax", 3]), ...mutate(segmentMessage()) } : anyValue())), sentAt: new Date().toISOString() }),
    }),
    () => ({ method: "GET", path: `/v1/projects/${q()}/settings`, auth: "none" }),
    () => ({ method: "GET", path: `/api/leads?${pick(["stage", "grade", "minScore", "updatedSince", "sort", "limit", "cursor"])}=${q()}`, auth: "apiKey" }),
    () => ({ method: "GET", path: `/api/leads/lookup?${pick(["userId", "email", "anonymousId", "x"])}=${q()}${chance(0.3) ? `&userId=${q()}` : ""}`, auth: "apiKey" }),
    () => ({ method: "GET", path: `/api/leads/${enc(leadId())}${pick(["", "/timeline", "/intelligence", "/export", `/timeline?limit=${q()}&cursor=${q()}`])}`, auth: pick(["apiKey", "bad", "none"]) }),
    () => ({ method: "DELETE", path: `/api/leads/${enc(pick([hex(64), hex(63), oddString()]))}`, auth: pick(["apiKey", "bad"]) }),
    () => ({ method: pick(["GET", "POST"]), path: "/api/scoring-rules", auth: "apiKey", body: structured({ event: "Signup", points: 5, conditions: [{ property: "plan", op: "equals", value: "pro" }], cap: 10 }) }),
    () => ({ method: pick(["PUT", "DELETE"]), path: `/api/scoring-rules/${enc(id(f.ruleId))}`, auth: "apiKey", body: structured({ event: "Signup", points: 5 }) }),
    () => ({ method: pick(["GET", "PUT"]), path: "/api/icp-table", auth: "apiKey", body: structured({ companySize: [{ min: 0, max: 10, points: 5 }], annualRevenue: [], funding: { seed: 3 } }) }),
    () => ({ method: "GET", path: `/api/leaderboard?limit=${q()}`, auth: "apiKey" }),
    () => ({
      method: pick(["GET", "POST"]),
      path: "/api/destinations",
      auth: "apiKey",
      body: structured({ name: "hook", type: pick(["webhook", "slack", "fax"]), config: { url: "https://sink.fake/in", headers: oddHeaders() }, filters: { mask: ["properties.x"] } }),
    }),
    () => ({
      method: "POST",
      path: "/api/destinations",
      auth: "apiKey",
      body: structured({
        name: "crm",
        type: pick(["attio", "hubspot", "mixpanel", "segment"]),
        config: { apiKey: oddString(), accessToken: oddString(), token: oddString(), writeKey: oddString(), endpoint: "https://sink.fake/seg" },
      }),
    }),
    () => ({
      method: "POST",
      path: "/api/accounts",
      auth: "apiKey",
      body: structured({ platform: pick(["lemlist", "smartlead", "fax"]), name: "acct", apiKey: pick([oddString(), "key\r\nX-Injected: 1", "k"]), baseUrl: "https://sink.fake/api" }),
    }),
    () => ({
      method: pick(["GET", "PUT", "DELETE", "POST"]),
      path: `/api/destinations/${enc(id(f.destinationId))}${pick(["", "/deliveries?status=" + q(), "/replay"])}`,
      auth: "apiKey",
      body: structured({ name: "hook", type: "webhook", config: { url: "https://sink.fake/in", headers: oddHeaders() } }),
    }),
    () => ({ method: pick(["GET", "POST"]), path: "/api/automations", auth: "apiKey", body: structured({ name: "a", trigger: { type: "score_crosses", score: 50 }, action: { type: "webhook", url: "https://sink.fake/a" } }) }),
    () => ({ method: pick(["PUT", "DELETE"]), path: `/api/automations/${enc(id(f.automationId))}`, auth: "apiKey", body: structured({ name: "a", trigger: { type: "stage_becomes", stage: "hot" }, action: { type: "slack", webhookUrl: "https://sink.fake/s" } }) }),
    () => ({ method: pick(["GET", "POST"]), path: "/api/namespaces", auth: pick(["admin", "apiKey", "bad"]), body: structured({ name: `fz${hex(6)}` }) }),
    () => ({ method: "POST", path: `/api/namespaces/${enc(pick([ns, oddString()]))}/${pick(["sources", "api-keys"])}`, auth: pick(["admin", "apiKey"]), body: structured({ name: "k" }) }),
    () => ({ method: "GET", path: `/api/namespaces/${enc(pick([ns, oddString()]))}/${pick(["stats", "settings", "sources"])}`, auth: pick(["admin", "apiKey", "bad"]) }),
    () => ({ method: "PATCH", path: `/api/namespaces/${enc(pick([ns, oddString()]))}/settings`, auth: pick(["admin", "apiKey"]), body: structured({ retentionDays: pick([365, 0, -1, "30", null]) }) }),
    // Valid-shaped ids only of keys that do not exist: a real one would take a tiny limit and starve the run.
    () => ({ method: "PATCH", path: `/api/namespaces/${ns}/${pick(["sources", "api-keys"])}/${enc(pick([uuid(), oddString()]))}`, auth: "admin", body: structured({ rateLimit: { limit: 1, periodSeconds: 60 } }) }),
    () => ({ method: pick(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]), path: pick(["/", "/v1", "/v1/nothing", "/api", `/api/${q()}`, "/health", `/${q()}`]), auth: pick(["none", "apiKey"]), body: junkBody() }),
  ];
  const made = pick(routes)();
  if (chance(0.1)) made.auth = pick(["none", "bad"]);
  return made;
}

function headersFor(c: Case, f: Fixture): Record<string, string> {
  const headers: Record<string, string> = { "Content-Type": pick(["application/json", "text/plain", "application/x-www-form-urlencoded"]) };
  switch (c.auth) {
    case "writeKey":
      headers.Authorization = basic(f.tenant.writeKey);
      break;
    case "apiKey":
      headers.Authorization = `Bearer ${f.tenant.apiKey}`;
      break;
    case "admin":
      headers.Authorization = `Bearer ${ADMIN_TOKEN}`;
      break;
    case "bad":
      headers.Authorization = pick(["Bearer", "Bearer wrong", "Basic !!!", `Basic ${btoa("wk_nope:")}`, `Bearer ${ADMIN_TOKEN}x`]);
      break;
  }
  if (chance(0.05)) headers["Content-Encoding"] = pick(["gzip", "deflate", "br", "zstd", "gzip, deflate", "identity"]);
  return headers;
}

/** What requests write: rejected ones must leave all of it as it was. */
async function fingerprint(f: Fixture): Promise<string> {
  const id = f.tenant.namespaceId;
  const statements = [
    env.DB.prepare("SELECT count(*) AS n FROM namespaces"),
    env.DB.prepare("SELECT id, rate_limit FROM sources WHERE namespace_id = ? ORDER BY id").bind(id),
    env.DB.prepare("SELECT id, rate_limit FROM api_keys WHERE namespace_id = ? ORDER BY id").bind(id),
    env.DB.prepare("SELECT * FROM scoring_rules WHERE namespace_id = ? ORDER BY id").bind(id),
    env.DB.prepare("SELECT version, icp_table, retention_days FROM namespace_scoring WHERE namespace_id = ?").bind(id),
    env.DB.prepare("SELECT * FROM destinations WHERE namespace_id = ? ORDER BY id").bind(id),
    env.DB.prepare("SELECT * FROM automations WHERE namespace_id = ? ORDER BY id").bind(id),
    env.DB.prepare("SELECT count(*) AS n FROM suppressed_identities WHERE namespace_id = ?").bind(id),
    env.DB.prepare("SELECT count(*) AS n FROM lead_tombstones WHERE namespace_id = ? AND reason = 'erased'").bind(id),
    env.DB.prepare("SELECT count(*) AS n FROM lead_identities WHERE namespace_id = ?").bind(id),
    env.DB.prepare("SELECT count(*) AS n FROM connected_accounts WHERE namespace_id = ?").bind(id),
  ];
  const tables = (await env.DB.batch(statements)).map((r) => r.results);
  const leads = await Promise.all(f.leadIds.map(async (leadId) => (await env.LEAD.get(env.LEAD.idFromString(leadId)).summary())?.eventCount));
  return JSON.stringify({ tables, leads });
}

let uninstall: (() => void) | undefined;
let fixture: Fixture;

beforeAll(async () => {
  // Destinations the fuzz creates point at this sink; any other host fails like a dead network.
  uninstall = installFakes(new FakeService("sink.fake", () => Response.json({ ok: true })));
  const tenant = await newTenant("fuzz");
  for (const userId of POOL) await send(tenant, "/v1/identify", { userId, traits: { email: `${userId}@fz.test` } });
  const leadIds = await Promise.all(POOL.map(async (u) => (await api(tenant, `/api/leads/lookup?userId=${u}`)).body.lead.id as string));
  const rule = await apiSend(tenant, "POST", "/api/scoring-rules", { event: "Signup", points: 5 });
  const destination = await apiSend(tenant, "POST", "/api/destinations", { name: "d", type: "webhook", config: { url: "https://sink.fake/d" } });
  const automation = await apiSend(tenant, "POST", "/api/automations", { name: "a", trigger: { type: "score_crosses", score: 500 }, action: { type: "webhook", url: "https://sink.fake/a" } });
  fixture = {
    tenant,
    leadIds,
    ruleId: rule.body.rule.id,
    destinationId: destination.body.destination.id,
    automationId: automation.body.automation.id,
  };
});

afterAll(() => uninstall?.());

describe("fuzz", () => {
  it(`${CASES} generated requests (seed ${SEED}): never a 5xx, and a rejected request changes nothing`, async () => {
    const byStatus = new Map<number, number>();
    const byRoute = new Map<string, number>();
    const failures: string[] = [];
    let before = await fingerprint(fixture);
    let dirty = false;
    for (let n = 0; n < CASES; n++) {
      const c = generate(fixture);
      if (dirty) before = await fingerprint(fixture);
      const res = await call(c.path, { method: c.method, headers: headersFor(c, fixture), body: c.method === "GET" || c.method === "OPTIONS" ? undefined : c.body });
      const text = await res.text();
      byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
      const route = `${c.method} ${c.path.split("?")[0]!.replace(/[0-9a-f]{64}|[0-9a-f-]{36}/g, ":id").slice(0, 40)}`;
      byRoute.set(route, (byRoute.get(route) ?? 0) + 1);
      const describeCase = () => `#${n} ${c.method} ${c.path.slice(0, 120)} (${c.auth}) → ${res.status} ${text.slice(0, 200)}`;
      if (res.status >= 500) failures.push(`5xx: ${describeCase()}`);
      if (res.status !== 204 && (res.headers.get("Content-Type") ?? "").includes("json")) {
        try {
          JSON.parse(text);
        } catch {
          failures.push(`not JSON: ${describeCase()}`);
        }
      } else if (res.status !== 204 && !isFrontDoor(c)) failures.push(`not a JSON answer: ${describeCase()}`);
      if (res.status >= 400 && res.status < 500) {
        const after = await fingerprint(fixture);
        if (after !== before) failures.push(`changed state: ${describeCase()}`);
        before = after;
        dirty = false;
      } else dirty = true;
      if (failures.length >= 10) break;
    }
    const distribution = Object.fromEntries([...byStatus].sort(([a], [b]) => a - b));
    console.log(`fuzz: ${CASES} cases, seed ${SEED}, routes ${byRoute.size}, by status ${JSON.stringify(distribution)}`);
    expect(failures).toEqual([]);
    expect([...byStatus.keys()].some((s) => s >= 200 && s < 300)).toBe(true); // the generator also makes valid requests
    // Whatever was sent, every pool lead still reads back.
    for (const leadId of fixture.leadIds) {
      for (const view of ["", "/timeline?limit=1000", "/export"]) expect((await api(fixture.tenant, `/api/leads/${leadId}${view}`)).status, `${leadId}${view}`).toBe(200);
    }
    // Thousands of sequential calls, each followed by a D1 fingerprint: about a minute alone, more beside other files.
  }, 240_000);
});

/** GET / is the console's front door: a page, not a JSON answer. */
function isFrontDoor(c: { method: string; path: string }): boolean {
  return (c.method === "GET" || c.method === "HEAD") && c.path.split("?")[0] === "/";
}
