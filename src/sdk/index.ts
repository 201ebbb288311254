// The browser SDK's entry: takes over `window.leadflare` from the snippet and
// replays the calls made before this script arrived.
import { Analytics, type Options } from "./analytics";

/** What the snippet leaves behind: queued `[method, ...args]` calls plus the load arguments. */
interface Stub extends Array<unknown[]> {
  _writeKey?: string;
  _options?: Partial<Options>;
}

declare global {
  interface Window {
    leadflare?: Stub | Analytics;
  }
}

const METHODS = ["track", "identify", "page", "group", "alias", "reset", "ready", "consent"] as const;

function start(): void {
  const existing = window.leadflare;
  if (existing instanceof Analytics) return; // loaded twice
  const script = document.currentScript as HTMLScriptElement | null;
  const stub: Stub = Array.isArray(existing) ? existing : [];
  const writeKey = stub._writeKey ?? script?.dataset.writeKey;
  if (!writeKey) {
    console.error("leadflare: no write key (leadflare.load(\"<write key>\") in the snippet, or data-write-key on the script tag)");
    return;
  }
  const analytics = new Analytics({ apiHost: apiHostOf(script?.src), ...stub._options, writeKey });
  window.leadflare = analytics;
  if (stub._options?.page !== false) analytics.page();
  for (const [method, ...args] of stub) {
    if (typeof method === "string" && (METHODS as readonly string[]).includes(method)) {
      (analytics[method as (typeof METHODS)[number]] as (...a: unknown[]) => unknown)(...args);
    }
  }
}

/** The API lives where the script came from: `https://host/lf/sdk.js` → `https://host/lf`. */
function apiHostOf(src: string | undefined): string {
  if (!src) return location.origin;
  const url = new URL(src);
  return url.origin + url.pathname.replace(/\/sdk(\/[\w.-]+)?\.js$/, "");
}

start();
