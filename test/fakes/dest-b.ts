import { FakeService, type RecordedRequest } from "./fake-service";

/**
 * Fakes for the dest-b destinations. Each checks the auth and the body shape
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
