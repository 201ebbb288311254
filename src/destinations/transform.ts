import { canonicalEventName } from "../scoring/event-name";
import { deleteAt, setAt, unsafeSegment, valueAt } from "../paths/field-path";
import type { DeliveryItem } from "./types";
import type { DestinationFilters } from "../contracts/delivery-rows";

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

/** A copy of the item with mapping and masking applied; the original is untouched. */
export function shapeItem(item: DeliveryItem, filters: DestinationFilters): DeliveryItem {
  const shaped = structuredClone(item);
  if (shaped.event) {
    for (const [from, to] of Object.entries(filters.mapping ?? {})) {
      const value = valueAt(shaped.event, from);
      // A stored mapping the schema refuses today (one saved before it did) moves nothing.
      if (value === undefined || unsafeSegment(to) !== undefined) continue;
      deleteAt(shaped.event, from);
      setAt(shaped.event, to, value);
    }
  }
  const maskedValues: unknown[] = [];
  for (const path of filters.mask ?? []) {
    const [root, target] = path.startsWith("lead.")
      ? [shaped.lead as unknown as Record<string, unknown>, path.slice("lead.".length)]
      : [shaped.event, path];
    const value = root ? valueAt(root, target) : undefined;
    if (value === undefined) continue;
    maskedValues.push(value);
    setAt(root!, target, MASKED);
  }
  maskCopies(shaped, maskedValues);
  return shaped;
}

/** Shorter strings are masked only where they are a whole value, not inside longer text. */
const MIN_MASKED_SUBSTRING = 4;

/**
 * A masked value may sit elsewhere in the item too (lead.email is also
 * event.traits.email, context.traits.email, a change's before/after, a page
 * URL's query): every copy goes. Strings match case-insensitively, inside
 * longer strings as well; numbers where equal. Iterative, like every walk
 * over stored data (see src/ingest/nesting.ts).
 */
function maskCopies(item: DeliveryItem, values: readonly unknown[]): void {
  const texts = values.filter((v): v is string => typeof v === "string" && v.trim() !== "" && v !== MASKED).map((v) => v.trim().toLowerCase());
  const numbers = new Set(values.filter((v): v is number => typeof v === "number"));
  if (texts.length === 0 && numbers.size === 0) return;
  const patterns = texts.filter((t) => t.length >= MIN_MASKED_SUBSTRING).map((t) => new RegExp(t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"));
  const mask = (value: unknown): unknown => {
    if (typeof value === "number") return numbers.has(value) ? MASKED : value;
    if (typeof value !== "string") return value;
    if (texts.includes(value.trim().toLowerCase())) return MASKED;
    return patterns.reduce((text, pattern) => text.replace(pattern, MASKED), value);
  };
  // The item's data only: its kind and messageId are the delivery's own.
  const roots = [item.event, item.lead, item.change].filter((root) => root !== undefined && root !== null);
  const stack = roots as unknown as Array<Record<string, unknown> | unknown[]>;
  while (stack.length > 0) {
    const container = stack.pop()!;
    for (const [key, value] of Object.entries(container)) {
      if (typeof value === "object" && value !== null) stack.push(value as Record<string, unknown>);
      else (container as Record<string, unknown>)[key] = mask(value);
    }
  }
}
