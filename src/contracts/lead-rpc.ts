// What a lead object answers over RPC (durable/lead-object.ts), for the routes, the ingest door and privacy that call
// it: the types live here, below both, so calling a lead never imports the object's modules.
import type { Identity } from "../ingest/normalize";
import type { Profile } from "../ingest/profile";
import type { LeadSnapshot } from "./delivery-item";
import type { TopFeature } from "../predict/serve";
import type { Firmographics } from "../scoring/icp";
import type { Stage } from "../scoring/stage";

export interface LinkedIdentity extends Identity {
  linked: boolean;
  explicit: boolean;
}

export interface Conflict {
  otherLead: string;
  identity: Identity;
  userIds: string[];
  otherUserIds: string[];
  at: string;
}

export interface StageChange {
  at: string;
  from: Stage | null;
  to: Stage;
  score: number;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  /** Dropped: the lead was erased, so its identities are suppressed. */
  suppressed: number;
  /** Dropped: older than the namespace's retention. */
  expired: number;
  /** The live lead that holds the events (this one, or the one it forwards to). */
  leadId: string;
  newMessageIds: string[];
}

export interface TimelineEntry {
  messageId: string;
  type: string;
  name: string;
  timestamp: string;
  receivedAt: string;
  scoreDelta: number;
  runningScore: number;
  event: unknown;
}

export interface TimelinePage {
  entries: TimelineEntry[];
  nextCursor: string | null;
}

export interface LeadSummary extends Omit<LeadSnapshot, "conversionProbability" | "conversionFeatures"> {
  /** As of the lead's last summary (durable/lead-prediction.ts); null while its namespace has no model in use. */
  conversionProbability: number | null;
  conversionFeatures: TopFeature[];
  namespaceId: string;
  identities: Identity[];
  conflicts: Conflict[];
  firmographics: Firmographics;
  /** Contact traits from identify calls (name, company…). */
  profile: Profile;
  /** The profile's company, else a corporate email's domain (src/leads/company.ts): what the lists group accounts by. */
  company: string | null;
  stageChanges: StageChange[];
  scoringVersion: number;
  eventCount: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

/** What an erasure needs to know of the lead: its name and every identity it holds. */
export interface ErasePlan {
  name: string;
  identities: Identity[];
}

/** Everything a lead object holds about its lead, for an export. */
export interface LeadExport {
  timeline: TimelineEntry[];
  identities: LinkedIdentity[];
}
