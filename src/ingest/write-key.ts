/**
 * The write key of an ingest call: the user of HTTP Basic auth (password
 * empty), else `writeKey` in the body, as Segment's clients send it.
 */
export function writeKeyOf(authorization: string | undefined, body: unknown): string | undefined {
  const basic = authorization?.match(/^Basic\s+(\S+)$/i)?.[1];
  if (basic) {
    try {
      const user = atob(basic).split(":")[0];
      if (user) return user;
    } catch {
      // not base64: fall back to the body
    }
  }
  if (body && typeof body === "object" && "writeKey" in body && typeof body.writeKey === "string" && body.writeKey) {
    return body.writeKey;
  }
  return undefined;
}
