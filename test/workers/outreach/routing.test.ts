import { describe, expect, it } from "vitest";
import { normalizeKeyword, routeCampaign } from "../../../src/outreach/routing";
import { outreachEventKey } from "../../../src/outreach/event-key";
import type { OutreachActivity } from "../../../src/outreach/types";

const keywords = [
  { keyword: "acme", namespaceId: "acme" },
  { keyword: "acme corp", namespaceId: "acme-corp" },
  { keyword: "corp", namespaceId: "corp" },
  { keyword: "beta", namespaceId: "beta" },
  { keyword: "zeta", namespaceId: "zeta" },
];

describe("routeCampaign", () => {
  it("matches whole words, case-insensitively, longest keyword first", () => {
    expect(routeCampaign("ACME Corp Q1 outreach", keywords)).toBe("acme-corp");
    expect(routeCampaign("acme Q1", keywords)).toBe("acme");
    expect(routeCampaign("Acme_Corp/launch", keywords)).toBe("acme-corp");
    expect(routeCampaign("Acmecorp", keywords)).toBeUndefined();
    expect(routeCampaign("Corporate push", keywords)).toBeUndefined();
    expect(routeCampaign("corp acme", keywords)).toBe("corp");
  });

  it("breaks a tie between equally long keywords by position, then alphabetically", () => {
    expect(routeCampaign("zeta and beta", keywords)).toBe("zeta");
    expect(routeCampaign("beta and zeta", keywords)).toBe("beta");
    expect(routeCampaign("nothing here", keywords)).toBeUndefined();
    expect(routeCampaign("", keywords)).toBeUndefined();
  });

  it("normalises keywords to lower-case words", () => {
    expect(normalizeKeyword("  ACME   Corp!! ")).toBe("acme corp");
    expect(normalizeKeyword("--")).toBe("");
  });
});

describe("outreachEventKey", () => {
  const base: OutreachActivity = {
    platform: "lemlist",
    event: "email_opened",
    rawType: "emailsOpened",
    activityId: "act_1",
    email: "a@example.com",
    campaignId: "cam_1",
    campaignName: "C",
    occurredAt: "2025-01-01T00:00:00Z",
    traits: {},
    details: {},
  };

  it("is the same for the same activity and differs when any part differs", async () => {
    const key = await outreachEventKey(base);
    expect(await outreachEventKey({ ...base, campaignName: "renamed", traits: { x: 1 } })).toBe(key);
    for (const change of [{ activityId: "act_2" }, { campaignId: "cam_2" }, { event: "email_clicked" }, { platform: "smartlead" as const }]) {
      expect(await outreachEventKey({ ...base, ...change })).not.toBe(key);
    }
    expect(key).toMatch(/^lemlist-[0-9a-f]{40}$/);
  });

  it("falls back to email and time without an activity id", async () => {
    const noId = { ...base, activityId: undefined };
    expect(await outreachEventKey(noId)).toBe(await outreachEventKey({ ...noId }));
    expect(await outreachEventKey({ ...noId, occurredAt: "2025-01-02T00:00:00Z" })).not.toBe(await outreachEventKey(noId));
    expect(await outreachEventKey({ ...noId, email: "b@example.com" })).not.toBe(await outreachEventKey(noId));
  });
});
