/**
 * Each kind of credential: where a request carries it, and what it names.
 * Only the authorize middleware calls these; a resolver throws the 401/403
 * a caller should see, or returns what the credential reaches.
 */
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";
import { secretsEqual, sha256Hex } from "./crypto";
import { enforceRateLimit } from "./rate-limit";
import { findNamespaceById, findNamespaceByName, namespaceForApiKey, namespaceForWriteKey, type ApiKeyScope, type IngestNamespace, type Namespace } from "../db/tenants";
import { findOrg, orgForKey, type Org } from "../db/orgs";
import { findWebhookSource, type WebhookSource } from "../outreach/store";
import { touchKey } from "../db/keys";
import type { Platform } from "../outreach/types";

/**
 * Browsers cannot set headers on a WebSocket, so /api/live also takes the key
 * as a subprotocol: `new WebSocket(url, ["leadflare", "bearer.<key>"])`.
 */
export const LIVE_PROTOCOL = "leadflare";
const PROTOCOL_TOKEN_PREFIX = "bearer.";

/** A management token: `Authorization: Bearer`, the seeds' `X-API-Key`, or (WebSocket upgrades only) the `bearer.` subprotocol. */
export function presentedToken(c: Context<AppEnv>): string | undefined {
  const header = c.req.header("X-API-Key")?.trim();
  if (header) return header;
  const authorization = c.req.header("Authorization");
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) return bearer;
  if (authorization === undefined && c.req.header("Upgrade")?.toLowerCase() === "websocket") {
    const offered = c.req.header("Sec-WebSocket-Protocol")?.split(",").map((p) => p.trim()) ?? [];
    return offered.find((p) => p.startsWith(PROTOCOL_TOKEN_PREFIX))?.slice(PROTOCOL_TOKEN_PREFIX.length) || undefined;
  }
  return undefined;
}

export function isAdminToken(env: Env, token: string): boolean {
  return env.ADMIN_TOKEN !== undefined && env.ADMIN_TOKEN !== "" && secretsEqual(token, env.ADMIN_TOKEN);
}

/** The write key of an ingest call: the HTTP Basic user (password empty), else `writeKey` in the body, else the path's. */
export function presentedWriteKey(c: Context<AppEnv>, body: unknown, pathKey: string | undefined): string | undefined {
  const basic = c.req.header("Authorization")?.match(/^Basic\s+(\S+)$/i)?.[1];
  if (basic) {
    try {
      const user = atob(basic).split(":")[0];
      if (user) return user;
    } catch {
      // not base64: fall back to the body
    }
  }
  if (body && typeof body === "object" && "writeKey" in body && typeof body.writeKey === "string" && body.writeKey) return body.writeKey;
  return pathKey || undefined;
}

export async function sourceForWriteKey(c: Context<AppEnv>, writeKey: string | undefined): Promise<IngestNamespace> {
  if (!writeKey) throw new ApiError(401, "unauthorized", "a write key is required: HTTP Basic user, or writeKey in the body");
  const source = await namespaceForWriteKey(c.env.DB, writeKey);
  if (!source) throw new ApiError(401, "unauthorized", "unknown write key");
  await enforceRateLimit(c, { kind: "source", id: source.sourceId });
  return source;
}

export interface ApiKeyHolder {
  namespace: Namespace;
  apiKeyId: string;
  scope: ApiKeyScope;
  /** When the key stops working: the end of a rotated key's grace; null for a current key. */
  validUntil: number | null;
}

/** A namespace API key with at least `scope`; undefined when the token is no API key. */
export async function apiKeyHolder(c: Context<AppEnv>, token: string, scope: ApiKeyScope): Promise<ApiKeyHolder | undefined> {
  const found = await namespaceForApiKey(c.env.DB, token);
  if (!found) return undefined;
  await enforceRateLimit(c, { kind: "api-key", id: found.apiKeyId });
  if (scope === "write" && found.scope === "read") {
    throw new ApiError(403, "read_only_key", `this API key has the read scope: ${c.req.method} needs a key with the write scope`);
  }
  return { namespace: { id: found.id, name: found.name }, apiKeyId: found.apiKeyId, scope: found.scope, validUntil: found.validUntil ?? null };
}

function orgHeaders(c: Context<AppEnv>): { clerkOrgId: string; appId: string } {
  const clerkOrgId = c.req.header("X-Org-Id");
  const appId = c.req.header("X-App-Id");
  if (!clerkOrgId || !appId) {
    throw new ApiError(400, "invalid_request", "X-Org-Id and X-App-Id are required", [
      ...(clerkOrgId ? [] : [{ path: "headers.X-Org-Id", message: "required" }]),
      ...(appId ? [] : [{ path: "headers.X-App-Id", message: "required" }]),
    ]);
  }
  return { clerkOrgId, appId };
}

