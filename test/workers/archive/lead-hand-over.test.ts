import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { eventually, newTenant, send, type Tenant } from "../helpers";
import { readParquet } from "../../../src/archive/parquet";
import { leadObjectName } from "../../../src/ingest/lead-name";

/*
 * A lead gathers its rows for the archive as its shard gathers them for a
 * file (durable/lead-archive.ts): one hand-over per ARCHIVE_GATHER_MS (3 s in
 * the tests) however many events came meanwhile.
 */

let restore: (() => void) | undefined;
afterEach(() => restore?.());

/** The times this lead's rows were handed to its archive shard (the lead objects share this isolate's env). */
function handOversOf(leadId: string): number[] {
  const times: number[] = [];
  const real = env.ARCHIVE_SHARD;
  const counted = (name: string) => {
    const stub = real.getByName(name);
    return new Proxy(stub, {
      get(target, key) {
        if (key !== "accept") return Reflect.get(target, key);
        return (...args: Parameters<typeof stub.accept>) => {
          if (args[2] === leadId) times.push(Date.now());
          return target.accept(...args);
        };
      },
    });
  };
  (env as { ARCHIVE_SHARD: Env["ARCHIVE_SHARD"] }).ARCHIVE_SHARD = new Proxy(real, { get: (target, key) => (key === "getByName" ? counted : Reflect.get(target, key)) });
  restore = () => ((env as { ARCHIVE_SHARD: Env["ARCHIVE_SHARD"] }).ARCHIVE_SHARD = real);
  return times;
}

async function archivedMessageIds(t: Tenant): Promise<string[]> {
  const ids: string[] = [];
  for (const o of (await env.ARCHIVE.list({ prefix: `ns=${t.namespaceId}/` })).objects.filter((o) => o.key.endsWith(".parquet"))) {
    ids.push(...(await readParquet(await (await env.ARCHIVE.get(o.key))!.arrayBuffer())).map((r) => r.message_id));
  }
  return ids;
}

describe("a lead's hand-overs to its archive shard", () => {
  it("come at most once per ARCHIVE_GATHER_MS while events keep arriving, and every row lands in a file once", async () => {
    const gatherMs = Number(env.ARCHIVE_GATHER_MS);
    const t = await newTenant();
    const leadId = env.LEAD.idFromName(leadObjectName(t.namespaceId, "userId", "paced")).toString();
    const handOvers = handOversOf(leadId);
    const sent: string[] = [];
    // An event every 400 ms for about 8 s: a lead flushing per event would hand over every ~2 s.
    for (let i = 0; i < 20; i++) {
      sent.push(`paced-${i}`);
      const res = await send(t, "/v1/track", { userId: "paced", event: "Viewed", messageId: `paced-${i}`, timestamp: new Date().toISOString() });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 400));
    }
    await eventually(async () => expect((await archivedMessageIds(t)).sort()).toEqual([...sent].sort()), 30_000, 250);
    const gaps = handOvers.slice(1).map((at, i) => at - handOvers[i]!);
    console.log(`archive hand-overs of one lead: ${handOvers.length} for ${sent.length} events, ${gaps.join(", ")} ms apart`);
    expect(handOvers.length).toBeGreaterThanOrEqual(1);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(gatherMs - 50);
  }, 90_000);
});
