// A key as the API lists it (write keys, API keys, webhook sources, org keys; src/db/keys.ts builds it): shared with
// the console, which shows and rotates them.
import type { RateLimit } from "../limits/token-bucket";

export interface KeyListing {
  id: string;
  name: string;
  prefix: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  /** Set after a rotation, while the previous key still works. */
  previousKeyValidUntil: string | null;
  /** API keys only: what the key may do. */
  scope?: "read" | "write";
}

/** A write key or API key as the namespace's key lists show it (src/db/tenants.ts): with its own rate limit, null for the deployment's default. */
export interface LimitedKeyListing extends KeyListing {
  rateLimit: RateLimit | null;
}

/** A lead-service organisation as GET /api/orgs lists it (src/routes/orgs.ts): its key's prefix and times beside it. */
export interface ListedOrg {
  id: string;
  /** The namespace's name. */
  namespace: string;
  clerkOrgId: string;
  appId: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  previousKeyValidUntil: string | null;
}

/** POST …/:id/rotate (src/routes/key-actions.ts): the new key, shown once; the old one works until `previousKeyValidUntil` (ISO 8601). */
export interface RotatedKey {
  id: string;
  key: string;
  prefix: string;
  previousKeyValidUntil: string | null;
}
