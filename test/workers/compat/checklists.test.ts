/**
 * MIGRATING.md's checklists, run as written: every command of each seed's
 * checklist, in order, against the Worker (the outside tools are the fakes),
 * then what the checklist promises is checked.
 */
import { afterEach, describe, expect, it } from "vitest";
import migrating from "../../../MIGRATING.md?raw";
import { ADMIN_TOKEN, adminHeaders, call, eventually } from "../helpers";
import { runChecklist } from "./checklist";
import { installFakes } from "../../fakes/fake-service";
import { LEMLIST_KEY, SMARTLEAD_KEY, lemlistActivities, lemlistFake, smartleadFake } from "../../fakes/outreach";
import { apolloFake, hunterFake, llmFake } from "../../fakes/enrichment";

const shell = () => ({ LEADFLARE: "https://leadflare.test", ADMIN_TOKEN, LEMLIST_API_KEY: LEMLIST_KEY, SMARTLEAD_API_KEY: SMARTLEAD_KEY });

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe("MIGRATING.md checklists", () => {
  it("Lead Scoring System: namespace, key, rules, automation, health and a first event", async () => {
    const vars: Record<string, string> = shell();
    const steps = await runChecklist(migrating, "### Checklist: Lead Scoring System", vars);
    expect(steps.map((s) => s.status)).toEqual([201, 201, 201, 201, 200, 200, 202]);
    // The seed's event (dated 2026-02-11, so decayed by now) scored as a page view.
    const timeline = await call("/compat/lead-scoring/api/leads/lead_123/timeline", { headers: { "X-API-Key": vars.API_KEY! } });
    expect(((await timeline.json()) as any[]).find((e) => e.eventId === "evt_unique_456")).toMatchObject({ eventType: "page_view", scoreDelta: 5, newScore: 5 });
  });

  it("Lead Service: namespace, key, org, health, push and pull", async () => {
    restore = installFakes(llmFake({}), hunterFake({}), apolloFake({}));
    const vars: Record<string, string> = shell();
    const steps = await runChecklist(migrating, "### Checklist: Lead Service", vars);
    expect(steps.map((s) => s.status)).toEqual([201, 201, 201, 200, 200, 200]);
    expect(steps[4]!.body).toEqual({ buffered: 1, skippedAlreadyServed: 0 });
    expect(steps[5]!.body).toMatchObject({ found: true, lead: { email: "john@example.com", clerkOrgId: "org_xyz", clerkUserId: "user_123" } });
  });

  it("Cairo: hub, accounts, a client that accepts the hub, a client's key, the first sync and the schedule", async () => {
    const lemlist = lemlistFake();
    lemlist.activities.push(...lemlistActivities(20, { emails: 4, campaignName: "ACME Corp Q1 Campaign", prefix: "acme" }));
    lemlist.activities.push(...lemlistActivities(10, { emails: 2, campaignName: "Playmaker Outreach", prefix: "hub" }));
    restore = installFakes(lemlist, smartleadFake(), llmFake({}), hunterFake({}), apolloFake({}));
    const vars: Record<string, string> = shell();
    const steps = await runChecklist(migrating, "### Checklist: Cairo", vars);
    expect(steps.map((s) => s.status)).toEqual([201, 201, 201, 201, 201, 200, 201, 200, 202, 200, 200]);
    expect(steps[5]!.body.namespace).toMatchObject({ name: "acme-corp", acceptRoutedFrom: ["playmaker"] });

    // The first sync ends, and routed the ACME campaign to acme-corp.
    const ended = await eventually(
      async () => {
        const res = await call(`/compat/cairo/api/full-sync/status/${vars.JOB_ID}`, { headers: adminHeaders() });
        const body = (await res.json()) as any;
        expect(body.status).toBe("completed");
        return body;
      },
      30_000,
      200,
    );
    expect(ended.data.result.platforms.lemlist.events).toBe(30);
    await eventually(async () => {
      const acme = (await (await call("/api/namespaces/acme-corp/stats", { headers: adminHeaders() })).json()) as any;
      const hub = (await (await call("/api/namespaces/playmaker/stats", { headers: adminHeaders() })).json()) as any;
      // The checklist's tracked event is acme-corp's too.
      expect([acme.events, hub.events]).toEqual([21, 10]);
    });
    const schedules = await call("/compat/cairo/api/periodic-sync/schedules", { headers: adminHeaders() });
    expect(((await schedules.json()) as any).data.schedules.map((s: any) => [s.platform, s.enabled, s.intervalMinutes]).sort()).toEqual([
      ["lemlist", true, 240],
      ["smartlead", true, 240],
    ]);
  });
});
