// The console draws each destination type's form from the catalogue: every
// field of every registered type must map to a control, and every secret to
// one that never shows it (a password input, or a map of hints).
import { describe, expect, it } from "vitest";
import { destinationCatalogue } from "../../../src/destinations/catalogue";
import { fieldKind, fieldLabel, parseFieldText, type FieldKind, type PropertySchema } from "../../../src/dashboard/lib/schema-fields";

describe("destination forms from the catalogue", () => {
  it("draws every field of every registered type; secrets only as password inputs or maps of hints", () => {
    for (const entry of destinationCatalogue()) {
      for (const [name, property] of Object.entries(entry.configSchema.properties ?? {})) {
        const kind = fieldKind(property as PropertySchema);
        if (entry.secretFields.includes(name)) expect(["string", "stringMap"], `${entry.type}.${name}`).toContain(kind);
      }
    }
  });

  it.each<[string, PropertySchema, FieldKind]>([
    ["boolean", { type: "boolean" }, "boolean"],
    ["integer", { type: "integer", minimum: 100 }, "integer"],
    ["number", { type: "number" }, "number"],
    ["enum", { type: "string", enum: ["a", "b"] }, "enum"],
    ["string", { type: "string", format: "uri" }, "string"],
    ["strings", { type: "array", items: { type: "string" } }, "strings"],
    ["string map", { type: "object", additionalProperties: { type: "string" } }, "stringMap"],
    ["anything else", { type: "object", properties: {} } as PropertySchema, "json"],
    ["a union", {}, "json"],
  ])("a %s field", (_, property, kind) => expect(fieldKind(property)).toBe(kind));

  it.each<[FieldKind, string, PropertySchema, unknown]>([
    ["string", "  https://x.test/a ", {}, "https://x.test/a"],
    ["string", "   ", {}, undefined],
    ["integer", "5000", {}, 5000],
    ["number", "", {}, undefined],
    ["strings", "a\n\n b \n", {}, ["a", "b"]],
    ["strings", "", { default: ["x"] }, []],
    ["strings", "", {}, undefined],
    ["stringMap", "Authorization: Bearer abc:def\nX-Id:7", {}, { Authorization: "Bearer abc:def", "X-Id": "7" }],
    ["stringMap", "", { default: {} }, {}],
    ["json", '{"a":1}', {}, { a: 1 }],
  ])("reads %s text %j", (kind, text, property, value) => expect(parseFieldText(kind, text, property)).toEqual(value));

  it("refuses text that is not the field's kind, saying why", () => {
    expect(() => parseFieldText("number", "ten", {})).toThrow("must be a number");
    expect(() => parseFieldText("stringMap", "no colon here", {})).toThrow('"no colon here" is not a "Name: value" line');
    expect(() => parseFieldText("json", "{", {})).toThrow("must be JSON");
  });

  it("labels camelCase names as words", () => {
    expect(fieldLabel("webhookUrl")).toBe("webhook url");
    expect(fieldLabel("minBehaviourScore")).toBe("min behaviour score");
    expect(fieldLabel("url")).toBe("url");
  });
});
