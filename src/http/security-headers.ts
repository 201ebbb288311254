import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";

/**
 * Set on every answer, errors and 404s included. The API serves JSON only, so
 * nothing may frame, sniff or embed it; no Cross-Origin-Resource-Policy, since
 * the browser SDK is loaded from other sites.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "X-Frame-Options": "DENY",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
};

/** The dashboard's pages load their own script and styles and talk to this API over fetch and WebSocket. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** A route that serves a page may set its own Content-Security-Policy; every other header is always these. */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (name === "Content-Security-Policy" && c.res.headers.has(name)) continue;
    c.res.headers.set(name, value);
  }
});
