/**
 * The deployment's settings, parsed once from the Worker's vars into typed
 * values. wrangler.toml sets every var (with its meaning); the fallbacks here
 * apply only when a var is absent or not a usable value.
 */
import { parseRateLimit, type RateLimit } from "./limits/token-bucket";

/** The vars read here. */
const CONFIG_VARS = [
  "DELIVERY_MAX_ATTEMPTS",
  "DELIVERY_BACKOFF_BASE_MS",
  "DELIVERY_BACKOFF_CAP_MS",
  "DELIVERY_SHARDS",
  "DELIVERY_GATHER_MS",
  "DELIVERY_CONFIRM_TIMEOUT_SECONDS",
  "SYNC_LEMLIST_INTERVAL_MS",
  "SYNC_SMARTLEAD_INTERVAL_MS",
  "SYNC_MAX_ATTEMPTS",
  "SYNC_BACKOFF_BASE_MS",
  "SYNC_BACKOFF_CAP_MS",
  "ENRICH_MIN_CONFIDENCE",
  "BUFFER_CLAIM_SECONDS",
  "PROJECTION_INTERVAL_SECONDS",
  "CURSOR_SAVE_SECONDS",
  "RATE_LIMITS",
  "RATE_LIMIT_SOURCE_DEFAULT",
  "RATE_LIMIT_API_KEY_DEFAULT",
  "RATE_LIMIT_WEBHOOK_DEFAULT",
  "MANAGEMENT_ORIGINS",
  "ALLOW_PRIVATE_DESTINATIONS",
  "ARCHIVE_EVENTS",
  "ARCHIVE_SHARDS",
  "ARCHIVE_SHARDS_PREVIOUS",
  "ARCHIVE_GATHER_MS",
  "ARCHIVE_FILE_ROWS",
  "ARCHIVE_RETENTION_CHECK_MS",
] as const;

/** The vars as strings (any may be missing in a harness's or a test's env). */
export type ConfigVars = Partial<Pick<Env, (typeof CONFIG_VARS)[number]>>;

export interface Backoff {
  baseMs: number;
  capMs: number;
}

export interface Config {
  delivery: {
    /** Tries per item and destination before it becomes a dead letter. */
    maxAttempts: number;
    backoff: Backoff;
    /** Delivery objects per destination (a type may cap it lower). */
    shards: number;
    /** How long a delivery object gathers items before it calls the outside API. */
    gatherMs: number;
    /** How long a lead waits for its shards to take an outbox batch before it hands the batch over again. */
    confirmTimeoutMs: number;
  };
  sync: {
    /** The pause between two calls to one account's API. */
    intervalMs: { lemlist: number; smartlead: number };
    /** Tries per page before a sync task fails. */
    maxAttempts: number;
    backoff: Backoff;
  };
  /** An LLM guess below this confidence (0-100) sends the lookup on to the next provider. */
  enrichMinConfidence: number;
  /** How long a buffer claim lasts by default. */
  bufferClaimSeconds: number;
  /** The least time between a busy lead's summaries to the projection. */
  projectionIntervalMs: number;
  /** The longest a lead keeps a moved delivery or archive cursor before it saves it. */
  cursorSaveMs: number;
  rateLimits: {
    on: boolean;
    /** The limit of a key without its own, by kind of key. */
    defaults: { source: RateLimit; "api-key": RateLimit; "webhook-source": RateLimit };
  };
  /** Browser origins allowed to call the management API. */
  managementOrigins: ReadonlySet<string>;
  /** Whether tenant-set URLs may be plain http or private hosts (local runs and the test fakes only). */
  allowPrivateDestinations: boolean;
  archive: {
    /** Whether events are archived (the bucket must be bound too: see src/archive/shards.ts). */
    on: boolean;
    shards: number;
    /** The shard count before the last change (0: none given), which a moved lead's old shard is found by. */
    previousShards: number;
    /** How long an archive shard gathers rows before it writes a file. */
    gatherMs: number;
    fileRows: number;
    retentionCheckMs: number;
  };
}

/** The number in `text` when it is at least `min`, else `fallback` (absent, empty, not a number, too small). */
function numberOr(text: string | undefined, fallback: number, min: number): number {
  if (text === undefined || text.trim() === "") return fallback;
  const value = Number(text);
  return Number.isFinite(value) && value >= min ? value : fallback;
}

