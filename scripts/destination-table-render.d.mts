/** What the table reads of a destination catalogue entry (src/destinations/catalogue.ts's CatalogueEntry). */
export interface TableEntry {
  type: string;
  title: string;
  docsUrl: string;
  configSchema: Record<string, unknown> & { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  secretFields: readonly string[];
  urlFields: readonly string[];
  defaults: Record<string, unknown>;
  batch: { maxItems: number | null; maxBytes: number | null } | null;
  rate: { limit: number; periodSeconds: number } | null;
  maxShards: number | null;
}

export const TABLE_START: string;
export const TABLE_END: string;
export function destinationTable(catalogue: readonly TableEntry[]): string;
export function destinationTableBlock(catalogue: readonly TableEntry[]): string;
export function tableInDoc(doc: string): string | null;
export function withTable(doc: string, catalogue: readonly TableEntry[]): string;
