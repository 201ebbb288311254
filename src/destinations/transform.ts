import { canonicalEventName } from "../scoring/event-name";
import { valueAt } from "../scoring/rules";
import type { DeliveryItem } from "./types";

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

export const MASKED = "[masked]";

export function eventNameOf(event: Record<string, unknown> | undefined): string {
  if (!event) return "";
  const type = String(event.type ?? "");
  if (type === "page" || type === "screen") return "page_view";
  return type === "track" && typeof event.event === "string" ? canonicalEventName(event.event) : type;
}

/** Events pass unless denied or, with an allow list, not on it; changes and tests always pass. */
export function passesFilters(item: DeliveryItem, filters: DestinationFilters): boolean {
  if (item.kind !== "event") return true;
  const name = eventNameOf(item.event);
  const allow = filters.allow?.map(canonicalEventName) ?? [];
  const deny = filters.deny?.map(canonicalEventName) ?? [];
  return (allow.length === 0 || allow.includes(name)) && !deny.includes(name);
}

function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let current = target;
  for (const key of keys.slice(0, -1)) {
    const next = current[key];
    if (next === null || typeof next !== "object") current[key] = {};
    current = current[key] as Record<string, unknown>;
  }
  current[keys.at(-1)!] = value;
}

function deleteAt(target: Record<string, unknown>, path: string): void {
  const keys = path.split(".");
  const parent = valueAt(target, keys.slice(0, -1).join("."));
  if (keys.length === 1) delete target[keys[0]!];
  else if (parent && typeof parent === "object") delete (parent as Record<string, unknown>)[keys.at(-1)!];
}

/** A copy of the item with mapping and masking applied; the original is untouched. */
export function shapeItem(item: DeliveryItem, filters: DestinationFilters): DeliveryItem {
  const shaped = structuredClone(item);
  if (shaped.event) {
    for (const [from, to] of Object.entries(filters.mapping ?? {})) {
      const value = valueAt(shaped.event, from);
      if (value === undefined) continue;
      deleteAt(shaped.event, from);
      setAt(shaped.event, to, value);
    }
  }
  for (const path of filters.mask ?? []) {
    const [root, target] = path.startsWith("lead.")
      ? [shaped.lead as unknown as Record<string, unknown>, path.slice("lead.".length)]
      : [shaped.event, path];
    if (root && valueAt(root, target) !== undefined) setAt(root, target, MASKED);
  }
  return shaped;
}