/** As numberOr, rounded down to a whole number first. */
function wholeOr(text: string | undefined, fallback: number, min: number): number {
  return numberOr(text === undefined || text.trim() === "" ? text : String(Math.floor(Number(text))), fallback, min);
}

export function parseConfig(vars: ConfigVars): Config {
  return {
    delivery: {
      maxAttempts: numberOr(vars.DELIVERY_MAX_ATTEMPTS, 12, 1),
      backoff: { baseMs: numberOr(vars.DELIVERY_BACKOFF_BASE_MS, 1000, 1), capMs: numberOr(vars.DELIVERY_BACKOFF_CAP_MS, 300_000, 1) },
      shards: wholeOr(vars.DELIVERY_SHARDS, 1, 1),
      gatherMs: numberOr(vars.DELIVERY_GATHER_MS, 0, 0),
      confirmTimeoutMs: numberOr(vars.DELIVERY_CONFIRM_TIMEOUT_SECONDS, 180, 1) * 1000,
    },
    sync: {
      intervalMs: { lemlist: numberOr(vars.SYNC_LEMLIST_INTERVAL_MS, 100, 0), smartlead: numberOr(vars.SYNC_SMARTLEAD_INTERVAL_MS, 100, 0) },
      maxAttempts: numberOr(vars.SYNC_MAX_ATTEMPTS, 8, 1),
      backoff: { baseMs: numberOr(vars.SYNC_BACKOFF_BASE_MS, 2000, 0), capMs: numberOr(vars.SYNC_BACKOFF_CAP_MS, 300_000, 0) },
    },
    enrichMinConfidence: numberOr(vars.ENRICH_MIN_CONFIDENCE, 60, 0),
    bufferClaimSeconds: numberOr(vars.BUFFER_CLAIM_SECONDS, 3600, 0),
    projectionIntervalMs: numberOr(vars.PROJECTION_INTERVAL_SECONDS, 0, 0) * 1000,
    cursorSaveMs: numberOr(vars.CURSOR_SAVE_SECONDS, 60, 0) * 1000,
    rateLimits: {
      on: vars.RATE_LIMITS !== "off",
      defaults: {
        source: parseRateLimit(vars.RATE_LIMIT_SOURCE_DEFAULT, { limit: 6000, periodSeconds: 60 }),
        "api-key": parseRateLimit(vars.RATE_LIMIT_API_KEY_DEFAULT, { limit: 600, periodSeconds: 60 }),
        "webhook-source": parseRateLimit(vars.RATE_LIMIT_WEBHOOK_DEFAULT, { limit: 1200, periodSeconds: 60 }),
      },
    },
    managementOrigins: new Set(
      (vars.MANAGEMENT_ORIGINS ?? "")
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    ),
    allowPrivateDestinations: vars.ALLOW_PRIVATE_DESTINATIONS === "true",
    archive: {
      on: vars.ARCHIVE_EVENTS !== "off",
      shards: wholeOr(vars.ARCHIVE_SHARDS, 1, 1),
      previousShards: wholeOr(vars.ARCHIVE_SHARDS_PREVIOUS, 0, 1),
      gatherMs: numberOr(vars.ARCHIVE_GATHER_MS, 0, 0),
      fileRows: numberOr(vars.ARCHIVE_FILE_ROWS, 20_000, 1),
      retentionCheckMs: numberOr(vars.ARCHIVE_RETENTION_CHECK_MS, 3_600_000, 1),
    },
  };
}

/**
 * Parsed once per env object, and again only when one of its vars changed:
 * a deployment's vars never do, but the suite switches one at run time
 * (test/workers/archive.test.ts turns the archive off and on).
 */
const parsed = new WeakMap<ConfigVars, { raw: (string | undefined)[]; config: Config }>();

export function config(vars: ConfigVars): Config {
  const raw = CONFIG_VARS.map((name) => vars[name]);
  const cached = parsed.get(vars);
  if (cached && cached.raw.every((value, i) => value === raw[i])) return cached.config;
  const fresh = parseConfig(vars);
  parsed.set(vars, { raw, config: fresh });
  return fresh;
}
