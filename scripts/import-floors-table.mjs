// The floors of the house, bottom first (docs/architecture.md#floors). A file may import files on its own floor or
// below, never above. A path names a folder (ending in "/") or a file; the longest path that fits a file decides
// its floor, so a folder's entry can be overridden file by file.
export const FLOORS = [
  {
    name: "base",
    holds: "types several floors share (lead RPC, queue messages with their producers, row and type lists) and pure libraries",
    paths: [
      "src/contracts/",
      "src/config.ts",
      "src/stored-json.ts",
      "src/paths/",
      "src/limits/",
      "src/scoring/",
      "src/predict/",
      "src/schemas/",
      "src/secrets/",
      "src/outbound/",
      "src/http/errors.ts",
      "src/http/crypto.ts",
      "src/http/retry-after.ts",
      "src/ingest/",
      "src/queues/by-lead.ts",
      "src/destinations/types.ts",
      "src/enrichment/types.ts",
      "src/automations/triggers.ts",
      "src/live/notices.ts",
      "src/leads/company.ts",
      "src/leads/hourly.ts",
      "src/leads/csv.ts",
      "src/outreach/types.ts",
      "src/outreach/routing.ts",
      "src/delivery/queue.ts",
    ],
  },
  { name: "storage", holds: "D1: the drizzle schema and the shared tables' queries", paths: ["src/db/", "src/outreach/store.ts", "src/outreach/sync-store.ts", "src/lead-service/buffer.ts", "src/lead-service/overview.ts", "src/lead-service/cursors.ts"] },
  {
    name: "domains",
    holds: "what the service does, one folder per job: the ingest door, delivery, outreach, lead service, enrichment, archive, live, queue consumers, cron",
    paths: [
      "src/ingest/door.ts",
      "src/ingest/pipeline.ts",
      "src/ingest/namespace-state.ts",
      "src/destinations/",
      "src/enrichment/",
      "src/automations/",
      "src/archive/",
      "src/live/",
      "src/leads/",
      "src/privacy/",
      "src/queues/",
      "src/cron/",
      "src/outreach/",
      "src/delivery/",
      "src/lead-service/",
    ],
  },
  { name: "objects", holds: "the Durable Object classes and their modules", paths: ["durable/"] },
  { name: "app", holds: "HTTP: authorization, middleware, routes, compat adapters, the hono app", paths: ["src/http/", "src/routes/", "src/outreach/routes/", "src/lead-service/routes/", "src/compat/", "src/app.ts"] },
  { name: "entry", holds: "the Worker's entry: fetch, queue, scheduled; the Durable Object exports", paths: ["src/index.ts"] },
  { name: "browser", holds: "the console and the browser SDK (bundled apart; they take wire types from below)", paths: ["src/dashboard/", "src/sdk/"] },
];

/** The floor a repository path sits on ({ name, index }); throws for a file no entry covers. */
export function floorOf(file) {
  let best;
  FLOORS.forEach((floor, index) => {
    for (const p of floor.paths) {
      const fits = p.endsWith("/") ? file.startsWith(p) : file === p;
      if (fits && (best === undefined || p.length > best.length)) best = { length: p.length, name: floor.name, index };
    }
  });
  if (best === undefined) throw new Error(`${file} sits on no floor: add it to scripts/import-floors-table.mjs`);
  return { name: best.name, index: best.index };
}
