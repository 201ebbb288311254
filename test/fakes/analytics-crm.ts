import { FakeService, type RecordedRequest } from "./fake-service";

/**
 * Fakes of the outside APIs of GA4, Amplitude, PostHog, Heap, Customer.io,
 * Intercom and Pipedrive: each checks the auth and the body's shape as the
 * real API does, answers as it does, and keeps what it accepted. Failures on
 * demand come from FakeService (`failNext`).
 */

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) => Response.json(body, { status, headers });
const parse = (r: RecordedRequest): any => JSON.parse(r.body);

/** PostHog capture `/batch/`: `{api_key, batch: [{event, properties.distinct_id, uuid, timestamp}]}`; 401 for a wrong key. */
export const posthogFake = (host = "posthog.fake", apiKey = "phc_test_0123456789") => {
  const events: any[] = [];
  const fake = new FakeService(host, (r) => {
    if (r.method !== "POST" || r.url.pathname !== "/batch/") return json({ type: "invalid_request", code: "not_found" }, 404);
    const body = parse(r);
    if (body.api_key !== apiKey) return json({ type: "authentication_error", code: "invalid_api_key", detail: "Project API key invalid." }, 401);
    const bad = (body.batch as any[]).find((e) => typeof e.event !== "string" || !e.properties?.distinct_id || !/^[0-9a-f-]{36}$/.test(e.uuid));
    if (bad) return json({ type: "validation_error", code: "invalid_payload", detail: "Invalid payload: event, distinct_id and uuid are required" }, 400);
    events.push(...body.batch);
    return json({ status: 1 });
  });
  return Object.assign(fake, { events });
};

/** Amplitude Batch Event Upload: `{api_key, events}` of at most 2,000; 400 with Amplitude's error fields. */
export const amplitudeFake = (host = "amplitude.fake", apiKey = "amp-key-0123456789") => {
  const events: any[] = [];
  const fake = new FakeService(host, (r) => {
    if (r.url.pathname !== "/batch") return json({ code: 404, error: "not found" }, 404);
    const body = parse(r);
    if (!body.api_key) return json({ code: 400, error: "Request missing required field", missing_field: "api_key" }, 400);
    if (body.api_key !== apiKey) return json({ code: 400, error: "Invalid API key: " + String(body.api_key).slice(0, 4) }, 400);
    const list = body.events as any[];
    if (list.length > 2000) return json({ code: 413, error: "Payload too large" }, 413);
    const missing = list.flatMap((e, i) => (!e.event_type || (!e.user_id && !e.device_id) ? [i] : []));
    if (missing.length > 0) return json({ code: 400, error: "Request missing required field", events_with_missing_fields: { event_type: missing } }, 400);
    events.push(...list);
    return json({ code: 200, events_ingested: list.length, payload_size_bytes: r.body.length, server_upload_time: Date.now() });
  });
  return Object.assign(fake, { events });
};

/** Amplitude's answer to a user sending too fast: 429, the throttled ids in the body, no Retry-After. */
export const amplitudeThrottled = (userId: string) => ({
  status: 429,
  body: JSON.stringify({ code: 429, error: "Too many requests for some devices and users", eps_threshold: 1000, throttled_users: { [userId]: 1200 }, throttled_events: [0] }),
});

/** Heap bulk `/api/track` (`events`, ≤ 1,000) and `/api/add_user_properties` (`users`, ≤ 1,000), keyed by `app_id`. */
export const heapFake = (host = "heap.fake", appId = "1234567") => {
  const events: any[] = [];
  const users = new Map<string, Record<string, unknown>>();
  const fake = new FakeService(host, (r) => {
    const body = parse(r);
    if (body.app_id !== appId) return new Response("Invalid app_id", { status: 400 });
    if (r.url.pathname === "/api/track") {
      const list = (body.events ?? [body]) as any[];
      if (list.length > 1000) return new Response("Too many events", { status: 400 });
      if (list.some((e) => !e.identity || !e.event)) return new Response("identity and event are required", { status: 400 });
      for (const e of list) if (!events.some((seen) => seen.idempotency_key && seen.idempotency_key === e.idempotency_key)) events.push(e);
      return new Response(null, { status: 200 });
    }
    if (r.url.pathname === "/api/add_user_properties") {
      const list = (body.users ?? [body]) as any[];
      if (list.length > 1000 || list.some((u) => !u.identity)) return new Response("identity is required", { status: 400 });
      for (const u of list) users.set(u.identity, { ...users.get(u.identity), ...u.properties });
      return new Response(null, { status: 200 });
    }
    return new Response("Not Found", { status: 404 });
  });
  return Object.assign(fake, { events, users });
};

