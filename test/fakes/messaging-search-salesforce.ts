import { FakeService, type RecordedRequest } from "./fake-service";

/**
 * Fakes of Discord, Teams, SendGrid, Mailchimp, Twilio, Elasticsearch and
 * Salesforce (messaging, search, a CRM). Each checks the auth and the body shape
 * the real API checks, answers as the real one does, and records what it
 * took; failures (429, 5xx, a permanent 4xx) come from FakeService.failNext.
 */

const problem = (status: number, body: unknown) => Response.json(body, { status });

/** Discord's execute-webhook: `/api/webhooks/<id>/<token>?wait=true`, 1 to 10 embeds, 200 with the created message. */
export const discordFake = () => {
  const messages: any[] = [];
  const fake = new FakeService("discord.fake", (r) => {
    if (!/^\/api\/webhooks\/\d+\/[\w-]+$/.test(r.url.pathname)) return problem(404, { message: "Unknown Webhook", code: 10015 });
    const body = JSON.parse(r.body);
    if (!body.content && !(body.embeds?.length > 0)) return problem(400, { message: "Cannot send an empty message", code: 50006 });
    if (body.embeds?.length > 10) return problem(400, { message: "Invalid Form Body", code: 50035, errors: { embeds: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH" }] } } });
    messages.push(body);
    return r.url.searchParams.get("wait") === "true" ? Response.json({ id: String(messages.length), ...body }) : new Response(null, { status: 204 });
  });
  return Object.assign(fake, { messages });
};

/** Discord's rate limit answer: the wait is in the JSON body (seconds), not only in a header. */
export const discordRateLimited = (seconds: number) => ({
  status: 429,
  body: JSON.stringify({ message: "You are being rate limited.", retry_after: seconds, global: false }),
  headers: { "Content-Type": "application/json" },
});

/** A Teams Workflows webhook: a `message` with one Adaptive Card attachment, answered 202. */
export const teamsFake = () =>
  new FakeService("teams.fake", (r) => {
    const body = JSON.parse(r.body);
    const card = body.attachments?.[0];
    if (body.type !== "message" || card?.contentType !== "application/vnd.microsoft.card.adaptive" || card.content?.type !== "AdaptiveCard") {
      return problem(400, { error: { code: "InvalidRequestContent", message: "The request content is not valid" } });
    }
    return new Response(null, { status: 202 });
  });

export function cardItems(request: RecordedRequest): any[] {
  return JSON.parse(request.body).attachments[0].content.body.filter((b: any) => b.type === "Container");
}

/** SendGrid Marketing Contacts upsert: Bearer key, up to 30,000 contacts, custom fields by id; 202 with a job_id. */
export const sendgridFake = (apiKey = "SG.test-key", fieldIds = ["e1_N", "e2_T", "e3_T"]) => {
  const contacts = new Map<string, any>();
  const fake = new FakeService("sendgrid.fake", (r) => {
    if (r.method !== "PUT" || r.url.pathname !== "/v3/marketing/contacts") return problem(404, { errors: [{ field: null, message: "resource not found" }] });
    if (r.headers.get("Authorization") !== `Bearer ${apiKey}`) return problem(401, { errors: [{ field: null, message: "authorization required" }] });
    const body = JSON.parse(r.body);
    if (!Array.isArray(body.contacts) || body.contacts.length === 0 || body.contacts.length > 30_000) {
      return problem(400, { errors: [{ field: "contacts", message: "must have between 1 and 30000 contacts" }] });
    }
    for (const [i, contact] of body.contacts.entries()) {
      if (typeof contact.email !== "string") return problem(400, { errors: [{ field: `contacts[${i}].email`, message: "email is required" }] });
      const unknown = Object.keys(contact.custom_fields ?? {}).find((id) => !fieldIds.includes(id));
      if (unknown) return problem(400, { errors: [{ field: `contacts[${i}].custom_fields.${unknown}`, message: "custom field not found" }] });
    }
    for (const contact of body.contacts) contacts.set(contact.email, { ...contact, list_ids: body.list_ids ?? [] });
    return Response.json({ job_id: crypto.randomUUID() }, { status: 202 });
  });
  return Object.assign(fake, { contacts });
};

/**
 * Mailchimp batch subscribe (`POST /3.0/lists/{id}`): Basic auth with the
 * key as password, up to 500 members; members it refuses (emails in
 * `refuse`, unknown merge tags) are listed in a 200 answer's `errors`.
 */
export const mailchimpFake = (apiKey = "mc-key-us21", listId = "a1b2c3d4e5", tags = ["LEADSCORE", "LEADSTAGE", "LEADGRADE"]) => {
  const members = new Map<string, any>();
  const refuse = new Set<string>();
  const fake = new FakeService("mailchimp.fake", (r) => {
    if (r.url.pathname !== `/3.0/lists/${listId}`) return problem(404, { title: "Resource Not Found", status: 404, detail: "The requested resource could not be found." });
    const auth = atob((r.headers.get("Authorization") ?? "").replace(/^Basic /, ""));
    if (auth.split(":")[1] !== apiKey) return problem(401, { title: "API Key Invalid", status: 401, detail: "Your API key may be invalid, or you've attempted to access the wrong datacenter." });
    const body = JSON.parse(r.body);
    if (!Array.isArray(body.members) || body.members.length > 500) return problem(400, { title: "Invalid Resource", status: 400, detail: "members: at most 500" });
    const answer = { new_members: [] as any[], updated_members: [] as any[], errors: [] as any[] };
    for (const member of body.members) {
      const badTag = Object.keys(member.merge_fields ?? {}).find((tag) => !tags.includes(tag));
      if (refuse.has(member.email_address) || badTag || !["subscribed", "transactional", "pending"].includes(member.status)) {
        answer.errors.push({ email_address: member.email_address, error: `${member.email_address} is in a compliance state`, error_code: "ERROR_GENERIC" });
        continue;
      }
      (members.has(member.email_address) ? answer.updated_members : answer.new_members).push({ email_address: member.email_address, status: member.status });
      members.set(member.email_address, member);
    }
    return Response.json({ ...answer, total_created: answer.new_members.length, total_updated: answer.updated_members.length, error_count: answer.errors.length });
  });
  return Object.assign(fake, { members, refuse });
};

/**
 * Twilio's Messages resource: form-encoded To, Body and From or
 * MessagingServiceSid, Basic auth with the Account SID and auth token;
 * 201 with the queued message. Errors carry Twilio's numeric codes.
 */
export const twilioFake = (accountSid: string, authToken: string) => {
  const sms: Array<{ to: string; from: string | null; messagingServiceSid: string | null; body: string }> = [];
  const fake = new FakeService("twilio.fake", (r) => {
    if (r.method !== "POST" || r.url.pathname !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) return problem(404, { code: 20404, message: "The requested resource was not found", status: 404 });
    if (r.headers.get("Authorization") !== `Basic ${btoa(`${accountSid}:${authToken}`)}`) return problem(401, { code: 20003, message: "Authenticate", status: 401 });
    if (r.headers.get("Content-Type") !== "application/x-www-form-urlencoded") return problem(400, { code: 21601, message: "form body expected", status: 400 });
    const form = new URLSearchParams(r.body);
    const to = form.get("To");
    if (!to || !/^\+\d{7,15}$/.test(to)) return problem(400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
    if (!form.get("From") && !form.get("MessagingServiceSid")) return problem(400, { code: 21603, message: "A 'From' or 'MessagingServiceSid' parameter is required", status: 400 });
    if (!form.get("Body")) return problem(400, { code: 21602, message: "Message body is required.", status: 400 });
    sms.push({ to, from: form.get("From"), messagingServiceSid: form.get("MessagingServiceSid"), body: form.get("Body")! });
    return Response.json({ sid: `SM${crypto.randomUUID().replaceAll("-", "")}`, status: "queued", to, from: form.get("From"), body: form.get("Body") }, { status: 201 });
  });
  return Object.assign(fake, { sms });
};

/**
 * An Elasticsearch/OpenSearch `_bulk` endpoint: NDJSON ending in a newline,
 * `index` actions with `_index` and `_id`, ApiKey or Basic auth. Documents
 * are kept by index and id (a repeat overwrites: `result: updated`); the
 * first value seen at a field path fixes its type, and a document that
 * disagrees is refused with a per-item 400 `mapper_parsing_exception`;
 * `rejectNext(n)` answers the next n documents with a per-item 429.
 */
export const elasticsearchFake = (authorization: string) => {
  const docs = new Map<string, any>();
  const fieldTypes = new Map<string, string>();
  let rejections = 0;
  const mappingConflict = (index: string, value: unknown, path: string): string | null => {
    if (value === null || value === undefined) return null;
    const type = Array.isArray(value) ? "array" : typeof value;
    const key = `${index}:${path}`;
    const known = fieldTypes.get(key);
    if (known && known !== type) return `failed to parse field [${path}] of type [${known}]`;
    fieldTypes.set(key, type);
    if (type === "object") {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const conflict = mappingConflict(index, v, path ? `${path}.${k}` : k);
        if (conflict) return conflict;
      }
    }
    return null;
  };
  const fake = new FakeService("es.fake", (r) => {
    if (r.method !== "POST" || r.url.pathname !== "/_bulk") return problem(404, { error: { type: "resource_not_found_exception" }, status: 404 });
    if (r.headers.get("Authorization") !== authorization) return problem(401, { error: { type: "security_exception", reason: "unable to authenticate" }, status: 401 });
    if (r.headers.get("Content-Type") !== "application/x-ndjson") return problem(406, { error: "Content-Type header is not supported", status: 406 });
    if (!r.body.endsWith("\n")) return problem(400, { error: { type: "illegal_argument_exception", reason: "The bulk request must be terminated by a newline [\\n]" }, status: 400 });
    const lines = r.body.slice(0, -1).split("\n");
    const items: any[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i]!).index;
      const doc = JSON.parse(lines[i + 1]!);
      if (!action?._index || !action._id) return problem(400, { error: { type: "action_request_validation_exception", reason: "index and id are required" }, status: 400 });
      if (rejections > 0) {
        rejections--;
        items.push({ index: { _index: action._index, _id: action._id, status: 429, error: { type: "es_rejected_execution_exception", reason: "rejected execution of coordinating operation" } } });
        continue;
      }
      const conflict = mappingConflict(action._index, doc, "");
      if (conflict) {
        items.push({ index: { _index: action._index, _id: action._id, status: 400, error: { type: "mapper_parsing_exception", reason: conflict } } });
        continue;
      }
      const key = `${action._index}/${action._id}`;
      const existed = docs.has(key);
      docs.set(key, doc);
      items.push({ index: { _index: action._index, _id: action._id, status: existed ? 200 : 201, result: existed ? "updated" : "created" } });
    }
    return Response.json({ took: 3, errors: items.some((i) => i.index.error), items });
  });
  return Object.assign(fake, {
    docs,
    rejectNext(n: number) {
      rejections = n;
    },
  });
};

/**
 * A Salesforce org: the client credentials token endpoint, and sObject
 * Collections — PATCH …/composite/sobjects/Lead/Email (upsert by email) and
 * POST …/composite/sobjects (create), up to 200 records, answered record by
 * record. A Lead is created only with LastName and Company
 * (REQUIRED_FIELD_MISSING otherwise); fields outside `fields` are
 * INVALID_FIELD; emails in `refuse` fail a validation rule.
 */
export const salesforceFake = (clientId: string, clientSecret: string, fields = ["Email", "LastName", "Company", "Lead_Score__c", "Lead_Stage__c", "Lead_Grade__c"]) => {
  const leads = new Map<string, any>();
  const refuse = new Set<string>();
  let valid = new Set<string>();
  let issued = 0;
  const recordError = (statusCode: string, message: string) => ({ success: false, errors: [{ statusCode, message, fields: [] }] });
  const fake = new FakeService("acme.salesforce.fake", (r) => {
    if (r.url.pathname === "/services/oauth2/token") {
      const form = new URLSearchParams(r.body);
      if (form.get("grant_type") !== "client_credentials" || form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret) {
        return problem(400, { error: "invalid_client", error_description: "invalid client credentials" });
      }
      const token = `00D-token-${++issued}`;
      valid.add(token);
      return Response.json({ access_token: token, instance_url: "https://acme.salesforce.fake", token_type: "Bearer", issued_at: String(Date.now()) });
    }
    if (!valid.has((r.headers.get("Authorization") ?? "").replace(/^Bearer /, ""))) return problem(401, [{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
    const upsert = r.method === "PATCH" && r.url.pathname === "/services/data/v62.0/composite/sobjects/Lead/Email";
    const create = r.method === "POST" && r.url.pathname === "/services/data/v62.0/composite/sobjects";
    if (!upsert && !create) return problem(404, [{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
    const body = JSON.parse(r.body);
    if (body.allOrNone !== false || !Array.isArray(body.records) || body.records.length > 200) return problem(400, [{ errorCode: "INVALID_INPUT", message: "records: 1 to 200, allOrNone false" }]);
    const results = body.records.map((record: any) => {
      const { attributes, ...values } = record;
      if (attributes?.type !== "Lead") return recordError("INVALID_TYPE", "sObject type is required");
      const unknown = Object.keys(values).find((f) => !fields.includes(f));
      if (unknown) return recordError("INVALID_FIELD", `No such column '${unknown}' on sobject of type Lead`);
      if (refuse.has(values.Email)) return recordError("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Leads from this domain are not allowed");
      const existing = upsert ? leads.get(values.Email) : undefined;
      if (existing) {
        Object.assign(existing, values);
        return { id: existing.Id, success: true, errors: [], created: false };
      }
      if (!values.LastName || !values.Company) return recordError("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName, Company]");
      const lead = { Id: `00Q${String(leads.size + 1).padStart(15, "0")}`, ...values };
      leads.set(values.Email, lead);
      return { id: lead.Id, success: true, errors: [], created: true };
    });
    return Response.json(results, { status: create ? 201 : 200 });
  });
  return Object.assign(fake, {
    leads,
    refuse,
    tokensIssued: () => issued,
    expireTokens() {
      valid = new Set();
    },
  });
};
