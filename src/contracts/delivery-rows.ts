// The rows of the destinations and automations tables as the code reads them (src/db/destinations.ts and
// src/db/automations.ts read and write them): shared by storage, the delivery domain and the lead's delivery shards.
import type { AutomationAction, AutomationTrigger } from "../automations/triggers";
import type { DestinationType } from "./destination-types";

/** Per-destination shaping: which events go, renamed properties, masked fields. */
export interface DestinationFilters {
  /** Canonical event names; when given, only these go. */
  allow?: string[];
  deny?: string[];
  /** Dot path → dot path, e.g. { "properties.plan": "properties.plan_name" }. */
  mapping?: Record<string, string>;
  /** Dot paths into the event (`traits.email`, `context.ip`) or the lead (`lead.email`). */
  mask?: string[];
}

export interface Destination {
  id: string;
  namespaceId: string;
  name: string;
  type: DestinationType;
  config: Record<string, unknown>;
  enabled: boolean;
  filters: DestinationFilters;
  createdAt: number;
  updatedAt: number;
}

export interface DestinationInput {
  name: string;
  type: DestinationType;
  config: Record<string, unknown>;
  enabled: boolean;
  filters: DestinationFilters;
}

export interface Automation {
  id: string;
  namespaceId: string;
  name: string;
  trigger: AutomationTrigger;
  action: AutomationAction;
  enabled: boolean;
  createdAt: number;
}

export type AutomationInput = Pick<Automation, "name" | "trigger" | "action" | "enabled">;

/** A destination as the API sends it (src/routes/destinations.ts): secrets redacted, the times in ISO 8601. */
export type ShownDestination = Omit<Destination, "namespaceId" | "createdAt" | "updatedAt"> & { createdAt: string; updatedAt: string };

/** An automation as the API sends it (src/routes/automations.ts): the action with its secrets redacted, the time in ISO 8601. */
export type ShownAutomation = Omit<Automation, "action" | "createdAt"> & { action: Record<string, unknown>; createdAt: string };

/** POST /api/destinations/:id/test: what the destination answered one test item (status and headers only, never the body). */
export interface TestSendAnswer {
  ok: boolean;
  attempts: number;
  status: number | null;
  headers: Record<string, string> | null;
  error: string | null;
}
