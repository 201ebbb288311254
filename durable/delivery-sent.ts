/**
 * The messageIds this shard delivered lately, in memory: a batch handed over
 * again (the queue redelivers after a partial failure) is not sent twice,
 * without a row per delivered item. Items still waiting or dead are found by
 * their rows instead; after a restart the set is filled again from the log's
 * ring (durable/delivery-ring.ts).
 */
export class SentIds {
  /** MessageIds remembered at most… */
  static readonly MAX_IDS = 100_000;
  /** …and for at most this long (a redelivered batch comes back within minutes). */
  static readonly MAX_AGE_MS = 3_600_000;

  /** messageId → when it was delivered; a Map keeps insertion order, so the oldest come first. */
  private readonly ids = new Map<string, number>();

  has(messageId: string, now: number): boolean {
    const at = this.ids.get(messageId);
    return at !== undefined && at > now - SentIds.MAX_AGE_MS;
  }

  add(messageId: string, at: number): void {
    this.ids.delete(messageId);
    this.ids.set(messageId, at);
    if (this.ids.size > SentIds.MAX_IDS) this.evict(at);
  }

  clear(): void {
    this.ids.clear();
  }

  private evict(now: number): void {
    for (const [id, at] of this.ids) {
      if (this.ids.size <= SentIds.MAX_IDS && at > now - SentIds.MAX_AGE_MS) return;
      this.ids.delete(id);
    }
  }
}
