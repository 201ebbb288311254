import { sha256Hex } from "../http/crypto";

/**
 * Ids of records outside (an Intercom contact, a Pipedrive person) by
 * account and email, kept per isolate. A delivery shard that found or
 * created a person updates it directly the next time: one call instead of a
 * search and an update, and no second person while the API's search index
 * has not caught up with a create. A stale id (the record was deleted or
 * merged) answers 404; the caller forgets it and searches again.
 */
export class RecordIds {
  private readonly ids = new Map<string, string>();

  constructor(private readonly maxEntries = 10_000) {}

  /** The key of one account's record: the credential is hashed, never kept. */
  static async key(credential: string, email: string): Promise<string> {
    return `${(await sha256Hex(credential)).slice(0, 32)}\n${email.toLowerCase()}`;
  }

  get(key: string): string | undefined {
    return this.ids.get(key);
  }

  set(key: string, id: string): void {
    if (this.ids.size >= this.maxEntries && !this.ids.has(key)) this.ids.delete(this.ids.keys().next().value!);
    this.ids.set(key, id);
  }

  forget(key: string): void {
    this.ids.delete(key);
  }
}
