import { afterEach, describe, expect, it } from "vitest";
import { apiSend, eventually, newTenant } from "../helpers";
import { addDestination, deliveries, destinationSuite, sendEvents } from "./warehouse-stream-suite";
import { installFakes } from "../../fakes/fake-service";
import { bigqueryFake, googleTokenFake, SERVICE_ACCOUNT_EMAIL as CLIENT_EMAIL, testServiceAccount as serviceAccount } from "../../fakes/warehouses-streams";

const account = await serviceAccount();
// One token endpoint for the file: the module keeps a token per isolate until it expires.
const tokens = googleTokenFake(CLIENT_EMAIL, account.publicKey);
const config = { projectId: "lf-project", datasetId: "analytics", tableId: "leadflare_events", serviceAccountKey: account.json };

describe("BigQuery destination", () => {
  destinationSuite({
    type: "bigquery",
    config,
    fake: () => bigqueryFake(tokens.issued),
    others: () => [tokens],
    received: (fake) => fake.rows.map((row) => row.message_id),
    itemsIn: (request) => JSON.parse(request.body).rows.length,
    maxItems: 500,
    permanent: { status: 400, body: JSON.stringify({ error: { code: 400, message: "no such field: foo", status: "INVALID_ARGUMENT" } }) },
    checkRequest(request) {
      expect(tokens.issued.has(request.headers.get("Authorization")!.replace("Bearer ", ""))).toBe(true);
      const body = JSON.parse(request.body);
      expect(body.kind).toBe("bigquery#tableDataInsertAllRequest");
      for (const row of body.rows) expect(row.insertId).toBe(row.json.message_id);
      // A token is exchanged once and kept, not once per call.
      expect(tokens.requests.length).toBe(1);
    },
  });

  let uninstall: (() => void) | undefined;
  afterEach(() => uninstall?.());

  it("a key whose signature the token endpoint refuses is a dead letter, and the key is never shown back", async () => {
    const other = await serviceAccount(); // same email, a key Google does not know
    const bq = bigqueryFake(tokens.issued);
    uninstall = installFakes(bq, tokens);
    const t = await newTenant("bq");
    const d = await addDestination(t, { name: "bq", type: "bigquery", config: { ...config, serviceAccountKey: other.json } });
    expect(JSON.stringify(d.config)).not.toContain("PRIVATE KEY");
    const [id] = await sendEvents(t, "bad", 1, 1);
    await eventually(async () => expect((await deliveries(t, d.id, "dead")).deliveries.map((r: any) => r.messageId)).toContain(id));
    const dead = (await deliveries(t, d.id, "dead")).deliveries.find((r: any) => r.messageId === id);
    expect(dead).toMatchObject({ lastStatus: 400 });
    expect(dead.lastError).toContain("Invalid JWT Signature");
    expect(bq.requests).toHaveLength(0);
  });

  it("refuses a config whose key is not a service account's JSON key, naming the field", async () => {
    const t = await newTenant("bq");
    const bad = await apiSend(t, "POST", "/api/destinations", { name: "bq", type: "bigquery", config: { ...config, serviceAccountKey: "{\"type\":\"authorized_user\"}" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(["config.serviceAccountKey"]);
  });
});

describe("BigQuery insertErrors in a 200", () => {
  const ok = { ok: true as const, status: 200, body: "" };
  it("an invalid row fails the call for good, however long the answer; backend errors are retried", async () => {
    const { rowErrors } = await import("../../../src/destinations/bigquery");
    const errors = Array.from({ length: 200 }, (_, index) => ({ index, errors: [{ reason: index === 150 ? "invalid" : "stopped", message: index === 150 ? "no such field: foo" : "" }] }));
    const long = JSON.stringify({ kind: "bigquery#tableDataInsertAllResponse", insertErrors: errors });
    expect(long.length).toBeGreaterThan(2000);
    expect(rowErrors(ok, long)).toMatchObject({ ok: false, retryable: false, error: "rows refused: invalid: no such field: foo" });
    expect(rowErrors(ok, JSON.stringify({ insertErrors: [{ index: 0, errors: [{ reason: "backendError" }] }] }))).toMatchObject({ ok: false, retryable: true });
    expect(rowErrors(ok, JSON.stringify({ kind: "bigquery#tableDataInsertAllResponse" }))).toEqual(ok);
  });
});
