// The capacity model: scales the harness's measured counts to a target load
// and sets every single resource instance's rate next to its documented
// limit, and prices a million events. Pure: counts in, figures out.

/** Documented limits, each with where it is written. */
export const LIMITS = {
  doRequestsPerObject: { value: 1000, unit: "requests/s", cite: "https://developers.cloudflare.com/durable-objects/platform/limits/ (soft limit: an object is single-threaded; ~1,000 requests/s)" },
  queueMessages: { value: 5000, unit: "messages/s", cite: "https://developers.cloudflare.com/queues/platform/limits/ (5,000 messages per second per queue)" },
  d1Queries: {
    value: 1000,
    unit: "queries/s",
    cite: "https://developers.cloudflare.com/d1/platform/limits/ (FAQ: a database is single-threaded; at 1 ms a query, ~1,000 queries/s)",
  },
  d1BusyMs: { value: 1000, unit: "ms busy per s", cite: "same page: one query at a time, so the sum of query durations per second cannot pass 1,000 ms" },
  mixpanelEvents: { value: 30000, unit: "events/s", cite: "https://developer.mixpanel.com/reference/import-events (rate limit: 2 GB of JSON a minute, ~30,000 events/s per project; ≤ 2,000 events per call)" },
  noPublishedLimit: { value: Infinity, unit: "calls/s", cite: "the customer's own endpoint (or no published call limit)" },
  subrequestsPerInvocation: { value: 10000, cite: "https://developers.cloudflare.com/workers/platform/limits/ (10,000 subrequests per request, Paid)" },
  d1QueriesPerInvocation: { value: 1000, cite: "https://developers.cloudflare.com/d1/platform/limits/ (1,000 queries per Worker invocation, Paid)" },
  d1ParamsPerStatement: { value: 100, cite: "https://developers.cloudflare.com/d1/platform/limits/ (100 bound parameters per query)" },
  doSqlParamsPerStatement: { value: 100, cite: "https://developers.cloudflare.com/durable-objects/platform/limits/ (SQL: 100 bound parameters per query)" },
};

/** Published prices, USD (Workers Paid; the monthly included amounts are left out, so this is the marginal cost). */
export const PRICES = {
  workersRequests: { perMillion: 0.3, cite: "https://developers.cloudflare.com/workers/platform/pricing/" },
  workersCpuMs: { perMillion: 0.02, cite: "https://developers.cloudflare.com/workers/platform/pricing/" },
  doRequests: { perMillion: 0.15, cite: "https://developers.cloudflare.com/durable-objects/platform/pricing/ (RPC calls and alarms are requests)" },
  doGbSeconds: { perMillion: 12.5, cite: "https://developers.cloudflare.com/durable-objects/platform/pricing/ (128 MB per object while active)" },
  doRowsWritten: { perMillion: 1.0, cite: "https://developers.cloudflare.com/durable-objects/platform/pricing/ (SQLite storage)" },
  doRowsRead: { perMillion: 0.001, cite: "https://developers.cloudflare.com/durable-objects/platform/pricing/" },
  d1RowsWritten: { perMillion: 1.0, cite: "https://developers.cloudflare.com/d1/platform/pricing/" },
  d1RowsRead: { perMillion: 0.001, cite: "https://developers.cloudflare.com/d1/platform/pricing/" },
  queueOperations: { perMillion: 0.4, cite: "https://developers.cloudflare.com/queues/platform/pricing/ (3 operations per message: write, read, delete)" },
};

const sum = (o) => Object.values(o ?? {}).reduce((n, v) => n + (typeof v === "number" ? v : 0), 0);
const isProjection = (name) => /projection/i.test(name);
/** A queue binding's family: DESTINATIONS_3 → DESTINATIONS (a lead always sends to the same queue of its family). */
const queueFamily = (binding) => binding.replace(/_\d+$/, "");

/**
 * Per-event and per-summary figures of one workload. A lead sends one
 * summary per projection interval however many events it had, so the
 * projection's queue messages, its consumer's D1 work and the lead alarms
 * are counted per summary; everything else per event.
 */
