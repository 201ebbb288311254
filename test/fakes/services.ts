import { FakeService } from "./fake-service";

/** A customer's webhook receiver: answers 200 to whatever it gets. */
export const webhookReceiver = () => new FakeService("hooks.customer.fake", () => Response.json({ received: true }));

/** Slack incoming webhook: `ok`, or 400 `invalid_payload` without text. */
export const slackFake = () =>
  new FakeService("hooks.slack.fake", (r) => (JSON.parse(r.body).text ? new Response("ok") : new Response("invalid_payload", { status: 400 })));

/** Mixpanel /track and /engage: decodes `data=<base64 JSON>`, answers 1 (0 when the token is wrong). */
export const mixpanelFake = () =>
  new FakeService("mixpanel.fake", (r) => {
    const payload = decodeMixpanel(r.body);
    return new Response((payload.properties?.token ?? payload.$token) === "mp-token" ? "1" : "0");
  });

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
