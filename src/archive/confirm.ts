import { leadStub } from "../leads/lead-stub";

/** A lead's rows in a file: its id and the highest seq among them. */
export interface Confirmation {
  leadId: string;
  upto: number;
}

/**
 * Tells each lead how far it is archived, in parallel. A failed call is
 * logged and otherwise ignored: the lead hands those rows over again after
 * its own timeout, and the shard, finding them in its files, confirms again.
 * Answers how many calls succeeded.
 */
export async function confirmArchived(env: Env, confirmations: readonly Confirmation[], label: string): Promise<number> {
  const results = await Promise.allSettled(
    // `archived(upto)`: every row of the lead with seq ≤ upto is in a file in the bucket (durable/lead-archive.ts).
    confirmations.map(({ leadId, upto }) => leadStub(env, leadId).archived(upto)),
  );
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length > 0) console.warn(`archive shard ${label}: ${failed.length} of ${results.length} leads not told they are archived (they hand over again)`, failed[0]!.reason);
  return results.length - failed.length;
}