/** Customer.io Track API v2 `/api/v2/batch`: Basic auth of site id and API key; people and their events. */
export const customerioFake = (host = "track.customerio.fake", siteId = "site-1", apiKey = "cio-key-0123456789") => {
  const people = new Map<string, Record<string, unknown>>();
  const events: any[] = [];
  const fake = new FakeService(host, (r) => {
    if (r.url.pathname !== "/api/v2/batch") return json({ meta: { error: "not found" } }, 404);
    if (r.headers.get("Authorization") !== `Basic ${btoa(`${siteId}:${apiKey}`)}`) return json({ meta: { error: "Unauthorized request" } }, 401);
    const batch = parse(r).batch as any[];
    if (new TextEncoder().encode(r.body).length > 500 * 1024) return json({ meta: { error: "request too large" } }, 413);
    const errors = batch.flatMap((entry, i) =>
      entry.type !== "person" || !entry.identifiers || (entry.action === "event" && !entry.name) ? [{ batch_index: i, reason: "invalid", message: "missing identifiers or name" }] : [],
    );
    if (errors.length > 0) return json({ errors });
    for (const entry of batch) {
      const key = JSON.stringify(entry.identifiers);
      if (entry.action === "identify") people.set(key, { ...people.get(key), ...entry.attributes });
      else if (!events.some((e) => e.id === entry.id)) events.push(entry);
    }
    return json({});
  });
  return Object.assign(fake, { people, events });
};

const GA4_NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

/**
 * GA4 Measurement Protocol `/mp/collect`: like the real one it answers 204
 * to anything and silently drops what is invalid (a wrong secret, a bad
 * name, over 25 events); the fake keeps why in `dropped` (what
 * `/debug/mp/collect` would say).
 */
export const ga4Fake = (host = "ga4.fake", measurementId = "G-TEST1234", apiSecret = "ga4-secret-0123456789") => {
  const events: any[] = [];
  const clients = new Map<string, { userId?: string; userProperties: Record<string, { value: unknown }> }>();
  const dropped: string[] = [];
  const fake = new FakeService(host, (r) => {
    if (r.url.pathname !== "/mp/collect") return new Response(null, { status: 404 });
    const problems: string[] = [];
    if (r.url.searchParams.get("measurement_id") !== measurementId) problems.push("measurement_id");
    if (r.url.searchParams.get("api_secret") !== apiSecret) problems.push("api_secret");
    if (new TextEncoder().encode(r.body).length > 130 * 1024) problems.push("request over 130 KB");
    const body = parse(r);
    if (typeof body.client_id !== "string" || body.client_id === "") problems.push("client_id");
    const list = (body.events ?? []) as any[];
    if (list.length === 0 || list.length > 25) problems.push(`events: ${list.length}`);
    for (const e of list) {
      if (!GA4_NAME.test(e.name)) problems.push(`event name ${e.name}`);
      const names = Object.keys(e.params ?? {});
      if (names.length > 25 || names.some((n) => !GA4_NAME.test(n))) problems.push(`params of ${e.name}`);
      if (Object.values(e.params ?? {}).some((v) => typeof v === "string" && v.length > 100)) problems.push(`param value of ${e.name}`);
    }
    for (const [name, property] of Object.entries((body.user_properties ?? {}) as Record<string, any>)) {
      if (name.length > 24 || (typeof property.value === "string" && property.value.length > 36)) problems.push(`user property ${name}`);
    }
    if (problems.length > 0) dropped.push(...problems);
    else {
      events.push(...list.map((e) => ({ ...e, client_id: body.client_id, user_id: body.user_id })));
      clients.set(body.client_id, { userId: body.user_id, userProperties: { ...clients.get(body.client_id)?.userProperties, ...body.user_properties } });
    }
    return new Response(null, { status: 204 });
  });
  return Object.assign(fake, { events, clients, dropped });
};

const intercomError = (status: number, code: string, message: string) =>
  json({ type: "error.list", request_id: crypto.randomUUID(), errors: [{ code, message }] }, status);

/** Custom data attributes the fake Intercom workspace has (Intercom refuses others). */
export const INTERCOM_ATTRIBUTES = ["lead_score", "icp_score", "behaviour_score", "lead_grade", "lead_stage"];

/**
 * Intercom: contacts (search by email, create, update custom attributes) and
 * data events (404 for an unknown contact; a repeat of name, contact and
 * second is dropped), Bearer token auth. With `searchLagMs`, a new contact
 * shows in search only after that long, as Intercom's search index lags.
 */
