// Form fields drawn from a JSON Schema (a destination type's config, as the
// catalogue gives it): checkboxes, numbers, selects, text, lists of strings
// (one a line) and string maps ("Name: value" lines). A `writeOnly` field is
// a secret: a password input that is never filled, showing only the stored
// hint; left empty, the server keeps the stored value.
import { el, field } from "./dom";
import { fieldKind, fieldLabel, mapLines, parseFieldText, type ObjectSchema } from "./schema-fields";

export type { ObjectSchema } from "./schema-fields";

export interface SchemaForm {
  element: HTMLElement;
  /** The config the controls hold; throws `<prefix>.<field>: …` for a value that cannot be read. */
  read(): Record<string, unknown>;
}

/** Labels for config fields whose names alone say too little (any destination type that has them). */
const TITLES: Record<string, string> = {
  changes: "also send score and stage changes (not only events)",
  timeoutMs: "timeout (milliseconds)",
};

/**
 * Controls for each property, named `<prefix>.<property>`, filled from
 * `current` (an edit: secrets there are hints) or else the schema's defaults.
 */
export function schemaForm(schema: ObjectSchema, current: Record<string, unknown> | undefined, prefix = "config"): SchemaForm {
  if (!schema.properties) return wholeJson(current, prefix);
  const required = new Set(schema.required ?? []);
  const readers: Array<{ name: string; read(): unknown }> = [];
  const fields = Object.entries(schema.properties ?? {}).map(([name, p]) => {
    const kind = fieldKind(p);
    const controlName = `${prefix}.${name}`;
    const value = current ? current[name] : p.default;
    const secret = p.writeOnly === true;
    const needed = required.has(name) && !(secret && current?.[name] !== undefined);
    // Notes after the name: optional, secret, how a list is written.
    const notes: string[] = required.has(name) ? [] : ["optional"];

    if (kind === "boolean") {
      const box = el("input", { type: "checkbox", name: controlName, checked: value === true });
      readers.push({ name, read: () => box.checked });
      return el("label", { class: "check" }, box, ` ${p.title ?? TITLES[name] ?? fieldLabel(name)}`);
    }
    let control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    if (kind === "enum") {
      const options = [...(needed ? [] : [""]), ...(p.enum as string[])];
      control = el("select", { name: controlName }, ...options.map((o) => el("option", { value: o }, o || "—")));
      control.value = typeof value === "string" ? value : options[0]!;
    } else if (kind === "strings" || kind === "stringMap" || kind === "json") {
      control = el("textarea", { name: controlName, rows: "3", spellcheck: "false", class: "code" });
      control.value = kind === "strings" ? (Array.isArray(value) ? value.join("\n") : "") : kind === "stringMap" ? mapLines(value) : value === undefined ? "" : JSON.stringify(value, null, 2);
      notes.push(kind === "strings" ? "one a line" : kind === "stringMap" ? "one “Name: value” a line" : "JSON");
      if (secret && kind === "stringMap") notes.push("values are secrets, shown by their last characters: leave those to keep them");
    } else if (secret) {
      // Never filled: the API only shows the hint, and an empty field keeps what is stored.
      const hint = typeof value === "string" ? value : undefined;
      control = el("input", { type: "password", name: controlName, autocomplete: "new-password", placeholder: hint ? `unchanged (${hint})` : "" });
      notes.push(hint ? "write-only: leave empty to keep it" : "write-only: never shown again");
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
    const label = p.title ?? TITLES[name] ?? fieldLabel(name);
    return field(notes.length > 0 ? `${label} (${notes.join("; ")})` : label, control);
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

/** A schema that is not an object of fields (a union, say): the whole config as one JSON text. */
function wholeJson(current: Record<string, unknown> | undefined, prefix: string): SchemaForm {
  const area = el("textarea", { name: prefix, rows: "6", spellcheck: "false", class: "code" });
  area.value = JSON.stringify(current ?? {}, null, 2);
  return {
    element: field(`${prefix} (JSON; secrets shown by their last characters: leave those to keep them)`, area),
    read() {
      const value = parseFieldText("json", area.value, {});
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${prefix}: must be a JSON object`);
      return value as Record<string, unknown>;
    },
  };
}
