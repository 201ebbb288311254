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
