import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { request, Agent } from "undici";
import { createClient, runLoad } from "./load.mjs";
const outdir = "/work/main/bench/out/build/" + (process.argv[2] ?? "noop");
const mf = new Miniflare(convertV4MiniflareOptions({
  modules: [{ type: "ESModule", path: outdir + "/index.js" }], modulesRoot: outdir,
  compatibilityDate: "2026-11-01",
  durableObjects: { LEAD: { className: "LeadObject", useSQLite: true } },
  host: "127.0.0.1", port: 0, logRequests: false,
  unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
}));
const entry = (await mf.ready).href;
const direct = (await mf.unsafeGetDirectURL()).href;
console.log(entry, direct);
let seq = 0;
const mk = () => ({ path: "/v1/track", body: JSON.stringify({ userId: "u" + (seq % 1000), event: "Page Viewed", properties: { n: seq }, messageId: "m" + seq++, timestamp: new Date().toISOString() }), events: 1 });
function undiciClient(base, c) {
  const d = new Agent({ connections: c, pipelining: 1 });
  return { async post(path, body, headers) {
    try { const r = await request(new URL(path, base), { method: "POST", body, headers: { ...headers, "content-type": "application/json" }, dispatcher: d });
      const text = await r.body.text(); return { status: r.statusCode, text }; } catch (e) { return { status: 0, text: String(e) }; } }, close: () => d.close() };
}
for (const [name, url] of [["entry", entry], ["direct", direct], ["entry", entry], ["direct", direct]]) {
  for (const [cn, mkc] of [["http", createClient], ["undici", undiciClient]]) {
    const client = mkc(url, 50);
    await runLoad({ client, headers: {}, concurrency: 50, durationMs: 1000, makeRequest: mk });
    const r = await runLoad({ client, headers: {}, concurrency: 50, durationMs: 4000, makeRequest: mk });
    console.log(name, cn, r.requestsPerSec.toFixed(0), r.p50Ms.toFixed(2), r.p99Ms.toFixed(2), r.errors, r.firstError ?? "");
    client.close();
  }
}
await mf.dispose();