export const intercomFake = (host = "intercom.fake", token = "ic-token-0123456789", { searchLagMs = 0 } = {}) => {
  const contacts = new Map<string, { id: string; role: string; email: string; external_id?: string; custom_attributes: Record<string, unknown>; createdAt: number }>();
  const events: any[] = [];
  const byId = (id: string) => [...contacts.values()].find((c) => c.id === id);
  const checkAttributes = (attributes: Record<string, unknown> = {}) => Object.keys(attributes).find((name) => !INTERCOM_ATTRIBUTES.includes(name));
  const fake = new FakeService(host, (r) => {
    if (r.headers.get("Authorization") !== `Bearer ${token}`) return intercomError(401, "unauthorized", "Access Token Invalid");
    const path = r.url.pathname;
    const body = r.body ? parse(r) : {};
    if (r.method === "POST" && path === "/contacts/search") {
      const { field, operator, value } = body.query ?? {};
      if (field !== "email" || operator !== "=") return intercomError(400, "parameter_invalid", "unsupported query");
      const contact = contacts.get(String(value).toLowerCase());
      const found = contact && contact.createdAt <= Date.now() - searchLagMs ? contact : undefined;
      return json({ type: "list", data: found ? [{ type: "contact", ...found }] : [], total_count: found ? 1 : 0, pages: { type: "pages", page: 1, per_page: 1, total_pages: found ? 1 : 0 } });
    }
    if (r.method === "POST" && path === "/contacts") {
      if (!["user", "lead"].includes(body.role) || !body.email) return intercomError(400, "parameter_invalid", "role and email are required");
      const existing = contacts.get(body.email.toLowerCase());
      if (existing) return intercomError(409, "conflict", `A contact matching those details already exists with id=${existing.id}`);
      const unknown = checkAttributes(body.custom_attributes);
      if (unknown) return intercomError(400, "parameter_invalid", `Custom attribute '${unknown}' does not exist`);
      const contact = {
        id: crypto.randomUUID().replace(/-/g, "").slice(0, 24),
        role: body.role,
        email: body.email,
        external_id: body.external_id,
        custom_attributes: body.custom_attributes ?? {},
        createdAt: Date.now(),
      };
      contacts.set(body.email.toLowerCase(), contact);
      return json({ type: "contact", ...contact });
    }
    const update = /^\/contacts\/([^/]+)$/.exec(path);
    if (r.method === "PUT" && update) {
      const contact = byId(decodeURIComponent(update[1]!));
      if (!contact) return intercomError(404, "not_found", "User Not Found");
      const unknown = checkAttributes(body.custom_attributes);
      if (unknown) return intercomError(400, "parameter_invalid", `Custom attribute '${unknown}' does not exist`);
      contact.custom_attributes = { ...contact.custom_attributes, ...body.custom_attributes };
      return json({ type: "contact", ...contact });
    }
    if (r.method === "POST" && path === "/events") {
      if (!body.event_name || !Number.isInteger(body.created_at)) return intercomError(400, "parameter_invalid", "event_name and created_at are required");
      const contact = contacts.get(String(body.email ?? "").toLowerCase());
      if (!contact) return intercomError(404, "not_found", "User Not Found");
      if (Object.keys(body.metadata ?? {}).length > 10) return intercomError(400, "parameter_invalid", "at most 10 metadata keys");
      const repeat = events.some((e) => e.contactId === contact.id && e.event_name === body.event_name && e.created_at === body.created_at);
      if (!repeat) events.push({ ...body, contactId: contact.id });
      return new Response(null, { status: 202 });
    }
    return intercomError(404, "not_found", "Resource Not Found");
  });
  return Object.assign(fake, { contacts, events });
};

/** Pipedrive person field keys the fake knows (custom fields have 40-character hashes). */
export const PIPEDRIVE_FIELDS = { score: "a".repeat(40), stage: "b".repeat(40) };

/** Pipedrive persons: exact email search, update, create; `api_token` in the query; `{success, data}` answers. */
export const pipedriveFake = (host = "pipedrive.fake", token = "pd-token-0123456789") => {
  const persons: { id: number; name: string; email: { value: string; primary: boolean }[]; [field: string]: unknown }[] = [];
  const fake = new FakeService(host, (r) => {
    if (r.url.searchParams.get("api_token") !== token) return json({ success: false, error: "You need to be authorized to make this request.", errorCode: 401 }, 401);
    const path = r.url.pathname;
    if (r.method === "GET" && path === "/v1/persons/search") {
      const term = r.url.searchParams.get("term") ?? "";
      if (term.length < 2 || r.url.searchParams.get("fields") !== "email") return json({ success: false, error: "term and fields=email are required" }, 400);
      const exact = r.url.searchParams.get("exact_match") === "true";
      const found = persons.filter((p) => p.email.some((e) => (exact ? e.value === term : e.value.includes(term))));
      return json({ success: true, data: { items: found.map((p) => ({ result_score: 1, item: { id: p.id, type: "person", name: p.name, emails: p.email.map((e) => e.value) } })) } });
    }
    const body = r.body ? parse(r) : {};
    if (r.method === "POST" && path === "/v1/persons") {
      if (!body.name) return json({ success: false, error: "Name must be given.", errorCode: 400 }, 400);
      const person = { ...body, id: persons.length + 1 };
      persons.push(person);
      return json({ success: true, data: person }, 201);
    }
    const update = /^\/v1\/persons\/(\d+)$/.exec(path);
    if (r.method === "PUT" && update) {
      const person = persons.find((p) => p.id === Number(update[1]));
      if (!person) return json({ success: false, error: "Person not found", errorCode: 404 }, 404);
      Object.assign(person, body);
      return json({ success: true, data: person });
    }
    return json({ success: false, error: "Unknown method .", errorCode: 404 }, 404);
  });
  const byEmail = (email: string) => persons.find((p) => p.email.some((e) => e.value === email));
  return Object.assign(fake, { persons, byEmail });
};
