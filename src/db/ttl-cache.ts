/**
 * A small per-isolate cache whose entries expire after a fixed time. When an
 * entry expires, one request of the isolate reloads it and the others keep
 * answering from the old value meanwhile, so a busy isolate reads D1 once
 * per entry and period, not once per request that arrives during the
 * reload (a promise cannot be shared between requests, so they cannot wait
 * on it). The old value is served at most one more period if the reload
 * never ends; a failed reload lets the next request try again.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number; reloadingSince?: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    const now = Date.now();
    if (hit && hit.expires > now) return hit.value;
    if (hit?.reloadingSince !== undefined && hit.reloadingSince > now - this.ttlMs) return hit.value;
    if (hit) hit.reloadingSince = now;
    let value: V;
    try {
      value = await load();
    } catch (error) {
      if (hit) hit.reloadingSince = undefined;
      throw error;
    }
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, expires: Date.now() + this.ttlMs });
    return value;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
