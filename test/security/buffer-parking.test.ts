/**
 * Issue 15, items 6 and 9 (body caps): poison leads in the buffer. A lead
 * that crashes every worker that claims it came back after each expired
 * claim for ever; now its MAX_CLAIMS-th expired claim parks it (listed in
 * stats, re-queued only by an explicit call). And a /buffer/push could store
 * a 3 MB `data` blob: bodies and each lead's data are capped.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { call, newOrg, newTenant, orgHeaders, orgSend } from "../workers/helpers";
import { MAX_CLAIMS } from "../../src/lead-service/buffer";

afterEach(() => vi.useRealTimers());

describe("poison leads", () => {
  it(`parks a lead after ${MAX_CLAIMS} expired claims, lists it, and puts it back only when asked`, async () => {
    const org = await newOrg(await newTenant("park"));
    await orgSend(org, "POST", "/buffer/push", { namespace: "sdr", clerkOrgId: org.clerkOrgId, leads: [{ email: "fine@acme.test" }, { email: "poison@acme.test" }] });
    const start = Date.now();
    vi.useFakeTimers({ now: start, toFake: ["Date"] });
    // The fine lead is served; the poison one crashes every worker that takes it.
    const fine = await orgSend(org, "POST", "/buffer/next", { namespace: "sdr", parentRunId: "ok-run" });
    await orgSend(org, "POST", "/buffer/ack", { namespace: "sdr", parentRunId: "ok-run", id: fine.body.lead.id });

    let poisonId = 0;
    for (let attempt = 1; attempt <= MAX_CLAIMS; attempt++) {
      vi.setSystemTime(start + attempt * 61_000);
      const claim = await orgSend(org, "POST", "/buffer/next", { namespace: "sdr", parentRunId: `crash-${attempt}`, claimSeconds: 60 });
      expect(claim.body.lead).toMatchObject({ email: "poison@acme.test", claims: attempt });
      poisonId = claim.body.lead.id;
    }
    // Its last claim runs out: the next pull parks it instead of handing it out again.
    vi.setSystemTime(start + (MAX_CLAIMS + 1) * 61_000);
    expect((await orgSend(org, "POST", "/buffer/next", { namespace: "sdr", parentRunId: "crash-next" })).body.found).toBe(false);
    const stats = (await orgSend(org, "GET", "/buffer/stats/sdr")).body;
    expect(stats).toMatchObject({ parked: 1, claimed: 0, expiredClaims: 0, served: 1, maxClaims: MAX_CLAIMS, reclaimed: MAX_CLAIMS - 1 });
    expect(stats.parkedLeads).toEqual([expect.objectContaining({ id: poisonId, email: "poison@acme.test", claims: MAX_CLAIMS, lastRunId: `crash-${MAX_CLAIMS}` })]);
    // Time alone brings it back no more.
    vi.setSystemTime(start + 100 * 61_000);
    expect((await orgSend(org, "POST", "/buffer/next", { namespace: "sdr", parentRunId: "later" })).body.found).toBe(false);

    // An explicit call does, with fresh tries.
    const requeued = await orgSend(org, "POST", "/buffer/requeue", { namespace: "sdr", ids: [poisonId] });
    expect(requeued.body).toEqual({ namespace: "sdr", requeued: 1 });
    const again = await orgSend(org, "POST", "/buffer/next", { namespace: "sdr", parentRunId: "fixed-run" });
    expect(again.body.lead).toMatchObject({ id: poisonId, status: "claimed", claims: 1 });
    expect((await orgSend(org, "GET", "/buffer/stats/sdr")).body).toMatchObject({ parked: 0, claimed: 1, parkedLeads: [] });
  });

  it("lets a parked lead's last run still acknowledge it: it was served after all", async () => {
    const org = await newOrg(await newTenant("park"));
    await orgSend(org, "POST", "/buffer/push", { namespace: "sdr", clerkOrgId: org.clerkOrgId, leads: [{ email: "slow@acme.test" }] });
    const start = Date.now();
    vi.useFakeTimers({ now: start, toFake: ["Date"] });
    let id = 0;
    for (let attempt = 1; attempt <= MAX_CLAIMS; attempt++) {
      vi.setSystemTime(start + attempt * 61_000);
      id = (await orgSend(org, "POST", "/buffer/next", { namespace: "sdr", parentRunId: `run-${attempt}`, claimSeconds: 60 })).body.lead.id;
    }
    vi.setSystemTime(start + (MAX_CLAIMS + 1) * 61_000);
    await orgSend(org, "POST", "/buffer/next", { namespace: "sdr", parentRunId: "parks-it" });
    const ack = await orgSend(org, "POST", "/buffer/ack", { namespace: "sdr", parentRunId: `run-${MAX_CLAIMS}`, id });
    expect(ack.body).toEqual({ served: true, id });
    expect((await orgSend(org, "GET", "/buffer/stats/sdr")).body).toMatchObject({ parked: 0, served: 1 });
  });
});

describe("lead-service body caps", () => {
  it("refuses a 3 MB push with 413 and a lead's oversized data with 400 naming it; nothing is stored", async () => {
    const org = await newOrg(await newTenant("caps"));
    const huge = { namespace: "sdr", clerkOrgId: org.clerkOrgId, leads: [{ email: "big@acme.test", data: { blob: "x".repeat(3 * 1024 * 1024) } }] };
    const res = await call("/buffer/push", { method: "POST", headers: orgHeaders(org), body: JSON.stringify(huge) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe("payload_too_large");
    // The same without a Content-Length to go by: a stream is cut off at the cap too.
    const body = new Blob([JSON.stringify(huge)]).stream();
    const streamed = await call("/buffer/push", { method: "POST", headers: orgHeaders(org), body, duplex: "half" } as RequestInit);
    expect(streamed.status).toBe(413);

    const fat = await orgSend(org, "POST", "/buffer/push", { namespace: "sdr", clerkOrgId: org.clerkOrgId, leads: [{ email: "fat@acme.test", data: { blob: "x".repeat(20_000) } }] });
    expect(fat.status).toBe(400);
    expect(fat.body.error.details[0].path).toBe("leads.0.data");
    expect((await orgSend(org, "GET", "/buffer/stats/sdr")).body).toMatchObject({ buffered: 0 });
  });
});
