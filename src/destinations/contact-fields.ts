import type { DeliveryItem, LeadSnapshot } from "./types";

/**
 * For the email-list destinations (SendGrid, Mailchimp): a contact is keyed
 * by email and carries the lead's current scores, so only score and stage
 * changes (and tests) of leads with an email go, and of several changes of
 * one email waiting, only the last.
 */
export const acceptsContactChange = (item: DeliveryItem) => item.kind !== "event" && item.lead.email !== null;

export const contactKey = (item: DeliveryItem) => item.lead.email;

/** The latest snapshot per email, in the order the emails first appear. */
export function latestByEmail(items: readonly DeliveryItem[]): Map<string, { lead: LeadSnapshot; messageId: string }> {
  const latest = new Map<string, { lead: LeadSnapshot; messageId: string }>();
  for (const item of items) if (item.lead.email) latest.set(item.lead.email, { lead: item.lead, messageId: item.messageId });
  return latest;
}

/** The lead values a contact field can hold, by the name a config maps to the provider's field. */
export function contactValues(lead: LeadSnapshot) {
  return {
    score: lead.score,
    stage: lead.stage,
    grade: lead.grade,
    icpScore: lead.icpScore,
    behaviourScore: lead.behaviourScore,
    velocity: lead.velocity,
    // Null while the namespace has no model in use (docs/predictive-score.md).
    conversionProbability: lead.conversionProbability ?? null,
  };
}
export type ContactValue = keyof ReturnType<typeof contactValues>;
export const CONTACT_VALUES = ["score", "stage", "grade", "icpScore", "behaviourScore", "velocity", "conversionProbability"] as const satisfies readonly ContactValue[];
