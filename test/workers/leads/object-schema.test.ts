import { describe, expect, it } from "vitest";
import { env, runInDurableObject } from "cloudflare:test";
import { LEAD_SCHEMA_STEPS, migrateLeadSchema } from "../../../durable/lead-schema";

type Column = { name: string; type: string; notnull: number; dflt_value: string | null; pk: number };

/** Tables with their columns, keys and indexes: what a lead's rows are stored in, whatever the DDL's wording. */
function describeSchema(sql: SqlStorage) {
  const objects = sql
    .exec<{ type: string; name: string; tbl_name: string; sql: string | null }>(
      "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY type, name",
    )
    .toArray();
  return objects.map((o) => ({
    type: o.type,
    name: o.name,
    on: o.tbl_name,
    withoutRowid: /WITHOUT ROWID\s*$/i.test(o.sql ?? ""),
    columns: o.type === "table" ? sql.exec<Column>(`PRAGMA table_info("${o.name}")`).toArray().map((c) => ({ ...c })) : [],
  }));
}

function dropEverything(sql: SqlStorage) {
  const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray();
  for (const { name } of tables) sql.exec(`DROP TABLE "${name}"`);
}

function runSteps(sql: SqlStorage, upto: number) {
  sql.exec("CREATE TABLE schema_version (version INTEGER NOT NULL)");
  for (let step = 0; step < upto; step++) sql.exec(LEAD_SCHEMA_STEPS[step]!);
  sql.exec("INSERT INTO schema_version (version) VALUES (?)", upto);
}

const aLead = () => env.LEAD.get(env.LEAD.newUniqueId());

describe("a lead's own schema", () => {
  it("a new lead is created with the schema the steps end with, in one script", async () => {
    await runInDurableObject(aLead(), (_lead: unknown, state: DurableObjectState) => {
      const sql = state.storage.sql;
      const fresh = describeSchema(sql);
      expect(fresh.map((o) => o.name)).toEqual(["conflicts", "events", "identities", "meta", "schema_version", "stage_changes"]);
      expect(fresh.find((o) => o.name === "events")?.withoutRowid).toBe(true);
      expect(sql.exec("SELECT version FROM schema_version").one().version).toBe(LEAD_SCHEMA_STEPS.length);

      dropEverything(sql);
      runSteps(sql, LEAD_SCHEMA_STEPS.length);
      expect(describeSchema(sql)).toEqual(fresh);
    });
  });

  it("an object from before the log was the outbox keeps its events, and its cursors start where its outbox did", async () => {
    await runInDurableObject(aLead(), (_lead: unknown, state: DurableObjectState) => {
      const sql = state.storage.sql;
      dropEverything(sql);
      runSteps(sql, LEAD_SCHEMA_STEPS.length - 1);
      const insertEvent = (id: string, ts: number, type = "track") =>
        sql.exec(
          "INSERT INTO events (message_id, ts, type, name, received_at, points, running_score, body, ord) VALUES (?, ?, ?, 'Signup', ?, 5, 5, '{}', ?)",
          id, ts, type, ts, `${ts}`,
        );
      insertEvent("sent", 1_000);
      insertEvent("decayed", 1_500, "decay");
      insertEvent("owed", 2_000);
      sql.exec("INSERT INTO outbox (message_id, kind, payload) VALUES ('owed', 'event', '{}')");
      sql.exec("INSERT INTO meta (key, value) VALUES ('change_count', '3'), ('last_snapshot', '{\"score\":5}')");

      migrateLeadSchema(sql);

      const events = sql.exec<{ message_id: string; seq: number }>("SELECT message_id, seq FROM events ORDER BY ts").toArray().map((e) => ({ ...e }));
      expect(events).toEqual([{ message_id: "sent", seq: 1 }, { message_id: "decayed", seq: 0 }, { message_id: "owed", seq: 3 }]);
      const meta = Object.fromEntries(sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta").toArray().map((m) => [m.key, m.value]));
      expect(JSON.parse(meta.delivery_cursor!)).toEqual({ upto: 2, changes: 3, snapshot: { score: 5 } });
      expect(meta.archive_cursor).toBe("2");
      expect(Object.keys(meta).sort()).toEqual(["archive_cursor", "delivery_cursor"]);
      expect(sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE name = 'outbox'").one().n).toBe(0);
      expect(sql.exec("SELECT version FROM schema_version").one().version).toBe(LEAD_SCHEMA_STEPS.length);
    });
  });
});
