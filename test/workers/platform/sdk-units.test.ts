// The browser SDK's pure parts; the SDK as a whole runs in Chromium (test/browser).
import { describe, expect, it } from "vitest";
import { campaignFrom } from "../../../src/sdk/campaign";
import { retryDelay, RETRY_BASE_MS, RETRY_CAP_MS } from "../../../src/sdk/backoff";
import { MessageQueue, type KeyValueStore } from "../../../src/sdk/queue";

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

const message = (n: number, size = 0) => ({ messageId: `m-${n}`, type: "track", event: "x".repeat(size) });

describe("campaignFrom", () => {
  it("maps utm_* parameters to Segment's context.campaign", () => {
    expect(campaignFrom("?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=crm&utm_content=cta&x=1")).toEqual({
      source: "news",
      medium: "email",
      name: "spring",
      term: "crm",
      content: "cta",
    });
  });

  it("has nothing to say without utm parameters, and ignores empty ones", () => {
    expect(campaignFrom("?q=1&utm_source=")).toBeUndefined();
    expect(campaignFrom("")).toBeUndefined();
  });
});

describe("retryDelay", () => {
  it("doubles from the base with jitter between half and all of it, up to the cap", () => {
    expect(retryDelay(1, () => 0)).toBe(RETRY_BASE_MS / 2);
    expect(retryDelay(1, () => 1)).toBe(RETRY_BASE_MS);
    expect(retryDelay(3, () => 1)).toBe(4 * RETRY_BASE_MS);
    expect(retryDelay(30, () => 1)).toBe(RETRY_CAP_MS);
    expect(retryDelay(30, () => 0)).toBe(RETRY_CAP_MS / 2);
  });
});

describe("MessageQueue", () => {
  it("keeps messages in the store in order, so a new queue (a reload) finds them", () => {
    const store = memoryStore();
    const queue = new MessageQueue("q", store);
    queue.push(message(1), message(2));
    queue.push(message(3));
    expect(new MessageQueue("q", store).all().map((m) => m.messageId)).toEqual(["m-1", "m-2", "m-3"]);
    queue.remove(new Set(["m-2"]));
    expect(new MessageQueue("q", store).all().map((m) => m.messageId)).toEqual(["m-1", "m-3"]);
  });

  it("does not overwrite what another tab added meanwhile", () => {
    const store = memoryStore();
    const tabA = new MessageQueue("q", store);
    const tabB = new MessageQueue("q", store);
    tabA.push(message(1));
    tabB.push(message(2));
    tabA.remove(new Set(["m-1"]));
    expect(tabB.all().map((m) => m.messageId)).toEqual(["m-2"]);
  });

  it("takes batches by count and size, skipping messages in flight, but always at least one", () => {
    const queue = new MessageQueue("q", memoryStore());
    queue.push(message(1, 100), message(2, 100), message(3, 100), message(4, 5000));
    expect(queue.next(2, 10_000).map((m) => m.messageId)).toEqual(["m-1", "m-2"]);
    expect(queue.next(10, 300).map((m) => m.messageId)).toEqual(["m-1", "m-2"]);
    expect(queue.next(10, 10_000, new Set(["m-1", "m-2", "m-3"])).map((m) => m.messageId)).toEqual(["m-4"]);
    expect(queue.next(10, 10, new Set(["m-1", "m-2", "m-3"])).map((m) => m.messageId)).toEqual(["m-4"]);
  });

  it("drops the oldest past its limit, and survives unreadable storage", () => {
    const store = memoryStore();
    const queue = new MessageQueue("q", store, 3);
    queue.push(message(1), message(2), message(3), message(4));
    expect(queue.all().map((m) => m.messageId)).toEqual(["m-2", "m-3", "m-4"]);
    store.data.set("q", "{not json");
    expect(queue.all()).toEqual([]);
    queue.push(message(5));
    expect(queue.all().map((m) => m.messageId)).toEqual(["m-5"]);
  });

  it("holds messages in memory until given a store (consent), then keeps them with those stored before", () => {
    const store = memoryStore();
    new MessageQueue("q", store).push(message(1));
    const queue = new MessageQueue("q");
    queue.push(message(2));
    expect(store.data.get("q")).not.toContain("m-2");
    queue.persistTo(store);
    expect(new MessageQueue("q", store).all().map((m) => m.messageId)).toEqual(["m-1", "m-2"]);
  });

  it("falls back to memory when the store refuses a write (quota)", () => {
    const full: KeyValueStore = {
      getItem: () => null,
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
    };
    const queue = new MessageQueue("q", full);
    queue.push(message(1));
    expect(queue.all().map((m) => m.messageId)).toEqual(["m-1"]);
  });
});
