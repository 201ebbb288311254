import type { TableEntry } from "./destination-table-render.d.mts";

/** The destination catalogue, built in Node from src/destinations/catalogue.ts. */
export function loadCatalogue(): Promise<TableEntry[]>;
