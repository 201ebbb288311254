import { describe, expect, it } from "vitest";
import { send } from "../helpers";
import { checkBatching, checkDeadLetters, checkRetries, deliveries, recent, setUp, type DestinationCase } from "./messaging-search-salesforce-checks";
import { eventually } from "../helpers";
import { elasticsearchFake } from "../../fakes/messaging-search-salesforce";
import { planCalls, settlementsOf, type Waiting } from "../../../src/destinations/calls";
import { DESTINATIONS } from "../../../src/destinations/registry";
import { bulkBody, bulkRejections } from "../../../src/destinations/elasticsearch";

const API_KEY = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==";

function ndjson(body: string): any[] {
  return body.trimEnd().split("\n").map((line) => JSON.parse(line));
}

const search: DestinationCase = {
  name: "search",
  type: "elasticsearch",
  config: { url: "https://es.fake", index: "leads-events", apiKey: API_KEY },
  fake: () => elasticsearchFake(`ApiKey ${API_KEY}`),
  itemsIn: (r) => ndjson(r.body).length / 2,
  check(r) {
    expect(r.headers.get("Content-Type")).toBe("application/x-ndjson");
    expect(r.body.endsWith("\n")).toBe(true);
    const lines = ndjson(r.body);
    for (let i = 0; i < lines.length; i += 2) {
      expect(lines[i]).toEqual({ index: { _index: "leads-events", _id: lines[i + 1].messageId } });
      expect(lines[i + 1]).toMatchObject({ "@timestamp": expect.any(String), kind: expect.stringMatching(/^(event|change)$/), lead: { email: expect.stringMatching(/@acme\.example$/) } });
    }
  },
  itemsPerLead: 3, // the identify, the Demo Request and the lead's score change
  maxItems: 1_000,
  permanent: { status: 400, body: JSON.stringify({ error: { type: "illegal_argument_exception" }, status: 400 }) },
  retryable: [{ status: 429, headers: { "Retry-After": "0" } }, { status: 503 }],
};

describe("elasticsearch destination", () => {
  it("indexes many leads' items in few _bulk calls, _id = messageId", async () => {
    const { fake } = await checkBatching(search, 40);
    expect((fake as ReturnType<typeof elasticsearchFake>).docs.size).toBe(120);
  });
  it("retries 429 and 5xx, then delivers everything", () => checkRetries(search));
  it("turns a permanent 4xx into dead letters", () => checkDeadLetters(search));

  it("per-document answers: a 429 item is retried, a mapping conflict is a dead letter, the rest are in once", async () => {
    const { fake, uninstall, t, destination } = await setUp({ ...search, config: { url: "https://es.fake/", index: "mixed", username: "elastic", password: "changeme" }, fake: () => elasticsearchFake(`Basic ${btoa("elastic:changeme")}`) });
    const es = fake as ReturnType<typeof elasticsearchFake>;
    try {
      // The first bulk call's first two documents are refused with 429s.
      es.rejectNext(2);
      await send(t, "/v1/batch", {
        batch: [
          { type: "track", userId: "es-1", event: "Signup", messageId: "es-1-a", properties: { plan: "pro" }, timestamp: recent(20) },
          { type: "track", userId: "es-2", event: "Signup", messageId: "es-2-a", properties: { plan: { tier: 2 } }, timestamp: recent(19) },
          { type: "track", userId: "es-3", event: "Signup", messageId: "es-3-a", properties: { seats: 3 }, timestamp: recent(18) },
        ],
      });
      await eventually(async () => {
        const counts = (await deliveries(t, destination.id)).counts;
        expect(counts.pending ?? 0).toBe(0);
        expect(counts.dead).toBe(1);
        expect(counts.delivered).toBe(5); // two events and three score changes
      }, 30_000);
      const dead = (await deliveries(t, destination.id, "dead")).deliveries;
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ lastStatus: 400, lastError: expect.stringMatching(/^HTTP 400 mapper_parsing_exception: failed to parse field \[event\.properties\.plan\]/) });
      expect(["es-1-a", "es-2-a"]).toContain(dead[0].messageId);
      const retried = (await deliveries(t, destination.id, "delivered")).deliveries.filter((d: any) => d.attempts > 1);
      expect(retried.length).toBeGreaterThanOrEqual(1);
      expect(es.docs.size).toBe(5);
      expect(es.requests[0]!.headers.get("Authorization")).toBe(`Basic ${btoa("elastic:changeme")}`);
      expect(es.requests[0]!.url.pathname).toBe("/_bulk");
    } finally {
      uninstall();
    }
  });
});

