// The front door (`GET /` → the console) and empty query parameters, which
// mean "not set" on every route (README's `?stage=&grade=&…` examples).
import { describe, expect, it } from "vitest";
import { withoutEmpty } from "../../../src/schemas/query";
import { api, call, newTenant, send } from "../helpers";

describe("front door", () => {
  it("GET / redirects to the console", async () => {
    const res = await call("/", { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/app/");
  });
});

describe("empty query parameters mean not set", () => {
  const empty = "stage=&grade=&minScore=&updatedSince=&sort=&limit=&cursor=";

  it("GET /api/leads with every filter empty answers as with none", async () => {
    const t = await newTenant();
    expect((await send(t, "/v1/track", { userId: "front-door-1", event: "Signup" })).status).toBe(200);
    const plain = await api(t, "/api/leads");
    const emptied = await api(t, `/api/leads?${empty}`);
    expect(plain.status).toBe(200);
    expect(emptied.status).toBe(200);
    expect(emptied.body).toEqual(plain.body);
  });

  it("GET /api/leads/export.csv with every filter empty answers the CSV", async () => {
    const t = await newTenant();
    const res = await call(`/api/leads/export.csv?${empty}`, { headers: { Authorization: `Bearer ${t.apiKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toContain("text/csv");
    await res.text();
  });

  it("the other list and lookup queries too", async () => {
    const t = await newTenant();
    expect((await send(t, "/v1/track", { userId: "front-door-2", event: "Signup" })).status).toBe(200);
    for (const path of [
      "/api/leaderboard?limit=",
      "/api/leaderboard/by-stage?limit=",
      "/api/sync/jobs?limit=&status=",
      "/api/archive/files?from=&to=&manifests=",
      "/api/leads/lookup?userId=front-door-2&email=&anonymousId=",
    ]) {
      const { status, body } = await api(t, path);
      expect(status, `${path}: ${JSON.stringify(body)}`).toBe(200);
    }
  });

  it("a value that is given but wrong is still a 400 naming the field", async () => {
    const t = await newTenant();
    const { status, body } = await api(t, "/api/leads?stage=&minScore=lots");
    expect(status).toBe(400);
    expect(body.error.details.map((d: { path: string }) => d.path)).toEqual(["minScore"]);
  });

  it("withoutEmpty drops empty values, keeps the rest", () => {
    expect(withoutEmpty({ a: "", b: "x", c: ["", "y"], d: [""] })).toEqual({ b: "x", c: ["y"] });
    expect(withoutEmpty("x")).toBe("x");
  });
});
