import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { adminHeaders, call, newTenant } from "../helpers";
import { ArchiveObject } from "../../../durable/archive-object";
import { readParquet } from "../../../src/archive/parquet";
import { archiveShardName } from "../../../src/archive/shards";
import { rowOf, type ArchiveRow } from "../../../src/archive/rows";
import type { DeliveryItem, LeadSnapshot } from "../../../src/destinations/types";

/*
 * The archive shard driven directly, as a lead hands over its events (items with `seq`, issue 27): the alarm is run
 * by hand (runDurableObjectAlarm), so nothing waits for ARCHIVE_GATHER_MS. Confirmations go to real LeadObjects
 * (`archived(upto)`), which need no events of their own to take one.
 */

const DAY_MS = 86_400_000;
const SHARD = 0;

function newNamespace(): string {
  return `shard-ns-${crypto.randomUUID()}`;
}

function shardOf(namespaceId: string) {
  return env.ARCHIVE_SHARD.getByName(archiveShardName(namespaceId, SHARD));
}

function leadIdOf(namespaceId: string, name: string): string {
  return env.LEAD.idFromName(`${namespaceId}/${name}`).toString();
}

function snapshot(leadId: string): LeadSnapshot {
  return { id: leadId, score: 5, behaviourScore: 5, icpScore: 0, stage: "aware", grade: "C", velocity: 0, userId: leadId.slice(0, 8), email: null };
}

/** Events `from`..`to` (seq, both included) of a lead, as it hands them over. */
function events(leadId: string, from: number, to: number, at = Date.now()): DeliveryItem[] {
  const lead = snapshot(leadId);
  return Array.from({ length: to - from + 1 }, (_, i) => {
    const seq = from + i;
    const messageId = `${leadId.slice(0, 12)}-${seq}`;
    return { messageId, seq, kind: "event" as const, lead, event: { type: "track", event: "Viewed", messageId, timestamp: new Date(at).toISOString() } };
  });
}

async function rowsOf(namespaceId: string): Promise<ArchiveRow[]> {
  const listed = await env.ARCHIVE.list({ prefix: `ns=${namespaceId}/` });
  const rows: ArchiveRow[] = [];
  for (const { key } of listed.objects.filter((o) => o.key.endsWith(".parquet"))) rows.push(...(await readParquet(await (await env.ARCHIVE.get(key))!.arrayBuffer())));
  return rows;
}

async function parquetKeys(namespaceId: string): Promise<string[]> {
  return (await env.ARCHIVE.list({ prefix: `ns=${namespaceId}/` })).objects.map((o) => o.key).filter((k) => k.endsWith(".parquet"));
}

