/**
 * Issue 26, item 4: `/compat/lead-service/enrich` answered the global
 * `cached` flag (org A learned that org B had looked an email up), and native
 * `/enrich` answered the cache entry's `fetchedAt` (B's time). An answer now
 * speaks of the asking organisation's own lookups only
 * (src/enrichment/org-answer.ts); the shared cache still saves the provider call.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { installFakes } from "../fakes/fake-service";
import { apolloFake, hunterFake, llmFake } from "../fakes/enrichment";
import { newOrg, newTenant, orgSend, type OrgClient } from "../workers/helpers";

let restore: (() => void) | undefined;
afterEach(() => restore?.());
beforeEach(async () => {
  await env.DB.batch([env.DB.prepare("DELETE FROM enrichment_stats"), env.DB.prepare("DELETE FROM enrichment_usage")]);
});

const native = (org: OrgClient, email: string) => orgSend(org, "POST", "/enrich", { email });
const compat = (org: OrgClient, email: string) => orgSend(org, "POST", "/compat/lead-service/enrich", { email });
/** Lets the clock move on (workerd's advances across I/O), so "before" and "after" a call are told apart. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("enrichment answers reveal nothing of another org's lookups", () => {
  it("two orgs in two namespaces: the second hears cached: false and its own time, on both surfaces; the provider is asked once", async () => {
    const domain = `oracle-${crypto.randomUUID().slice(0, 8)}.test`;
    const untouched = `oracle-${crypto.randomUUID().slice(0, 8)}.test`;
    const llm = llmFake({ [domain]: { name: "Oracle", employees: 30, confidence: 90 }, [untouched]: { name: "Fresh", employees: 30, confidence: 90 } });
    restore = installFakes(llm, hunterFake({}), apolloFake({}));
    const victim = await newOrg(await newTenant("oracle"));
    const spyTenant = await newTenant("oracle");
    const spy = await newOrg(spyTenant);
    const compatSpy = await newOrg(spyTenant, "another-app");
    const email = `ceo@${domain}`;

    const theirs = await native(victim, email);
    expect(theirs.status).toBe(200);
    expect(theirs.body).toMatchObject({ cached: false, organization: { name: "Oracle" } });
    await tick();

    // Native: the spy's first lookup reads as its own fresh one, like an email nobody asked about.
    const before = Date.now();
    const first = await native(spy, email);
    const control = await native(spy, `ceo@${untouched}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ cached: false, organization: { name: "Oracle" } });
    expect(first.body.fetchedAt).toBeGreaterThanOrEqual(before);
    expect(first.body.fetchedAt).not.toBe(theirs.body.fetchedAt);
    expect(Object.keys(first.body).sort()).toEqual(Object.keys(control.body).sort());
    expect(control.body).toMatchObject({ cached: false });
    expect(control.body.fetchedAt).toBeGreaterThanOrEqual(before);
    // Its second lookup: its own earlier answer, its own time.
    await tick();
    const second = await native(spy, email);
    expect(second.body).toMatchObject({ cached: true, fetchedAt: first.body.fetchedAt });

    // Compat: another org of the spy's namespace, through the Lead Service's API.
    const seedFirst = await compat(compatSpy, email);
    expect(seedFirst.status).toBe(200);
    expect(seedFirst.body).toMatchObject({ cached: false, organizationName: "Oracle" });
    expect(seedFirst.body).not.toHaveProperty("fetchedAt");
    expect((await compat(compatSpy, email)).body.cached).toBe(true);

    // The victim's view is its own too, and the spy's lookups did not change it.
    expect((await native(victim, email)).body).toMatchObject({ cached: true, fetchedAt: theirs.body.fetchedAt });
    // One provider call for the shared email, one for the control.
    expect(llm.requests).toHaveLength(2);

    // Each org's stats count its own lookups only.
    expect((await orgSend(spy, "GET", "/enrich/stats")).body.cache).toMatchObject({ lookups: 3, hits: 1 });
    expect((await orgSend(compatSpy, "GET", "/enrich/stats")).body.cache).toMatchObject({ lookups: 2, hits: 1 });
    expect((await orgSend(victim, "GET", "/enrich/stats")).body.cache).toMatchObject({ lookups: 2, hits: 1 });
  });
});
