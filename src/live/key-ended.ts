/**
 * An open /api/live socket works only as long as the API key that opened it:
 * revoking the key closes its sockets at once, rotating it closes the ones
 * opened with the old secret when the grace period ends.
 */
export async function liveKeyRevoked(env: Env, namespaceId: string, apiKeyId: string): Promise<void> {
  await env.LIVE.getByName(namespaceId).keyEnded(apiKeyId, { validUntil: null });
}

export async function liveKeyRotated(env: Env, namespaceId: string, apiKeyId: string, rotatedAt: number, oldKeyValidUntil: number | null): Promise<void> {
  await env.LIVE.getByName(namespaceId).keyEnded(apiKeyId, { validUntil: oldKeyValidUntil ?? rotatedAt, rotatedAt });
}
