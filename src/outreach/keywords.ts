import { ApiError } from "../http/errors";
import { keywordsTakenElsewhere } from "./store";

/** A keyword routes to one namespace only, so a match is never a tie between two. */
export async function refuseTakenKeywords(db: D1Database, namespaceId: string | null, keywords: readonly string[]): Promise<void> {
  const taken = await keywordsTakenElsewhere(db, namespaceId, keywords);
  if (taken.length === 0) return;
  throw new ApiError(
    409,
    "keyword_taken",
    `keyword already routes to another namespace: ${taken.map((t) => `"${t.keyword}" (${t.namespace})`).join(", ")}`,
    taken.map((t) => ({ path: `keywords`, message: `"${t.keyword}" belongs to namespace ${t.namespace}` })),
  );
}
