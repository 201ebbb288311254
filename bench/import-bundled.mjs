// Imports a TypeScript module of the Worker into this Node process, bundled
// with esbuild for the workerd/worker/browser conditions as wrangler bundles
// it, so a micro-bench measures the code that ships.
import { build } from "esbuild";

export async function importBundled(entryPoint) {
  const bundled = await build({
    entryPoints: [entryPoint],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    write: false,
    logLevel: "silent",
  });
  return import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString("base64")}`);
}
