/**
 * Issue 15, item 1: deep nesting. A message nested a few thousand levels
 * parses fine but overflows the stack wherever it is written out again, so it
 * used to be stored and then break the lead's timeline and export for good.
 */
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { api, call, leadByUserId, newTenant, send } from "../workers/helpers";
import { leadObjectName } from "../../src/ingest/lead-name";
import { MAX_NESTING_DEPTH, TOO_DEEP_MARKER } from "../../src/ingest/nesting";
import type { LeadObject } from "../../durable/lead-object";

/** `{"a":{"a":…"leaf"}}` with `levels` objects, or as many arrays, as JSON text (JSON.stringify could not write the deep ones). */
function nestedText(levels: number, asArray: boolean): string {
  return asArray ? `${"[".repeat(levels)}"leaf"${"]".repeat(levels)}` : `${'{"a":'.repeat(levels)}"leaf"${"}".repeat(levels)}`;
}

describe("deep nesting", () => {
  it.each([
    ["objects", 2_500, false],
    ["arrays", 10_000, true],
  ] as const)("refuses properties nested %s deep (%i levels) with a 400 naming the path, and the lead stays readable", async (_kind, levels, asArray) => {
    const t = await newTenant();
    await send(t, "/v1/track", { userId: "victim", event: "Signup" });
    const attack = `{"userId":"victim","event":"Signup","properties":{"x":${nestedText(levels, asArray)}}}`;
    expect(attack.length).toBeLessThan(32 * 1024);

    const res = await send(t, "/v1/track", attack);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as any;
    expect(error.code).toBe("nested_too_deep");
    // The path names where the limit is passed: properties, x, then the nesting itself.
    const path: string = error.details[0].path;
    expect(path.startsWith("properties.x.")).toBe(true);
    expect(path.split(".")).toHaveLength(MAX_NESTING_DEPTH);
    expect(error.message).toContain(`${MAX_NESTING_DEPTH} levels`);

    // The same message in a batch is refused as a whole, naming its index.
    const batch = await send(t, "/v1/batch", `{"batch":[{"type":"track","userId":"victim","event":"Deep","properties":${nestedText(levels, asArray)}}]}`);
    expect(batch.status).toBe(400);
    expect(((await batch.json()) as any).error.details[0].path).toMatch(/^batch\.0\.properties\./);

    const lead = await leadByUserId(t, "victim");
    expect(lead.eventCount).toBe(1);
    expect((await api(t, `/api/leads/${lead.id}/timeline`)).status).toBe(200);
    expect((await api(t, `/api/leads/${lead.id}/export`)).status).toBe(200);
  });

  it("takes a message nested exactly to the limit, and refuses one level more", async () => {
    const t = await newTenant();
    // The message is level 1, properties level 2: 30 more levels fit.
    const fits = await send(t, "/v1/track", `{"userId":"edge","event":"Signup","properties":${nestedText(MAX_NESTING_DEPTH - 1, false)}}`);
    expect(fits.status).toBe(200);
    const over = await send(t, "/v1/track", `{"userId":"edge","event":"Signup","properties":${nestedText(MAX_NESTING_DEPTH, false)}}`);
    expect(over.status).toBe(400);
    // Envelope context is merged into every message: it is held to the same limit.
    const deepContext = await send(t, "/v1/batch", `{"context":${nestedText(MAX_NESTING_DEPTH, false)},"batch":[{"type":"track","userId":"edge","event":"Signup"}]}`);
    expect(deepContext.status).toBe(400);
    expect(((await deepContext.json()) as any).error.details[0].path).toMatch(/^context\.a\./);
    expect((await leadByUserId(t, "edge")).eventCount).toBe(1);
  });

  it("refuses deep bodies on management routes too", async () => {
    const t = await newTenant();
    const res = await call("/api/destinations", {
      method: "POST",
      headers: { Authorization: `Bearer ${t.apiKey}`, "Content-Type": "application/json" },
      body: `{"name":"d","type":"webhook","config":{"url":"https://sink.fake/x","extra":${nestedText(5_000, true)}}}`,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe("nested_too_deep");
  });

  it("reads back an event stored deep before the limit held: timeline and export answer 200, the deep part replaced", async () => {
    const t = await newTenant();
    await send(t, "/v1/track", { userId: "legacy", event: "Signup", messageId: "ok-1" });
    const lead = await leadByUserId(t, "legacy");
    // Written straight into the lead's log, as an older version of the Worker stored it.
    const stub = env.LEAD.getByName(leadObjectName(t.namespaceId, "userId", "legacy"));
    await runInDurableObject(stub, (_instance: LeadObject, state) => {
      const body = `{"type":"track","event":"Signup","userId":"legacy","properties":${nestedText(10_000, true)}}`;
      state.storage.sql.exec(
        "INSERT INTO events (message_id, seq, ord, ts, type, name, received_at, points, running_score, body, base_points) VALUES ('deep-1', 0, 'deep-1', ?, 'track', 'signup', ?, 0, 20, ?, 0)",
        Date.now() + 1,
        Date.now(),
        body,
      );
    });
    const timeline = await api(t, `/api/leads/${lead.id}/timeline`);
    expect(timeline.status).toBe(200);
    const deepEntry = timeline.body.entries.find((e: any) => e.messageId === "deep-1");
    expect(JSON.stringify(deepEntry.event)).toContain(TOO_DEEP_MARKER);
    expect(JSON.stringify(deepEntry.event).length).toBeLessThan(1_000);
    const exported = await api(t, `/api/leads/${lead.id}/export`);
    expect(exported.status).toBe(200);
  });
});
