/**
 * Seed behaviour added to the core's destinations (Cairo, seed 000): Attio
 * takes only engaged leads (minBehaviourScore, default 1 as Cairo's
 * MIN_BEHAVIOR_SCORE_FOR_ATTIO) with its `icp` grade and `scoring_meta`;
 * Mixpanel can keep people properties (`$set` of scores, stage, grade).
 */
import { afterEach, describe, expect, it } from "vitest";
import { apiSend, eventually, newTenant, send, type Tenant } from "../helpers";
import { installFakes } from "../../fakes/fake-service";
import { attioFake, decodeMixpanel, mixpanelFake, webhookReceiver } from "../../fakes/services";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

const recent = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();

async function addDestination(t: Tenant, body: unknown) {
  const res = await apiSend(t, "POST", "/api/destinations", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.destination;
}

describe("Attio: only engaged leads, with Cairo's fields", () => {
  it("skips a lead without behaviour points, then pushes it with icp and scoring_meta once it engages", async () => {
    const attio = attioFake();
    uninstall = installFakes(attio);
    const t = await newTenant();
    const created = await addDestination(t, { name: "crm", type: "attio", config: { apiKey: "attio-key" } });
    expect(created.config.minBehaviourScore).toBe(1);
    // ICP points only (30 employees): behaviour 0, so not pushed.
    await send(t, "/v1/identify", { userId: "a1", traits: { email: "quiet@acme.example", employees: 30 }, timestamp: recent(9) });
    await send(t, "/v1/identify", { userId: "a2", traits: { email: "busy@acme.example", employees: 30 }, timestamp: recent(9) });
    await send(t, "/v1/track", { userId: "a2", event: "Signup", timestamp: recent(8) });
    await eventually(() => Promise.resolve(expect(attio.people.get("busy@acme.example")?.behaviour_score).toEqual([{ value: 20 }])));
    const person = attio.people.get("busy@acme.example");
    expect(person.icp).toEqual([{ value: person.lead_grade[0].value }]);
    expect(JSON.parse(person.scoring_meta[0].value)).toMatchObject({ lead_score: 50, icp_score: 30, behaviour_score: 20, stage: "cold", source: "leadflare" });
    expect(attio.people.has("quiet@acme.example")).toBe(false);
  });

  it("a higher threshold waits for it", async () => {
    const attio = attioFake();
    const hook = webhookReceiver();
    uninstall = installFakes(attio, hook);
    const t = await newTenant();
    await addDestination(t, { name: "crm", type: "attio", config: { apiKey: "attio-key", minBehaviourScore: 60 } });
    await addDestination(t, { name: "hook", type: "webhook", config: { url: "https://hooks.customer.fake/in" } });
    await send(t, "/v1/identify", { userId: "b1", traits: { email: "b1@acme.example" }, timestamp: recent(9) });
    await send(t, "/v1/track", { userId: "b1", event: "Signup", timestamp: recent(8) });
    // The webhook saw the change to 20: the same batch went past Attio, which did not take it.
    await eventually(() => Promise.resolve(expect(hook.requests.some((r) => r.body.includes('"behaviourScore":20'))).toBe(true)));
    expect(attio.requests).toEqual([]);
    await send(t, "/v1/track", { userId: "b1", event: "Demo Request", timestamp: recent(7) });
    await eventually(() => Promise.resolve(expect(attio.people.get("b1@acme.example")?.behaviour_score).toEqual([{ value: 70 }])));
  });
});

describe("Mixpanel people properties", () => {
  it("$sets scores, stage and grade on the person when peopleProperties is on", async () => {
    const mixpanel = mixpanelFake();
    uninstall = installFakes(mixpanel);
    const t = await newTenant();
    await addDestination(t, { name: "mp", type: "mixpanel", config: { token: "mp-token", peopleProperties: true } });
    await send(t, "/v1/track", { userId: "m1", event: "Demo Request", timestamp: recent(5) });
    await eventually(() => Promise.resolve(expect(mixpanel.requests.filter((r) => r.url.pathname === "/engage")).toHaveLength(1)));
    const update = decodeMixpanel(mixpanel.requests.find((r) => r.url.pathname === "/engage")!.body);
    expect(update).toEqual({
      $token: "mp-token",
      $distinct_id: "m1",
      $set: { lead_score: 50, icp_score: 0, behaviour_score: 50, lead_stage: "warm", lead_grade: "C+", velocity: expect.any(Number) },
    });
    expect(mixpanel.requests.filter((r) => r.url.pathname === "/track")).toHaveLength(1);
  });
});
