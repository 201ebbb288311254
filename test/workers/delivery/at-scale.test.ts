import { afterEach, describe, expect, it } from "vitest";
import { api, apiSend, eventually, newTenant, send } from "../helpers";
import { installFakes } from "../../fakes/fake-service";
import { webhookReceiver } from "../../fakes/services";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

const LEADS = 50;
const EVENTS = 1000;

describe("delivery at scale", () => {
  it("1,000 events to a webhook failing 30% of calls: every messageId arrives, in order per lead, duplicates only as retries", async () => {
    const hook = webhookReceiver();
    // 30% of calls fail with 503 after the receiver processed them, so retries arrive as
    // duplicates; never more than 4 times for one event (the sender tries 8 times).
    hook.failShare(0.3, { received: true, maxPerKey: 4 });
    uninstall = installFakes(hook);
    const t = await newTenant();
    const created = await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    const destinationId = created.body.destination.id;

    const start = Date.now() - 3_600_000;
    const sent: string[] = [];
    // Ten events per batch request, each batch for one lead, interleaving leads.
    for (let round = 0; round < EVENTS / LEADS / 10; round++) {
      await Promise.all(
        Array.from({ length: LEADS }, (_, lead) => {
          const batch = Array.from({ length: 10 }, (_, k) => {
            const n = round * 10 + k;
            const messageId = `scale-${lead}-${n}`;
            sent.push(messageId);
            return { type: "track", userId: `scale-${lead}`, event: "Email Opened", messageId, timestamp: new Date(start + n * 1000).toISOString() };
          });
          return send(t, "/v1/batch", { batch });
        }),
      );
    }
    expect(sent).toHaveLength(EVENTS);

    const began = Date.now();
    await eventually(async () => {
      const received = new Set(hook.requests.map((r) => JSON.parse(r.body)).filter((b) => b.type === "event").map((b) => b.messageId));
      expect(received.size).toBe(EVENTS);
    }, 110_000, 500);
    const elapsed = Date.now() - began;

    const events = hook.requests.map((r) => ({ body: JSON.parse(r.body), key: r.headers.get("Idempotency-Key") })).filter((e) => e.body.type === "event");
    const counts = new Map<string, number>();
    for (const e of events) {
      expect(e.key).toBe(e.body.messageId);
      counts.set(e.body.messageId, (counts.get(e.body.messageId) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...sent].sort());
    const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
    // Every repeat follows a failed call: nothing is sent twice that was acknowledged.
    expect(duplicates).toBeLessThanOrEqual(hook.failed);

    // Per lead, first deliveries follow the order the events were accepted in.
    for (let lead = 0; lead < LEADS; lead++) {
      const firstSeen: number[] = [];
      for (const e of events) {
        const match = /^scale-(\d+)-(\d+)$/.exec(e.body.messageId)!;
        if (Number(match[1]) === lead && !firstSeen.includes(Number(match[2]))) firstSeen.push(Number(match[2]));
      }
      expect(firstSeen).toEqual([...firstSeen].sort((a, b) => a - b));
    }

    const log = (await api(t, `/api/destinations/${destinationId}/deliveries?limit=1`)).body.counts;
    expect(log.dead ?? 0).toBe(0);
    console.log(
      `delivery at scale: ${EVENTS} events, ${hook.requests.length} webhook calls, ${hook.failed} failed (503), ` +
        `${events.length} event deliveries received, ${duplicates} duplicates (same Idempotency-Key), all delivered ${elapsed} ms after the last ingest`,
    );
  }, 120_000);
});
