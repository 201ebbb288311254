import { ApiError } from "../http/errors";
import type { LeadExport, LeadSummary } from "../contracts/lead-rpc";
import { leadStub } from "./lead-stub";


/** Everything the lead object holds (its full timeline), typed as the object returns it. */
export async function heldByLead(env: Env, id: string): Promise<LeadExport | null> {
  return (await leadStub(env, id).exportData()) as LeadExport | null;
}

/** A lead of another namespace is answered exactly like one that does not exist. */
export async function leadInNamespace(env: Env, namespaceId: string, id: string): Promise<LeadSummary> {
  let summary: LeadSummary | null;
  try {
    summary = await leadStub(env, id).summary();
  } catch (error) {
    if (error instanceof TypeError) summary = null; // not an id of this object namespace
    else throw error;
  }
  if (!summary || summary.namespaceId !== namespaceId) throw new ApiError(404, "not_found", `no lead ${id}`);
  return summary;
}