export function perOp(run) {
  const c = run.counts;
  const e = run.events;
  const summaries = Object.entries(c.queues).filter(([b]) => isProjection(b)).reduce((n, [, t]) => n + (t.messages ?? 0), 0);
  const perEvent = {};
  const perSummary = {};
  const set = (target, key, n, per) => {
    if (n) target[key] = n / per;
  };
  set(perEvent, "workerRequests", c.workerInvocations.fetch ?? 0, e);
  for (const [ns, objects] of Object.entries(c.doRequests)) set(perEvent, `doRequests:${ns}`, sum(objects), e);
  for (const [cls, t] of Object.entries(c.doInvocations)) set(perSummary, `doAlarms:${cls}`, t.alarm ?? 0, Math.max(1, summaries));
  for (const [cls, t] of Object.entries(c.doSql)) {
    set(perEvent, `doSqlRowsWritten:${cls}`, t.rowsWritten ?? 0, e);
    set(perEvent, `doSqlRowsRead:${cls}`, t.rowsRead ?? 0, e);
  }
  // The projection's consumers: queries per batch (one upsert statement per
  // batch, whatever its size), rows and busy time per summary.
  const perBatch = {};
  const projectionBatches = Object.entries(c.consumers).filter(([q]) => isProjection(q)).reduce((n, [, t]) => n + (t.batches ?? 0), 0);
  // Delivery shards read D1 per shard and time (their destination's config every 10 s, a lead's
  // tombstone once per activation), not per event: counted per second of the run, over the same
  // shards (DELIVERY_SHARDS × destinations) as at the target.
  const perSecond = {};
  const runSeconds = Math.max(1, ((run.loadMs ?? 0) + (run.settleMs ?? 0)) / 1000);
  for (const [caller, t] of Object.entries(c.d1ByCaller)) {
    if (/^DeliveryObject\./.test(caller)) {
      for (const [key, field] of [["d1Queries", "queries"], ["d1Writes", "writeQueries"], ["d1RowsWritten", "rowsWritten"], ["d1BusyMs", "durationMs"]])
        if (t[field]) perSecond[`${key}:${caller}`] = (perSecond[`${key}:${caller}`] ?? 0) + t[field] / runSeconds;
      continue;
    }
    if (isProjection(caller)) {
      for (const [key, field] of [["d1Queries", "queries"], ["d1Writes", "writeQueries"]]) perBatch[`${key}:projection`] = (perBatch[`${key}:projection`] ?? 0) + (t[field] ?? 0) / Math.max(1, projectionBatches);
      for (const [key, field] of [["d1RowsWritten", "rowsWritten"], ["d1BusyMs", "durationMs"]]) perSummary[`${key}:projection`] = (perSummary[`${key}:projection`] ?? 0) + (t[field] ?? 0) / Math.max(1, summaries);
      continue;
    }
    set(perEvent, `d1Queries:${caller}`, t.queries ?? 0, e);
    set(perEvent, `d1Writes:${caller}`, t.writeQueries ?? 0, e);
    set(perEvent, `d1RowsWritten:${caller}`, t.rowsWritten ?? 0, e);
    set(perEvent, `d1BusyMs:${caller}`, t.durationMs ?? 0, e);
  }
  for (const [binding, t] of Object.entries(c.queues)) {
    if (isProjection(binding)) set(perSummary, `queueMessages:${binding}`, t.messages ?? 0, Math.max(1, summaries));
    else set(perEvent, `queueMessages:${binding}`, t.messages ?? 0, e);
  }
  for (const [queue, t] of Object.entries(c.consumers)) if (!isProjection(queue)) set(perEvent, `consumerInvocations:${queue}`, t.batches ?? 0, e);
  perBatch["consumerInvocations:projection"] = projectionBatches ? 1 : 0;
  for (const [host, n] of Object.entries(c.subrequests)) set(perEvent, `outbound:${host}`, n, e);
  const d1RowsRead = Object.values(c.d1).reduce((n, t) => n + (t.rowsRead ?? 0), 0);
  set(perEvent, "d1RowsRead", d1RowsRead, e);
  for (const [cls, ms] of Object.entries(c.doWallMs ?? {})) set(perEvent, `doWallMs:${cls}`, ms, e);
  set(perEvent, "cpuMsUntilIdle", run.cpuMsUntilIdle, e);
  return { summaries, projectionBatches, perEvent, perSummary, perBatch, perSecond };
}

/**
 * Scales one workload to `eventsPerMinute` over `leads` leads, a summary per
 * lead per `projectionIntervalSeconds` (every lead that had an event in the
 * interval sends one). `isolates`: how many Worker isolates serve the
 * namespace's traffic at once (live-stream publishes are coalesced per isolate).
 */
