/**
 * Issue 26: one authorization policy for every route. The routes come from
 * the router itself (so a new route cannot be missed), each is looked up in
 * the policy (src/http/policy.ts), and each is called with every kind of
 * credential an attacker might hold: none, another namespace's key, a revoked
 * key, a rotated key after its grace, a read-only key, a full key, an org
 * key, a write key, a webhook secret, the admin token. Each call must end
 * exactly as the policy declares: let in, or refused by the authorize step.
 */
import { inspectRoutes } from "hono/dev";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { POLICY, policyFor, type PolicyRule } from "../../src/http/policy";
import { adminHeaders, ADMIN_TOKEN, apiSend, basic, call, newOrg, newTenant, type OrgClient, type Tenant } from "../workers/helpers";
import { addWebhookSource, type WebhookSource } from "../workers/outreach-helpers";

const routes = inspectRoutes(app)
  .filter((route) => !route.isMiddleware)
  .map(({ method, path }) => ({ method, path }));

describe("the policy covers the router", () => {
  it("has a rule for every registered route", () => {
    const missing = routes.filter(({ method, path }) => policyFor(method, path) === undefined).map(({ method, path }) => `${method} ${path}`);
    expect(missing, "routes without a policy rule (add them to src/http/policy.ts)").toEqual([]);
  });

  it("has no rule for a route that does not exist", () => {
    const registered = new Set(routes.map(({ method, path }) => `${method} ${withoutParamPatterns(path)}`));
    const stale = POLICY.filter((rule) => !registered.has(`${rule.method} ${rule.path}`)).map((rule) => `${rule.method} ${rule.path}`);
    expect(stale).toEqual([]);
  });

  it("refuses a request no rule matches, like an unknown route", async () => {
    const res = await call("/api/nothing-here", { headers: adminHeaders() });
    expect(res.status).toBe(404);
  });
});

type Kind =
  | "none"
  | "other namespace's key"
  | "revoked key"
  | "rotated key after its grace"
  | "read-only key"
  | "full key"
  | "org key"
  | "write key"
  | "webhook secret"
  | "admin token";

const KINDS: Kind[] = [
  "none",
  "other namespace's key",
  "revoked key",
  "rotated key after its grace",
  "read-only key",
  "full key",
  "org key",
  "write key",
  "webhook secret",
  "admin token",
];

interface Keys {
  tenant: Tenant;
  other: Tenant;
  readOnly: string;
  revoked: string;
  rotatedOut: string;
  org: OrgClient;
  webhooks: Record<"lemlist" | "smartlead", WebhookSource>;
}

let keys: Keys;

beforeAll(async () => {
  const tenant = await newTenant("matrix");
  const other = await newTenant("matrix-other");
  const readOnly = await adminKey(tenant, "read");
  const revoked = await adminKey(tenant, "write");
  const revokedId = await keyId(tenant, revoked);
  const gone = await call(`/api/namespaces/${tenant.namespace}/api-keys/${revokedId}`, { method: "DELETE", headers: adminHeaders() });
  expect(gone.status).toBe(200);
  const rotatedOut = await adminKey(tenant, "write");
  const rotated = await call(`/api/namespaces/${tenant.namespace}/api-keys/${await keyId(tenant, rotatedOut)}/rotate`, {
    method: "POST",
    headers: adminHeaders(),
    body: JSON.stringify({ graceSeconds: 0 }),
  });
  expect(rotated.status).toBe(200);
  const webhooks = { lemlist: await addWebhookSource(tenant, "lemlist"), smartlead: await addWebhookSource(tenant, "smartlead") };
  keys = { tenant, other, readOnly, revoked, rotatedOut, org: await newOrg(tenant), webhooks };
});

