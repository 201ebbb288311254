/** One message waiting to be sent; its messageId lets the server drop a repeated send. */
export interface QueuedMessage {
  messageId: string;
  [field: string]: unknown;
}

/** The part of localStorage the queue needs (a Map-backed one in tests, none before consent). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const MAX_QUEUED = 1_000;

/**
 * Messages not yet confirmed by the server, in order. Kept in a store so they
 * survive a reload; every change re-reads the store, so another tab's
 * additions are not overwritten. Without a store it lives in memory.
 */
export class MessageQueue {
  private memory: QueuedMessage[] = [];

  constructor(
    private readonly key: string,
    private store?: KeyValueStore,
    private readonly max = MAX_QUEUED,
  ) {}

  /** From now on keep the messages in `store`, together with those it already holds. */
  persistTo(store: KeyValueStore): void {
    const pending = this.memory;
    this.memory = [];
    this.store = store;
    this.push(...pending);
  }

  all(): QueuedMessage[] {
    if (!this.store) return this.memory;
    try {
      const parsed: unknown = JSON.parse(this.store.getItem(this.key) ?? "[]");
      return Array.isArray(parsed) ? parsed.filter(isMessage) : [];
    } catch {
      return [];
    }
  }

  /** Adds messages; past the limit the oldest go. */
  push(...messages: QueuedMessage[]): void {
    this.write([...this.all(), ...messages].slice(-this.max));
  }

  remove(messageIds: ReadonlySet<string>): void {
    this.write(this.all().filter((m) => !messageIds.has(m.messageId)));
  }

  /** The oldest messages not in `skip`, at most `maxCount` of them and `maxBytes` of JSON (at least one). */
  next(maxCount: number, maxBytes: number, skip: ReadonlySet<string> = new Set()): QueuedMessage[] {
    const batch: QueuedMessage[] = [];
    let bytes = 0;
    for (const message of this.all()) {
      if (skip.has(message.messageId)) continue;
      const size = JSON.stringify(message).length;
      if (batch.length >= maxCount || (batch.length > 0 && bytes + size > maxBytes)) break;
      batch.push(message);
      bytes += size;
    }
    return batch;
  }

  private write(messages: QueuedMessage[]): void {
    if (!this.store) {
      this.memory = messages;
      return;
    }
    try {
      this.store.setItem(this.key, JSON.stringify(messages));
    } catch {
      this.memory = messages; // storage full or blocked: keep them for this page at least
      this.store = undefined;
    }
  }
}

function isMessage(value: unknown): value is QueuedMessage {
  return typeof value === "object" && value !== null && typeof (value as QueuedMessage).messageId === "string";
}
