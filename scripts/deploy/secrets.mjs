// Fresh values for the Worker's required secrets.
import { randomBytes } from "node:crypto";

/** The admin token: 32 random bytes, hex (Bearer token for /api/namespaces and the console). */
export function newAdminToken() {
  return randomBytes(32).toString("hex");
}

/** A SECRETS_KEY keyring of one key, as src/secrets/cipher.ts parses it: `<key id>:<base64 of 32 bytes>`. */
export function newSecretsKey(keyId = "k1") {
  return `${keyId}:${randomBytes(32).toString("base64")}`;
}

export const GENERATORS = { ADMIN_TOKEN: newAdminToken, SECRETS_KEY: newSecretsKey };
