import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { adminHeaders, api, basic, call, newTenant, send, type Tenant } from "../helpers";
import { takeTokens } from "../../../src/limits/token-bucket";
import { SECURITY_HEADERS } from "../../../src/http/security-headers";

async function sourceIdOf(t: Tenant): Promise<string> {
  const res = await call(`/api/namespaces/${t.namespace}/sources`, { headers: adminHeaders() });
  return ((await res.json()) as any).sources[0].id;
}

/** An unspent lease of rate-limit tokens lapses after this long (LEASE_MS in src/http/rate-limit.ts). */
const LEASE_MS = 1_000;

function patch(path: string, body: unknown) {
  return call(path, { method: "PATCH", headers: adminHeaders(), body: JSON.stringify(body) });
}

describe("token bucket", () => {
  it("allows a burst of `limit`, then one request per refilled token", () => {
    const rate = { limit: 3, periodSeconds: 3 };
    let bucket;
    const decisions = [];
    for (let i = 0; i < 4; i++) {
      const taken = takeTokens(bucket, rate, 1000, 1);
      bucket = taken.bucket;
      decisions.push(taken.decision);
    }
    expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([[true, 2], [true, 1], [true, 0], [false, 0]]);
    expect(decisions[3]).toMatchObject({ retryAfterSeconds: 1, resetSeconds: 3 });
    expect(takeTokens(bucket, rate, 1999, 1).decision.allowed).toBe(false);
    expect(takeTokens(bucket, rate, 2000, 1).decision).toMatchObject({ allowed: true, remaining: 0 });
  });
});

