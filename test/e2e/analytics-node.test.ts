// End to end, as a user runs it: `wrangler dev` on a fresh local state, the
// real @segment/analytics-node client sending 1,000 events for 50 users, and
// every lead read back through the management API.
import { mkdtempSync, rmSync } from "node:fs";
import { freePort } from "../setup/free-port.ts";
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
// 5% a day from the 8th quiet day on: 160 × 0.95 = 152, × 0.95 = 144.4.
const EXPECTED_SCORE_AFTER_TWO_DECAY_DAYS = 144.4;
const DAY_MS = 86_400_000;

let server: Awaited<ReturnType<typeof startDev>>;
let stateDir: string;


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

/** Sends the PLAN for `users` users as analytics-node does, one event a minute per user from `start`. */
async function sendScenario(prefix: string, users: number, start: number) {
  const analytics = new Analytics({ writeKey: DEV.writeKey, host: server.url, flushAt: 50, flushInterval: 200 });
  const failures: unknown[] = [];
  analytics.on("error", (error) => failures.push(error));
  for (let i = 0; i < EVENTS_PER_USER; i++) {
    for (let u = 0; u < users; u++) {
      const userId = `${prefix}-${u}`;
      const step = PLAN[i % PLAN.length]!;
      const timestamp = new Date(start + i * 60_000 + u);
      if (step.kind === "page") analytics.page({ userId, name: "Pricing", properties: { path: "/pricing" }, timestamp });
      else if (step.kind === "identify") analytics.identify({ userId, traits: { email: `${prefix}${u}@example.com` }, timestamp });
      else analytics.track({ userId, event: step.event, timestamp });
    }
  }
  await analytics.closeAndFlush({ timeout: 60_000 });
  expect(failures).toEqual([]);
}

describe("@segment/analytics-node against wrangler dev", () => {
  it("lands 1,000 events for 50 users exactly once, scored by the default rules", async () => {
    // The last event a minute ago: nothing has decayed, whatever the date.
    await sendScenario("e2e-user", USERS, Date.now() - EVENTS_PER_USER * 60_000);
    for (let u = 0; u < USERS; u++) {
      const lead = await lookup(`e2e-user-${u}`);
      expect(lead.eventCount).toBe(EVENTS_PER_USER);
      expect(lead.behaviourScore).toBe(EXPECTED_SCORE);
      expect(lead.stage).toBe("qualified");
      expect(lead.identities).toContainEqual({ kind: "email", value: `e2e-user${u}@example.com` });
    }
  });

  it("decays the same scenario sent 10 days ago by exactly two days' worth", async () => {
    // The last event lands 10 days minus 19 minutes ago: the decay steps due 8
    // and 9 days after it have passed, the one due at 10 days has not.
    await sendScenario("e2e-quiet", 5, Date.now() - 10 * DAY_MS);
    for (let u = 0; u < 5; u++) {
      const lead = await lookup(`e2e-quiet-${u}`);
      expect(lead.eventCount).toBe(EVENTS_PER_USER);
      expect(lead.behaviourScore).toBe(EXPECTED_SCORE_AFTER_TWO_DECAY_DAYS);
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
