export const PLATFORMS = ["lemlist", "smartlead"] as const;
export type Platform = (typeof PLATFORMS)[number];

/** One thing an outreach tool saw a lead do (or did to a lead), in our words. */
export interface OutreachActivity {
  platform: Platform;
  /** Canonical event name, scored like any track call: email_opened, linkedin_visit… */
  event: string;
  /** The tool's own name for it: emailsOpened, EMAIL_OPEN… */
  rawType: string;
  /** The tool's id for this activity, when it has one; else the key falls back to email and time. */
  activityId?: string;
  /** Trimmed and lower-cased. */
  email: string;
  campaignId: string;
  campaignName: string;
  /** When it happened, as the tool wrote it (ISO); undefined if the tool did not say. */
  occurredAt?: string;
  /** Lead traits the tool sent (firstName, lastName, companyName, linkedinUrl). */
  traits: Record<string, unknown>;
  /** Extra details kept on the event: step, subject, link, category… */
  details: Record<string, unknown>;
}

/** Why an incoming activity was not turned into an event (the webhook still answers 200, so the tool stops resending). */
export type Skipped = { skipped: string };
export type Mapped = OutreachActivity | Skipped;

export const isSkipped = (m: Mapped): m is Skipped => "skipped" in m;
