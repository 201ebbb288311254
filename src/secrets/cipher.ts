import { env as workerEnv } from "cloudflare:workers";

/**
 * Secrets at rest: AES-256-GCM (WebCrypto) under the keys of the
 * `SECRETS_KEY` Worker secret, a comma-separated list of `<key id>:<base64
 * of 32 bytes>`. The first key encrypts; every listed key decrypts, so a
 * rotation prepends a new key and keeps the old one until every row was
 * re-encrypted (each read re-encrypts a row under an older key, and
 * `POST /api/secrets/re-encrypt` does all rows at once).
 *
 * A stored value is `enc:v1:<key id>:<base64url IV>:<base64url ciphertext>`.
 * The row's identity (`destinations:<id>`) is the additional authenticated
 * data, so a ciphertext copied into another row (another tenant's) fails to
 * decrypt. A value without the `enc:` prefix is a row from before encryption:
 * read as it is, and re-encrypted like a row under an old key.
 */

export interface Keyring {
  currentId: string;
  keys: Map<string, CryptoKey>;
}

const PREFIX = "enc:v1:";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class SecretsKeyError extends Error {
  override name = "SecretsKeyError";
}

const parsed = new Map<string, Promise<Keyring>>();

/** The keyring of a SECRETS_KEY value (parsed and imported once per isolate). */
export function keyring(secretsKey: string | undefined = (workerEnv as { SECRETS_KEY?: string }).SECRETS_KEY): Promise<Keyring> {
  if (!secretsKey) return Promise.reject(new SecretsKeyError("SECRETS_KEY is not set: secrets cannot be stored or read (see README, Secrets at rest)"));
  let ring = parsed.get(secretsKey);
  if (!ring) {
    ring = importKeyring(secretsKey);
    ring.catch(() => parsed.delete(secretsKey));
    parsed.set(secretsKey, ring);
  }
  return ring;
}

async function importKeyring(secretsKey: string): Promise<Keyring> {
  const entries = secretsKey.split(",").map((part) => part.trim()).filter((part) => part.length > 0);
  const keys = new Map<string, CryptoKey>();
  for (const entry of entries) {
    const match = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/=_-]+)$/.exec(entry);
    if (!match) throw new SecretsKeyError("SECRETS_KEY must be <key id>:<base64 key>[,<key id>:<base64 key>…]");
    const raw = fromBase64(match[2]!);
    if (raw.byteLength !== 32) throw new SecretsKeyError(`SECRETS_KEY key ${match[1]} must be 32 bytes (base64 of 32 random bytes)`);
    keys.set(match[1]!, await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
  }
  const currentId = entries[0]?.split(":")[0];
  if (!currentId) throw new SecretsKeyError("SECRETS_KEY holds no key");
  return { currentId, keys };
}

export async function encryptSecret(ring: Keyring, plaintext: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(context) }, ring.keys.get(ring.currentId)!, encoder.encode(plaintext));
  return `${PREFIX}${ring.currentId}:${toBase64Url(iv)}:${toBase64Url(new Uint8Array(sealed))}`;
}

/** The plaintext, and whether the stored value should be written again under the current key. */
export async function decryptSecret(ring: Keyring, stored: string, context: string): Promise<{ plaintext: string; stale: boolean }> {
  if (!stored.startsWith(PREFIX)) return { plaintext: stored, stale: true };
  const [keyId, iv, sealed] = stored.slice(PREFIX.length).split(":");
  const key = keyId ? ring.keys.get(keyId) : undefined;
  if (!key || !iv || !sealed) throw new SecretsKeyError(`a secret is encrypted under key ${keyId ?? "?"}, which SECRETS_KEY no longer lists`);
  const opened = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(iv), additionalData: encoder.encode(context) }, key, fromBase64(sealed));
  return { plaintext: decoder.decode(opened), stale: keyId !== ring.currentId };
}

export function isEncrypted(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const normal = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = normal + "=".repeat((4 - (normal.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}
