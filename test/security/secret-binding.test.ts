/**
 * Issue 26, item 2: `PUT /api/destinations/:id` with a new `config.url` and
 * no secrets kept the stored headers and tokens, so the next delivery or test
 * send carried the credential to the new host; the same for every type with a
 * host-like field, and for automation actions. Secrets are now bound to their
 * binding fields (src/destinations/registry.ts `bindingFields`): an update
 * that changes one keeps no stored secret. A required one left out, or a hint
 * sent back, is a 400 naming the secret field; an optional one left out is
 * dropped. With the binding fields unchanged, secrets left out are kept.
 */
import { afterEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { DESTINATION_CONFIG, seal } from "../../src/db/sealed";
import { DESTINATION_TYPES, DESTINATIONS, bindingFields, type DestinationType } from "../../src/destinations/registry";
import { secretHint } from "../../src/secrets/write-only";
import { FakeService, installFakes } from "../fakes/fake-service";
import { apiSend, newTenant } from "../workers/helpers";
import { BINDING_CASES as CASES } from "./destination-secrets";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

const BOUND_TYPES = DESTINATION_TYPES.filter((type) => bindingFields(type).length > 0);

const secretsOf = (type: DestinationType, config: Record<string, unknown>) =>
  DESTINATIONS[type].secretFields.filter((field) => config[field] !== undefined && !bindingFields(type).includes(field));
const withoutSecrets = (type: DestinationType, config: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(config).filter(([field]) => !secretsOf(type, config).includes(field)));
/** A binding field that is a secret itself (Slack's URL) is shown as its hint. */
const shownAs = (type: DestinationType, field: string, value: unknown) => (DESTINATIONS[type].secretFields.includes(field) ? hintOf(value) : value);
const hintOf = (value: unknown): unknown =>
  typeof value === "string" ? secretHint(value) : Object.fromEntries(Object.entries(value as Record<string, string>).map(([k, v]) => [k, secretHint(v)]));

describe("secrets bound to where they go", () => {
  it("every destination type with a binding field has a case here, naming each of its fields", () => {
    expect(BOUND_TYPES.length).toBeGreaterThanOrEqual(15);
    for (const type of BOUND_TYPES) {
      expect(CASES[type], type).toBeDefined();
      expect(Object.keys(CASES[type]!.moved).sort(), type).toEqual([...bindingFields(type)].sort());
    }
  });

  it("each binding field is a field of its type's config, and the catalogue lists them", async () => {
    const { types } = (await apiSend(await newTenant("bind"), "GET", "/api/destinations/catalogue")).body;
    for (const type of DESTINATION_TYPES) {
      const entry = types.find((e: any) => e.type === type);
      expect(entry.bindingFields, type).toEqual([...bindingFields(type)]);
      for (const field of bindingFields(type)) expect(Object.keys(entry.configSchema.properties), `${type}.${field}`).toContain(field);
    }
  });

  it.each(BOUND_TYPES)("%s: a changed binding field keeps no stored secret; unchanged ones keep them", async (type) => {
    const { config, moved, required } = CASES[type]!;
    const t = await newTenant("bind");
    const created = await apiSend(t, "POST", "/api/destinations", { name: type, type, config });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.destination.id;
    const shown = created.body.destination.config;
    const secrets = secretsOf(type, config);
    const put = (next: Record<string, unknown>) => apiSend(t, "PUT", `/api/destinations/${id}`, { name: type, type, config: next });
    const current = async () => (await apiSend(t, "GET", `/api/destinations/${id}`)).body.destination.config;

    // Unchanged binding fields, secrets left out: kept (as before). Sent back as their hints: kept too.
    expect((await put(withoutSecrets(type, config))).status).toBe(200);
    expect(await current()).toEqual(shown);
    expect((await put({ ...config, ...Object.fromEntries(secrets.map((f) => [f, hintOf(config[f])])) })).status).toBe(200);
    expect(await current()).toEqual(shown);

    for (const [field, value] of Object.entries(moved)) {
      const elsewhere = { ...withoutSecrets(type, config), [field]: value };
      if (secrets.length > 0) {
        // The hints sent back with a new place: refused, naming each secret.
        const hinted = await put({ ...elsewhere, ...Object.fromEntries(secrets.map((f) => [f, hintOf(config[f])])) });
        expect(hinted.status, `${field}: ${JSON.stringify(hinted.body)}`).toBe(400);
        const paths = hinted.body.error.details.map((d: any) => d.path);
        for (const secret of secrets) expect(paths.some((p: string) => p === `config.${secret}` || p.startsWith(`config.${secret}.`)), `${field} → ${secret}`).toBe(true);
        expect(await current()).toEqual(shown);
      }
      const left = await put(elsewhere);
      if (required.length > 0) {
        expect(left.status, `${field}: ${JSON.stringify(left.body)}`).toBe(400);
        expect(left.body.error.code).toBe("invalid_request");
        for (const secret of required) {
          expect(left.body.error.details).toContainEqual({ path: `config.${secret}`, message: expect.stringContaining(`config.${field} changed`) });
        }
        expect(await current()).toEqual(shown);
      } else {
        expect(left.status, `${field}: ${JSON.stringify(left.body)}`).toBe(200);
        const after = await current();
        expect(after[field]).toEqual(shownAs(type, field, value));
        for (const secret of secrets) expect(after[secret] === undefined || JSON.stringify(after[secret]) === "{}", `${secret} dropped`).toBe(true);
        // Back where it was, with the secrets again, for the next field.
        expect((await put(config)).status).toBe(200);
      }
      // Sent again with the move: taken.
      const again = await put({ ...config, [field]: value });
      expect(again.status, `${field}: ${JSON.stringify(again.body)}`).toBe(200);
      expect(again.body.destination.config[field]).toEqual(shownAs(type, field, value));
      for (const secret of secrets) expect(again.body.destination.config[secret]).toEqual(hintOf(config[secret]));
      expect((await put(config)).status).toBe(200);
    }
  });

  it("a config stored before a binding field existed keeps its secrets when that field is left at its default", async () => {
    const t = await newTenant("bind");
    const config = { url: "postgres://app@a.fake:5432/analytics", password: "pg-aaaaaaaaaaaa-2727" };
    const created = await apiSend(t, "POST", "/api/destinations", { name: "pg", type: "postgres", config });
    const id = created.body.destination.id;
    // As saved before `hyperdrive` (and its default) existed.
    await env.DB.prepare("UPDATE destinations SET config = ? WHERE id = ?").bind(await seal(DESTINATION_CONFIG, id, JSON.stringify(config)), id).run();
    const updated = await apiSend(t, "PUT", `/api/destinations/${id}`, { name: "pg", type: "postgres", config: { url: config.url, table: "other_table" } });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body.destination.config).toMatchObject({ password: secretHint(config.password), hyperdrive: false, table: "other_table" });
  });

  it("a webhook moved to another host without its secrets sends no credential there", async () => {
    const sink = new FakeService("b.fake", () => Response.json({ ok: true }));
    uninstall = installFakes(sink);
    const t = await newTenant("bind");
    const { config } = CASES.webhook!;
    const created = await apiSend(t, "POST", "/api/destinations", { name: "hook", type: "webhook", config });
    const id = created.body.destination.id;
    expect((await apiSend(t, "PUT", `/api/destinations/${id}`, { name: "hook", type: "webhook", config: { url: "https://b.fake/in" } })).status).toBe(200);
    const test = await apiSend(t, "POST", `/api/destinations/${id}/test`);
    expect(test.body.ok).toBe(true);
    const request = sink.requests.at(-1)!;
    expect(request.headers.get("Authorization")).toBeNull();
    expect(request.headers.get("X-Leadflare-Signature")).toBeNull();
  });

  it("an automation's webhook action moved to another URL keeps no signing secret; a hint sent back is refused", async () => {
    const t = await newTenant("bind");
    const secret = "auto-secret-aaaaaaaa-2525";
    const body = (action: Record<string, unknown>) => ({ name: "hot", trigger: { type: "stage_becomes", stage: "hot" }, action });
    const created = await apiSend(t, "POST", "/api/automations", body({ type: "webhook", url: "https://a.fake/hook", secret }));
    expect(created.status).toBe(201);
    const id = created.body.automation.id;
    const shown = async () => (await apiSend(t, "GET", "/api/automations")).body.automations[0].action;

    expect((await apiSend(t, "PUT", `/api/automations/${id}`, body({ type: "webhook", url: "https://a.fake/hook" }))).status).toBe(200);
    expect(await shown()).toEqual({ type: "webhook", url: "https://a.fake/hook", secret: secretHint(secret) });

    const hinted = await apiSend(t, "PUT", `/api/automations/${id}`, body({ type: "webhook", url: "https://b.fake/hook", secret: secretHint(secret) }));
    expect(hinted.status).toBe(400);
    expect(hinted.body.error.details).toContainEqual({ path: "action.secret", message: expect.stringContaining("action.url changed") });
    expect(await shown()).toEqual({ type: "webhook", url: "https://a.fake/hook", secret: secretHint(secret) });

    expect((await apiSend(t, "PUT", `/api/automations/${id}`, body({ type: "webhook", url: "https://b.fake/hook" }))).status).toBe(200);
    expect(await shown()).toEqual({ type: "webhook", url: "https://b.fake/hook" });

    const resent = await apiSend(t, "PUT", `/api/automations/${id}`, body({ type: "webhook", url: "https://c.fake/hook", secret: "another-secret-bbbb-2626" }));
    expect(resent.status).toBe(200);
    expect(resent.body.automation.action).toEqual({ type: "webhook", url: "https://c.fake/hook", secret: secretHint("another-secret-bbbb-2626") });
  });
});
