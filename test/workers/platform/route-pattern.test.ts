import { describe, expect, it } from "vitest";
import { compilePattern, matchPattern } from "../../../src/http/route-pattern";
import { policyFor } from "../../../src/http/policy";

describe("route patterns", () => {
  it.each([
    ["/api/leads/:id", "/api/leads/abc", { id: "abc" }],
    ["/api/leads/:id", "/api/leads/abc/", { id: "abc" }],
    ["/api/leads/:id", "/api/leads", undefined],
    ["/api/leads/:id", "/api/leads/abc/timeline", undefined],
    ["/sdk/:file{[0-9a-f]{12}\\.js}", "/sdk/0123456789ab.js", { file: "0123456789ab.js" }],
    ["/app/*", "/app/", {}],
    ["/app/*", "/app/screens/leads.js", {}],
    ["/api/archive/files/*", "/api/archive/files/ns=a/2026/x.parquet", {}],
    ["/health", "/healthz", undefined],
  ])("%s against %s", (pattern, path, params) => {
    const matched = matchPattern(compilePattern(pattern), path);
    expect(matched === undefined ? undefined : { ...matched }).toEqual(params);
  });
});

describe("the policy's lookup", () => {
  it("takes the most specific rule where several match", () => {
    expect(policyFor("GET", "/api/leads/overview")?.rule.path).toBe("/api/leads/overview");
    expect(policyFor("GET", "/api/leads/0123")?.rule.path).toBe("/api/leads/:id");
    expect(policyFor("GET", "/api/destinations/catalogue")?.rule.path).toBe("/api/destinations/catalogue");
  });

  it("answers HEAD with GET's rule, and nothing for a method or path it does not name", () => {
    expect(policyFor("HEAD", "/sdk.js")?.rule.allow).toEqual(["public"]);
    expect(policyFor("PATCH", "/api/leads")).toBeUndefined();
    expect(policyFor("GET", "/api/unknown")).toBeUndefined();
  });

  it("hands the path's parameters to the authorize step", () => {
    expect({ ...policyFor("GET", "/api/namespaces/acme/stats")?.params }).toEqual({ name: "acme" });
  });
});
