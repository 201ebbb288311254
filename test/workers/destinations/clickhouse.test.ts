import { describe, expect, it } from "vitest";
import { apiSend, newTenant } from "../helpers";
import { destinationSuite } from "./warehouse-stream-suite";
import { clickhouseFake } from "../../fakes/warehouses-streams";

const config = { url: "https://clickhouse.fake", database: "analytics", table: "leadflare_events", user: "leadflare", password: "ch-secret" };

describe("ClickHouse destination", () => {
  destinationSuite({
    type: "clickhouse",
    config,
    fake: clickhouseFake,
    received: (fake) => fake.rows.map((row) => row.message_id),
    itemsIn: (request, fake) => fake.rowsIn(request),
    maxItems: 10_000,
    permanent: { status: 404, body: "Code: 60. DB::Exception: Table analytics.leadflare_events does not exist. (UNKNOWN_TABLE)" },
    checkRequest(request, fake) {
      expect(request.method).toBe("POST");
      expect(request.url.searchParams.get("query")).toBe("INSERT INTO analytics.leadflare_events FORMAT JSONEachRow");
      expect(request.url.searchParams.get("insert_deduplication_token")).toMatch(/^[0-9a-f]{32}$/);
      expect(request.headers.get("X-ClickHouse-User")).toBe("leadflare");
      expect(request.headers.get("X-ClickHouse-Key")).toBe("ch-secret");
      const row = fake.rows.find((r) => r.kind === "event")!;
      expect(row).toMatchObject({ event_type: "track", lead_id: expect.any(String), user_id: expect.stringMatching(/^b-u\d$/), stage: expect.any(String) });
      expect(JSON.parse(row.properties)).toHaveProperty("n");
      expect(Date.parse(row.timestamp)).toBeLessThan(Date.now());
    },
  });

  it("refuses a table name that is not a plain identifier, and hides the password", async () => {
    const t = await newTenant("ch");
    const bad = await apiSend(t, "POST", "/api/destinations", { name: "ch", type: "clickhouse", config: { ...config, table: "events; DROP TABLE x" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(["config.table"]);
    const ok = await apiSend(t, "POST", "/api/destinations", { name: "ch", type: "clickhouse", config: { ...config, password: "ch-secret-0123456789" } });
    expect(ok.body.destination.config.password).toBe("…6789");
  });
});