/** What the policy says a credential of this kind gets on this rule. */
function expected(rule: PolicyRule, kind: Kind): "let in" | "refused" | "not found" {
  const allows = (credential: PolicyRule["allow"][number]) => rule.allow.includes(credential);
  const publicOnly = rule.allow.length === 1 && allows("public");
  switch (kind) {
    case "none":
      return allows("public") ? "let in" : "refused";
    case "revoked key":
    case "rotated key after its grace":
      // A public route ignores credentials; one that also takes keys checks the one presented.
      return publicOnly ? "let in" : "refused";
    case "other namespace's key":
      if (publicOnly) return "let in";
      if (!allows("api-key")) return "refused";
      // Its own namespace's routes are its to call; a path naming this tenant's namespace is not found.
      return rule.actsOn === "namespace" && rule.path.includes(":name") ? "not found" : "let in";
    case "read-only key":
      return publicOnly || (allows("api-key") && rule.scope === "read") ? "let in" : "refused";
    case "full key":
      return publicOnly || allows("api-key") ? "let in" : "refused";
    case "org key":
      return publicOnly || allows("org-key") ? "let in" : "refused";
    case "write key":
      return allows("public") || allows("write-key") ? "let in" : "refused";
    case "webhook secret":
      return allows("public") || allows("webhook") ? "let in" : "refused";
    case "admin token":
      return publicOnly || allows("admin") ? "let in" : "refused";
  }
}

function request(rule: PolicyRule, kind: Kind): { path: string; init: RequestInit } {
  const { tenant, other, org } = keys;
  const webhook = keys.webhooks[rule.platform ?? "lemlist"];
  const params: Record<string, string> = {
    name: tenant.namespace,
    id: "00000000-0000-4000-8000-000000000000",
    jobId: "00000000-0000-4000-8000-000000000000",
    sourceId: kind === "webhook secret" ? webhook.id : "00000000-0000-4000-8000-000000000000",
    writeKey: kind === "write key" ? tenant.writeKey : "wk_not_a_key",
    namespace: "campaign-matrix",
    file: "000000000000.js",
  };
  let path = rule.path.replace(/:(\w+)/g, (_, name: string) => params[name] ?? "x").replace(/\*$/, "x");
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const bearer = (key: string) => (headers.Authorization = `Bearer ${key}`);
  switch (kind) {
    case "none":
      break;
    case "other namespace's key":
      bearer(other.apiKey);
      break;
    case "revoked key":
      bearer(keys.revoked);
      break;
    case "rotated key after its grace":
      bearer(keys.rotatedOut);
      break;
    case "read-only key":
      bearer(keys.readOnly);
      break;
    case "full key":
      bearer(tenant.apiKey);
      break;
    case "org key":
      Object.assign(headers, { "X-API-Key": org.apiKey, "X-Org-Id": org.clerkOrgId, "X-App-Id": org.appId });
      break;
    case "write key":
      headers.Authorization = basic(tenant.writeKey);
      break;
    case "webhook secret":
      headers["X-Leadflare-Secret"] = webhook.secret;
      break;
    case "admin token":
      bearer(ADMIN_TOKEN);
      path += `${path.includes("?") ? "&" : "?"}namespace=${tenant.namespace}`;
      break;
  }
  const body = rule.method === "GET" || rule.method === "HEAD" ? undefined : "{}";
  return { path, init: { method: rule.method, headers, body } };
}

/** Refused by the authorize step: no valid credential (401), the wrong scope or org (403). */
function refusal(status: number, code: string | undefined): boolean {
  return status === 401 || (status === 403 && (code === "read_only_key" || code === "forbidden"));
}

