import { FakeService } from "./fake-service";

/** A customer's webhook receiver: answers 200 to whatever it gets. */
export const webhookReceiver = () => new FakeService("hooks.customer.fake", () => Response.json({ received: true }));

/** Slack incoming webhook: `ok`, or 400 `invalid_payload` without text. */
export const slackFake = () =>
  new FakeService("hooks.slack.fake", (r) => (JSON.parse(r.body).text ? new Response("ok") : new Response("invalid_payload", { status: 400 })));

/**
 * Mixpanel. /track: decodes `data=<base64 JSON>` (one event or a list of up
 * to 50), answers 1 (0 when a token is wrong). /import: a JSON list of up to
 * 2,000 events with the API secret as Basic auth; 401 without it, 400 when
 * the list is too long. /engage: profile updates (one or a list), 1 or 0 by `$token`.
 */
export const mixpanelFake = () => {
  const events: any[] = [];
  const fake = new FakeService("mixpanel.fake", (r) => {
    if (r.url.pathname === "/import") {
      if (r.headers.get("Authorization") !== `Basic ${btoa("mp-secret:")}`) return Response.json({ error: "unauthorized" }, { status: 401 });
      const list = JSON.parse(r.body) as any[];
      if (list.length > 2000) return Response.json({ code: 400, error: "too many events" }, { status: 400 });
      events.push(...list);
      return Response.json({ code: 200, num_records_imported: list.length, status: 1 });
    }
    const payload = decodeMixpanel(r.body);
    const list = Array.isArray(payload) ? payload : [payload];
    if (r.url.pathname === "/engage") return new Response(list.every((u) => u.$token === "mp-token") ? "1" : "0");
    if (list.length > 50 || list.some((e) => e.properties.token !== "mp-token")) return new Response("0");
    events.push(...list);
    return new Response("1");
  });
  return Object.assign(fake, { events });
};

export function decodeMixpanel(body: string): any {
  const data = new URLSearchParams(body).get("data") ?? body.replace(/^data=/, "");
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0))));
}

/** Attio's assert-person endpoint, keyed by email; 401 without the right bearer token. */
export const attioFake = () => {
  const people = new Map<string, any>();
  const fake = new FakeService("attio.fake", (r) => {
    if (r.headers.get("Authorization") !== "Bearer attio-key") return Response.json({ message: "unauthorized" }, { status: 401 });
    const values = JSON.parse(r.body).data.values;
    const email = values.email_addresses[0].email_address;
    people.set(email, values);
    return Response.json({ data: { id: { record_id: `rec-${email}` }, values } });
  });
  return Object.assign(fake, { people });
};

/** HubSpot contacts batch upsert. */
export const hubspotFake = () =>
  new FakeService("hubspot.fake", (r) => {
    const inputs = JSON.parse(r.body).inputs as any[];
    return Response.json({ status: "COMPLETE", results: inputs.map((i) => ({ id: `c-${i.id}`, properties: i.properties })) });
  });

/** Another Segment-compatible endpoint. */
export const segmentFake = () => new FakeService("segment.fake", () => Response.json({ success: true }));
