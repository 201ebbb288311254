// What a deploy needs to know about wrangler.toml: the Worker's name and every
// binding, sorted by what has to exist on the account before `wrangler deploy`.
// Pure: a parsed config in, a description out (readConfig does the file I/O).
import { readFileSync } from "node:fs";
import { parse } from "smol-toml";

/** Top-level keys that are settings, not bindings: nothing to create for them. */
const SETTINGS = new Set([
  "name", "main", "compatibility_date", "compatibility_flags", "observability", "triggers", "build",
  "migrations", "workers_dev", "preview_urls", "routes", "route", "account_id", "minify", "keep_vars",
  "upload_source_maps", "placement", "limits", "rules", "no_bundle", "find_additional_modules", "base_dir",
  "tsconfig", "define", "alias", "logpush", "tail_consumers", "send_metrics", "dev",
]);

/** Binding kinds a deploy knows how to satisfy; anything else stops the plan (see planDeploy). */
export const KNOWN_BINDING_KINDS = ["d1_databases", "r2_buckets", "queues", "durable_objects", "assets", "vars", "hyperdrive"];

/**
 * @param {Record<string, any>} toml parsed wrangler.toml
 * @returns {{
 *   worker: string,
 *   d1: { binding: string, name: string, id?: string, migrationsDir: string }[],
 *   r2: { binding: string, bucket: string }[],
 *   queues: { name: string, bindings: string[], roles: string[] }[],
 *   durableObjects: { binding: string, className: string }[],
 *   assets?: { binding?: string, directory: string },
 *   vars: string[],
 *   hyperdrive: { binding: string, id?: string }[],
 *   unknown: string[],
 * }}
 */
export function describeConfig(toml) {
  if (typeof toml.name !== "string" || toml.name === "") throw new Error("wrangler.toml has no `name`: the Worker needs one");
  const d1 = (toml.d1_databases ?? []).map((db) => ({
    binding: db.binding,
    name: db.database_name ?? `${toml.name}-${String(db.binding).toLowerCase().replaceAll("_", "-")}`,
    ...(db.database_id ? { id: db.database_id } : {}),
    migrationsDir: db.migrations_dir ?? "migrations",
  }));
  const r2 = (toml.r2_buckets ?? []).map((b) => ({ binding: b.binding, bucket: b.bucket_name }));

  // Every queue named anywhere: producers, consumers and their dead-letter queues.
  const queues = new Map();
  const queue = (name) => {
    let entry = queues.get(name);
    if (!entry) queues.set(name, (entry = { name, bindings: [], roles: [] }));
    return entry;
  };
  for (const p of toml.queues?.producers ?? []) {
    const q = queue(p.queue);
    q.bindings.push(p.binding);
    if (!q.roles.includes("producer")) q.roles.push("producer");
  }
  for (const c of toml.queues?.consumers ?? []) {
    const q = queue(c.queue);
    if (!q.roles.includes("consumer")) q.roles.push("consumer");
    if (c.dead_letter_queue) {
      const dlq = queue(c.dead_letter_queue);
      if (!dlq.roles.includes("dead letters")) dlq.roles.push("dead letters");
    }
  }

  const durableObjects = (toml.durable_objects?.bindings ?? []).map((d) => ({ binding: d.name, className: d.class_name }));
  const assets = toml.assets ? { binding: toml.assets.binding, directory: toml.assets.directory } : undefined;
  const vars = Object.keys(toml.vars ?? {});
  // Hyperdrive (the Postgres destination, README): made by hand with its connection string; the id names it.
  const hyperdrive = (toml.hyperdrive ?? []).map((h) => ({ binding: h.binding, id: h.id }));
  const unknown = Object.keys(toml).filter((key) => !SETTINGS.has(key) && !KNOWN_BINDING_KINDS.includes(key));
  return { worker: toml.name, d1, r2, queues: [...queues.values()], durableObjects, assets, vars, hyperdrive, unknown };
}

export function readConfig(path) {
  return describeConfig(parse(readFileSync(path, "utf8")));
}
