import type { ProjectedLead } from "../db/projection";
import { modelInUse } from "../db/model-in-use";
import type { TopFeature } from "../predict/serve";
import type { ListedLead } from "../contracts/listed-lead";

/**
 * Whether the namespace has a model in use now (a per-isolate cached read):
 * without one, listed leads show no conversion probability, even one a lead's
 * summary took from a model since replaced by one that is not used.
 */
export async function hasModelInUse(db: D1Database, namespaceId: string): Promise<boolean> {
  return (await modelInUse(db, namespaceId)) !== null;
}

/** A projection row as the list APIs show it; `predicted`: the namespace has a model in use (hasModelInUse). */
export function toListedLead(row: ProjectedLead, predicted: boolean): ListedLead {
  const shown = predicted && row.conversionProbability !== null;
  return {
    id: row.leadId,
    score: row.score,
    behaviourScore: row.behaviourScore,
    icpScore: row.icpScore,
    stage: row.stage,
    grade: row.grade,
    velocity: row.velocity,
    conversionProbability: shown ? row.conversionProbability : null,
    conversionFeatures: shown && row.conversionFeatures ? (JSON.parse(row.conversionFeatures) as TopFeature[]) : [],
    eventCount: row.eventCount,
    userId: row.userId,
    email: row.email,
    company: row.company,
    name: row.name,
    firstSeen: row.firstSeen === null ? null : new Date(row.firstSeen).toISOString(),
    lastActivity: row.lastActivity === null ? null : new Date(row.lastActivity).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export function encodeListCursor(value: number | string, leadId: string): string {
  return btoa(JSON.stringify([value, leadId]));
}