describe("archive shard, fed by leads with seq", () => {
  it("puts each seq in exactly one file when hand-overs repeat, before and after the file is written", async () => {
    const ns = newNamespace();
    const shard = shardOf(ns);
    const lead = leadIdOf(ns, "repeat");
    expect(await shard.accept(ns, SHARD, lead, events(lead, 1, 5))).toBe(5);
    // Again (the lead's timeout), and again with newer ones: only the newer ones are taken.
    expect(await shard.accept(ns, SHARD, lead, events(lead, 1, 5))).toBe(0);
    expect(await shard.accept(ns, SHARD, lead, events(lead, 1, 7))).toBe(2);
    expect(await shard.leadState(lead)).toEqual({ waiting: 7, archivedUpto: 0 });
    // Nothing is stored per hand-over or per event: only the shard's meta (namespace, shard, retention check), once,
    // each row with its key's index entry.
    expect((await shard.stats()).rowsWritten).toBeLessThanOrEqual(6);

    expect(await runDurableObjectAlarm(shard)).toBe(true);
    expect(await shard.leadState(lead)).toEqual({ waiting: 0, archivedUpto: 7 });
    expect((await shard.stats()).confirmations.sent).toBe(1);

    // After the file: rows already in it are not taken again (the lead is told again, at once); newer ones are.
    expect(await shard.accept(ns, SHARD, lead, events(lead, 3, 7))).toBe(0);
    expect(await shard.accept(ns, SHARD, lead, events(lead, 5, 9))).toBe(2);
    expect((await shard.stats()).confirmations.sent).toBe(3);
    expect(await runDurableObjectAlarm(shard)).toBe(true);

    const rows = await rowsOf(ns);
    expect(rows.map((r) => r.message_id).sort()).toEqual(events(lead, 1, 9).map((e) => e.messageId).sort());
    expect((await parquetKeys(ns)).length).toBe(2);
    expect(await shard.leadState(lead)).toEqual({ waiting: 0, archivedUpto: 9 });
  });

  it("writes at most 0.3 SQLite rows per event: 1,000 events over 100 leads", async () => {
    const ns = newNamespace();
    const shard = shardOf(ns);
    const LEADS = 100;
    const leads = Array.from({ length: LEADS }, (_, i) => leadIdOf(ns, `cost-${i}`));
    // 10 rounds of one hand-over per lead, each round handing over the previous round's rows again with the new.
    for (let round = 0; round < 10; round++) {
      await Promise.all(leads.map((lead) => shard.accept(ns, SHARD, lead, events(lead, Math.max(1, round), round + 1))));
    }
    expect((await shard.stats()).pending).toBe(1000);
    expect(await runDurableObjectAlarm(shard)).toBe(true);
    const stats = await shard.stats();
    expect(stats.pending).toBe(0);
    expect(stats.files).toBe(1);
    expect(stats.confirmations).toEqual({ sent: LEADS, ok: LEADS });
    expect((await rowsOf(ns)).length).toBe(1000);
    console.log(`archive shard: ${stats.rowsWritten} SQLite rows written for 1,000 events over ${LEADS} leads (${stats.rowsWritten / 1000} per event)`);
    // A lead_files row per lead per file, the file's row (and its date index) and the shard's meta.
    expect(stats.rowsWritten / 1000).toBeLessThanOrEqual(0.3);
  });

  it("tells each lead in a file how far it is archived", async () => {
    const ns = newNamespace();
    const shard = shardOf(ns);
    const leads = ["a", "b", "c"].map((name) => leadIdOf(ns, name));
    for (const [i, lead] of leads.entries()) await shard.accept(ns, SHARD, lead, events(lead, 10, 10 + i));
    await runDurableObjectAlarm(shard);
    expect((await shard.stats()).confirmations).toEqual({ sent: 3, ok: 3 });
    expect(await Promise.all(leads.map((lead) => shard.leadState(lead)))).toEqual([
      { waiting: 0, archivedUpto: 10 },
      { waiting: 0, archivedUpto: 11 },
      { waiting: 0, archivedUpto: 12 },
    ]);
  });

  it("takes nothing that follows on from rows it does not hold (lost with an eviction), so it never confirms past a gap", async () => {
    const ns = newNamespace();
    const shard = shardOf(ns);
    const lead = leadIdOf(ns, "gap");
    // From the lead's cursor (0), then a hand-over continuing it.
    expect(await shard.accept(ns, SHARD, lead, events(lead, 1, 3))).toBe(3);
    expect(await shard.accept(ns, SHARD, lead, events(lead, 4, 5), 3)).toBe(2);
    // A hand-over continuing rows 6..7 that never came (a shard evicted holding them would not know): refused.
    expect(await shard.accept(ns, SHARD, lead, events(lead, 8, 9), 7)).toBe(0);
    await runDurableObjectAlarm(shard);
    expect(await shard.leadState(lead)).toEqual({ waiting: 0, archivedUpto: 5 });
    expect(await shard.accept(ns, SHARD, lead, events(lead, 10, 10), 9)).toBe(0);
    // The lead's timeout: it hands over again from its cursor (5), taken.
    expect(await shard.accept(ns, SHARD, lead, events(lead, 6, 10))).toBe(5);
  });

  it("erasure drops the lead's rows in memory at once, refuses later ones and rewrites its files", async () => {
    const ns = newNamespace();
    const shard = shardOf(ns);
    const gone = leadIdOf(ns, "gone");
    const kept = leadIdOf(ns, "kept");
    await shard.accept(ns, SHARD, gone, events(gone, 1, 3));
    await shard.accept(ns, SHARD, kept, events(kept, 1, 3));
    await runDurableObjectAlarm(shard);
    await shard.accept(ns, SHARD, gone, events(gone, 4, 6));
    expect(await shard.leadState(gone)).toEqual({ waiting: 3, archivedUpto: 3 });

    await shard.forgetLeads(ns, SHARD, [gone]);
    expect((await shard.leadState(gone)).waiting).toBe(0);
    expect(await shard.accept(ns, SHARD, gone, events(gone, 4, 8))).toBe(0);
    await runDurableObjectAlarm(shard);
    expect((await shard.stats()).pendingErasures).toBe(0);
    const rows = await rowsOf(ns);
    expect(rows.filter((r) => r.lead_id === gone)).toEqual([]);
    expect(rows.filter((r) => r.lead_id === kept).length).toBe(3);
  });

  it("retention deletes the files whose rows left the window", async () => {
    const t = await newTenant();
    const ns = t.namespaceId;
    const shard = shardOf(ns);
    const lead = leadIdOf(ns, "old");
    const now = Date.now();
    await shard.accept(ns, SHARD, lead, events(lead, 1, 2, now - 5 * DAY_MS));
    await runDurableObjectAlarm(shard);
    await shard.accept(ns, SHARD, lead, events(lead, 3, 4, now));
    await runDurableObjectAlarm(shard);
    expect((await parquetKeys(ns)).length).toBe(2);
    expect((await call(`/api/namespaces/${t.namespace}/settings`, { method: "PATCH", headers: adminHeaders(), body: JSON.stringify({ retentionDays: 2 }) })).status).toBe(200);
    expect(await shard.enforceRetention(now)).toBe(1);
    expect((await rowsOf(ns)).map((r) => r.message_id).sort()).toEqual(events(lead, 3, 4).map((e) => e.messageId).sort());
    expect((await shard.stats()).files).toBe(1);
    // When all of a lead's files are gone, the shard still knows how far it was archived.
    await runInDurableObject(shard, (instance: ArchiveObject) => instance.enforceRetention(now + 10 * DAY_MS));
    expect((await shard.stats()).files).toBe(0);
    expect(await shard.leadState(lead)).toEqual({ waiting: 0, archivedUpto: 4 });
    expect(await shard.accept(ns, SHARD, lead, events(lead, 1, 5))).toBe(1);
  });

  it("upgrades an old shard in place: its pending rows are written, then the old tables go", async () => {
    const ns = newNamespace();
    const shard = shardOf(ns);
    const lead = leadIdOf(ns, "legacy");
    const now = Date.now();
    const legacyRows = events(lead, 1, 4).map((item) => rowOf(ns, lead, { ...item, seq: undefined }, now)!);
    const tables = await runInDurableObject(shard, async (_instance: ArchiveObject, state: DurableObjectState) => {
      const sql = state.storage.sql;
      // What a shard from before kept: a hand-over per row, messageIds in a seen table.
      sql.exec("CREATE TABLE pending (id INTEGER PRIMARY KEY, lead_id TEXT NOT NULL, rows TEXT NOT NULL, n INTEGER NOT NULL, bytes INTEGER NOT NULL)");
      sql.exec("CREATE TABLE seen_0 (message_id TEXT PRIMARY KEY) WITHOUT ROWID");
      const json = JSON.stringify(legacyRows);
      sql.exec("INSERT INTO pending (lead_id, rows, n, bytes) VALUES (?, ?, ?, ?)", lead, json, legacyRows.length, json.length);
      sql.exec("INSERT INTO meta (key, value) VALUES ('namespace_id', ?), ('shard', '0')", ns);
      // The object starts again on these tables.
      const upgraded = new ArchiveObject(state, env);
      expect((await upgraded.stats()).pending).toBe(4);
      await upgraded.alarm();
      return sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray().map((r) => r.name);
    });
    expect(tables).not.toContain("pending");
    expect(tables).not.toContain("seen_0");
    expect((await rowsOf(ns)).map((r) => r.message_id).sort()).toEqual(legacyRows.map((r) => r.message_id).sort());
  });
});
