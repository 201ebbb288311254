import { Hono, type Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { DASHBOARD_CSP } from "../http/security-headers";

/** `/sdk.js` may change with any deploy; `/sdk/<content hash>.js` never does. */
export const SDK_CACHE = "public, max-age=300, stale-while-revalidate=86400";
export const VERSIONED_SDK_CACHE = "public, max-age=31536000, immutable";

/** The browser SDK and the dashboard, from the static assets (wrangler.toml [assets]). */
export const assetRoutes = new Hono<AppEnv>();

assetRoutes.get("/sdk.js", (c) => fromAssets(c, SDK_CACHE));
assetRoutes.get("/sdk/:file{[0-9a-f]{12}\\.js}", (c) => fromAssets(c, VERSIONED_SDK_CACHE));
// The dashboard: revalidated on each load (its files keep their names across deploys).
assetRoutes.get("/app", (c) => fromAssets(c, "no-cache", DASHBOARD_CSP));
assetRoutes.get("/app/*", (c) => fromAssets(c, "no-cache", DASHBOARD_CSP));

async function fromAssets(c: Context<AppEnv>, cacheControl: string, contentSecurityPolicy?: string): Promise<Response> {
  const asset = await c.env.ASSETS.fetch(c.req.raw);
  if (asset.status === 404) throw new ApiError(404, "not_found", `no file at ${new URL(c.req.url).pathname}`);
  const response = new Response(asset.body, asset);
  if (asset.ok || asset.status === 304) {
    response.headers.set("Cache-Control", cacheControl);
    response.headers.set("Access-Control-Allow-Origin", "*");
  }
  if (contentSecurityPolicy) response.headers.set("Content-Security-Policy", contentSecurityPolicy);
  return response;
}
