import { afterEach, describe, expect, it } from "vitest";
import { apiSend, eventually, newTenant } from "./helpers";
import { addDestination, deliveries, destinationSuite, sendEvents } from "./dest-c-helpers";
import { installFakes } from "../fakes/fake-service";
import { bigqueryFake, googleTokenFake } from "../fakes/dest-c";

const CLIENT_EMAIL = "leadflare@lf-project.iam.gserviceaccount.com";

/** A fresh RSA key pair per run, as a service account's JSON key holds its private half. */
async function serviceAccount() {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  const pem = `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...pkcs8)).replace(/.{64}/g, "$&\n")}\n-----END PRIVATE KEY-----\n`;
  const json = JSON.stringify({ type: "service_account", project_id: "lf-project", private_key_id: "k1", private_key: pem, client_email: CLIENT_EMAIL, token_uri: "https://oauth2.googleapis.com/token" }, null, 2);
  return { json, publicKey: pair.publicKey };
}

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
