import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, adminHeaders, api, call, leadByUserId, newTenant, send } from "../helpers";

describe("namespace isolation", () => {
  it("answers 404 for a lead of another namespace, by id and by lookup", async () => {
    const a = await newTenant("a");
    const b = await newTenant("b");
    await send(a, "/v1/track", { userId: "shared-user", event: "Signup" });
    const lead = await leadByUserId(a, "shared-user");
    expect((await api(b, `/api/leads/${lead.id}`)).status).toBe(404);
    expect((await api(b, `/api/leads/${lead.id}/timeline`)).status).toBe(404);
    expect((await api(b, "/api/leads/lookup?userId=shared-user")).status).toBe(404);
  });

  it("keeps the same userId in two namespaces as two leads", async () => {
    const a = await newTenant("a");
    const b = await newTenant("b");
    await send(a, "/v1/track", { userId: "same", event: "Signup" });
    await send(b, "/v1/track", { userId: "same", event: "Download" });
    const leadA = await leadByUserId(a, "same");
    const leadB = await leadByUserId(b, "same");
    expect(leadA.id).not.toBe(leadB.id);
    expect([leadA.behaviourScore, leadB.behaviourScore]).toEqual([20, 10]);
  });

  it("404 for a well-formed id that was never a lead, 400 for a malformed one", async () => {
    const t = await newTenant();
    expect((await api(t, `/api/leads/${"0".repeat(64)}`)).status).toBe(404);
    const bad = await api(t, "/api/leads/not-an-id");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("id");
  });
});

describe("management auth", () => {
  it("lets the admin token read any namespace named by ?namespace=", async () => {
    const t = await newTenant();
    await send(t, "/v1/track", { userId: "adm", event: "Signup" });
    const res = await call(`/api/leads/lookup?userId=adm&namespace=${t.namespace}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const noNamespace = await call("/api/leads/lookup?userId=adm", { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(noNamespace.status).toBe(400);
  });

  it("401 without a key, with a wrong key, or with a write key", async () => {
    const t = await newTenant();
    expect((await call("/api/leads/lookup?userId=x")).status).toBe(401);
    expect((await call("/api/leads/lookup?userId=x", { headers: { Authorization: "Bearer lf_wrong" } })).status).toBe(401);
    expect((await call("/api/leads/lookup?userId=x", { headers: { Authorization: `Bearer ${t.writeKey}` } })).status).toBe(401);
  });

  it("keeps namespace administration to the admin token", async () => {
    const t = await newTenant();
    const withApiKey = await call("/api/namespaces", {
      method: "POST",
      headers: { Authorization: `Bearer ${t.apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "sneaky" }),
    });
    expect(withApiKey.status).toBe(403);
  });

  it("validates namespace names and refuses duplicates", async () => {
    const bad = await call("/api/namespaces", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "Bad Name" }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.details[0].path).toBe("name");
    const first = await call("/api/namespaces", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "twice" }) });
    expect(first.status).toBe(201);
    const second = await call("/api/namespaces", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "twice" }) });
    expect(second.status).toBe(409);
  });

  it("stores keys hashed and shows them once", async () => {
    const t = await newTenant();
    const { env } = await import("cloudflare:workers");
    const rows = await env.DB.prepare("SELECT key_hash, key_prefix FROM api_keys").all<{ key_hash: string; key_prefix: string }>();
    const mine = rows.results.find((r) => t.apiKey.startsWith(r.key_prefix) && r.key_hash !== t.apiKey);
    expect(mine).toBeDefined();
    expect(rows.results.some((r) => r.key_hash === t.apiKey)).toBe(false);
    const sources = await env.DB.prepare("SELECT write_key_hash FROM sources").all<{ write_key_hash: string }>();
    expect(sources.results.some((r) => r.write_key_hash === t.writeKey)).toBe(false);
    expect(sources.results.some((r) => /^[0-9a-f]{64}$/.test(r.write_key_hash))).toBe(true);
  });
});
