import { describe, expect, it } from "vitest";
import { triggerFires } from "../../../src/automations/triggers";
import { profileFromTraits } from "../../../src/ingest/profile";
import { seedRules, toSegmentMessage } from "../../../src/compat/lead-scoring/shapes";
import type { LeadSnapshot } from "../../../src/destinations/types";

const lead = (stage: string, velocity: number): LeadSnapshot => ({
  id: "l",
  score: 0,
  behaviourScore: 0,
  icpScore: 0,
  stage,
  grade: "F",
  velocity,
  userId: null,
  email: null,
});

describe("stage trigger with minVelocity (the seed's whenStage + minVelocity)", () => {
  const trigger = { type: "stage_becomes", stage: "qualified", minVelocity: 5 } as const;
  it.each([
    [null, lead("qualified", 6), true],
    [lead("hot", 6), lead("qualified", 6), true],
    [lead("qualified", 4), lead("qualified", 5), true],
    [lead("hot", 6), lead("qualified", 4), false],
    [lead("qualified", 6), lead("qualified", 7), false],
    [lead("qualified", 6), lead("hot", 7), false],
  ] as const)("%# fires: %s", (before, after, fires) => expect(triggerFires(trigger, before, after)).toBe(fires));

  it("without minVelocity it is the plain stage edge", () => {
    const plain = { type: "stage_becomes", stage: "hot" } as const;
    expect(triggerFires(plain, lead("warm", 0), lead("hot", 0))).toBe(true);
    expect(triggerFires(plain, lead("hot", 0), lead("hot", 9))).toBe(false);
  });
});

describe("profile from identify traits", () => {
  it.each([
    [{ name: "Alice Smith", company: "TechCorp" }, { name: "Alice Smith", company: "TechCorp" }],
    [{ firstName: "Bob", lastName: "Lee", company: { name: "Acme" } }, { name: "Bob Lee", company: "Acme" }],
    [{ name: "  ", title: "CTO", phone: "+1 555", other: "ignored" }, { title: "CTO", phone: "+1 555" }],
    [{ name: 42, company: ["x"] }, {}],
    [{ name: "x".repeat(300) }, { name: "x".repeat(200) }],
  ])("%j → %j", (traits, profile) => expect(profileFromTraits(traits)).toEqual(profile));
});

describe("Lead Scoring System shapes", () => {
  it("an event becomes a track call: a leadId with a record (24 hex) is a userId, any other an anonymousId; identify carries its properties as traits", () => {
    expect(toSegmentMessage({ eventType: "signup", leadId: "507f1f77bcf86cd799439011", properties: { plan: "pro" } }, "m1")).toMatchObject({
      type: "track",
      event: "signup",
      userId: "507f1f77bcf86cd799439011",
      messageId: "m1",
      properties: { plan: "pro" },
    });
    const anonymous = toSegmentMessage({ eventType: "page_view", leadId: "lead_123" }, "m3");
    expect(anonymous).toMatchObject({ type: "track", anonymousId: "lead_123" });
    expect(anonymous).not.toHaveProperty("userId");
    expect(toSegmentMessage({ eventType: "identify", leadId: "l1", properties: { email: "a@b.co" } }, "m2")).toMatchObject({
      type: "identify",
      anonymousId: "l1",
      traits: { email: "a@b.co" },
    });
  });

  it("rules list the namespace's own, then the defaults an unconditional rule does not override", () => {
    const listed = seedRules([
      { id: "r1", event: "signup", points: 40, conditions: [], cap: null },
      { id: "r2", event: "page_view", points: 9, conditions: [{ property: "properties.path", op: "equals", value: "/pricing" }], cap: null },
    ]);
    expect(listed.filter((r) => r.eventType === "signup")).toEqual([{ _id: "r1", eventType: "signup", points: 40, isDefault: false }]);
    expect(listed.filter((r) => r.eventType === "page_view").map((r) => r.points)).toEqual([9, 5]);
  });
});
