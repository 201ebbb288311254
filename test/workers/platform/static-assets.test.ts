import { describe, expect, it } from "vitest";
import { call } from "../helpers";
import { DASHBOARD_CSP } from "../../../src/http/security-headers";

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("static assets served by the Worker", () => {
  it("serves /sdk.js with a short cache and the same bytes under an immutable content-hashed URL", async () => {
    const latest = await call("/sdk.js");
    expect(latest.status).toBe(200);
    expect(latest.headers.get("Content-Type")).toMatch(/javascript/);
    expect(latest.headers.get("Cache-Control")).toBe("public, max-age=300, stale-while-revalidate=86400");
    const bytes = await latest.arrayBuffer();
    expect(new TextDecoder().decode(bytes)).toContain("leadflare.js");

    const hash = (await sha256Hex(bytes)).slice(0, 12);
    const pinned = await call(`/sdk/${hash}.js`);
    expect(pinned.status).toBe(200);
    expect(pinned.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(await sha256Hex(await pinned.arrayBuffer())).toBe(await sha256Hex(bytes));
  });

  it("answers an unknown SDK version with the JSON 404", async () => {
    const res = await call("/sdk/000000000000.js");
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe("not_found");
  });

  it("serves the dashboard at /app/ and leaves the API routes to the Worker", async () => {
    const page = await call("/app/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("leadflare");
    // The page's own script and styles may load (the API's CSP forbids everything); framing stays forbidden.
    expect(page.headers.get("Content-Security-Policy")).toBe(DASHBOARD_CSP);
    expect(page.headers.get("X-Frame-Options")).toBe("DENY");
    expect((await call("/app/app.js")).headers.get("Content-Security-Policy")).toBe(DASHBOARD_CSP);
    const bare = await call("/app", { redirect: "manual" });
    expect([301, 307, 308]).toContain(bare.status);
    expect(new URL(bare.headers.get("Location")!, "https://leadflare.test").pathname).toBe("/app/");
    const health = await call("/health");
    expect(await health.json()).toEqual({ status: "ok" });
  });
});
