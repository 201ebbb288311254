// End to end, as a user runs it: `wrangler dev` on a fresh local state, the
// real @segment/analytics-node client sending 1,000 events for 50 users, and
// every lead read back through the management API.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Analytics } from "@segment/analytics-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV, prepareLocalState, startDev } from "../../scripts/local.mjs";

const USERS = 50;
const EVENTS_PER_USER = 20;
// Cycled per user: 20 events = 4 × (5 + 20 + 5 + 10 + 0) = 160 points (page calls count as page views).
const PLAN = [
  { kind: "page" },
  { kind: "track", event: "Signup" },
  { kind: "track", event: "Email Opened" },
  { kind: "track", event: "Email Replied" },
  { kind: "identify" },
] as const;
const EXPECTED_SCORE = 160;

let server: Awaited<ReturnType<typeof startDev>>;
let stateDir: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "leadflare-e2e-"));
  prepareLocalState(stateDir);
  server = await startDev({ port: await freePort(), persistTo: stateDir, stdio: "ignore" });
});

afterAll(() => {
  server?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

async function lookup(userId: string) {
  const res = await fetch(`${server.url}/api/leads/lookup?userId=${userId}`, {
    headers: { Authorization: `Bearer ${DEV.apiKey}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { lead: any }).lead;
}

describe("@segment/analytics-node against wrangler dev", () => {
  it("lands 1,000 events for 50 users exactly once, scored by the default rules", async () => {
    const analytics = new Analytics({ writeKey: DEV.writeKey, host: server.url, flushAt: 50, flushInterval: 200 });
    const failures: unknown[] = [];
    analytics.on("error", (error) => failures.push(error));

    const start = Date.UTC(2026, 10, 20, 8);
    for (let i = 0; i < EVENTS_PER_USER; i++) {
      for (let u = 0; u < USERS; u++) {
        const userId = `e2e-user-${u}`;
        const step = PLAN[i % PLAN.length]!;
        const timestamp = new Date(start + i * 60_000 + u);
        if (step.kind === "page") analytics.page({ userId, name: "Pricing", properties: { path: "/pricing" }, timestamp });
        else if (step.kind === "identify") analytics.identify({ userId, traits: { email: `user${u}@example.com` }, timestamp });
        else analytics.track({ userId, event: step.event, timestamp });
      }
    }
    await analytics.closeAndFlush({ timeout: 60_000 });
    expect(failures).toEqual([]);

    for (let u = 0; u < USERS; u++) {
      const lead = await lookup(`e2e-user-${u}`);
      expect(lead.eventCount).toBe(EVENTS_PER_USER);
      expect(lead.behaviourScore).toBe(EXPECTED_SCORE);
      expect(lead.stage).toBe("qualified");
      expect(lead.identities).toContainEqual({ kind: "email", value: `user${u}@example.com` });
    }
  });

  it("counts a batch re-sent by a retrying client once", async () => {
    const batch = [{ type: "track", userId: "e2e-retry", event: "Demo Request", messageId: "node-next-retry-1" }];
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await fetch(`${server.url}/v1/batch`, {
        method: "POST",
        headers: { Authorization: `Basic ${btoa(`${DEV.writeKey}:`)}`, "Content-Type": "application/json", "X-Retry-Count": String(attempt) },
        body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
      });
      expect(res.status).toBe(200);
    }
    const lead = await lookup("e2e-retry");
    expect(lead.eventCount).toBe(1);
    expect(lead.behaviourScore).toBe(50);
  });
});