/** A lead-service org key, whose `X-Org-Id` and `X-App-Id` must be its own; undefined when the token is no org key. */
export async function orgKeyHolder(c: Context<AppEnv>, token: string): Promise<{ org: Org; namespace: Namespace } | undefined> {
  const org = await orgForKey(c.env.DB, token);
  if (!org) return undefined;
  const { clerkOrgId, appId } = orgHeaders(c);
  if (!secretsEqual(clerkOrgId, org.clerkOrgId)) {
    throw new ApiError(403, "forbidden", "X-Org-Id is not this key's organisation", [{ path: "headers.X-Org-Id", message: "does not match the key" }]);
  }
  if (!secretsEqual(appId, org.appId)) {
    throw new ApiError(403, "forbidden", "X-App-Id is not this key's app", [{ path: "headers.X-App-Id", message: "does not match the key" }]);
  }
  const namespace = await findNamespaceById(c.env.DB, org.namespaceId);
  if (!namespace) return undefined;
  // An organisation's key is an API key: it shares the API keys' default limit.
  await enforceRateLimit(c, { kind: "api-key", id: `org-${org.id}` });
  return { org, namespace };
}

/** The organisation of an API key's namespace that `X-Org-Id` and `X-App-Id` name. */
export async function orgOfNamespace(c: Context<AppEnv>, namespace: Namespace): Promise<Org> {
  const { clerkOrgId, appId } = orgHeaders(c);
  const org = await findOrg(c.env.DB, namespace.id, clerkOrgId, appId);
  if (!org) throw new ApiError(403, "forbidden", "X-Org-Id and X-App-Id name no organisation of this key's namespace");
  return org;
}

/** The namespace the admin token acts on: the path's `:name`, else `?namespace=`. */
export async function adminNamespace(c: Context<AppEnv>, pathName: string | undefined): Promise<Namespace> {
  const name = pathName ?? c.req.query("namespace");
  if (!name) throw new ApiError(400, "invalid_request", "the admin token needs ?namespace=<name>", [{ path: "namespace", message: "required" }]);
  const namespace = await findNamespaceByName(c.env.DB, name);
  if (!namespace) throw new ApiError(404, "not_found", `no namespace named ${name}`);
  return namespace;
}

const MAX_WEBHOOK_BYTES = 1024 * 1024;

/** A webhook's body as text and JSON (undefined when it is not JSON: the route says so once the caller is known). */
export async function readWebhookBody(c: Context<AppEnv>): Promise<{ value: unknown; bytes: number }> {
  const raw = await c.req.text();
  if (raw.length > MAX_WEBHOOK_BYTES) throw new ApiError(413, "payload_too_large", `a webhook body may hold at most ${MAX_WEBHOOK_BYTES} bytes`);
  try {
    return { value: JSON.parse(raw) as unknown, bytes: raw.length };
  } catch {
    return { value: undefined, bytes: raw.length };
  }
}

/**
 * A Lemlist or Smartlead webhook source: its secret from `?token=`,
 * `X-Leadflare-Secret`, `Authorization: Bearer`, or (as Smartlead sends it)
 * the body's `secret_key`.
 */
export async function webhookSourceFor(c: Context<AppEnv>, platform: Platform, sourceId: string, body: unknown): Promise<WebhookSource> {
  const bearer = c.req.header("Authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const inBody = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>).secret_key : undefined;
  const given = c.req.query("token") ?? c.req.header("X-Leadflare-Secret") ?? bearer ?? (typeof inBody === "string" ? inBody : undefined);
  const source = /^[0-9a-f-]{36}$/.test(sourceId) ? await findWebhookSource(c.env.DB, sourceId, platform) : undefined;
  // The hash is compared even for an unknown source, so timing tells nothing about which sources exist.
  const givenHash = await sha256Hex(given ?? "");
  const current = secretsEqual(givenHash, source?.secretHash ?? "0".repeat(64));
  // After a rotation the previous secret works until its grace period ends.
  const previous = secretsEqual(givenHash, source?.previousSecretHash ?? "0".repeat(64));
  const ok = (current || previous) && given !== undefined && source !== undefined;
  if (!ok) throw new ApiError(401, "unauthorized", `unknown ${platform} source or wrong secret (send it as ?token=, X-Leadflare-Secret or Bearer)`);
  await touchKey(c.env.DB, "webhook-source", source.id);
  await enforceRateLimit(c, { kind: "webhook-source", id: source.id });
  return source;
}
