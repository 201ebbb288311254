import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { installFakes } from "../../fakes/fake-service";
import { apolloFake, hunterFake, llmFake } from "../../fakes/enrichment";
import { enrichEmail } from "../../../src/enrichment/enrich";
import { hunterProvider } from "../../../src/enrichment/hunter";
import { adminHeaders, call, eventually, leadByUserId, newOrg, newTenant, orgSend, send, type OrgClient } from "../helpers";

let restore: (() => void) | undefined;
afterEach(() => restore?.());
// Provider counters, resting times and rate windows are global: each test starts them afresh.
beforeEach(async () => {
  await env.DB.batch([env.DB.prepare("DELETE FROM enrichment_stats"), env.DB.prepare("DELETE FROM enrichment_usage")]);
});

// Each test uses its own domain: the cache is global, shared by every test in this file.
const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}.test`;
const enrich = (org: OrgClient, email: string) => orgSend(org, "POST", "/enrich", { email });
const globalStats = async () => {
  const res = await call("/enrich/stats", { headers: adminHeaders() });
  return { status: res.status, body: (await res.json()) as any };
};

describe("POST /enrich", () => {
  it("asks the provider once per email; `cached` tells an organisation only about its own earlier lookups", async () => {
    const domain = unique("acme");
    const llm = llmFake({ [domain]: { name: "Acme", employees: 40, annualRevenue: 5_000_000, fundingStage: "Series A", confidence: 85 } });
    const hunter = hunterFake({});
    restore = installFakes(llm, hunter, apolloFake({}));
    const tenant = await newTenant("enrich");
    const org = await newOrg(tenant);

    const first = await enrich(org, ` Ada@${domain.toUpperCase()} `);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      email: `ada@${domain}`,
      found: true,
      cached: false,
      provider: "llm",
      confidence: 85,
      organization: { name: "Acme", domain, employees: 40, annualRevenue: 5_000_000, fundingStage: "Series A" },
    });
    // Only the domain goes to the LLM, never the address.
    expect(llm.requests[0]!.body).not.toContain("ada@");

    // Another tenant's organisation gets the cached answer without learning that anyone asked before.
    const other = await newOrg(await newTenant("enrich"));
    const fromCache = await enrich(other, `ada@${domain}`);
    expect(fromCache.body).toMatchObject({ cached: false, provider: "llm", organization: { name: "Acme" } });
    expect((await enrich(other, `ada@${domain}`)).body.cached).toBe(true);
    expect((await enrich(org, `ada@${domain}`)).body.cached).toBe(true);
    expect(llm.requests).toHaveLength(1);
    expect(hunter.requests).toHaveLength(0);
  });

  it("goes on to Hunter when the LLM is under 60 confident, and to Apollo when Hunter knows nothing", async () => {
    const sure = unique("sure"), unsure = unique("unsure"), unknown = unique("unknown");
    const llm = llmFake({ [sure]: { name: "Sure", confidence: 60 }, [unsure]: { name: "Maybe", confidence: 59 }, [unknown]: { name: "Guess", confidence: 20 } });
    const hunter = hunterFake({
      [`bo@${unsure}`]: { givenName: "Bo", familyName: "Lee", title: "CTO", company: "Unsure Inc", domain: unsure, employees: "11-50", annualRevenue: "$10M-$50M" },
    });
    const apollo = apolloFake({
      [`cy@${unknown}`]: { firstName: "Cy", lastName: "Park", title: "VP Sales", company: "Unknown Ltd", employees: 120, annualRevenue: 20_000_000, fundingStage: "Series B" },
    });
    restore = installFakes(llm, hunter, apollo);
    const org = await newOrg(await newTenant("enrich"));

    const a = await enrich(org, `al@${sure}`);
    expect(a.body).toMatchObject({ provider: "llm", confidence: 60 });
    expect(hunter.requests).toHaveLength(0);

    const b = await enrich(org, `bo@${unsure}`);
    expect(b.body).toMatchObject({
      provider: "hunter",
      confidence: 100,
      person: { firstName: "Bo", lastName: "Lee", title: "CTO" },
      organization: { name: "Unsure Inc", employees: 11, annualRevenue: 10_000_000 },
    });
    expect(hunter.requests.map((r) => r.url.pathname)).toEqual(["/v2/people/find", "/v2/companies/find"]);
    expect(apollo.requests).toHaveLength(0);

    const c = await enrich(org, `cy@${unknown}`);
    expect(c.body).toMatchObject({ provider: "apollo", person: { firstName: "Cy", title: "VP Sales" }, organization: { employees: 120, fundingStage: "Series B" } });
    expect(apollo.requests).toHaveLength(1);
    expect(apollo.requests[0]!.headers.get("X-Api-Key")).toBe("apollo-key");

    // Nobody knows her: the LLM's weak guess is still the best answer there is.
    const d = await enrich(org, `di@${unknown}`);
    expect(d.body).toMatchObject({ found: true, provider: "llm", confidence: 20, organization: { name: "Guess" } });
  });

  it("skips a provider that is down or out of credit, and rests the one out of credit", async () => {
    const domain = unique("flaky");
    const llm = llmFake({});
    const hunter = hunterFake({});
    const apollo = apolloFake({
      [`a@${domain}`]: { firstName: "A", lastName: "A", title: "CEO", company: "Flaky", employees: 9, annualRevenue: 1, fundingStage: "Seed" },
      [`b@${domain}`]: { firstName: "B", lastName: "B", title: "CFO", company: "Flaky", employees: 9, annualRevenue: 1, fundingStage: "Seed" },
    });
    restore = installFakes(llm, hunter, apollo);
    llm.failNext(1, { status: 503 });
    hunter.failNext(1, { status: 402, body: '{"errors":[{"id":"insufficient_credits"}]}' });
    // The chain warns about each provider it skips: expected here, so taken in and checked rather than printed.
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const uninstall = restore;
    restore = () => {
      warn.mockRestore();
      uninstall();
    };
    const org = await newOrg(await newTenant("enrich"));

    const first = await enrich(org, `a@${domain}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ provider: "apollo", person: { title: "CEO" } });

    const second = await enrich(org, `b@${domain}`);
    expect(second.body).toMatchObject({ provider: "apollo", person: { title: "CFO" } });
    expect(llm.failed + llm.requests.length).toBe(2); // down once, asked again next time
    expect(hunter.failed + hunter.requests.length).toBe(1); // out of credit: resting, not asked again
    expect(warn.mock.calls.map((args) => args.join(" "))).toEqual(["enrichment provider skipped llm: 503", "enrichment provider skipped hunter: 402"]);

    const stats = await globalStats();
    const hunterStats = stats.body.providers.find((p: any) => p.provider === "hunter");
    expect(hunterStats.restingUntil).not.toBeNull();
    expect(hunterStats.errors).toBeGreaterThanOrEqual(1);
  });

  it("lets only one of many concurrent callers pay for an email", async () => {
    const domain = unique("busy");
    const llm = llmFake({ [domain]: { name: "Busy", confidence: 90 } });
    restore = installFakes(llm, hunterFake({}), apolloFake({}));
    const org = await newOrg(await newTenant("enrich"));

    const answers = await Promise.all(Array.from({ length: 10 }, () => enrich(org, `x@${domain}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.filter((a) => !a.body.cached)).toHaveLength(1);
    expect(answers.every((a) => a.body.organization.name === "Busy")).toBe(true);
    expect(llm.requests).toHaveLength(1);
  });

  it("never sends a free-mail domain to the LLM, and caches that nothing was found", async () => {
    const llm = llmFake({});
    const hunter = hunterFake({});
    const apollo = apolloFake({});
    restore = installFakes(llm, hunter, apollo);
    const org = await newOrg(await newTenant("enrich"));
    const email = `nobody.${crypto.randomUUID().slice(0, 8)}@gmail.com`;

    expect((await enrich(org, email)).body).toMatchObject({ found: false, cached: false, person: null, organization: null });
    expect((await enrich(org, email)).body).toMatchObject({ found: false, cached: true });
    expect(llm.requests).toHaveLength(0);
    expect(hunter.requests).toHaveLength(1);
    expect(apollo.requests).toHaveLength(1);
  });

  it("rejects a body without a valid email, naming the field", async () => {
    const org = await newOrg(await newTenant("enrich"));
    const bad = await enrich(org, "not-an-email");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("email");
  });
});

describe("provider rate limits and stats", () => {
  it("holds a provider to its calls per minute, counting the skipped lookups", async () => {
    const domain = unique("limited");
    const people = Object.fromEntries(
      [1, 2, 3].map((i) => [`p${i}@${domain}`, { givenName: `P${i}`, familyName: "X", title: "Eng", company: "Limited", domain }]),
    );
    const hunter = hunterFake(people);
    restore = installFakes(hunter);
    const limited = { ...hunterProvider, name: "hunter" as const, limitPerMinute: 2 };

    const results = [];
    for (const i of [1, 2, 3]) results.push(await enrichEmail(env, `p${i}@${domain}`, { providers: [limited] }));
    expect(results.map((r) => r.found)).toEqual([true, true, false]);
    // Two lookups, each a person and a company call; the third never reached Hunter.
    expect(hunter.requests.filter((r) => r.url.pathname === "/v2/people/find")).toHaveLength(2);
    const stats = (await env.DB.prepare("SELECT calls, rate_limited FROM enrichment_stats WHERE provider = 'hunter'").first())!;
    expect(stats).toEqual({ calls: 2, rate_limited: 1 });
  });

  it("reports calls, hit rates and cost per provider, and the cache's hit rate, to the admin token", async () => {
    const domain = unique("stats");
    restore = installFakes(llmFake({ [domain]: { name: "Stats", confidence: 99 } }), hunterFake({}), apolloFake({}));
    const org = await newOrg(await newTenant("enrich"));
    await enrich(org, `a@${domain}`);
    await enrich(org, `a@${domain}`);
    const after = (await globalStats()).body;
    expect(after.scope).toBe("global");

    expect(after.providers.find((p: any) => p.provider === "llm")).toEqual({
      provider: "llm",
      configured: true,
      limitPerMinute: 60,
      calls: 1,
      hits: 1,
      misses: 0,
      errors: 0,
      rateLimited: 0,
      hitRate: 1,
      costUsd: 0.0003,
      restingUntil: null,
    });
    expect(after.cache).toEqual({ lookups: 2, hits: 1, misses: 1, hitRate: 0.5 });
    expect(after.totalCostUsd).toBe(0.0003);
  });

  it("scopes an organisation's /enrich/stats to its own lookups, with no provider counts", async () => {
    const domain = unique("scoped");
    restore = installFakes(llmFake({ [domain]: { name: "Scoped", confidence: 99 } }), hunterFake({}), apolloFake({}));
    const org = await newOrg(await newTenant("enrich"));
    const other = await newOrg(await newTenant("enrich"));
    await enrich(other, `b@${domain}`);
    await enrich(other, `c@${domain}`);
    await enrich(org, `b@${domain}`);
    await enrich(org, `b@${domain}`);
    const mine = (await orgSend(org, "GET", "/enrich/stats")).body;
    expect(mine).toMatchObject({ scope: "org", cache: { lookups: 2, hits: 1, misses: 1, hitRate: 0.5 } });
    expect(mine.providers.find((p: any) => p.provider === "llm")).toEqual({ provider: "llm", configured: true, limitPerMinute: 60 });
    expect((await orgSend(other, "GET", "/enrich/stats")).body.cache).toEqual({ lookups: 2, hits: 0, misses: 2, hitRate: 0 });
    expect((await call("/enrich/stats", { headers: { Authorization: "Bearer not-the-admin-token" } })).status).toBe(401);
  });
});

describe("enrichment from the queue", () => {
  it("looks a lead's new email up and feeds the company into its ICP score", async () => {
    const domain = unique("icp");
    // 51–250 employees: 40 ICP points; series B: 20 more.
    const llm = llmFake({ [domain]: { name: "ICP Co", employees: 120, fundingStage: "Series B", confidence: 90 } });
    restore = installFakes(llm, hunterFake({}), apolloFake({}));
    const tenant = await newTenant("enrich");
    await send(tenant, "/v1/identify", { userId: "u-icp", traits: { email: `lead@${domain}` } });
    await send(tenant, "/v1/track", { userId: "u-icp", event: "Demo Request" });

    const lead = await eventually(async () => {
      const found = await leadByUserId(tenant, "u-icp");
      expect(found.icpScore).toBe(60);
      return found;
    });
    expect(lead.score).toBe(110);
    expect(llm.requests).toHaveLength(1);
  });
});
