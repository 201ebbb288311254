import { describe, expect, it } from "vitest";
import { config, parseConfig } from "../../../src/config";

/* The deployment's vars parsed once into typed settings (src/config.ts). */

describe("parseConfig", () => {
  it("falls back when a var is absent", () => {
    const parsed = parseConfig({});
    expect(parsed.delivery).toEqual({ maxAttempts: 12, backoff: { baseMs: 1000, capMs: 300_000 }, shards: 1, gatherMs: 0, confirmTimeoutMs: 180_000 });
    expect(parsed.sync).toEqual({ intervalMs: { lemlist: 100, smartlead: 100 }, maxAttempts: 8, backoff: { baseMs: 2000, capMs: 300_000 } });
    expect(parsed.enrichMinConfidence).toBe(60);
    expect(parsed.bufferClaimSeconds).toBe(3600);
    expect(parsed.projectionIntervalMs).toBe(0);
    expect(parsed.cursorSaveMs).toBe(60_000);
    expect(parsed.rateLimits).toEqual({
      on: true,
      defaults: {
        source: { limit: 6000, periodSeconds: 60 },
        "api-key": { limit: 600, periodSeconds: 60 },
        "webhook-source": { limit: 1200, periodSeconds: 60 },
      },
    });
    expect([...parsed.managementOrigins]).toEqual([]);
    expect(parsed.allowPrivateDestinations).toBe(false);
    expect(parsed.archive).toEqual({ on: true, shards: 1, previousShards: 0, gatherMs: 0, fileRows: 20_000, retentionCheckMs: 3_600_000 });
  });

  it("reads the vars as wrangler.toml and the suite set them", () => {
    const parsed = parseConfig({
      DELIVERY_SHARDS: "64",
      DELIVERY_GATHER_MS: "1000",
      DELIVERY_CONFIRM_TIMEOUT_SECONDS: "4",
      SYNC_LEMLIST_INTERVAL_MS: "0",
      PROJECTION_INTERVAL_SECONDS: "15",
      CURSOR_SAVE_SECONDS: "2",
      RATE_LIMITS: "off",
      RATE_LIMIT_API_KEY_DEFAULT: "5/10",
      MANAGEMENT_ORIGINS: "https://a.test, https://b.test,",
      ALLOW_PRIVATE_DESTINATIONS: "true",
      ARCHIVE_EVENTS: "off",
      ARCHIVE_SHARDS: "4.7",
      ARCHIVE_SHARDS_PREVIOUS: "8",
    });
    expect(parsed.delivery.shards).toBe(64);
    expect(parsed.delivery.gatherMs).toBe(1000);
    expect(parsed.delivery.confirmTimeoutMs).toBe(4000);
    expect(parsed.sync.intervalMs.lemlist).toBe(0);
    expect(parsed.projectionIntervalMs).toBe(15_000);
    expect(parsed.cursorSaveMs).toBe(2_000);
    expect(parsed.rateLimits.on).toBe(false);
    expect(parsed.rateLimits.defaults["api-key"]).toEqual({ limit: 5, periodSeconds: 10 });
    expect([...parsed.managementOrigins]).toEqual(["https://a.test", "https://b.test"]);
    expect(parsed.allowPrivateDestinations).toBe(true);
    expect(parsed.archive.on).toBe(false);
    expect(parsed.archive.shards).toBe(4);
    expect(parsed.archive.previousShards).toBe(8);
  });

  it("falls back on a value it cannot use", () => {
    const parsed = parseConfig({
      DELIVERY_MAX_ATTEMPTS: "0",
      DELIVERY_BACKOFF_BASE_MS: "soon",
      DELIVERY_SHARDS: "-3",
      SYNC_MAX_ATTEMPTS: "",
      ENRICH_MIN_CONFIDENCE: "high",
      RATE_LIMIT_SOURCE_DEFAULT: "lots",
    });
    expect(parsed.delivery.maxAttempts).toBe(12);
    expect(parsed.delivery.backoff.baseMs).toBe(1000);
    expect(parsed.delivery.shards).toBe(1);
    expect(parsed.sync.maxAttempts).toBe(8);
    expect(parsed.enrichMinConfidence).toBe(60);
    expect(parsed.rateLimits.defaults.source).toEqual({ limit: 6000, periodSeconds: 60 });
  });

  it("parses an env once, and again when one of its vars changed", () => {
    const vars = { DELIVERY_SHARDS: "2" };
    const first = config(vars);
    expect(config(vars)).toBe(first);
    vars.DELIVERY_SHARDS = "3";
    expect(config(vars).delivery.shards).toBe(3);
    expect(config({ DELIVERY_SHARDS: "5" }).delivery.shards).toBe(5);
  });
});
