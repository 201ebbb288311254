import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { apiSend, eventually, interceptStubs, newTenant, send, type Tenant } from "../helpers";
import { installFakes } from "../../fakes/fake-service";
import { webhookReceiver } from "../../fakes/services";
import { readParquet } from "../../../src/archive/parquet";
import { leadObjectName } from "../../../src/ingest/lead-name";
import { CURSOR_SAVE_SLACK_MS } from "../../../durable/lead-object";

/*
 * A lead that delivers to destinations runs its alarm again to save its
 * delivery cursor at most once per CURSOR_SAVE_SECONDS; when that comes
 * within ARCHIVE_GATHER_MS its rows for the archive wait for that run
 * (durable/lead-archive.ts): one hand-over per save however many events and
 * deliveries came meanwhile.
 */

const restores: (() => void)[] = [];
afterEach(() => {
  for (const restore of restores.splice(0).reverse()) restore();
});

/** Sets vars for one test (the objects share the suite's env); afterEach puts them back. */
function setVars(vars: Record<string, string>): void {
  const e = env as unknown as Record<string, string>;
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, e[k]!]));
  restores.push(() => Object.assign(e, before));
  Object.assign(e, vars);
}

/** The times this lead's rows were handed to its archive shard (the lead objects share this isolate's env). */
function handOversOf(leadId: string): number[] {
  const times: number[] = [];
  const real = env.ARCHIVE_SHARD;
  const counted = interceptStubs(real, "accept", (_name, args, accept) => {
    if (args[2] === leadId) times.push(Date.now());
    return accept();
  });
  (env as { ARCHIVE_SHARD: Env["ARCHIVE_SHARD"] }).ARCHIVE_SHARD = counted;
  restores.push(() => ((env as { ARCHIVE_SHARD: Env["ARCHIVE_SHARD"] }).ARCHIVE_SHARD = real));
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
  it("come at most once per cursor save while events keep arriving and going out, and every row lands in a file once", async () => {
    // The saves come within the archive's gathering, so the rows wait for them.
    setVars({ CURSOR_SAVE_SECONDS: "6", ARCHIVE_GATHER_MS: "8000" });
    const t = await newTenant();
    const hook = webhookReceiver();
    restores.push(installFakes(hook));
    expect((await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } })).status).toBe(201);
    const leadId = env.LEAD.idFromName(leadObjectName(t.namespaceId, "userId", "paced")).toString();
    const handOvers = handOversOf(leadId);
    const sent: string[] = [];
    // An event every 400 ms for about 12 s: each flush (every ~2 s) sends a batch to the webhook.
    for (let i = 0; i < 30; i++) {
      sent.push(`paced-${i}`);
      const res = await send(t, "/v1/track", { userId: "paced", event: "Viewed", messageId: `paced-${i}`, timestamp: new Date().toISOString() });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 400));
    }
    await eventually(async () => expect((await archivedMessageIds(t)).sort()).toEqual([...sent].sort()), 30_000, 250);
    await eventually(() => Promise.resolve(expect(hook.requests.length).toBeGreaterThanOrEqual(sent.length)), 30_000, 250);
    const gaps = handOvers.slice(1).map((at, i) => at - handOvers[i]!);
    console.log(`archive hand-overs of one lead: ${handOvers.length} for ${sent.length} events, ${gaps.join(", ")} ms apart`);
    expect(handOvers.length).toBeGreaterThanOrEqual(1);
    // A save runs up to CURSOR_SAVE_SLACK_MS early (with another run of the alarm).
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(6_000 - CURSOR_SAVE_SLACK_MS - 50);
  }, 90_000);
});
