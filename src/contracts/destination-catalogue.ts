// One entry of the destination catalogue (GET /api/destinations/catalogue; src/destinations/catalogue.ts builds it):
// what the console needs to draw a form for each destination type and to say what the outside API allows.
import type { RateLimit } from "../limits/token-bucket";
import type { DestinationType } from "./destination-types";

/** A JSON Schema, as far as the catalogue reads it. */
export type JsonSchema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> };

export interface CatalogueEntry {
  type: DestinationType;
  title: string;
  docsUrl: string;
  /** The config a user sends, as JSON Schema (draft 2020-12); secret fields are `writeOnly`. */
  configSchema: JsonSchema;
  secretFields: string[];
  /** Fields holding a URL this Worker will call (checked by the outbound URL guard). */
  urlFields: string[];
  /** Fields the secrets are bound to: an update changing one keeps no stored secret (see src/secrets/bound.ts). */
  bindingFields: string[];
  /** The config fields' defaults: what the limits below are computed for. */
  defaults: Record<string, unknown>;
  /** Items per call and bytes per call, when the outside API takes batches. */
  batch: { maxItems: number | null; maxBytes: number | null } | null;
  rate: RateLimit | null;
  maxShards: number | null;
}
