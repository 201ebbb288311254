import { describe, expect, it } from "vitest";
import { z } from "zod";
import { api, call, newTenant } from "../helpers";
import { DESTINATION_TYPES, DESTINATIONS, URL_FIELDS } from "../../../src/destinations/registry";

/** Checks the parts of a JSON Schema the console reads; each value's keyword has the JSON type the spec gives it. */
function expectJsonSchemaShape(schema: any, path: string): void {
  expect(typeof schema, path).toBe("object");
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    for (const t of types) expect(["object", "array", "string", "number", "integer", "boolean", "null"], `${path}.type`).toContain(t);
  }
  if (schema.properties !== undefined) for (const [name, sub] of Object.entries(schema.properties)) expectJsonSchemaShape(sub, `${path}.${name}`);
  if (schema.required !== undefined) {
    expect(Array.isArray(schema.required), `${path}.required`).toBe(true);
    for (const name of schema.required) expect(Object.keys(schema.properties ?? {}), `${path}.required`).toContain(name);
  }
  if (schema.items !== undefined) expectJsonSchemaShape(schema.items, `${path}[]`);
  if (schema.additionalProperties !== undefined && typeof schema.additionalProperties === "object") expectJsonSchemaShape(schema.additionalProperties, `${path}.*`);
  for (const key of ["anyOf", "oneOf", "allOf"]) if (schema[key] !== undefined) for (const sub of schema[key]) expectJsonSchemaShape(sub, `${path}.${key}`);
  if (schema.enum !== undefined) expect(Array.isArray(schema.enum), `${path}.enum`).toBe(true);
}

describe("GET /api/destinations/catalogue", () => {
  it("lists every registered type with a JSON Schema of its config; secrets are write-only", async () => {
    const t = await newTenant();
    const res = await api(t, "/api/destinations/catalogue");
    expect(res.status).toBe(200);
    const types = res.body.types as any[];
    expect(types.map((e) => e.type)).toEqual([...DESTINATION_TYPES]);

    for (const entry of types) {
      const module = DESTINATIONS[entry.type as keyof typeof DESTINATIONS];
      expect(entry.title, entry.type).toBe(module.title);
      expect(entry.title.length, entry.type).toBeGreaterThan(0);
      expect(entry.docsUrl, entry.type).toMatch(/^(https:\/\/|README\.md#)/);
      const schema = entry.configSchema;
      expect(schema.$schema, entry.type).toBe("https://json-schema.org/draft/2020-12/schema");
      expect(schema.type, entry.type).toBe("object");
      expectJsonSchemaShape(schema, entry.type);

      expect(entry.secretFields, entry.type).toEqual([...module.secretFields]);
      for (const field of entry.secretFields) expect(schema.properties[field]?.writeOnly, `${entry.type}.${field}`).toBe(true);
      for (const [name, property] of Object.entries<any>(schema.properties)) {
        if (!entry.secretFields.includes(name)) expect(property.writeOnly, `${entry.type}.${name}`).toBeUndefined();
      }
      expect(entry.urlFields, entry.type).toEqual([...URL_FIELDS[entry.type as keyof typeof URL_FIELDS]]);
      for (const field of entry.urlFields) expect(Object.keys(schema.properties), `${entry.type} URL field`).toContain(field);

      // The defaults the limits were computed for are what the module's own schema fills in.
      for (const [name, value] of Object.entries(entry.defaults)) {
        expect((module.config as z.ZodObject).shape[name]!.parse(undefined), `${entry.type}.${name}`).toEqual(value);
        expect(schema.properties[name].default, `${entry.type}.${name} default`).toEqual(value);
      }
      expect(entry.rate.limit, entry.type).toBeGreaterThan(0);
      expect(entry.rate.periodSeconds, entry.type).toBeGreaterThan(0);
      expect(entry.batch === null, entry.type).toBe(module.batch === undefined);
      expect(entry.maxShards, entry.type).toBe(module.maxShards ?? null);
    }
  });

  it("reports the outside API's limits as the modules give them", async () => {
    const t = await newTenant();
    const byType = Object.fromEntries(((await api(t, "/api/destinations/catalogue")).body.types as any[]).map((e) => [e.type, e]));
    expect(byType.segment.batch).toEqual({ maxItems: 2_500, maxBytes: 450 * 1024 });
    expect(byType.hubspot.batch).toEqual({ maxItems: 100, maxBytes: null });
    expect(byType.hubspot.rate).toEqual({ limit: 100, periodSeconds: 10 });
    expect(byType.slack.maxShards).toBe(1);
    expect(byType.webhook.batch).toBeNull();
    // The webhook's required URL has no default; the optional secret has none either.
    expect(byType.webhook.configSchema.required).toEqual(["url"]);
    expect(byType.webhook.defaults).toEqual({ headers: {}, timeoutMs: 10_000, changes: false, callsPerSecond: 50 });
    // A receiver that says it takes more sets the pace its shards share.
    const fast = DESTINATIONS.webhook.config.parse({ url: "https://hooks.customer.fake/in", callsPerSecond: 2_000 });
    expect(DESTINATIONS.webhook.rate(fast)).toEqual({ limit: 2_000, periodSeconds: 1 });
    expect(() => DESTINATIONS.webhook.config.parse({ url: "https://hooks.customer.fake/in", callsPerSecond: 0 })).toThrow();
    expect(byType.slack.configSchema.properties.events).toMatchObject({ type: "array", items: { type: "string" } });
  });

  it("needs a key, and a read-only key may read it", async () => {
    expect((await call("/api/destinations/catalogue")).status).toBe(401);
    const t = await newTenant();
    const key = await call(`/api/namespaces/${t.namespace}/api-keys`, {
      method: "POST",
      headers: { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" },
      body: JSON.stringify({ name: "viewer", scope: "read" }),
    });
    const { key: readKey } = (await key.json()) as { key: string };
    const res = await call("/api/destinations/catalogue", { headers: { Authorization: `Bearer ${readKey}` } });
    expect(res.status).toBe(200);
  });
});
