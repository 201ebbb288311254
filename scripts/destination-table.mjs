// Prints the destination config table of docs/destinations.md, drawn from the
// destination catalogue (src/destinations/catalogue.ts, the same module
// GET /api/destinations/catalogue answers from). `--write` puts it into
// docs/destinations.md between its markers; `--check` exits 1 when the doc's
// table differs. test/workers/destinations/docs-config-table.test.ts checks it in `npm test`.
//
//   npx node scripts/destination-table.mjs            # print the table
//   npx node scripts/destination-table.mjs --write    # update docs/destinations.md
//   npx node scripts/destination-table.mjs --check    # fail when the doc is stale
//
// The catalogue is TypeScript written for workerd: esbuild bundles it for Node,
// with the `cloudflare:*` modules (imported by modules the registry pulls in,
// never called to build the catalogue) replaced by stand-ins.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { destinationTable, tableInDoc, withTable } from "./destination-table-render.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const docPath = fileURLToPath(new URL("../docs/destinations.md", import.meta.url));

const cloudflareStandIns = {
  name: "cloudflare-stand-ins",
  setup(b) {
    b.onResolve({ filter: /^cloudflare:/ }, (args) => ({ path: args.path, namespace: "cloudflare-stand-in" }));
    b.onLoad({ filter: /.*/, namespace: "cloudflare-stand-in" }, () => ({
      contents: "export class DurableObject {} export class WorkerEntrypoint {} export const env = {}; export function connect() { throw new Error('no sockets outside workerd'); }",
      loader: "js",
    }));
  },
};

export async function loadCatalogue() {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("../src/destinations/catalogue.ts", import.meta.url))],
    absWorkingDir: root,
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    plugins: [cloudflareStandIns],
    logLevel: "silent",
  });
  const module = await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString("base64")}`);
  return module.destinationCatalogue();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const catalogue = await loadCatalogue();
  const mode = process.argv[2];
  if (mode === "--write") {
    writeFileSync(docPath, withTable(readFileSync(docPath, "utf8"), catalogue));
    console.log(`docs/destinations.md: the table of ${catalogue.length} destination types written`);
  } else if (mode === "--check") {
    if (tableInDoc(readFileSync(docPath, "utf8")) !== destinationTable(catalogue)) {
      console.error("docs/destinations.md's destination table differs from the catalogue: run `npx node scripts/destination-table.mjs --write`");
      process.exit(1);
    }
    console.log("docs/destinations.md's destination table matches the catalogue");
  } else {
    console.log(destinationTable(catalogue));
  }
}
