import { Hono } from "hono";
import { jsonBody } from "../http/json-body";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { deliveriesQuery, destinationBody, destinationIdParam } from "../schemas/destinations";
import {
  createDestination,
  deleteDestination,
  getDestination,
  listDestinations,
  updateDestination,
  type Destination,
  type DestinationInput,
} from "../db/destinations";
import { bindingFields, DESTINATIONS, redactConfig, URL_FIELDS } from "../destinations/registry";
import { assertOutboundUrls } from "../outbound/fetch";
import { bindSecrets } from "../secrets/bound";
import { deliverWithRetries } from "../destinations/deliver";
import { clearDeliveries, deliveryCounts, listDeliveries, replayDeadLetters } from "../destinations/log";
import { shardForLead } from "../destinations/shards";
import type { DeliveryItem } from "../destinations/types";
import type { ShownDestination, TestSendAnswer } from "../contracts/delivery-rows";
import type { DeliveryLogRow } from "../contracts/shard-rows";
import { destinationCatalogue } from "../destinations/catalogue";

/** Destinations of a namespace, their delivery log, test sends and dead-letter replay. */
export const destinationRoutes = new Hono<AppEnv>();


destinationRoutes.get("/", async (c) => c.json({ destinations: (await listDestinations(c.env.DB, c.var.namespace.id)).map(show) }));

/** Every destination type: its title, docs link, config JSON Schema and the outside API's limits. */
destinationRoutes.get("/catalogue", (c) => c.json({ types: destinationCatalogue() }));

destinationRoutes.post("/", async (c) => {
  const input = readDestination(c.env, await jsonBody(c));
  return c.json({ destination: show(await createDestination(c.env.DB, c.var.namespace.id, input)) }, 201);
});

destinationRoutes.get("/:id", async (c) => {
  const destination = await destinationOr404(c.env.DB, c.var.namespace.id, c.req.param());
  return c.json({ destination: show(destination), deliveries: await deliveryCounts(c.env, destination) });
});

destinationRoutes.put("/:id", async (c) => {
  const stored = await destinationOr404(c.env.DB, c.var.namespace.id, c.req.param());
  const input = readDestination(c.env, await jsonBody(c), stored);
  const id = stored.id;
  const updated = await updateDestination(c.env.DB, c.var.namespace.id, id, input);
  if (!updated) throw new ApiError(404, "not_found", `no destination ${id}`);
  return c.json({ destination: show(updated) });
});

destinationRoutes.delete("/:id", async (c) => {
  const { id } = parseOrThrow(destinationIdParam, c.req.param(), "destination id");
  const deleted = await deleteDestination(c.env.DB, c.var.namespace.id, id);
  if (!deleted) throw new ApiError(404, "not_found", `no destination ${id}`);
  await clearDeliveries(c.env, deleted);
  return c.json({ deleted: id });
});

/** Sends one test item now and shows what the destination answered. */
destinationRoutes.post("/:id/test", async (c) => {
  const destination = await destinationOr404(c.env.DB, c.var.namespace.id, c.req.param());
  const now = new Date().toISOString();
  const item: DeliveryItem = {
    messageId: `test-${crypto.randomUUID()}`,
    kind: "test",
    lead: { id: "test-lead", score: 42, behaviourScore: 42, icpScore: 0, stage: "warm", grade: "C", velocity: 1, userId: "test-user", email: "test@example.com" },
    event: { type: "track", event: "leadflare test", userId: "test-user", properties: { test: true }, timestamp: now, messageId: "test" },
  };
  const { result, attempts } = await deliverWithRetries(c.env, destination, item, 1);
  const error = result.ok ? null : result.status !== undefined ? `answered HTTP ${result.status}` : result.error;
  // Logged beside the deliveries (status and error only), so a test shows in the delivery log.
  await shardForLead(c.env, destination, item.lead.id).recordTest(c.var.namespace.id, destination.id, item, { ok: result.ok, status: result.status ?? null, error }, attempts);
  // Status and headers only: the body of whatever answered is never echoed back.
  return c.json({ ok: result.ok, attempts, status: result.status ?? null, headers: result.headers ?? null, error } satisfies TestSendAnswer);
});

destinationRoutes.get("/:id/deliveries", async (c) => {
  const destination = await destinationOr404(c.env.DB, c.var.namespace.id, c.req.param());
  const { status, limit } = parseOrThrow(deliveriesQuery, c.req.query(), "query");
  const [rows, counts] = await Promise.all([listDeliveries(c.env, destination, status, limit), deliveryCounts(c.env, destination)]);
  return c.json({
    counts,
    deliveries: rows.map(({ destinationId: _d, payload: _p, ...r }): DeliveryLogRow => ({ ...r, updatedAt: new Date(r.updatedAt).toISOString() })),
  });
});

/** Puts every dead letter of the destination back in its shard's queue for one more delivery. */
destinationRoutes.post("/:id/replay", async (c) => {
  const destination = await destinationOr404(c.env.DB, c.var.namespace.id, c.req.param());
  return c.json({ replaying: await replayDeadLetters(c.env, destination) }, 202);
});

/**
 * A destination as sent. On an update of the same type, secrets left out or
 * sent as their hint keep `stored`'s values, unless a field they are bound to
 * (its URL, region, account…) changed: then each must be sent again.
 */
function readDestination(env: Env, body: unknown, stored?: Destination): DestinationInput {
  const input = parseOrThrow(destinationBody, body);
  const module = DESTINATIONS[input.type];
  const values = bindSecrets<Record<string, unknown>>({
    sent: input.config,
    stored: stored?.type === input.type ? stored.config : undefined,
    schema: module.config,
    secretFields: module.secretFields,
    bindingFields: bindingFields(input.type),
    prefix: "config",
  });
  assertOutboundUrls(env, Object.fromEntries(URL_FIELDS[input.type].map((field) => [`config.${field}`, values[field] as string | undefined])));
  return { ...input, config: values };
}

async function destinationOr404(db: D1Database, namespaceId: string, params: unknown): Promise<Destination> {
  const { id } = parseOrThrow(destinationIdParam, params, "destination id");
  const destination = await getDestination(db, namespaceId, id);
  if (!destination) throw new ApiError(404, "not_found", `no destination ${id}`);
  return destination;
}

function show(destination: Destination): ShownDestination {
  return {
    id: destination.id,
    name: destination.name,
    type: destination.type,
    enabled: destination.enabled,
    config: redactConfig(destination.type, destination.config),
    filters: destination.filters,
    createdAt: new Date(destination.createdAt).toISOString(),
    updatedAt: new Date(destination.updatedAt).toISOString(),
  };
}
