// Builds the static assets the Worker serves (wrangler.toml [assets]):
//   dist/assets/sdk.js              the browser SDK (short cache)
//   dist/assets/sdk/<hash>.js       the same bytes under a content-hashed, immutable URL
//   dist/assets/app/                the dashboard
// Run by `npm start`, `npm test` and wrangler's [build] step (dev and deploy).
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { projectRoot } from "./local.mjs";

export const ASSETS_DIR = join(projectRoot, "dist/assets");
const { version } = JSON.parse(await readFile(join(projectRoot, "package.json"), "utf8"));

/** Bundles one browser entry into a single minified script. */
async function bundle(entry) {
  const result = await build({
    entryPoints: [join(projectRoot, entry)],
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2019",
    write: false,
    legalComments: "none",
    define: { __SDK_VERSION__: JSON.stringify(version) },
  });
  return result.outputFiles[0].contents;
}

/**
 * Writes a file only when its bytes change: several `wrangler dev` processes
 * (parallel test projects) may build at once while others serve the files.
 */
async function put(path, contents) {
  const current = await readFile(path).catch(() => undefined);
  if (current && Buffer.compare(current, Buffer.from(contents)) === 0) return;
  await writeFile(path, contents);
}

export async function buildAssets() {
  await mkdir(join(ASSETS_DIR, "sdk"), { recursive: true });
  await mkdir(join(ASSETS_DIR, "app"), { recursive: true });

  const sdk = await bundle("src/sdk/index.ts");
  const hash = createHash("sha256").update(sdk).digest("hex").slice(0, 12);
  await put(join(ASSETS_DIR, "sdk.js"), sdk);
  await put(join(ASSETS_DIR, "sdk", `${hash}.js`), sdk);
  for (const old of await readdir(join(ASSETS_DIR, "sdk"))) {
    if (old !== `${hash}.js`) await rm(join(ASSETS_DIR, "sdk", old), { force: true });
  }

  const consoleJs = await bundle("src/dashboard/app.ts");
  await put(join(ASSETS_DIR, "app/app.js"), consoleJs);
  for (const file of ["index.html", "style.css"]) {
    await put(join(ASSETS_DIR, "app", file), await readFile(join(projectRoot, "src/dashboard", file)));
  }
  return {
    versionedPath: `/sdk/${hash}.js`,
    bytes: sdk.byteLength,
    gzipBytes: gzipSync(sdk, { level: 9 }).byteLength,
    // The console's budget is 60 KB gzip (README, Console).
    consoleGzipBytes: gzipSync(consoleJs, { level: 9 }).byteLength,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sdk = await buildAssets();
  console.log(`assets built in dist/assets: sdk.js ${sdk.bytes} B (${sdk.gzipBytes} B gzip), versioned ${sdk.versionedPath}; console app.js ${sdk.consoleGzipBytes} B gzip`);
}
