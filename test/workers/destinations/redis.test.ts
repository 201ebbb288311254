import { afterEach, describe, expect, it } from "vitest";
import { eventually, leadByUserId, newTenant } from "../helpers";
import { addDestination, deliveries, destinationSuite, sendEvents } from "./warehouse-stream-suite";
import { installFakes } from "../../fakes/fake-service";
import { upstashFake } from "../../fakes/warehouses-streams";

const config = { url: "https://upstash.fake", token: "upstash-token", stream: "lf:events", keyPrefix: "lf:" };
const streamIds = (fake: ReturnType<typeof upstashFake>) => (fake.streams.get("lf:events") ?? []).map((entry) => entry.message_id!);

describe("Redis (Upstash) destination", () => {
  destinationSuite({
    type: "redis",
    config,
    fake: upstashFake,
    received: streamIds,
    // Commands: at most two per item (a change's HSET and ZADD), 500 items a call.
    itemsIn: (request) => (JSON.parse(request.body) as string[][]).length,
    maxItems: 1_000,
    permanent: { status: 400, body: JSON.stringify({ error: "ERR failed to parse pipeline request" }) },
    checkRequest(request, fake) {
      expect(request.url.pathname).toBe("/pipeline");
      expect(request.headers.get("Authorization")).toBe("Bearer upstash-token");
      const commands = JSON.parse(request.body) as string[][];
      expect(commands.length).toBeLessThanOrEqual(1_000);
      const xadd = commands.find((c) => c[0] === "EVAL");
      if (xadd) expect(xadd.slice(2, 5)).toEqual(["2", `lf:seen:${xadd[xadd.indexOf("message_id") + 1]}`, "lf:events"]);
      const entry = fake.streams.get("lf:events")![0]!;
      expect(entry).toMatchObject({ kind: "event", event_type: "track", lead_id: expect.any(String) });
    },
  });

  let uninstall: (() => void) | undefined;
  afterEach(() => uninstall?.());

  it("keeps each lead's hash and the score leaderboard current, and a pipeline sent again appends nothing twice", async () => {
    const fake = upstashFake();
    uninstall = installFakes(fake);
    const t = await newTenant("redis");
    const d = await addDestination(t, { name: "r", type: "redis", config });
    fake.loseNextAnswer();
    const ids = await sendEvents(t, "h", 2, 6);
    await eventually(() => Promise.resolve(expect(new Set(streamIds(fake))).toEqual(new Set(ids))), 30_000, 200);
    await eventually(async () => expect(Object.keys((await deliveries(t, d.id)).counts)).toEqual(["delivered"]), 30_000, 200);
    expect(streamIds(fake)).toHaveLength(ids.length);
    const log = (await deliveries(t, d.id)).deliveries as any[];
    expect(Math.max(...log.map((row) => row.attempts)), "the lost answer made the sender try again").toBe(2);
    for (const user of ["h-u0", "h-u1"]) {
      const lead = await leadByUserId(t, user);
      await eventually(() => Promise.resolve(expect(fake.hashes.get(`lf:lead:${lead.id}`)).toMatchObject({ score: String(lead.score), stage: lead.stage })));
      expect(fake.zsets.get("lf:scores")!.get(lead.id)).toBe(lead.score);
    }
  });
});