describe("rate limits", () => {
  it("lets a key through exactly its limit while isolates take tokens in leases", async () => {
    // 500 per hour: leases of 5 tokens (1% of the limit), so most requests spend a local token.
    const t = await newTenant();
    const sourceId = await sourceIdOf(t);
    expect((await patch(`/api/namespaces/${t.namespace}/sources/${sourceId}`, { rateLimit: { limit: 500, periodSeconds: 3600 } })).status).toBe(200);
    const statuses: number[] = [];
    const began = Date.now();
    for (let round = 0; round < 13; round++) {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => send(t, "/v1/track", { userId: `lease-${i % 5}`, event: "Signup", messageId: `lease-${round}-${i}` })),
      );
      statuses.push(...answers.map((r) => r.status));
    }
    const elapsed = Date.now() - began;
    const allowed = statuses.filter((s) => s === 200).length;
    // Never more than the limit. A lease that lapses unspent (after LEASE_MS, 1 s) loses what is left of its 5
    // tokens: at most one lease a second, and one more, on a slow machine where the rounds took longer.
    expect(allowed).toBeLessThanOrEqual(500);
    expect(allowed).toBeGreaterThanOrEqual(500 - 5 * (1 + Math.ceil(elapsed / LEASE_MS)));
    expect(statuses.filter((s) => s === 429)).toHaveLength(520 - allowed);
    const stored = await Promise.all(Array.from({ length: 5 }, (_, i) => api(t, `/api/leads/lookup?userId=lease-${i}`)));
    expect(stored.reduce((n, r) => n + r.body.lead.eventCount, 0)).toBe(allowed);
  });

  it("a burst on one busy key costs its limiter about one call per lease, not one per request", async () => {
    // The tests' default: 1,000,000 a minute, so leases of 100 tokens.
    const t = await newTenant();
    const real = env.RATE_LIMITER;
    let takes = 0;
    (env as { RATE_LIMITER: typeof real }).RATE_LIMITER = new Proxy(real, {
      get(target, key) {
        if (key === "getByName")
          return (name: string) => {
            const stub = target.getByName(name);
            return new Proxy(stub, {
              get(s, k) {
                if (k === "take")
                  return (...args: Parameters<typeof stub.take>) => {
                    if (name.startsWith("source:")) takes++;
                    return s.take(...args);
                  };
                const value = Reflect.get(s, k);
                return typeof value === "function" ? value.bind(s) : value;
              },
            });
          };
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    try {
      // One request first: the isolate learns the key's limit.
      expect((await send(t, "/v1/track", { userId: "burst", event: "Signup", messageId: "burst-0" })).status).toBe(200);
      expect(takes).toBe(1);
      const began = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 300 }, (_, i) => send(t, "/v1/track", { userId: `burst-${i % 10}`, event: "Signup", messageId: `burst-${i + 1}` })),
      );
      const elapsed = Date.now() - began;
      expect(answers.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
      // 301 requests over leases of 100: a few renewals, however many requests arrived while one was under way, and
      // one per lease lapsed (at most one per LEASE_MS: more only where the burst took longer, on a slow machine).
      expect(takes).toBeGreaterThanOrEqual(3);
      expect(takes).toBeLessThanOrEqual(12 + Math.ceil(elapsed / LEASE_MS));
    } finally {
      (env as { RATE_LIMITER: typeof real }).RATE_LIMITER = real;
    }
  });

  it("limits each write key to its configured rate: X-RateLimit-* headers, then 429 with Retry-After, nothing stored", async () => {
    const t = await newTenant();
    const sourceId = await sourceIdOf(t);
    const set = await patch(`/api/namespaces/${t.namespace}/sources/${sourceId}`, { rateLimit: { limit: 3, periodSeconds: 3600 } });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ id: sourceId, rateLimit: { limit: 3, periodSeconds: 3600 } });

    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await send(t, "/v1/track", { userId: "u", event: "Signup", messageId: `m-${i}` }));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((r) => r.headers.get("X-RateLimit-Remaining"))).toEqual(["2", "1", "0", "0"]);
    expect(answers[0]!.headers.get("X-RateLimit-Limit")).toBe("3");
    const limited = answers[3]!;
    expect(Number(limited.headers.get("Retry-After"))).toBe(1200); // one token per 1200 s
    expect(Number(limited.headers.get("X-RateLimit-Reset"))).toBe(3600);
    expect(((await limited.json()) as any).error).toMatchObject({ code: "rate_limited", details: { limit: 3, retryAfterSeconds: 1200 } });
    expect(limited.headers.get("Access-Control-Expose-Headers")).toContain("Retry-After");
    expect(limited.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect((await api(t, "/api/leads/lookup?userId=u")).body.lead.eventCount).toBe(3);

    // Another source of the same namespace has its own bucket (the default).
    const second = await call(`/api/namespaces/${t.namespace}/sources`, { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "backend" }) });
    const { writeKey } = (await second.json()) as { writeKey: string };
    const other = await send({ ...t, writeKey }, "/v1/track", { userId: "u", event: "Signup", messageId: "m-9" });
    expect(other.status).toBe(200);
    expect(other.headers.get("X-RateLimit-Limit")).toBe("1000000");

    // Raising the limit takes effect on the next request; null goes back to the default.
    await patch(`/api/namespaces/${t.namespace}/sources/${sourceId}`, { rateLimit: { limit: 10, periodSeconds: 60 } });
    expect((await send(t, "/v1/track", { userId: "u", event: "Signup", messageId: "m-5" })).headers.get("X-RateLimit-Limit")).toBe("10");
    const reset = await patch(`/api/namespaces/${t.namespace}/sources/${sourceId}`, { rateLimit: null });
    expect(await reset.json()).toMatchObject({ rateLimit: null, effective: { limit: 1000000, periodSeconds: 60 } });
    expect((await send(t, "/v1/track", { userId: "u", event: "Signup", messageId: "m-6" })).status).toBe(200);
  });

  it("limits each API key; the admin token is not limited", async () => {
    const t = await newTenant();
    const keys = await call(`/api/namespaces/${t.namespace}/api-keys`, { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "dashboard" }) });
    const { apiKey, key } = (await keys.json()) as { apiKey: { id: string }; key: string };
    expect((await patch(`/api/namespaces/${t.namespace}/api-keys/${apiKey.id}`, { rateLimit: { limit: 2, periodSeconds: 60 } })).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call("/api/leads", { headers: { Authorization: `Bearer ${key}` } })).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await api(t, "/api/leads")).status).toBe(200); // the tenant's other key
    for (let i = 0; i < 5; i++) expect((await call(`/api/leads?namespace=${t.namespace}`, { headers: adminHeaders() })).status).toBe(200);
  });

  it("validates limit changes and keeps namespaces apart", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const sourceId = await sourceIdOf(t);
    const bad = await patch(`/api/namespaces/${t.namespace}/sources/${sourceId}`, { rateLimit: { limit: 0, periodSeconds: "60" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.details.map((d: any) => d.path)).toEqual(["rateLimit.limit", "rateLimit.periodSeconds"]);
    expect((await patch(`/api/namespaces/${other.namespace}/sources/${sourceId}`, { rateLimit: null })).status).toBe(404);
    expect((await patch(`/api/namespaces/${t.namespace}/sources/not-an-id`, { rateLimit: null })).status).toBe(400);
    const asTenant = await call(`/api/namespaces/${t.namespace}/sources/${sourceId}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${t.apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ rateLimit: null }),
    });
    expect(asTenant.status).toBe(403);
  });
});

describe("CORS and security headers", () => {
  it("lets any origin send to ingest, without credentials", async () => {
    const t = await newTenant();
    const preflight = await call("/v1/track", {
      method: "OPTIONS",
      headers: { Origin: "https://shop.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(preflight.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    const res = await call("/v1/track", {
      method: "POST",
      headers: { Origin: "https://shop.example", Authorization: basic(t.writeKey), "Content-Type": "text/plain" },
      body: JSON.stringify({ userId: "u", event: "Signup" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect((await call("/webhooks/anything", { method: "OPTIONS", headers: { Origin: "https://x.example", "Access-Control-Request-Method": "POST" } })).headers.get("Access-Control-Allow-Origin")).toBe("*");
  });

  it("answers the management API's preflight only for configured origins", async () => {
    const t = await newTenant();
    const preflight = (origin: string) =>
      call("/api/leads", { method: "OPTIONS", headers: { Origin: origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" } });
    const allowed = await preflight("https://app.leadflare.test");
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("https://app.leadflare.test");
    expect(allowed.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");
    expect((await preflight("https://admin.leadflare.test")).headers.get("Access-Control-Allow-Origin")).toBe("https://admin.leadflare.test");
    expect((await preflight("https://evil.example")).headers.get("Access-Control-Allow-Origin")).toBeNull();
    const read = await call("/api/leads", { headers: { Origin: "https://evil.example", Authorization: `Bearer ${t.apiKey}` } });
    expect(read.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("puts the security headers on every answer: success, errors, 404, preflight, 429", async () => {
    const t = await newTenant();
    const answers = [
      await call("/health"),
      await call("/nowhere"),
      await call("/api/leads"),
      await send(t, "/v1/track", "{not json"),
      await api(t, "/api/leads").then(() => call("/api/leads", { headers: { Authorization: `Bearer ${t.apiKey}` } })),
      await call("/v1/track", { method: "OPTIONS", headers: { Origin: "https://a.example", "Access-Control-Request-Method": "POST" } }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 404, 401, 400, 200, 204]);
    for (const res of answers) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), `${res.url} ${name}`).toBe(value);
    }
  });
});
