// A key as the API lists it (write keys, API keys, webhook sources, org keys; src/db/keys.ts builds it): shared with
// the console, which shows and rotates them.

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
