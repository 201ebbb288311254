import postgresClient from "postgres";
import { z } from "zod";
import { insertStatement, isRetryableSqlState } from "./postgres-insert";
import { IDENTIFIER, warehouseRow } from "./rows";
import type { DeliveryItem, DeliveryResult, DestinationModule } from "./types";
import { guardOptions } from "../outbound/fetch";
import { checkOutboundUrl } from "../outbound/url-guard";
import { headerSecret, outboundUrl } from "../schemas/config-fields";

const identifier = z.string().regex(IDENTIFIER, "must be a plain identifier: letters, digits and _, not starting with a digit");

const config = z
  .object({
    /** postgres://user@host:5432/database (the password goes in `password`). Left out with `hyperdrive`. */
    url: z
      .url({ protocol: /^postgres(ql)?$/ })
      .max(2048)
      .refine((url) => !URL.canParse(url) || new URL(url).password === "", "must not hold the password: put it in `password`")
      .optional(),
    password: headerSecret.optional(),
    schema: identifier.default("public"),
    table: identifier.default("leadflare_events"),
    /** TLS to the database (sslmode=require); only local runs may turn it off. */
    ssl: z.boolean().default(true),
    /** Use the deployment's HYPERDRIVE binding (the operator's own database) instead of `url`. */
    hyperdrive: z.boolean().default(false),
  })
  .refine((cfg) => cfg.hyperdrive || cfg.url !== undefined, { path: ["url"], message: "a url is needed unless hyperdrive is true" });
type PostgresConfig = z.output<typeof config>;

/** 1,000 rows a statement: a few hundred KB of SQL, one round trip. */
const MAX_ROWS = 1_000;

type Connection = { ok: true; sql: postgresClient.Sql } | { ok: false; failure: DeliveryResult };

function connect(cfg: PostgresConfig, env: Env, timeoutMs: number): Connection {
  const options = { max: 1, fetch_types: false, prepare: false, connect_timeout: Math.max(1, Math.ceil(timeoutMs / 1000)), onnotice: () => {} };
  if (cfg.hyperdrive) {
    const binding = (env as { HYPERDRIVE?: Hyperdrive }).HYPERDRIVE;
    if (!binding) return { ok: false, failure: { ok: false, retryable: false, error: "this deployment has no HYPERDRIVE binding" } };
    return { ok: true, sql: postgresClient(binding.connectionString, options) };
  }
  const guard = guardOptions(env);
  const verdict = checkOutboundUrl(cfg.url!, guard);
  if (!verdict.ok) return { ok: false, failure: { ok: false, retryable: false, error: `refused to connect to ${verdict.reason}` } };
  const url = verdict.url;
  // Without TLS only where private hosts are allowed (local runs, tests): never in production.
  const ssl = cfg.ssl || !guard.allowPrivate ? "require" : false;
  return {
    ok: true,
    sql: postgresClient({
      ...options,
      host: url.hostname,
      port: Number(url.port || 5432),
      database: decodeURIComponent(url.pathname.slice(1)) || "postgres",
      username: decodeURIComponent(url.username) || "postgres",
      password: cfg.password,
      ssl,
    }),
  };
}

/**
 * One INSERT … ON CONFLICT (message_id) DO NOTHING of the batch's rows. The
 * client is not ended: on workerd, postgres.js's `end()` leaves an unhandled
 * rejection behind (porsager/postgres#1202), and the runtime closes the
 * socket when the delivery shard's event ends (Cloudflare's Hyperdrive
 * examples no longer call it either).
 */
async function insert(items: DeliveryItem[], cfg: PostgresConfig, env: Env, timeoutMs: number): Promise<DeliveryResult> {
  const connection = connect(cfg, env, timeoutMs);
  if (!connection.ok) return connection.failure;
  const statement = insertStatement(cfg.schema, cfg.table, items.map((item) => warehouseRow(item)));
  let timer: number | null = null;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { code: "TIMEOUT" })), timeoutMs)));
  try {
    const result = await Promise.race([connection.sql.unsafe(statement).simple(), timeout]);
    return { ok: true, status: 200, body: `inserted ${result.count} of ${items.length} rows` };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, retryable: isRetryableSqlState(code), error: `${code ? `${code}: ` : ""}${message}`.slice(0, 300) };
  } finally {
    clearTimeout(timer);
  }
}

export const postgres: DestinationModule<PostgresConfig> = {
  type: "postgres",
  title: "PostgreSQL",
  docsUrl: "https://www.postgresql.org/docs/current/sql-insert.html",
  config,
  secretFields: ["password"],
  accepts: () => true,
  // A database publishes no call limit; 20 inserts a second of up to 1,000 rows each keep one connection's worth of load.
  rate: () => ({ limit: 20, periodSeconds: 1 }),
  deliver: (item, cfg, { env, timeoutMs }) => insert([item], cfg, env, timeoutMs),
  batch: {
    maxItems: () => MAX_ROWS,
    maxBytes: 5_000_000,
    deliverMany: (items, cfg, { env, timeoutMs }) => insert(items, cfg, env, timeoutMs),
  },
};
