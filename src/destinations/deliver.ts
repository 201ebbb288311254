import type { Destination } from "../db/destinations";
import { backoffMs } from "./backoff";
import { DESTINATIONS } from "./registry";
import { passesFilters, shapeItem } from "./transform";
import type { DeliveryItem, DeliveryResult } from "./types";

const DEFAULT_TIMEOUT_MS = 10_000;
/** Tries within one consumer run before the queue's own (longer) backoff takes over. */
const QUICK_TRIES = 2;
const QUICK_BACKOFF_MS = 100;
const QUICK_WAIT_CAP_MS = 2_000;

export interface Attempted {
  result: DeliveryResult;
  attempts: number;
}

/** The destination's config as its module reads it, or the reason it cannot be read. */
export function readConfig(destination: Destination): { ok: true; config: unknown } | { ok: false; error: string } {
  const parsed = DESTINATIONS[destination.type].config.safeParse(destination.config);
  return parsed.success ? { ok: true, config: parsed.data } : { ok: false, error: `invalid config: ${parsed.error.message}` };
}

/**
 * The items of a batch this destination takes: those its filters let through
 * and its module accepts (all of them when the config cannot be read, so
 * each is logged as failing rather than silently skipped).
 */
export function itemsFor(destination: Destination, items: readonly DeliveryItem[]): DeliveryItem[] {
  const read = readConfig(destination);
  const module = DESTINATIONS[destination.type];
  return items.filter((item) => passesFilters(item, destination.filters) && (!read.ok || module.accepts(item, read.config)));
}

/**
 * Delivers one item to one destination, shaped by its mapping and masking,
 * retrying at once (with a short jittered backoff) on 429, 5xx and timeouts.
 */
export async function deliverWithRetries(env: Env, destination: Destination, item: DeliveryItem, tries = QUICK_TRIES): Promise<Attempted> {
  const read = readConfig(destination);
  if (!read.ok) return { result: { ok: false, retryable: false, error: read.error }, attempts: 0 };
  const module = DESTINATIONS[destination.type];
  const timeoutMs = typeof (read.config as { timeoutMs?: unknown }).timeoutMs === "number" ? (read.config as { timeoutMs: number }).timeoutMs : DEFAULT_TIMEOUT_MS;
  const shaped = shapeItem(item, destination.filters);
  let result: DeliveryResult = { ok: false, retryable: true, error: "not tried" };
  let attempts = 0;
  while (attempts < tries) {
    result = await callOnce(() => module.deliver(shaped, read.config, { env, timeoutMs }));
    attempts++;
    if (result.ok || !result.retryable || attempts >= tries) break;
    const wait = backoffMs(attempts - 1, QUICK_BACKOFF_MS, QUICK_WAIT_CAP_MS, result.retryAfterMs);
    if (wait > QUICK_WAIT_CAP_MS) break; // a long Retry-After: leave it to the queue's delayed retry
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { result, attempts };
}

/** A call that throws (e.g. a header value fetch refuses) is a failure not worth retrying, never an exception. */
export async function callOnce(send: () => Promise<DeliveryResult>): Promise<DeliveryResult> {
  try {
    return await send();
  } catch (error) {
    return { ok: false, retryable: false, error: `the call could not be made: ${String(error).slice(0, 300)}` };
  }
}
