import { erasedLeadIds } from "../src/db/tombstones";

/** Leads a shard remembers as not erased, at most (then it starts again). */
const MAX_REMEMBERED = 50_000;

/**
 * Which leads of a delivery round were erased, asking D1's tombstones only
 * about leads this shard has not seen yet in this activation. A lead found
 * live stays so until an erasure tells the shard otherwise: an erasure writes
 * the tombstone first, then calls `forgetLeads` on the lead's shard of every
 * destination (src/privacy/erase.ts), which makes the shard ask D1 again. So
 * at steady state a round reads no D1 at all.
 */
export class ErasedLeads {
  private readonly live = new Set<string>();
  /** Bumped by every `forget`, so an answer D1 gave before it is not remembered. */
  private generation = 0;

  async among(db: D1Database, leadIds: readonly string[]): Promise<Set<string>> {
    const unknown = [...new Set(leadIds)].filter((id) => !this.live.has(id));
    if (unknown.length === 0) return new Set();
    const generation = this.generation;
    const erased = await erasedLeadIds(db, unknown);
    if (generation === this.generation) {
      if (this.live.size + unknown.length > MAX_REMEMBERED) this.live.clear();
      for (const id of unknown) if (!erased.has(id)) this.live.add(id);
    }
    return erased;
  }

  forget(leadIds: readonly string[]): void {
    this.generation++;
    for (const id of leadIds) this.live.delete(id);
  }
}