describe("per-item settlements", () => {
  const lead = (id: string, email: string | null) => ({ id, score: 1, behaviourScore: 1, icpScore: 0, stage: "cold", grade: "F", velocity: 0, userId: id, email });
  const waiting = (seq: number, leadId: string, email: string | null): Waiting => ({
    seq,
    leadId,
    item: { messageId: `m${seq}`, kind: "change", lead: lead(leadId, email), change: { before: null, after: lead(leadId, email) } },
  });

  it("a refused item settles alone (with the items coalesced into it); the rest are delivered", () => {
    const items = [waiting(1, "a", "a@x"), waiting(2, "b", "b@x"), waiting(3, "a", "a@x")];
    const [call] = planCalls(DESTINATIONS.mailchimp, { apiKey: "k-us1", listId: "l", status: "transactional", mergeFields: {} }, items)[0]!;
    const ok = { ok: true as const, status: 200, body: "{}" };
    const settled = settlementsOf(DESTINATIONS.mailchimp, call!, { ...ok, rejected: [{ messageId: "m3", retryable: false, status: 400, error: "compliance" }] });
    expect(settled).toEqual([
      { seqs: [2], result: { ...ok, rejected: undefined } },
      { seqs: [1, 3], result: { ok: false, retryable: false, status: 400, error: "compliance" } },
    ]);
    expect(settlementsOf(DESTINATIONS.mailchimp, call!, ok)).toEqual([{ seqs: [1, 2, 3], result: ok }]);
  });
});

describe("_bulk answers", () => {
  const item = (messageId: string) => ({ messageId, kind: "event" as const, lead: { id: "l", score: 0, behaviourScore: 0, icpScore: 0, stage: "cold", grade: "F", velocity: 0, userId: "u", email: null }, event: { type: "track", event: "x", timestamp: "2026-01-01T00:00:00.000Z" } });
  const items = [item("a"), item("b"), item("c")];
  const answer = (statuses: number[], errors = true) =>
    JSON.stringify({ errors, items: statuses.map((status, i) => ({ index: { _id: items[i]!.messageId, status, ...(status >= 300 ? { error: { type: "t", reason: "r" } } : {}) } })) });

  it.each([
    ["all in", answer([201, 200, 201], false), []],
    ["a 429 is retried, a 400 is not, a 503 is", answer([429, 400, 503]), [["a", true, 429], ["b", false, 400], ["c", true, 503]]],
    ["a cut answer is unreadable", answer([201, 400, 201]).slice(0, 60), undefined],
    ["fewer results than documents is unreadable", JSON.stringify({ errors: true, items: [] }), undefined],
  ])("%s", (_name, body, expected) => {
    const rejected = bulkRejections(body, items);
    expect(rejected?.map((r) => [r.messageId, r.retryable, r.status])).toEqual(expected);
  });

  it("the body is NDJSON of index actions keyed by messageId, ending in a newline", () => {
    const body = bulkBody(items.slice(0, 2), "idx");
    expect(body.split("\n")).toHaveLength(5);
    expect(body.endsWith("\n")).toBe(true);
    expect(JSON.parse(body.split("\n")[2]!)).toEqual({ index: { _index: "idx", _id: "b" } });
    expect(JSON.parse(body.split("\n")[1]!)).toMatchObject({ "@timestamp": "2026-01-01T00:00:00.000Z", messageId: "a", kind: "event" });
  });
});
