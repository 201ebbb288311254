import type { ProjectedLead } from "../db/projection";

/** A projection row as the list APIs show it. */
export function toListedLead(row: ProjectedLead) {
  return {
    id: row.leadId,
    score: row.score,
    behaviourScore: row.behaviourScore,
    icpScore: row.icpScore,
    stage: row.stage,
    grade: row.grade,
    velocity: row.velocity,
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
