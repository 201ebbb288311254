import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { revokeKey, rotateKey, type KeyKind } from "../db/keys";
import { rotateKeyBody } from "../schemas/keys";
import { keyIdParam } from "../schemas/management";
import { liveKeyRevoked, liveKeyRotated } from "../live/key-ended";
import type { RotatedKey } from "../contracts/key-listing";

const LABEL: Record<KeyKind, string> = { "write-key": "source", "api-key": "API key", "webhook-source": "webhook source", org: "organisation" };

/** DELETE …/:id of any kind of key: the key stops working (within a minute in every isolate) and the record goes. */
export async function revokeRoute(c: Context<AppEnv>, kind: KeyKind, namespaceId: string): Promise<Response> {
  const { id } = parseOrThrow(keyIdParam, c.req.param(), `${LABEL[kind]} id`);
  if (!(await revokeKey(c.env.DB, kind, namespaceId, id))) throw new ApiError(404, "not_found", `no ${LABEL[kind]} ${id}`);
  if (kind === "api-key") await liveKeyRevoked(c.env, namespaceId, id);
  return c.json({ revoked: id });
}

/** POST …/:id/rotate `{graceSeconds?}`: a new key, shown once; the old one works until `previousKeyValidUntil`. */
export async function rotateRoute(c: Context<AppEnv>, kind: KeyKind, namespaceId: string): Promise<Response> {
  const { id } = parseOrThrow(keyIdParam, c.req.param(), `${LABEL[kind]} id`);
  const text = await c.req.text();
  let body: unknown = {};
  if (text.trim() !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  const { graceSeconds } = parseOrThrow(rotateKeyBody, body);
  const rotatedAt = Date.now();
  const rotated = await rotateKey(c.env.DB, kind, namespaceId, id, graceSeconds);
  if (!rotated) throw new ApiError(404, "not_found", `no ${LABEL[kind]} ${id}`);
  if (kind === "api-key") {
    const oldKeyValidUntil = rotated.previousKeyValidUntil === null ? null : Date.parse(rotated.previousKeyValidUntil);
    await liveKeyRotated(c.env, namespaceId, id, rotatedAt, oldKeyValidUntil);
  }
  return c.json({ id, key: rotated.secret, prefix: rotated.prefix, previousKeyValidUntil: rotated.previousKeyValidUntil } satisfies RotatedKey);
}
