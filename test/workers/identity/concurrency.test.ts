import { describe, expect, it } from "vitest";
import { api, newTenant, send } from "../helpers";

const LEADS = 100;

describe("identity resolution under concurrency", () => {
  it("100 leads with anonymous events, an identify and more events, all fired at once, end exact", async () => {
    const t = await newTenant();
    const start = Date.now() - 86_400_000;
    const calls: Promise<Response>[] = [];
    for (let i = 0; i < LEADS; i++) {
      const anonymousId = `conc-anon-${i}`;
      const userId = `conc-user-${i}`;
      const ts = (minute: number) => new Date(start + i * 1000 + minute * 60_000).toISOString();
      calls.push(
        send(t, "/v1/page", { anonymousId, timestamp: ts(0) }),
        send(t, "/v1/page", { anonymousId, timestamp: ts(1) }),
        send(t, "/v1/page", { anonymousId, timestamp: ts(2) }),
        send(t, "/v1/identify", { userId, anonymousId, traits: { email: `conc${i}@example.com` }, timestamp: ts(3) }),
        send(t, "/v1/track", { userId, event: "Signup", timestamp: ts(4) }),
        send(t, "/v1/track", { userId, event: "Download", timestamp: ts(5) }),
        send(t, "/v1/track", { userId, anonymousId, event: "Email Opened", timestamp: ts(6) }),
        send(t, "/v1/page", { anonymousId, timestamp: ts(7) }),
        send(t, "/v1/page", { anonymousId, timestamp: ts(8) }),
      );
    }
    // Interleave the calls of different leads and of one lead's own steps.
    const responses = await Promise.all(calls.sort(() => Math.random() - 0.5));
    expect(responses.filter((r) => r.status !== 200)).toHaveLength(0);

    const leadIds = new Set<string>();
    for (let i = 0; i < LEADS; i++) {
      const found = await Promise.all(
        [`userId=conc-user-${i}`, `anonymousId=conc-anon-${i}`, `email=conc${i}@example.com`].map((q) => api(t, `/api/leads/lookup?${q}`)),
      );
      for (const { status } of found) expect(status).toBe(200);
      const [byUser, byAnon, byEmail] = found.map((f) => f.body.lead);
      expect(byAnon.id).toBe(byUser.id);
      expect(byEmail.id).toBe(byUser.id);
      expect(byUser.eventCount).toBe(9);
      expect(byUser.behaviourScore).toBe(5 * 5 + 20 + 10 + 5);
      leadIds.add(byUser.id);
    }
    expect(leadIds.size).toBe(LEADS);
    // 900 requests at once: a busy machine takes minutes over them (and nothing less exact).
  }, 240_000);
});