describe("every route × every credential", () => {
  it("ends each call as the policy declares", async () => {
    const cases = POLICY.flatMap((rule) => KINDS.map((kind) => ({ rule, kind })));
    const wrong: string[] = [];
    // A few calls at a time: some admitted calls start work (rescores, syncs) that the others need not wait behind.
    for (let i = 0; i < cases.length; i += 8) {
      await Promise.all(
        cases.slice(i, i + 8).map(async ({ rule, kind }) => {
          const { path, init } = request(rule, kind);
          const res = await call(path, init);
          const text = await res.text();
          const code = parseCode(text);
          const want = expected(rule, kind);
          const got = refusal(res.status, code) ? "refused" : res.status === 404 && code === "not_found" && want === "not found" ? "not found" : "let in";
          const routeMissing = res.status === 404 && code === "not_found" && text.includes("no route for");
          if (got !== want || routeMissing) wrong.push(`${rule.method} ${rule.path} with ${kind}: expected ${want}, got ${res.status} ${text.slice(0, 160)}`);
        }),
      );
    }
    expect(wrong).toEqual([]);
    // The closing note quotes these.
    console.info(`authorization matrix: ${POLICY.length} routes × ${KINDS.length} credentials = ${cases.length} calls`);
  });
});

describe("credentials the policy does not name for a surface", () => {
  it("refuses an org key without its X-Org-Id and X-App-Id, on the native and the seed routes", async () => {
    const { org } = keys;
    for (const path of ["/leads", "/compat/lead-service/leads"]) {
      const res = await call(path, { headers: { "X-API-Key": org.apiKey } });
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as any;
      expect(body.error.details.map((d: any) => d.path)).toEqual(["headers.X-Org-Id", "headers.X-App-Id"]);
    }
  });

  it("refuses an org key on the lead-scoring seed and Cairo (it is no namespace key)", async () => {
    const { org } = keys;
    const headers = { "X-API-Key": org.apiKey, "X-Org-Id": org.clerkOrgId, "X-App-Id": org.appId };
    for (const path of ["/compat/lead-scoring/api/leads", "/compat/cairo/api/namespaces", "/api/leads"]) {
      const res = await call(path, { headers });
      expect(res.status, path).toBe(403);
      expect(((await res.json()) as any).error.code, path).toBe("forbidden");
    }
  });

  it("writes nothing through /compat with a read-only key", async () => {
    const { tenant, readOnly } = keys;
    const rule = { name: "matrix rule", event: "Matrix Event", points: 5 };
    const refused = await call("/compat/lead-scoring/api/scoring-rules", { method: "POST", headers: { "X-API-Key": readOnly, "Content-Type": "application/json" }, body: JSON.stringify(rule) });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any).error.code).toBe("read_only_key");
    const rules = await apiSend(tenant, "GET", "/api/scoring-rules");
    expect(JSON.stringify(rules.body)).not.toContain("Matrix Event");
  });

  it("keeps Cairo's error shape when the authorize step refuses", async () => {
    const res = await call("/compat/cairo/api/namespaces");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ success: false, error: { code: "unauthorized" } });
  });

  it("tells which enrichment providers are configured only to a caller with a key", async () => {
    const anonymous = (await (await call("/compat/cairo/health/detailed")).json()) as any;
    expect(anonymous.services.database).toBe("connected");
    expect(anonymous.services.enrichment).toBeUndefined();
    const keyed = (await (await call("/compat/cairo/health/detailed", { headers: { Authorization: `Bearer ${keys.tenant.apiKey}` } })).json()) as any;
    expect(keyed.services.enrichment).toBeDefined();
  });
});

async function adminKey(tenant: Tenant, scope: "read" | "write"): Promise<string> {
  const res = await call(`/api/namespaces/${tenant.namespace}/api-keys`, { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: `matrix-${scope}`, scope }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

async function keyId(tenant: Tenant, key: string): Promise<string> {
  const res = await call(`/api/namespaces/${tenant.namespace}/api-keys`, { headers: adminHeaders() });
  const { apiKeys } = (await res.json()) as { apiKeys: { id: string; prefix: string }[] };
  return apiKeys.find((k) => key.startsWith(k.prefix))!.id;
}

function parseCode(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

function withoutParamPatterns(path: string): string {
  return path.replace(/(:\w+)\{[^/]*\}/g, "$1");
}
