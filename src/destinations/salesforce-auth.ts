import { sendRequest } from "./http";
import type { DeliveryResult } from "./types";
import { sha256Hex } from "../http/crypto";

/**
 * Access tokens for the Salesforce destination: the tenant's own token, or
 * one from the OAuth 2.0 client credentials flow of its connected app
 * (POST <instance>/services/oauth2/token), kept per isolate for a while so
 * calls do not each cost a token request. A 401 drops it.
 *
 * Nothing here for jose: the client credentials flow sends the app's id and
 * secret, no JWT is signed or read (the JWT bearer flow is not offered), and
 * the token request is one form POST, which stays ours.
 */

export interface SalesforceCredentials {
  instanceUrl: string;
  accessToken?: string;
  clientId?: string;
  clientSecret?: string;
}

/** Orgs end sessions after 15 minutes to 24 hours (2 hours by default); a token its org has ended answers 401, and a new one is fetched. */
const TOKEN_TTL_MS = 30 * 60_000;
const MAX_CACHED = 1_000;
const tokens = new Map<string, { token: string; until: number }>();

async function cacheKey(credentials: SalesforceCredentials): Promise<string> {
  // Keyed by a hash, so the map never holds a client secret in the clear.
  return sha256Hex(`${credentials.instanceUrl}\n${credentials.clientId}\n${credentials.clientSecret}`);
}

/** A bearer token for the org, or the failed token request's result (an unknown client is a permanent 4xx). */
export async function accessToken(credentials: SalesforceCredentials, timeoutMs: number): Promise<{ token: string } | { failed: DeliveryResult }> {
  if (credentials.accessToken) return { token: credentials.accessToken };
  const key = await cacheKey(credentials);
  const cached = tokens.get(key);
  if (cached && cached.until > Date.now()) return { token: cached.token };
  const form = new URLSearchParams({ grant_type: "client_credentials", client_id: credentials.clientId!, client_secret: credentials.clientSecret! });
  const result = await sendRequest(
    new Request(`${credentials.instanceUrl}/services/oauth2/token`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" }, body: form.toString() }),
    timeoutMs,
  );
  // The token endpoint's answer holds the token: it never goes into a delivery log.
  if (!result.ok) return { failed: { ...result, error: `token request failed: HTTP ${result.status ?? "—"}`, body: undefined } };
  let token: unknown;
  try {
    token = (JSON.parse(result.body) as { access_token?: unknown }).access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== "string" || token === "") return { failed: { ok: false, retryable: true, status: result.status, error: "token answer without access_token" } };
  if (tokens.size >= MAX_CACHED) tokens.delete(tokens.keys().next().value!);
  tokens.set(key, { token, until: Date.now() + TOKEN_TTL_MS });
  return { token };
}

export async function forgetToken(credentials: SalesforceCredentials): Promise<void> {
  if (!credentials.accessToken) tokens.delete(await cacheKey(credentials));
}