export function scale(run, { eventsPerMinute, leads, projectionIntervalSeconds, projectionBatchSize, projectionQueues, queueFamilies = {}, deliveryShards, archiveShards, projectionBusyMsPerSummary, isolates, liveFlushesPerIsolatePerSecond }) {
  const { perEvent, perSummary, perBatch, perSecond, summaries, projectionBatches } = perOp(run);
  // Local D1 durations are whole milliseconds and swing with the machine's load: the caller may pool them over all workloads.
  if (projectionBusyMsPerSummary !== undefined) perSummary["d1BusyMs:projection"] = projectionBusyMsPerSummary;
  const eventsPerSecond = eventsPerMinute / 60;
  const eventsPerLeadPerInterval = (eventsPerSecond * projectionIntervalSeconds) / leads;
  const summariesPerSecond = (leads / projectionIntervalSeconds) * Math.min(1, eventsPerLeadPerInterval);
  // At the target every projection queue gets far more than a batch a second, so its batches are full.
  const projectionBatchesPerSecond = summariesPerSecond / projectionBatchSize;
  const rate = (k) => (perEvent[k] ?? 0) * eventsPerSecond + (perSummary[k] ?? 0) * summariesPerSecond + (perBatch[k] ?? 0) * projectionBatchesPerSecond + (perSecond[k] ?? 0);
  const rows = [];
  const row = (resource, value, limit, note) => rows.push({ resource, rate: round(value), limit: limit.value, unit: limit.unit, utilisation: round(value / limit.value, 4), cite: limit.cite, ...(note && { note }) });

  // Durable Objects, per object.
  const leadPerObject = rate("doRequests:LEAD") / leads + (perSummary["doAlarms:LeadObject"] ?? 0) * (summariesPerSecond / leads);
  row("LeadObject (each of the leads)", leadPerObject, LIMITS.doRequestsPerObject, "RPCs and alarms, spread evenly over the leads");
  if (perEvent["doRequests:RATE_LIMITER"]) row("RateLimiter (one write key)", rate("doRequests:RATE_LIMITER"), LIMITS.doRequestsPerObject, "all the load on one key: token leases");
  if (perEvent["doRequests:LIVE"]) {
    const measured = rate("doRequests:LIVE");
    const bound = liveFlushesPerIsolatePerSecond === undefined ? measured : Math.min(measured, isolates * liveFlushesPerIsolatePerSecond);
    row("LiveObject (the namespace's live stream)", bound, LIMITS.doRequestsPerObject, liveFlushesPerIsolatePerSecond === undefined ? "one publish per ingest request" : `publishes coalesced per isolate: at most ${liveFlushesPerIsolatePerSecond}/s from each of ${isolates} isolates`);
  }
  // Queues. The projection's are chosen by a hash of the lead id: with 100,000
  // leads each gets an even share (the bench's few hundred leads split less evenly; their shares are noted).
  const queues = new Set([...Object.keys(perEvent), ...Object.keys(perSummary)].filter((k) => k.startsWith("queueMessages:")));
  const projectionKeys = [...queues].filter((k) => isProjection(k));
  // Other queue families spread by lead id (DESTINATIONS, DESTINATIONS_1 …: `queueFamilies` says how many
  // queues each has) are shown per queue, an even share of the family's rate, like the projection's.
  const families = new Map();
  for (const key of queues) {
    if (isProjection(key)) continue;
    const binding = key.slice("queueMessages:".length);
    families.set(queueFamily(binding), [...(families.get(queueFamily(binding)) ?? []), key]);
  }
  // The lead outboxes' batches: in the bench a lead gets its events close together, so one batch
  // carries several; at the target its events come ~6 s apart, past the outbox's 2 s gathering, so
  // count one batch per lead ingest call (measured) when that is more.
  const ingestCallsPerEvent = (run.counts.doInvocations?.LeadObject?.["rpc:ingest"] ?? 0) / run.events;
  for (const [family, keys] of families) {
    const count = queueFamilies[family] ?? 1;
    const measured = keys.reduce((n, k) => n + rate(k), 0);
    const total = family === "DESTINATIONS" ? Math.max(measured, ingestCallsPerEvent * eventsPerSecond) : measured;
    if (count === 1) row(`queue ${family}`, total, LIMITS.queueMessages);
    else {
      const shares = keys.map((k) => `${k.slice("queueMessages:".length)} ${Math.round((rate(k) / measured) * 100)}%`).join(", ");
      row(`queue ${family}* (each of ${count})`, total / count, LIMITS.queueMessages, `split by lead id; all ${count}: ${round(total)}/s (measured ${round(measured)}/s); measured shares over ${run.leads ?? "the"} leads: ${shares}`);
    }
  }
  if (projectionKeys.length) {
    const total = projectionKeys.reduce((n, k) => n + rate(k), 0);
    const shares = projectionKeys.map((k) => `${k.slice("queueMessages:".length)} ${Math.round((rate(k) / total) * 100)}%`).join(", ");
    row(`queue leadflare-projection* (each of ${projectionQueues})`, total / projectionQueues, LIMITS.queueMessages, `summaries split by lead id; measured shares over ${run.leads ?? "the"} leads: ${shares}`);
  }
  // D1 (one database, DB).
  const d1Keys = (prefix) => [...new Set([...Object.keys(perEvent), ...Object.keys(perSummary), ...Object.keys(perBatch), ...Object.keys(perSecond)].filter((k) => k.startsWith(prefix)))];
  const d1Queries = d1Keys("d1Queries:").reduce((n, k) => n + rate(k), 0);
  const d1Busy = d1Keys("d1BusyMs:").reduce((n, k) => n + rate(k), 0);
  row("D1 DB: queries", d1Queries, LIMITS.d1Queries, "at 1 ms per query");
  row("D1 DB: busy time", d1Busy, LIMITS.d1BusyMs, "sum of the queries' durations as measured by local D1 (production adds its own)");
  // Outside hosts.
  for (const key of Object.keys(perEvent).filter((k) => k.startsWith("outbound:"))) {
    const host = key.slice("outbound:".length);
    row(`outside host ${host}: calls`, rate(key), LIMITS.noPublishedLimit, `${round(perEvent[key], 4)} calls per event`);
    const carried = run.outsideEvents?.[host];
    if (/mixpanel/.test(host) && carried !== undefined) row(`outside host ${host}: events`, (carried / run.events) * eventsPerSecond, LIMITS.mixpanelEvents);
  }
  // Delivery shards: the hand-overs (one per lead batch and destination) spread over DELIVERY_SHARDS
  // shards per destination; counted, like the queue, at least one batch per lead ingest call.
  if (perEvent["doRequests:DELIVERY"] && deliveryShards) {
    const destinations = destinationCount(perEvent);
    const handOvers = Math.max(rate("doRequests:DELIVERY"), ingestCallsPerEvent * eventsPerSecond * destinations);
    row(`DeliveryObject (each of ${deliveryShards} shards × ${destinations} destinations)`, handOvers / (deliveryShards * destinations), LIMITS.doRequestsPerObject, "hand-overs spread by lead id; its alarms come at most once per DELIVERY_GATHER_MS");
  }
  rows.sort((a, b) => b.utilisation - a.utilisation);

  // Cost of a million events.
  const perMillion = (n, price) => (n * price.perMillion);
  const perEventAll = (k) => rate(k) / eventsPerSecond;
  const keysLike = (prefix) => [...new Set([...Object.keys(perEvent), ...Object.keys(perSummary), ...Object.keys(perBatch), ...Object.keys(perSecond)].filter((k) => k.startsWith(prefix)))];
  const total = (prefix) => keysLike(prefix).reduce((n, k) => n + perEventAll(k), 0);
  // The lead batches to destinations at the target's pace: a lead's events come ~6 s apart, past the
  // outbox's 2 s gathering, so at least one batch per ingest call (as the queue rows above). Each batch
  // is a hand-over to each destination's shard and its word back to the lead (`destinationTook`), and
  // an automations queue message with its consumer's share when the namespace has automations: those
  // measured per event are scaled up to it. (Batches queued before the hand-over went to the shards
  // themselves are counted the same way: `deliveryDone`.)
  const leadCalls = run.counts.doInvocations?.LeadObject ?? {};
  const handOversPerEvent = (run.counts.doInvocations?.DeliveryObject?.["rpc:take"] ?? 0) / run.events;
  const batchesPerEvent = handOversPerEvent / destinationCount(perEvent);
  const batchPace = batchesPerEvent > 0 ? Math.max(1, ingestCallsPerEvent / batchesPerEvent) : 1;
  const destinationMessages = keysLike("queueMessages:DESTINATIONS").reduce((n, k) => n + perEventAll(k), 0);
  const leadTold = ((leadCalls["rpc:destinationTook"] ?? 0) + (leadCalls["rpc:deliveryDone"] ?? 0)) / run.events;
  const workerRequests = perEventAll("workerRequests") + total("consumerInvocations:") + (batchPace - 1) * total("consumerInvocations:leadflare-destinations");
  const doRequests = total("doRequests:") + total("doAlarms:") + (batchPace - 1) * (perEventAll("doRequests:DELIVERY") + leadTold);
  const cost = {
    workersRequests: perMillion(workerRequests, PRICES.workersRequests),
    workersCpu: perMillion(perEventAll("cpuMsUntilIdle"), PRICES.workersCpuMs),
    durableObjectRequests: perMillion(doRequests, PRICES.doRequests),
    durableObjectDuration: perMillion(activeSecondsPerEvent(perEvent, eventsPerSecond, { LeadObject: leads, DeliveryObject: (deliveryShards ?? 1) * destinationCount(perEvent), ArchiveObject: archiveShards ?? 1 }) * 0.125, PRICES.doGbSeconds),
    durableObjectRows: perMillion(total("doSqlRowsWritten:"), PRICES.doRowsWritten) + perMillion(total("doSqlRowsRead:"), PRICES.doRowsRead),
    d1Rows: perMillion(total("d1RowsWritten:"), PRICES.d1RowsWritten) + perMillion(perEventAll("d1RowsRead"), PRICES.d1RowsRead),
    queues: perMillion((total("queueMessages:") + (batchPace - 1) * destinationMessages) * 3, PRICES.queueOperations),
  };
  for (const k of Object.keys(cost)) cost[k] = round(cost[k], 4);
  cost.total = round(Object.values(cost).reduce((a, b) => a + b, 0), 4);

  return {
    workload: run.label,
    eventsPerMinute,
    leads,
    eventsPerSecond: round(eventsPerSecond),
    summariesPerSecond: round(summariesPerSecond),
    projectionBatchesPerSecond: round(projectionBatchesPerSecond),
    measured: { events: run.events, requests: run.requests, summaries, projectionBatches },
    perEvent: roundAll(perEvent),
    perSummary: roundAll(perSummary),
    perProjectionBatch: roundAll(perBatch),
    perSecond: roundAll(perSecond),
    resources: rows,
    hottest: rows[0],
    costPerMillionEvents: cost,
  };
}

