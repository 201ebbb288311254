// Form fields drawn from a JSON Schema (a destination type's config, as the
// catalogue gives it): checkboxes, numbers, selects, text, lists of strings
// (one a line) and string maps ("Name: value" lines). A `writeOnly` field is
// a secret: a password input that is never filled, showing only the stored
// hint; left empty, the server keeps the stored value.
import { el, field } from "./dom";

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

const mapLines = (value: unknown) =>
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

export interface SchemaForm {
  element: HTMLElement;
  /** The config the controls hold; throws `<prefix>.<field>: …` for a value that cannot be read. */
  read(): Record<string, unknown>;
}

/**
 * Controls for each property, named `<prefix>.<property>`, filled from
 * `current` (an edit: secrets there are hints) or else the schema's defaults.
 */
export function schemaForm(schema: ObjectSchema, current: Record<string, unknown> | undefined, prefix = "config"): SchemaForm {
  const required = new Set(schema.required ?? []);
  const readers: Array<{ name: string; read(): unknown }> = [];
  const fields = Object.entries(schema.properties ?? {}).map(([name, p]) => {
    const kind = fieldKind(p);
    const controlName = `${prefix}.${name}`;
    const value = current ? current[name] : p.default;
    const secret = p.writeOnly === true;
    const needed = required.has(name) && !(secret && current?.[name] !== undefined);
    let label = fieldLabel(name) + (required.has(name) ? "" : " (optional)");

    if (kind === "boolean") {
      const box = el("input", { type: "checkbox", name: controlName, checked: value === true });
      readers.push({ name, read: () => box.checked });
      return el("label", { class: "check" }, box, ` ${fieldLabel(name)}`);
    }
    let control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    if (kind === "enum") {
      const options = [...(needed ? [] : [""]), ...(p.enum as string[])];
      control = el("select", { name: controlName }, ...options.map((o) => el("option", { value: o }, o || "—")));
      control.value = typeof value === "string" ? value : options[0]!;
    } else if (kind === "strings" || kind === "stringMap" || kind === "json") {
      control = el("textarea", { name: controlName, rows: "3", spellcheck: "false", class: "code" });
      control.value = kind === "strings" ? (Array.isArray(value) ? value.join("\n") : "") : kind === "stringMap" ? mapLines(value) : value === undefined ? "" : JSON.stringify(value, null, 2);
      label += kind === "strings" ? ", one a line" : kind === "stringMap" ? ", one “Name: value” a line" : ", JSON";
      if (secret && kind === "stringMap") label += "; values are secrets, shown by their last characters: leave those to keep them";
    } else if (secret) {
      // Never filled: the API only shows the hint, and an empty field keeps what is stored.
      const hint = typeof value === "string" ? value : undefined;
      control = el("input", { type: "password", name: controlName, autocomplete: "new-password", placeholder: hint ? `unchanged (${hint})` : "" });
      label += hint ? ", secret: leave empty to keep it" : ", secret";
    } else {
      const numeric = kind === "integer" || kind === "number";
      control = el("input", {
        name: controlName,
        type: numeric ? "number" : p.format === "uri" ? "url" : "text",
        step: kind === "integer" ? "1" : numeric ? "any" : undefined,
        min: p.minimum !== undefined ? String(p.minimum) : undefined,
        max: p.maximum !== undefined ? String(p.maximum) : undefined,
      });
      control.value = value === undefined || value === null ? "" : String(value);
    }
    control.required = needed && kind !== "enum";
    readers.push({ name, read: () => parseFieldText(kind, control.value, p) });
    return field(label, control);
  });

  return {
    element: el("div", { class: "stack" }, ...fields),
    read() {
      const config: Record<string, unknown> = {};
      for (const { name, read } of readers) {
        let value: unknown;
        try {
          value = read();
        } catch (error) {
          throw new Error(`${prefix}.${name}: ${(error as Error).message}`);
        }
        if (value !== undefined) config[name] = value;
      }
      return config;
    },
  };
}
