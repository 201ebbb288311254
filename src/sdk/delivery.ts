import { retryDelay } from "./backoff";
import type { MessageQueue, QueuedMessage } from "./queue";

export interface DeliveryOptions {
  /** `<apiHost>/v1/b` */
  endpoint: string;
  writeKey: string;
  /** Send as soon as this many messages wait… */
  flushAt: number;
  /** …or this long after the first of them was queued. */
  flushInterval: number;
}

/** Per batch: under the 64 KB that keepalive requests and beacons may carry. */
const BATCH_MAX_MESSAGES = 100;
const BATCH_MAX_CHARS = 30_000;
const KEEPALIVE_MAX_BYTES = 60_000;

/**
 * Sends the queue in batches, one at a time, oldest first. A message leaves
 * the queue only when the server answered for it, so a failed or unanswered
 * send is retried (with backoff, and after a reload from localStorage); the
 * server drops repeats by messageId, so nothing counts twice.
 */
export class Delivery {
  paused: boolean;
  private readonly inFlight = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private retryAt = 0;

  constructor(
    private readonly queue: MessageQueue,
    private readonly options: DeliveryOptions,
    paused = false,
  ) {
    this.paused = paused;
  }

  enqueue(message: QueuedMessage): void {
    this.queue.push(message);
    if (this.queue.all().length - this.inFlight.size >= this.options.flushAt) void this.flush();
    else this.schedule(this.options.flushInterval);
  }

  /**
   * Sends what waits, batch after batch; resolves when done or a send failed.
   * Waits for a pending retry's time unless `now` (back online, or asked to).
   */
  async flush(now = false): Promise<void> {
    if (now) this.retryAt = 0;
    if (this.paused || this.inFlight.size > 0 || Date.now() < this.retryAt) return;
    const batch = this.queue.next(BATCH_MAX_MESSAGES, BATCH_MAX_CHARS);
    if (batch.length === 0) return;
    const ids = new Set(batch.map((m) => m.messageId));
    ids.forEach((id) => this.inFlight.add(id));
    let delivered: boolean;
    try {
      delivered = await this.send(batch);
    } catch {
      delivered = false;
    }
    this.inFlight.clear();
    if (!delivered) {
      this.failures++;
      const wait = retryDelay(this.failures);
      this.retryAt = Date.now() + wait;
      this.schedule(wait, true);
      return;
    }
    this.queue.remove(ids);
    this.failures = 0;
    this.retryAt = 0;
    return this.flush();
  }

  /**
   * The page is going away: hand what is not in flight to the browser as
   * beacons. The messages stay queued, since a beacon's outcome is never
   * known; if it did arrive, the next page's resend is dropped as a repeat.
   */
  beaconRest(): void {
    if (this.paused || typeof navigator.sendBeacon !== "function") return;
    const handedOver = new Set(this.inFlight);
    for (;;) {
      const batch = this.queue.next(BATCH_MAX_MESSAGES, BATCH_MAX_CHARS, handedOver);
      if (batch.length === 0) return;
      batch.forEach((m) => handedOver.add(m.messageId));
      if (!navigator.sendBeacon(this.options.endpoint, new Blob([this.envelope(batch)], { type: "text/plain" }))) return;
    }
  }

  /** true: the server has the batch (or refused it for good, so resending cannot help). */
  private async send(batch: QueuedMessage[]): Promise<boolean> {
    const body = this.envelope(batch);
    const response = await fetch(this.options.endpoint, {
      method: "POST",
      // text/plain keeps it a simple request: no CORS preflight.
      headers: { "Content-Type": "text/plain" },
      body,
      credentials: "omit",
      keepalive: new Blob([body]).size < KEEPALIVE_MAX_BYTES,
    });
    if (response.ok) return true;
    const retriable = response.status >= 500 || response.status === 408 || response.status === 429;
    if (!retriable) console.warn(`leadflare: ${response.status} for a batch of ${batch.length}, dropped:`, await response.text());
    return !retriable;
  }

  private envelope(batch: QueuedMessage[]): string {
    return JSON.stringify({ batch, writeKey: this.options.writeKey, sentAt: new Date().toISOString() });
  }

  private schedule(ms: number, replace = false): void {
    if (this.timer !== undefined) {
      if (!replace) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }
}
