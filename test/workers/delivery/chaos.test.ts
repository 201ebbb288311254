import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { api, apiSend, eventually, interceptStubs, newTenant, send, type Tenant } from "../helpers";
import { installFakes } from "../../fakes/fake-service";
import { webhookReceiver } from "../../fakes/services";
import { leadObjectName } from "../../../src/ingest/lead-name";
import { OUTBOX_PARK_AFTER_TRIES } from "../../../durable/outbox";
import type { LeadObject } from "../../../durable/lead-object";

let uninstall: (() => void) | undefined;
/** The outbox logs each failed try and the parking as errors: expected here, so taken in and checked rather than printed. */
let errors: MockInstance<typeof console.error>;
beforeEach(() => {
  errors = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  uninstall?.();
  errors.mockRestore();
});
const logged = () => errors.mock.calls.map((args) => args.map(String).join(" "));

const recent = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();

/** Delivery shards that fail every hand-over (`take`) while `down`, counting the hand-overs they saw. */
class Outage {
  down = true;
  sends = 0;
  wrap(shards: Env["DELIVERY"]): Env["DELIVERY"] {
    return interceptStubs(shards, "take", async (_name, _args, take) => {
      this.sends++;
      if (this.down) throw new Error("delivery shard unavailable (chaos test)");
      return take();
    });
  }
}

/**
 * Puts the lead object's delivery shards behind `outage` and counts its alarm
 * runs, inside the running object (the object is not evicted by these tests).
 */
async function underOutage(t: Tenant, userId: string, outage: Outage): Promise<{ runs: () => number; id: string }> {
  const stub = env.LEAD.getByName(leadObjectName(t.namespaceId, "userId", userId));
  let runs = 0;
  await runInDurableObject(stub, (instance: LeadObject) => {
    const self = instance as unknown as { env: Env; alarm: () => Promise<void> };
    const realEnv = self.env;
    self.env = new Proxy(realEnv, { get: (target, key) => (key === "DELIVERY" ? outage.wrap(target.DELIVERY) : Reflect.get(target, key)) });
    const alarm = instance.alarm.bind(instance);
    self.alarm = async () => {
      runs++;
      return alarm();
    };
  });
  return { runs: () => runs, id: stub.id.toString() };
}

function eventIds(hook: ReturnType<typeof webhookReceiver>): string[] {
  return hook.requests.map((r) => JSON.parse(r.body)).filter((b) => b.type === "event").map((b) => b.messageId);
}

describe("outbox under unreachable delivery shards", () => {
  it("backs off while the shards fail (bounded alarm runs per lead), then delivers everything in order", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    const outage = new Outage();
    const leads = await Promise.all(["c0", "c1", "c2", "c3"].map((u) => underOutage(t, u, outage)));
    const sent: string[] = [];
    for (let i = 0; i < 3; i++) {
      for (const u of ["c0", "c1", "c2", "c3"]) {
        sent.push(`${u}-${i}`);
        await send(t, "/v1/track", { userId: u, event: "Signup", messageId: `${u}-${i}`, timestamp: recent(60 - i) });
      }
    }
    const OUTAGE_MS = 6_000;
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const runsDuringOutage = leads.map((l) => l.runs());
    // The outage is visible on the lead: a batch in flight, unsent, with its tries and the error.
    const status = (await api(t, `/api/leads/${leads[0]!.id}/outbox`)).body.outbox;
    expect(status.inFlight).toMatchObject({ sent: false, lastError: expect.stringContaining("delivery shard unavailable") });
    expect(status.inFlight.tries).toBeGreaterThanOrEqual(2);
    expect(status.parked).toEqual([]);
    expect(logged().filter((line) => line.includes("not handed over") && line.includes("delivery shard unavailable (chaos test)")).length).toBeGreaterThanOrEqual(2);
    outage.down = false;

    await eventually(() => Promise.resolve(expect([...eventIds(hook)].sort()).toEqual([...sent].sort())), 30_000);
    for (const u of ["c0", "c1", "c2", "c3"]) expect(eventIds(hook).filter((id) => id.startsWith(`${u}-`))).toEqual([0, 1, 2].map((i) => `${u}-${i}`));
    // Exponential backoff capped at DELIVERY_BACKOFF_CAP_MS (1 s in tests): about log2(cap/base) + outage/cap
    // runs, where a hot loop would run hundreds of times.
    for (const runs of runsDuringOutage) {
      expect(runs).toBeGreaterThanOrEqual(2);
      expect(runs).toBeLessThanOrEqual(16);
    }
    console.log(`outbox chaos: ${OUTAGE_MS} ms outage, alarm runs per lead ${runsDuringOutage.join(", ")}, ${outage.sends} hand-overs`);
    await eventually(async () => expect((await api(t, `/api/leads/${leads[0]!.id}/outbox`)).body.outbox).toMatchObject({ pending: 0, inFlight: null }));
  });

  it("parks a batch that fails every try as a dead letter, goes on with the next, and sends it again on request", async () => {
    const hook = webhookReceiver();
    uninstall = installFakes(hook);
    const t = await newTenant();
    await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    const outage = new Outage();
    const lead = await underOutage(t, "p0", outage);
    await send(t, "/v1/track", { userId: "p0", event: "Signup", messageId: "p0-0", timestamp: recent(30) });
    await eventually(async () => expect((await api(t, `/api/leads/${lead.id}/outbox`)).body.outbox.parked).toHaveLength(1), 45_000, 500);
    const parked = (await api(t, `/api/leads/${lead.id}/outbox`)).body.outbox;
    expect(parked.parked[0]).toMatchObject({ items: 2, tries: OUTBOX_PARK_AFTER_TRIES, lastError: expect.stringContaining("delivery shard unavailable") });
    expect(lead.runs()).toBeLessThanOrEqual(OUTBOX_PARK_AFTER_TRIES + 3);
    expect(outage.sends).toBe(OUTBOX_PARK_AFTER_TRIES);
    expect(logged().some((line) => line.includes(`parked after ${OUTBOX_PARK_AFTER_TRIES} tries`))).toBe(true);

    outage.down = false;
    await send(t, "/v1/track", { userId: "p0", event: "Download", messageId: "p0-1", timestamp: recent(20) });
    await eventually(() => Promise.resolve(expect(eventIds(hook)).toEqual(["p0-1"])));
    expect((await api(t, `/api/leads/${lead.id}/outbox`)).body.outbox.parked).toHaveLength(1);

    expect((await apiSend(t, "POST", `/api/leads/${lead.id}/outbox/retry`)).body).toEqual({ leadId: lead.id, retrying: 2 });
    await eventually(() => Promise.resolve(expect(eventIds(hook)).toEqual(["p0-1", "p0-0"])));
    await eventually(async () => expect((await api(t, `/api/leads/${lead.id}/outbox`)).body.outbox).toEqual({ pending: 0, inFlight: null, parked: [] }));
  }, 60_000);
});
