/**
 * docs/destinations.md's config table is generated from the destination
 * catalogue (scripts/destination-table.mjs): this fails when the doc's table
 * differs from the one the catalogue draws now, or when a type has no
 * "What each type sends" section.
 */
import { describe, expect, it } from "vitest";
import doc from "../../../docs/destinations.md?raw";
import { destinationCatalogue } from "../../../src/destinations/catalogue";
import { destinationTable, tableInDoc } from "../../../scripts/destination-table-render.mjs";

describe("docs/destinations.md", () => {
  it("holds the destination table the catalogue draws (regenerate: npx node scripts/destination-table.mjs --write)", () => {
    const table = tableInDoc(doc);
    expect(table, "the table's markers are missing").not.toBeNull();
    expect(table, "docs/destinations.md's table is stale: run `npx node scripts/destination-table.mjs --write`").toBe(destinationTable(destinationCatalogue()));
  });

  it("has one row and one 'what it sends' section per catalogue type, and no others", () => {
    const types = destinationCatalogue().map((e) => e.type);
    const rows = [...tableInDoc(doc)!.matchAll(/^\| `([a-z0-9]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(types);
    const sends = doc.slice(doc.indexOf("## What each type sends"));
    const sections = [...sends.matchAll(/^### `([a-z0-9]+)`$/gm)].map((m) => m[1]);
    expect(sections).toEqual(types);
  });
});
