import { leadStub } from "../leads/lead-stub";

/**
 * Tells a lead that a destination's shard owns its batch (delivered or
 * stored). A failed call is logged and otherwise ignored: the lead hands the
 * batch over again after its timeout, and the shard, owning the items,
 * answers at once.
 */
export async function tellLeadTook(env: Env, leadId: string, batchId: string, destinationId: string): Promise<void> {
  try {
    await leadStub(env, leadId).destinationTook(batchId, destinationId);
  } catch (error) {
    console.warn(`delivery shard ${destinationId}: lead ${leadId} not told batch ${batchId} is taken (it hands it over again)`, error);
  }
}
