import { env as workerEnv } from "cloudflare:workers";
import { ApiError } from "../http/errors";
import { checkOutboundUrl, type GuardOptions } from "./url-guard";
import { config } from "../config";

/** Private hosts and plain http are allowed only when the deployment says so (local runs, the test fakes). */
export function guardOptions(env: Pick<Env, "ALLOW_PRIVATE_DESTINATIONS"> = workerEnv): GuardOptions {
  return { allowPrivate: config(env).allowPrivateDestinations };
}

/** A call the guard refused before it left: never worth retrying. */
export class RefusedUrlError extends Error {
  override name = "RefusedUrlError";
}

/**
 * Every outbound call to a URL a tenant or the operator configured goes
 * through here: the URL is checked again at send time (a stored row may
 * predate the rule, or come from a path that skipped it), and redirects are
 * not followed, so a public host cannot bounce the call to a private one.
 */
export async function guardedFetch(input: string | Request, init: RequestInit = {}, options: GuardOptions = guardOptions()): Promise<Response> {
  const url = typeof input === "string" ? input : input.url;
  const verdict = checkOutboundUrl(url, options);
  if (!verdict.ok) throw new RefusedUrlError(`refused to call ${safeOrigin(url)}: ${verdict.reason}`);
  return fetch(input, { ...init, redirect: "manual" });
}

/**
 * Config time: each named URL (a dot path of the request body → the URL)
 * must pass the guard, else a 400 naming every failing field.
 */
export function assertOutboundUrls(env: Pick<Env, "ALLOW_PRIVATE_DESTINATIONS">, urls: Record<string, string | null | undefined>): void {
  const options = guardOptions(env);
  const issues: { path: string; message: string }[] = [];
  for (const [path, url] of Object.entries(urls)) {
    if (url === undefined || url === null) continue;
    const verdict = checkOutboundUrl(url, options);
    if (!verdict.ok) issues.push({ path, message: verdict.reason });
  }
  if (issues.length > 0) throw new ApiError(400, "invalid_request", `invalid request: ${issues.map((i) => i.path).join(", ")}`, issues);
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "an invalid URL";
  }
}
