// The destination catalogue: what the console needs to draw a form for each
// registered type and to say what the outside API allows, derived from the
// registry and each module alone (a new module appears here with no edit).
import { z } from "zod";
import type { CatalogueEntry, JsonSchema } from "../contracts/destination-catalogue";
import { bindingFields, DESTINATION_TYPES, DESTINATIONS, URL_FIELDS, type DestinationType } from "./registry";
import type { DestinationModule } from "./types";

/** Each field's default, for the fields that have one (a required field without a default is left out). */
export function defaultConfig(schema: z.ZodType): Record<string, unknown> {
  if (!(schema instanceof z.ZodObject)) return {};
  const defaults: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const parsed = field.safeParse(undefined);
    if (parsed.success && parsed.data !== undefined) defaults[name] = parsed.data;
  }
  return defaults;
}

/** `compute` on the default config; null when it needs a field only a real config has. */
function fromDefaults<T>(compute: () => T): T | null {
  try {
    return compute() ?? null;
  } catch {
    return null;
  }
}

export function configJsonSchema(module: DestinationModule<unknown>): JsonSchema {
  const schema = z.toJSONSchema(module.config, { io: "input", unrepresentable: "any" }) as JsonSchema;
  for (const field of module.secretFields) {
    const property = schema.properties?.[field];
    if (property) property.writeOnly = true;
  }
  return schema;
}

export function catalogueEntry(type: DestinationType): CatalogueEntry {
  const module = DESTINATIONS[type] as DestinationModule<unknown>;
  const defaults = defaultConfig(module.config);
  return {
    type,
    title: module.title,
    docsUrl: module.docsUrl,
    configSchema: configJsonSchema(module),
    secretFields: [...module.secretFields],
    urlFields: [...URL_FIELDS[type]],
    bindingFields: [...bindingFields(type)],
    defaults,
    batch: module.batch ? { maxItems: fromDefaults(() => module.batch!.maxItems(defaults)), maxBytes: module.batch.maxBytes ?? null } : null,
    rate: fromDefaults(() => module.rate(defaults)),
    maxShards: module.maxShards ?? null,
  };
}

let built: CatalogueEntry[] | undefined;

/** Every registered type, in the registry's order; built once per isolate (it only changes with a deploy). */
export function destinationCatalogue(): CatalogueEntry[] {
  built ??= DESTINATION_TYPES.map(catalogueEntry);
  return built;
}
