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

export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
});
