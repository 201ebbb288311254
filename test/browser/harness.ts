// Shared by the browser tests: `wrangler dev` on a fresh local state, a
// customer's site on another origin (with a first-party proxy path to
// leadflare that can be taken down), and headless Chromium.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { DEV, prepareLocalState, projectRoot, startDev } from "../../scripts/local.mjs";
import { snippet } from "../../src/sdk/snippet.ts";
import { eventually as waitFor } from "../shared/eventually.ts";
import { freePort } from "../setup/free-port.ts";

export const ARTIFACTS = join(projectRoot, "test/artifacts");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];


/** `vars` override wrangler.toml's [vars] for this server (e.g. ALLOW_PRIVATE_DESTINATIONS for a receiver on 127.0.0.1). */
export async function startLeadflare(vars: Record<string, string> = {}) {
  const stateDir = mkdtempSync(join(tmpdir(), "leadflare-browser-"));
  prepareLocalState(stateDir);
  const extraArgs = Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const server = await startDev({ port: await freePort(), persistTo: stateDir, stdio: "ignore", extraArgs });
  return {
    url: server.url,
    stop() {
      server.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * The customer's site: `/page` carries the snippet, loading sdk.js from
 * `?sdk=` (default: leadflare's own origin, cross-origin) with the options in
 * `?options=`; `/lf/*` is the first-party route to leadflare (the prefix is
 * stripped, as in the README's proxy examples). While `apiDown`, calls to
 * `/lf/v1/*` are cut off (the script itself still loads, as from a cache).
 */
export async function startSite(leadflareUrl: string) {
  const state = { apiDown: false, refused: 0, batches: 0 };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url!, "http://site");
    if (url.pathname === "/page") {
      const sdk = url.searchParams.get("sdk") ?? `${leadflareUrl}/sdk.js`;
      const options = JSON.parse(url.searchParams.get("options") ?? "{}");
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><html><head><title>Acme pricing</title>
${snippet(sdk, DEV.writeKey, options)}
<script>leadflare.track("Snippet Queued", { queuedBeforeLoad: true });</script>
</head><body><h1>Acme pricing</h1></body></html>`);
      return;
    }
    if (url.pathname.startsWith("/lf/")) {
      if (state.apiDown && url.pathname.startsWith("/lf/v1/")) {
        state.refused++;
        req.socket.destroy();
        return;
      }
      if (url.pathname === "/lf/v1/b") state.batches++;
      const target = new URL(url.pathname.slice("/lf".length) + url.search, leadflareUrl);
      const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
      return;
    }
    res.writeHead(404).end();
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}`, state, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A fresh Chromium profile (no cookies, no localStorage). */
export async function newBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "leadflare-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** Browsers and wrangler dev are slower than the workers pool: a longer default wait. */
export const eventually = <T>(check: () => Promise<T>, timeoutMs = 30_000, intervalMs = 250) => waitFor(check, timeoutMs, intervalMs);

export async function api<T = any>(leadflareUrl: string, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${leadflareUrl}${path}`, { headers: { Authorization: `Bearer ${DEV.apiKey}` } });
  return { status: res.status, body: (await res.json()) as T };
}


export async function leadByUserId(leadflareUrl: string, userId: string): Promise<any> {
  const { status, body } = await api(leadflareUrl, `/api/leads/lookup?userId=${encodeURIComponent(userId)}`);
  if (status !== 200) throw new Error(`lookup ${userId}: ${status} ${JSON.stringify(body)}`);
  return body.lead;
}

export async function timelineOf(leadflareUrl: string, leadId: string): Promise<any[]> {
  const { body } = await api(leadflareUrl, `/api/leads/${leadId}/timeline?limit=200`);
  return body.entries;
}

export { DEV };
