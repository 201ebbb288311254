// The browser SDK in headless Chromium against `wrangler dev`, on a customer's
// page of another origin; and the dashboard showing what it sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { api, artifact, DEV, eventually, leadByUserId, newBrowser, startLeadflare, startSite, timelineOf } from "./harness.ts";

const QUEUE_KEY = `lf_queue:${DEV.writeKey}`;

let leadflare: Awaited<ReturnType<typeof startLeadflare>>;
let site: Awaited<ReturnType<typeof startSite>>;

beforeAll(async () => {
  leadflare = await startLeadflare();
  site = await startSite(leadflare.url);
});

afterAll(async () => {
  await site?.stop();
  leadflare?.stop();
});

const queued = (page: Page) => page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "[]") as any[], QUEUE_KEY);
const firstPartyPage = (options: Record<string, unknown> = {}) =>
  `${site.url}/page?sdk=${encodeURIComponent(`${site.url}/lf/sdk.js`)}&options=${encodeURIComponent(JSON.stringify(options))}`;

describe("the browser SDK", () => {
  it("sends page, track and identify from a cross-origin page; they land on one lead", async () => {
    const browser = await newBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${site.url}/page?utm_source=newsletter&utm_campaign=spring`, { referer: "https://search.example/?q=leads" });
      await page.waitForFunction(() => typeof (window as any).leadflare?.user === "function");
      const anonymousId = await page.evaluate(() => {
        const lf = (window as any).leadflare;
        lf.identify("browser-user-1", { email: "Browser.User@example.com", plan: "pro" });
        lf.track("Demo Request", { seats: 5 });
        return lf.user().anonymousId() as string;
      });

      // page (automatic), the track queued by the snippet before sdk.js arrived, identify, track.
      const lead = await eventually(async () => {
        const found = await leadByUserId(leadflare.url, "browser-user-1");
        expect(found.eventCount).toBe(4);
        return found;
      });
      expect(lead.identities).toEqual(
        expect.arrayContaining([
          { kind: "userId", value: "browser-user-1" },
          { kind: "anonymousId", value: anonymousId },
          { kind: "email", value: "browser.user@example.com" },
        ]),
      );
      const timeline = await timelineOf(leadflare.url, lead.id);
      const byName = (name: string) => timeline.find((e) => e.event.event === name || e.type === name)?.event;
      expect(byName("Snippet Queued").properties).toEqual({ queuedBeforeLoad: true });
      expect(byName("Demo Request").properties).toEqual({ seats: 5 });
      const pageView = byName("page");
      expect(pageView.context.campaign).toEqual({ source: "newsletter", name: "spring" });
      expect(pageView.context.page).toMatchObject({ path: "/page", referrer: "https://search.example/?q=leads", title: "Acme pricing" });
      expect(pageView.context.library.name).toBe("leadflare.js");
      expect(byName("identify").traits).toMatchObject({ email: "Browser.User@example.com", plan: "pro" });

      // The anonymousId sits in a first-party cookie and in localStorage; the queue is empty once delivered.
      const cookies = await browser.context.cookies(site.url);
      expect(cookies.find((c) => c.name === "lf_aid")?.value).toBe(anonymousId);
      expect(await page.evaluate(() => localStorage.getItem("lf_aid"))).toBe(anonymousId);
      await eventually(async () => expect(await queued(page)).toEqual([]));
      await page.screenshot({ path: artifact("sdk-page.png") });
    } finally {
      await browser.close();
    }
  });

  it("keeps events made while the API is down across a reload and delivers each once", async () => {
    const browser = await newBrowser();
    try {
      const page = await browser.context.newPage();
      site.state.apiDown = true;
      const refusedBefore = site.state.refused;
      await page.goto(firstPartyPage());
      await page.waitForFunction(() => typeof (window as any).leadflare?.user === "function");
      await page.evaluate(() => {
        const lf = (window as any).leadflare;
        lf.identify("offline-user", { email: "offline@example.com" });
        lf.track("Offline A");
        lf.track("Offline B");
      });
      // page, Snippet Queued, identify, Offline A, Offline B: tried, refused, kept.
      await eventually(async () => {
        expect(site.state.refused).toBeGreaterThan(refusedBefore);
        expect(await queued(page)).toHaveLength(5);
      });
      const firstLoadMessages = await queued(page);
      const firstLoad = firstLoadMessages.map((m) => m.messageId);

      // Reloaded while still down: the new page starts from the stored queue (plus its own page view and snippet call).
      await page.reload();
      await page.waitForFunction(() => typeof (window as any).leadflare?.user === "function");
      const afterReload = (await queued(page)).map((m) => m.messageId);
      expect(afterReload).toEqual(expect.arrayContaining(firstLoad));
      expect(afterReload).toHaveLength(7);

      site.state.apiDown = false;
      await eventually(async () => expect(await queued(page)).toEqual([]));
      const lead = await eventually(async () => {
        const found = await leadByUserId(leadflare.url, "offline-user");
        expect(found.eventCount).toBe(7);
        return found;
      });

      // The same messages sent again (a beacon that did arrive after all, another tab…) count nothing twice.
      await page.evaluate(([key, messages]) => localStorage.setItem(key, JSON.stringify(messages)), [QUEUE_KEY, firstLoadMessages] as const);
      const batchesBefore = site.state.batches;
      await page.reload();
      await eventually(async () => expect(await queued(page)).toEqual([]));
      expect(site.state.batches).toBeGreaterThan(batchesBefore);
      const after = await eventually(async () => {
        const found = await leadByUserId(leadflare.url, "offline-user");
        expect(found.eventCount).toBe(9); // + this load's page view and snippet call only
        return found;
      });
      const timeline = await timelineOf(leadflare.url, after.id);
      for (const name of ["Offline A", "Offline B"]) expect(timeline.filter((e) => e.event.event === name)).toHaveLength(1);
      for (const messageId of firstLoad) expect(timeline.filter((e) => e.messageId === messageId)).toHaveLength(1);
      expect(lead.id).toBe(after.id);
    } finally {
      site.state.apiDown = false;
      await browser.close();
    }
  });

  it("under consent: pending, stores and sends nothing until consent is granted", async () => {
    const browser = await newBrowser();
    try {
      const page = await browser.context.newPage();
      const batchesBefore = site.state.batches;
      await page.goto(firstPartyPage({ consent: "pending", flushInterval: 100 }));
      await page.waitForFunction(() => typeof (window as any).leadflare?.user === "function");
      await page.evaluate(() => (window as any).leadflare.identify("consent-user").track("Consent Track"));
      // Longer than the flush interval: a send would have happened by now.
      await page.waitForTimeout(600);
      expect(site.state.batches).toBe(batchesBefore);
      expect(await browser.context.cookies(site.url)).toEqual([]);
      expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);

      await page.evaluate(() => (window as any).leadflare.consent("granted"));
      const lead = await eventually(async () => {
        const found = await leadByUserId(leadflare.url, "consent-user");
        expect(found.eventCount).toBe(4); // page, Snippet Queued, identify, Consent Track
        return found;
      });
      expect(lead.identities).toContainEqual({ kind: "userId", value: "consent-user" });
      expect((await browser.context.cookies(site.url)).map((c) => c.name)).toContain("lf_aid");
    } finally {
      await browser.close();
    }
  });
});

describe("the dashboard", () => {
  it("shows a live event as it happens, then the lead with its timeline", async () => {
    const browser = await newBrowser();
    try {
      const dashboard = await browser.context.newPage();
      await dashboard.goto(`${leadflare.url}/app/`);
      await dashboard.fill("#login input[name=key]", DEV.apiKey);
      await dashboard.click("#login button");
      await dashboard.locator(".status", { hasText: "live" }).waitFor();

      const customer = await browser.context.newPage();
      await customer.goto(`${site.url}/page`);
      await customer.waitForFunction(() => typeof (window as any).leadflare?.user === "function");
      await customer.evaluate(() => (window as any).leadflare.identify("dash-user", { email: "dash@example.com" }).track("Pricing Viewed"));

      await dashboard.locator("ul.live li", { hasText: "Pricing Viewed" }).waitFor();
      const lead = await eventually(() => leadByUserId(leadflare.url, "dash-user"));
      expect(await dashboard.locator("ul.live li", { hasText: "Pricing Viewed" }).textContent()).toContain("dash-user");

      // The list reads the D1 projection, seconds behind; the live stream makes the list refresh itself.
      await dashboard.click("#nav a[data-path=leads]");
      const row = dashboard.locator("#view tr", { hasText: "dash@example.com" });
      await row.waitFor({ timeout: 45_000 });
      await dashboard.screenshot({ path: artifact("dashboard-live.png"), fullPage: true });

      await row.locator('a[href^="#/lead/"]').click();
      await dashboard.locator("#view tbody tr", { hasText: "Pricing Viewed" }).waitFor();
      expect(await dashboard.locator("#view .chart polyline").count()).toBe(1);
      expect(await dashboard.locator("#view .facts").textContent()).toContain("userId: dash-user");
      await dashboard.screenshot({ path: artifact("dashboard-lead.png"), fullPage: true });

      const { body } = await api(leadflare.url, `/api/leads/${lead.id}`);
      expect(await dashboard.locator("#view .facts").textContent()).toContain(`score${body.lead.score} = engagement ${body.lead.behaviourScore} + fit ${body.lead.icpScore}`);
    } finally {
      await browser.close();
    }
  });
});
