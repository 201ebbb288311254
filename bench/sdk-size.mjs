// Prints the browser SDK's size as served: raw, gzip and brotli bytes of dist/assets/sdk.js.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { ASSETS_DIR, buildAssets } from "../scripts/build-assets.mjs";

const { versionedPath } = await buildAssets();
const sdk = await readFile(join(ASSETS_DIR, "sdk.js"));
const gzip = gzipSync(sdk, { level: 9 }).byteLength;
const brotli = brotliCompressSync(sdk).byteLength;
const TARGET_GZIP = 8 * 1024;
console.log(`sdk.js (${versionedPath}): ${sdk.byteLength} B raw, ${gzip} B gzip, ${brotli} B brotli (target: under ${TARGET_GZIP} B gzip)`);
if (gzip >= TARGET_GZIP) process.exitCode = 1;
