import { importPKCS8, SignJWT } from "jose";
import { z } from "zod";
import { sendRequest } from "./http";
import type { DeliveryResult } from "./types";

/**
 * Google's OAuth for a service account: an RS256 JWT signed with the
 * account's private key (by jose) is exchanged for an access token
 * (https://developers.google.com/identity/protocols/oauth2/service-account#httprest).
 * The exchange is one form POST and stays ours. Tokens are kept per isolate
 * until a minute before they expire.
 */

/** The JSON key file a service account's "Add key → JSON" downloads (the fields used here). */
export const serviceAccountKey = z
  .string()
  .max(10_000)
  .superRefine((text, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be the service account's JSON key file" });
      return;
    }
    const key = z
      .object({ type: z.literal("service_account"), client_email: z.email(), private_key: z.string().includes("-----BEGIN PRIVATE KEY-----") })
      .safeParse(parsed);
    if (!key.success) ctx.addIssue({ code: "custom", message: "must be a JSON key with type service_account, client_email and private_key (PKCS #8 PEM)" });
  });

interface ServiceAccount {
  client_email: string;
  private_key: string;
}

/** The signed assertion: `iss` the account, `aud` the token URL, valid for an hour. */
export async function signedJwt(account: ServiceAccount, scope: string, tokenUrl: string, nowMs: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  const key = await importPKCS8(account.private_key.trim(), "RS256");
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuer(account.client_email)
    .setAudience(tokenUrl)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .sign(key);
}

type TokenAnswer = { ok: true; token: string; expiresInSeconds?: number } | { ok: false; failure: DeliveryResult };
const tokens = new Map<string, { token: string; expiresAt: number }>();
const inFlight = new Map<string, Promise<TokenAnswer>>();

function cacheKey(keyJson: string, scope: string, tokenUrl: string): string {
  const account = JSON.parse(keyJson) as ServiceAccount;
  return `${account.client_email}\n${scope}\n${tokenUrl}\n${account.private_key.slice(-64)}`;
}

async function exchange(account: ServiceAccount, scope: string, tokenUrl: string, timeoutMs: number): Promise<TokenAnswer> {
  let assertion: string;
  try {
    assertion = await signedJwt(account, scope, tokenUrl, Date.now());
  } catch {
    return { ok: false, failure: { ok: false, retryable: false, error: "the service account's private_key is not a PKCS #8 RSA key" } };
  }
  const request = new Request(tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString(),
  });
  const result = await sendRequest(request, timeoutMs);
  if (!result.ok) return { ok: false, failure: { ...result, error: `token exchange: ${result.error}` } };
  let answer: { access_token?: string; expires_in?: number } = {};
  try {
    answer = JSON.parse(result.body) as typeof answer;
  } catch {
    // Not JSON: handled as an answer without a token.
  }
  if (!answer.access_token) return { ok: false, failure: { ok: false, status: result.status, retryable: true, error: "token exchange: no access_token in the answer" } };
  return { ok: true, token: answer.access_token, expiresInSeconds: answer.expires_in ?? 3600 };
}

/** A valid access token for the account (one exchange at a time per account and scope), or why there is none. */
export async function accessToken(keyJson: string, scope: string, tokenUrl: string, timeoutMs: number): Promise<TokenAnswer> {
  const key = cacheKey(keyJson, scope, tokenUrl);
  const cached = tokens.get(key);
  if (cached && cached.expiresAt > Date.now()) return { ok: true, token: cached.token };
  let pending = inFlight.get(key);
  if (!pending) {
    pending = exchange(JSON.parse(keyJson) as ServiceAccount, scope, tokenUrl, timeoutMs).then((answer) => {
      inFlight.delete(key);
      if (answer.ok) tokens.set(key, { token: answer.token, expiresAt: Date.now() + (answer.expiresInSeconds ?? 3600) * 1000 - 60_000 });
      return answer;
    });
    inFlight.set(key, pending);
  }
  return pending;
}

/** Forgets a token the API refused (revoked, or expired early). */
export function dropToken(keyJson: string, scope: string, tokenUrl: string): void {
  tokens.delete(cacheKey(keyJson, scope, tokenUrl));
}