/** How many destinations a workload delivers to: the outside hosts it called. */
function destinationCount(perEvent) {
  return Object.keys(perEvent).filter((k) => k.startsWith("outbound:")).length || 1;
}

/**
 * Durable Object duration per event at the target, in seconds: each class's
 * measured wall time per event (an object's time while a request runs in it,
 * once however many run together), scaled to the target's rate but never more
 * than its objects there can be active (each at most one second a second).
 * The bench's few events keep a delivery shard active for a whole gathered
 * round (~1 s) on a handful of items; at the target every shard is busy all
 * the time, and Cloudflare bills its wall time once.
 */
export function activeSecondsPerEvent(perEvent, eventsPerSecond, objectsAtTarget) {
  let seconds = 0;
  for (const [key, ms] of Object.entries(perEvent)) {
    if (!key.startsWith("doWallMs:")) continue;
    const cls = key.slice("doWallMs:".length);
    const activePerSecond = (ms / 1000) * eventsPerSecond;
    seconds += Math.min(activePerSecond, objectsAtTarget[cls] ?? 1) / eventsPerSecond;
  }
  return seconds;
}

/** The largest per-invocation figures seen in any workload, next to the platform's per-invocation limits. */
export function perInvocation(runs) {
  const out = {};
  for (const kind of ["subrequestsPerInvocation", "d1QueriesPerInvocation", "d1ParamsPerStatement", "doSqlParamsPerStatement", "doSqlStatementsPerInvocation"]) {
    let best;
    for (const r of runs) {
      const seen = r.counts.max[kind];
      if (seen && (!best || seen.value > best.value)) best = { ...seen, workload: r.label };
    }
    const limit = LIMITS[kind];
    out[kind] = { largest: best?.value ?? 0, where: best?.where, workload: best?.workload, limit: limit?.value ?? null, cite: limit?.cite };
  }
  return out;
}

function round(n, digits = 2) {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
function roundAll(o) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, 5)]));
}
