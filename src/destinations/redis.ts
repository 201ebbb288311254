import { z } from "zod";
import { sendRequest, type AnswerCheck } from "./http";
import { warehouseRow } from "./rows";
import type { DeliveryItem, DestinationModule } from "./types";
import { headerSecret, outboundUrl } from "../schemas/config-fields";

const keyName = z.string().regex(/^[\x21-\x7e]{1,200}$/, "must be 1 to 200 visible ASCII characters without spaces");

const config = z.object({
  /** The database's REST URL, e.g. https://eu1-example-12345.upstash.io */
  url: outboundUrl,
  token: headerSecret,
  /** Events (and tests) are appended to this stream. */
  stream: keyName.default("leadflare:events"),
  /** Prefix of the other keys: `<prefix>lead:<id>` (hash), `<prefix>scores` (sorted set), `<prefix>seen:<messageId>`. */
  keyPrefix: z.string().regex(/^[\x21-\x7e]{0,100}$/, "must be at most 100 visible ASCII characters without spaces").default("leadflare:"),
  /** The stream is trimmed to about this many entries (XADD MAXLEN ~). */
  streamMaxLength: z.number().int().min(1000).max(100_000_000).default(1_000_000),
});
type RedisConfig = z.output<typeof config>;

/** How long a delivered messageId is remembered, so a retried XADD adds nothing. */
const SEEN_SECONDS = 7 * 24 * 3600;

/**
 * XADD once per messageId: the SET NX of a marker key and the XADD run
 * atomically in one script, so a pipeline sent again after a lost answer
 * appends nothing twice. KEYS: marker, stream. ARGV: ttl, maxlen, field, value, ….
 */
export const XADD_ONCE =
  "if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3)) end return false";

type Command = string[];

/** The Redis commands one item becomes. */
export function commandsFor(item: DeliveryItem, cfg: RedisConfig): Command[] {
  const row = warehouseRow(item);
  if (item.kind === "change") {
    const lead = `${cfg.keyPrefix}lead:${row.lead_id}`;
    const fields = { score: row.score, behaviour_score: row.behaviour_score, icp_score: row.icp_score, stage: row.stage, grade: row.grade, velocity: row.velocity, email: row.email, user_id: row.user_id, updated_at: row.timestamp };
    return [
      ["HSET", lead, ...Object.entries(fields).flatMap(([name, value]) => (value === null ? [] : [name, String(value)]))],
      ["ZADD", `${cfg.keyPrefix}scores`, String(row.score), row.lead_id],
    ];
  }
  const fields = Object.entries(row).flatMap(([name, value]) => (value === null ? [] : [name, String(value)]));
  return [["EVAL", XADD_ONCE, "2", `${cfg.keyPrefix}seen:${row.message_id}`, cfg.stream, String(SEEN_SECONDS), String(cfg.streamMaxLength), ...fields]];
}

/** Upstash answers a pipeline with 200 and one `{result}` or `{error}` per command; a command error will not go away on retry. */
export const commandErrors: AnswerCheck = (result, wholeBody) => {
  let answers: { error?: string }[] = [];
  try {
    answers = JSON.parse(wholeBody) as typeof answers;
  } catch {
    return { ok: false, status: result.status, retryable: true, error: "the pipeline's answer is not JSON" };
  }
  const failed = Array.isArray(answers) ? answers.find((answer) => answer.error) : undefined;
  return failed ? { ok: false, status: result.status, retryable: false, error: `command refused: ${failed.error}`, body: result.body } : result;
};

async function pipeline(items: DeliveryItem[], cfg: RedisConfig, timeoutMs: number) {
  const commands = items.flatMap((item) => commandsFor(item, cfg));
  const request = new Request(`${cfg.url.replace(/\/+$/, "")}/pipeline`, {
    method: "POST",
    headers: { Authorization: `Bearer ${cfg.token}`, "Content-Type": "application/json" },
    body: JSON.stringify(commands),
  });
  return sendRequest(request, timeoutMs, undefined, undefined, commandErrors);
}

export const redis: DestinationModule<RedisConfig> = {
  type: "redis",
  title: "Redis (Upstash)",
  docsUrl: "https://upstash.com/docs/redis/features/restapi#pipelining",
  config,
  secretFields: ["token"],
  accepts: () => true,
  // 20 pipelines a second of up to 500 items (1,000 commands) stay under Upstash's 10,000 commands/s.
  rate: () => ({ limit: 20, periodSeconds: 1 }),
  deliver: (item, cfg, { timeoutMs }) => pipeline([item], cfg, timeoutMs),
  batch: {
    maxItems: () => 500,
    // Upstash refuses requests over 1 MB on its free plan.
    maxBytes: 1_000_000,
    deliverMany: (items, cfg, { timeoutMs }) => pipeline(items, cfg, timeoutMs),
  },
};
