// What a form field is, from its JSON Schema, and how its text reads back as
// a config value: pure, shared by lib/schema-form.ts and its table tests.

export interface PropertySchema {
  type?: string | string[];
  enum?: unknown[];
  items?: PropertySchema;
  additionalProperties?: PropertySchema | boolean;
  default?: unknown;
  writeOnly?: boolean;
  format?: string;
  minimum?: number;
  maximum?: number;
  description?: string;
  /** The field's label, where its name alone would not say enough. */
  title?: string;
}

export interface ObjectSchema {
  properties?: Record<string, PropertySchema>;
  required?: string[];
}

export type FieldKind = "boolean" | "integer" | "number" | "enum" | "string" | "strings" | "stringMap" | "json";

export function fieldKind(p: PropertySchema): FieldKind {
  if (Array.isArray(p.enum) && p.enum.every((v) => typeof v === "string")) return "enum";
  if (p.type === "boolean" || p.type === "integer" || p.type === "number" || p.type === "string") return p.type;
  if (p.type === "array" && p.items?.type === "string") return "strings";
  if (p.type === "object" && typeof p.additionalProperties === "object" && p.additionalProperties.type === "string") return "stringMap";
  return "json";
}

/** "webhookUrl" → "webhook url". */
export const fieldLabel = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();

export const mapLines = (value: unknown) =>
  typeof value === "object" && value !== null ? Object.entries(value).map(([k, v]) => `${k}: ${String(v)}`).join("\n") : "";

/** One control's text as the config value it stands for; undefined leaves the field out. Throws naming the problem. */
export function parseFieldText(kind: FieldKind, text: string, p: PropertySchema): unknown {
  const trimmed = text.trim();
  if (kind === "strings") {
    const items = trimmed.split("\n").map((s) => s.trim()).filter(Boolean);
    return items.length > 0 || p.default !== undefined ? items : undefined;
  }
  if (kind === "stringMap") {
    const entries = trimmed.split("\n").filter((line) => line.trim() !== "").map((line) => {
      const colon = line.indexOf(":");
      if (colon < 1) throw new Error(`"${line.trim()}" is not a "Name: value" line`);
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    });
    return entries.length > 0 || p.default !== undefined ? Object.fromEntries(entries) : undefined;
  }
  if (trimmed === "") return undefined;
  if (kind === "integer" || kind === "number") {
    const n = Number(trimmed);
    if (!Number.isFinite(n)) throw new Error("must be a number");
    return n;
  }
  if (kind === "json") {
    try {
      return JSON.parse(trimmed);
    } catch {
      throw new Error("must be JSON");
    }
  }
  return trimmed;
}
