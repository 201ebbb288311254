// Prints the browser SDK's size as served (raw, gzip and brotli bytes of
// dist/assets/sdk.js) and the console's (dist/assets/app/app.js); fails when
// either is over its budget.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { ASSETS_DIR, buildAssets } from "../scripts/build-assets.mjs";

const { versionedPath, consoleGzipBytes } = await buildAssets();
const sdk = await readFile(join(ASSETS_DIR, "sdk.js"));
const gzip = gzipSync(sdk, { level: 9 }).byteLength;
const brotli = brotliCompressSync(sdk).byteLength;
const TARGET_GZIP = 8 * 1024;
console.log(`sdk.js (${versionedPath}): ${sdk.byteLength} B raw, ${gzip} B gzip, ${brotli} B brotli (target: under ${TARGET_GZIP} B gzip)`);
if (gzip >= TARGET_GZIP) process.exitCode = 1;

const CONSOLE_TARGET_GZIP = 60 * 1024;
console.log(`console app.js: ${consoleGzipBytes} B gzip (budget: ${CONSOLE_TARGET_GZIP} B gzip)`);
if (consoleGzipBytes > CONSOLE_TARGET_GZIP) process.exitCode = 1;
