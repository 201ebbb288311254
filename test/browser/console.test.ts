// The console in headless Chromium against `wrangler dev`: each screen's
// main flow, screenshots at 1,280 and 390 px (test/artifacts/console-*.png),
// no horizontal overflow, and axe-core finding nothing serious or critical.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { api, DEV, eventually, leadByUserId, newBrowser, startLeadflare } from "./harness.ts";
import { checkAtBothWidths, DESKTOP, openScreen, PHONE, signIn, startReceiver, switchNamespace } from "./console-helpers.ts";

let leadflare: Awaited<ReturnType<typeof startLeadflare>>;
let browser: Awaited<ReturnType<typeof newBrowser>>;
let page: Page;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
/** Every confirmation the console asked for, and how the next ones are answered. */
const dialogs: string[] = [];
let confirmAnswer = true;

/** The status the API answers a request with this key. */
async function statusWithKey(key: string): Promise<number> {
  return (await fetch(`${leadflare.url}/api/leads`, { headers: { Authorization: `Bearer ${key}` } })).status;
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

async function sendEvents(batch: unknown[]) {
  const res = await fetch(`${leadflare.url}/v1/batch`, {
    method: "POST",
    headers: { Authorization: `Basic ${btoa(`${DEV.writeKey}:`)}`, "Content-Type": "application/json" },
    body: JSON.stringify({ batch }),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  // The webhook receiver listens on 127.0.0.1, which the outbound-URL guard refuses unless told otherwise.
  leadflare = await startLeadflare({ ALLOW_PRIVATE_DESTINATIONS: "true" });
  receiver = await startReceiver();
  // Three leads: a warm one with firmographics, and two colder ones.
  await sendEvents([
    { type: "identify", userId: "ada", traits: { email: "ada@example.com", employees: 30, funding_stage: "Series A" }, timestamp: minutesAgo(30) },
    ...[1, 2, 3].map((i) => ({ type: "page", userId: "ada", properties: { path: "/pricing" }, timestamp: minutesAgo(30 - i) })),
    { type: "track", userId: "ada", event: "Signup", timestamp: minutesAgo(20) },
    { type: "page", userId: "bob", properties: { path: "/pricing" }, timestamp: minutesAgo(15) },
    { type: "track", userId: "cy", event: "Download", timestamp: minutesAgo(10) },
  ]);
  await eventually(async () => expect((await api(leadflare.url, "/api/leads")).body.leads).toHaveLength(3), 60_000);
  browser = await newBrowser();
  page = await browser.context.newPage();
  await page.setViewportSize(DESKTOP);
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void (confirmAnswer ? dialog.accept() : dialog.dismiss());
  });
});

afterAll(async () => {
  await browser?.close();
  await receiver?.stop();
  leadflare?.stop();
});

describe("the console", () => {
  it("signs in and shows the overview: funnel, distribution, movers, live stream", async () => {
    await signIn(page, leadflare.url, DEV.apiKey);
    await page.locator(".status", { hasText: "live" }).waitFor();
    expect(await page.locator("#who").textContent()).toContain("default · API key, write scope");
    expect(await page.locator("#view h1").textContent()).toBe("Overview");
    expect(await page.locator("#view .totals div", { hasText: "leads" }).locator("dd").first().textContent()).toBe("3");
    // The funnel: how many reached each stage or beyond, and the conversion from the stage before.
    const funnel = page.locator("#view section[aria-label='Stage funnel']");
    expect(await funnel.locator("tr", { hasText: "cold" }).textContent()).toContain("3 (100% of all)");
    expect(await page.locator("#view svg[aria-label='leads per stage'] text.axis-title").allTextContents()).toEqual(["leads", "stage (by engagement)"]);
    expect(await page.locator("#view svg[aria-label='leads per stage'] rect").count()).toBe(4);
    await page.locator("#view tr", { hasText: "ada@example.com" }).waitFor();
    // Events per hour: 24 bars counted by the server (every event so far is in the last day), then live.
    const hourBars = page.locator("#view svg[aria-label='events per hour, last 24 hours'] rect");
    const perHour = async () => (await hourBars.locator("title").allTextContents()).map((t) => Number(t.split(": ").pop()));
    const currentHour = () => Math.floor(Date.now() / 3_600_000);
    const hourBefore = currentHour();
    const before = await perHour();
    expect(before).toHaveLength(24);
    const overview = (await api(leadflare.url, "/api/leads/overview")).body;
    expect(before.reduce((a, b) => a + b, 0)).toBe(overview.events);
    expect(before.reduce((a, b) => a + b, 0)).toBe(7);
    await sendEvents([{ type: "track", userId: "bob", event: "Live Ping", timestamp: new Date().toISOString() }]);
    await page.locator("ul.live li", { hasText: "Live Ping" }).waitFor();
    // The live event adds to the current hour (the last bar; a new hour would have shifted the bars).
    const after = await perHour();
    expect(after.at(-1)).toBe(currentHour() === hourBefore ? before.at(-1)! + 1 : 1);
    await checkAtBothWidths(page, "overview");
  });

  it("lists leads, exports the filtered list as CSV, and explains a lead's score", async () => {
    await openScreen(page, "leads");
    await page.selectOption("#view select[name=stage]", "warm");
    await page.click("#view .filters button:has-text('Filter')");
    await eventually(async () => expect(await page.locator("#view tbody tr").count()).toBe(1));
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#view button:has-text('Export CSV')")]);
    const csv = readFileSync((await download.path())!, "utf8").trim().split("\r\n");
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain("ada@example.com");
    // Engagement and fit side by side; the score and last-activity headers sort the list.
    expect(await page.locator("#view thead th").allTextContents()).toEqual(expect.arrayContaining(["engagement", "fit"]));
    await page.click("#view th button:has-text('last activity')");
    await page.locator("#view th[aria-sort=descending]", { hasText: "last activity" }).waitFor();
    expect(await page.locator("#view select[name=sort]").inputValue()).toBe("last_activity");
    await checkAtBothWidths(page, "leads");
    // On a phone the nine columns do not fit: each row stacks, every cell named by its column.
    await page.setViewportSize(PHONE);
    await page.locator("#view .scroll.stacked td[data-label='engagement']").first().waitFor();
    await page.setViewportSize(DESKTOP);
    await page.locator("#view .scroll:not(.stacked) td[data-label='engagement']").first().waitFor();

    await page.click("#view a:has-text('ada@example.com')");
    await page.locator("#view h2", { hasText: "Why this score" }).waitFor();
    const ada = await leadByUserId(leadflare.url, "ada");
    const why = page.locator("#view section[aria-label='Why this score']");
    expect(await why.locator("tr.total").textContent()).toContain(String(ada.score));
    expect(await why.textContent()).toContain("ICP: funding stage+15");
    expect(await page.locator("#view svg[aria-label='behaviour score over time'] polyline").count()).toBe(1);
    expect(await page.locator("#view section[aria-label='Stage history'] tbody tr").count()).toBeGreaterThan(0);
    await checkAtBothWidths(page, "lead");

    // Search: an identity finds its lead and opens it.
    await openScreen(page, "leads");
    await page.fill("#view input[name=identity]", "bob");
    await page.press("#view input[name=identity]", "Enter");
    await page.locator("#view h2", { hasText: "Lead bob" }).waitFor();
  });

  it("shows the Model screen: no model in use yet, why, and the outcomes form; the lead page says there is no probability", async () => {
    await openScreen(page, "model");
    const model = page.locator("#view section[aria-label='Model']");
    expect(await model.locator("[aria-label='model in use']").textContent()).toContain("Not in use");
    expect(await model.textContent()).toContain("no outcomes declared");
    const outcomes = page.locator("#view section[aria-label='Outcomes']");
    await outcomes.locator("input[name=events]").fill("Closed Won, Subscription Started");
    await outcomes.locator("input[name=stages][value=qualified]").check();
    await outcomes.locator("button:has-text('Save outcomes')").click();
    await outcomes.locator(".notice", { hasText: "Saved" }).waitFor();
    // Kept in canonical form, and read back by the API and the screen.
    expect(await outcomes.locator("input[name=events]").inputValue()).toBe("closed_won, subscription_started");
    expect((await api(leadflare.url, "/api/model/outcomes")).body.outcomes).toEqual({ events: ["closed_won", "subscription_started"], stages: ["qualified"] });
    // Drawn again (from another screen: the same link does not navigate), the screen reads them back.
    await openScreen(page, "icp");
    await openScreen(page, "model");
    await page.locator("#view section[aria-label='Model']", { hasText: "no training has run yet" }).waitFor();
    expect(await page.locator("#view section[aria-label='Outcomes'] input[name=stages][value=qualified]").isChecked()).toBe(true);
    await checkAtBothWidths(page, "model");

    // Leads carry no probability without a model in use: the list shows a dash, the lead page says why.
    await openScreen(page, "leads");
    await page.locator("#view td[data-label='conversion']").first().waitFor();
    expect(new Set(await page.locator("#view td[data-label='conversion']").allTextContents())).toEqual(new Set(["—"]));
    const ada = await leadByUserId(leadflare.url, "ada");
    expect(ada.conversionProbability).toBeNull();
    await page.goto(`${leadflare.url}/app/#/lead/${ada.id}`);
    const conversion = page.locator("#view section[aria-label='Conversion probability']");
    await conversion.waitFor();
    expect(await conversion.textContent()).toContain("No model in use");
  });

  it("searches, filters and sorts the leads list; groups leads by company and opens a company's leads", async () => {
    await openScreen(page, "leads");
    // Company: ada's work email's domain (no company trait); bob and cy have none.
    await page.locator("#view td[data-label=company] a", { hasText: "example.com" }).waitFor();
    await page.fill("#view input[name=q]", "EXAMPLE");
    await page.click("#view .filters button:has-text('Filter')");
    await eventually(async () => expect(await page.locator("#view tbody tr").count()).toBe(1));
    await page.fill("#view input[name=q]", "");
    // Last seen from yesterday (the browser's day): every event here is from the last half hour.
    const yesterday = await page.evaluate(() => new Date(Date.now() - 86_400_000 - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 10));
    await page.fill("#view input[name=lastSeenFrom]", yesterday);
    await page.fill("#view input[name=minScore]", "0");
    await page.click("#view .filters button:has-text('Filter')");
    await eventually(async () => expect(await page.locator("#view tbody tr").count()).toBe(3));
    // Every column sorts: a second click turns the order round.
    await page.click("#view th button:has-text('company')");
    await page.locator("#view th[aria-sort=ascending]", { hasText: "company" }).waitFor();
    expect(await page.locator("#view tbody tr").first().locator("td[data-label=company]").textContent()).toBe("example.com");
    await page.click("#view th button:has-text('events')");
    await page.locator("#view th[aria-sort=descending]", { hasText: "events" }).waitFor();
    await page.click("#view th button:has-text('events')");
    await page.locator("#view th[aria-sort=ascending]", { hasText: "events" }).waitFor();
    expect(await page.locator("#view select[name=order]").inputValue()).toBe("asc");
    // A score range whose ends cross: the API's 400 names the field.
    await page.fill("#view input[name=minScore]", "50");
    await page.fill("#view input[name=maxScore]", "10");
    await page.click("#view .filters button:has-text('Filter')");
    await page.locator("#view .notice.error", { hasText: "minScore" }).waitFor();
    await page.click("#view .filters button:has-text('Clear')");
    await eventually(async () => expect(await page.locator("#view tbody tr").count()).toBe(3));

    await openScreen(page, "companies");
    const ada = await leadByUserId(leadflare.url, "ada");
    const acme = page.locator("#view tbody tr", { hasText: "example.com" });
    expect(await acme.locator("td[data-label='combined score']").textContent()).toBe(String(ada.score));
    expect(await acme.locator("td[data-label=leads]").textContent()).toBe("1");
    await page.click("#view th button:has-text('company')");
    await page.locator("#view th[aria-sort=ascending]", { hasText: "company" }).waitFor();
    await checkAtBothWidths(page, "companies");
    await page.click("#view a:has-text('example.com')");
    await page.locator("#view h2", { hasText: "Leads at example.com" }).waitFor();
    expect(await page.locator("#view tbody tr").count()).toBe(1);
    expect(await page.locator("#view tbody a", { hasText: "ada@example.com" }).count()).toBe(1);
    await checkAtBothWidths(page, "company");
  });

  it("previews a scoring rule on the server, saves it, and the lead's explanation shows it", async () => {
    await openScreen(page, "rules");
    await page.fill("#view input[name=event]", "page_view");
    await page.fill("#view input[name=points]", "20");
    await page.fill("#view input[name=property]", "properties.path");
    await page.selectOption("#view select[name=op]", "equals");
    await page.fill("#view input[name=value]", "/pricing");
    await page.click("#view button:has-text('Preview')");
    // ada: 35 → 80 behaviour points (warm → hot); bob: 5 → 20 (cold stays cold); cy unchanged.
    const summary = page.locator("#view .preview-summary");
    await summary.waitFor();
    expect(await summary.textContent()).toContain("1 of 3 sampled leads would change stage (warm→hot: 1)");
    expect(await page.locator("#view svg[aria-label='score distribution before and after'] rect.series-1").count()).toBe(11);
    await checkAtBothWidths(page, "rules-preview");
    expect((await api(leadflare.url, "/api/scoring-rules")).body.rules).toEqual([]);

    await page.click("#view button:has-text('Save')");
    await page.locator("#view tbody tr", { hasText: "properties.path equals /pricing" }).waitFor();

    // The scoring made visible: the default table, and the event names seen with what scores each.
    const defaults = page.locator("#view section[aria-label='Default points table']");
    expect(await defaults.locator("tr", { hasText: "demo_request" }).textContent()).toContain("50");
    const { events } = (await api(leadflare.url, "/api/scoring-rules/events")).body as { events: Array<{ name: string; scoredBy: string }> };
    expect(events.find((e) => e.name === "signup")?.scoredBy).toBe("default");
    const unscored = events.find((e) => e.scoredBy === "nothing")!; // "Live Ping", sent on the overview
    expect(unscored.name).toBe("live_ping");
    const seen = page.locator("#view section[aria-label='Events seen on recent leads']");
    expect(await seen.locator("tr", { hasText: "signup" }).textContent()).toContain("default table");
    await seen.locator(`button[aria-label='Add a rule for ${unscored.name}']`).click();
    expect(await page.locator("#view input[name=event]").inputValue()).toBe(unscored.name);
    expect(await page.locator("#view datalist#event-names option").evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(
      expect.arrayContaining(["page_view", "signup", "live_ping"]),
    );
    await checkAtBothWidths(page, "rules");

    // Delete asks first: dismissed, the rule stays.
    confirmAnswer = false;
    await page.click("#view button[aria-label='Delete rule page_view']");
    await eventually(async () => expect(dialogs.at(-1)).toContain("Delete the rule for page_view"));
    confirmAnswer = true;
    expect(await page.locator("#view tbody tr", { hasText: "properties.path equals /pricing" }).count()).toBe(1);
    expect((await api(leadflare.url, "/api/scoring-rules")).body.rules).toHaveLength(1);
    const ada = await leadByUserId(leadflare.url, "ada");
    await eventually(async () => expect((await api(leadflare.url, `/api/leads/${ada.id}`)).body.lead.stage).toBe("hot"));
    await page.goto(`${leadflare.url}/app/#/lead/${ada.id}`);
    await page.locator("#view tr", { hasText: "rule: page_view +20 when properties.path equals /pricing" }).waitFor();
  });

  it("creates a webhook destination from the catalogue's form, sends a test, and sees an event in its log", async () => {
    const secret = `whsec_${crypto.randomUUID()}`;
    await openScreen(page, "destinations");
    const create = page.locator("#view section[aria-label='New destination']");
    // The form is drawn from the catalogue: every type by its title, the chosen type's fields and docs.
    const titles = await create.locator("select[name=type] option").allTextContents();
    const catalogue = (await api(leadflare.url, "/api/destinations/catalogue")).body.types as Array<{ type: string; title: string }>;
    expect(titles).toEqual(catalogue.map((t) => t.title));
    await create.locator("select[name=type]").selectOption("slack");
    expect(await create.locator("textarea[name='config.events']").inputValue()).toBe("demo_request\ncontract_signed\nemail_replied");
    expect(await create.locator("input[name='config.webhookUrl']").getAttribute("type")).toBe("password");
    expect(await create.locator("a", { hasText: "Slack API docs" }).getAttribute("href")).toBe("https://api.slack.com/messaging/webhooks");

    await create.locator("select[name=type]").selectOption("webhook");
    await create.locator("input[name=name]").fill("CRM hook");
    await create.locator("input[name='config.url']").fill(receiver.url);
    await create.locator("input[name='config.secret']").fill(secret);
    expect(await create.locator("input[name='config.timeoutMs']").inputValue()).toBe("10000");
    await create.locator("input[name='config.changes']").check();
    await checkAtBothWidths(page, "destination-new");
    await create.locator("button:has-text('Create destination')").click();
    await page.locator("#view h2", { hasText: "Destination CRM hook" }).waitFor();

    const { destinations } = (await api(leadflare.url, "/api/destinations")).body;
    const created = destinations.find((d: any) => d.name === "CRM hook");
    expect(created.config).toMatchObject({ url: receiver.url, secret: `…${secret.slice(-4)}`, timeoutMs: 10_000, changes: true, headers: {} });
    // The edit form shows the secret's hint only, never the secret.
    const edit = page.locator("#view section[aria-label='Edit']");
    expect(await edit.locator("input[name='config.secret']").inputValue()).toBe("");
    expect(await edit.locator("input[name='config.secret']").getAttribute("placeholder")).toBe(`unchanged (…${secret.slice(-4)})`);
    expect(await page.content()).not.toContain(secret);

    await page.click("#view button:has-text('Send test')");
    await page.locator("#view .notice", { hasText: "Test delivered" }).waitFor();
    expect(receiver.received.some((body: any) => body.type === "test")).toBe(true);
    // The test is in the delivery log, by its lead and event, with the answer.
    await page.locator("#view section[aria-label='Delivery log'] tr", { hasText: "test send" }).filter({ hasText: "leadflare test" }).filter({ hasText: "HTTP 200" }).waitFor();

    // Edited with the secret left empty: the stored secret is kept (the webhook still signs with it).
    await edit.locator("input[name='config.timeoutMs']").fill("5000");
    await edit.locator("button:has-text('Save destination')").click();
    await eventually(async () => expect((await api(leadflare.url, `/api/destinations/${created.id}`)).body.destination.config).toMatchObject({ timeoutMs: 5000, secret: `…${secret.slice(-4)}` }));

    // An event accepted now reaches the receiver and shows in the delivery log.
    await sendEvents([{ type: "track", userId: "ada", event: "Hook Check", timestamp: new Date().toISOString() }]);
    const hookCheck = () => receiver.received.find((body: any) => body.type === "event" && body.event?.event === "Hook Check") as any;
    await eventually(async () => expect(hookCheck(), JSON.stringify(receiver.received.map((b: any) => [b.type, b.event?.event]))).toBeDefined(), 60_000);
    const log = page.locator("#view section[aria-label='Delivery log']");
    await eventually(async () => {
      await log.locator("button:has-text('Refresh')").click();
      await log.locator("tbody tr", { hasText: "Hook Check" }).filter({ hasText: "ada@example.com" }).filter({ hasText: "delivered" }).waitFor({ timeout: 2_000 });
    }, 30_000);
    // Refresh also brings the counts up to date.
    await page.locator("#view section[aria-label='Destination CRM hook'] p", { hasText: /delivered [1-9]/ }).waitFor();
    // Named by lead and event; the message id on hover and focus.
    expect(await log.locator("tbody tr", { hasText: "Hook Check" }).locator(`[title='message ${hookCheck().messageId}']`).count()).toBe(1);
    await checkAtBothWidths(page, "destination");
  });

  it("edits the ICP table as rows: change points, add and remove a row, unbounded max", async () => {
    await openScreen(page, "icp");
    const edit = page.locator("#view form[aria-label='Edit the ICP table']");
    await edit.locator("input[aria-label='company size: points, row 2']").fill("35");
    await edit.locator("input[aria-label='company size: up to (empty: no limit), row 3']").fill("");
    await edit.locator("button[aria-label='Remove funding stage row 1']").click();
    await edit.locator("button:has-text('Add funding stage row')").click();
    await edit.locator("input[aria-label='funding stage: stage, row 3']").fill("series_c");
    await edit.locator("input[aria-label='funding stage: points, row 3']").fill("25");
    await checkAtBothWidths(page, "icp-edit");
    await edit.locator("button:has-text('Save ICP table')").click();
    await page.locator("#view td", { hasText: "series_c" }).waitFor();
    const { icpTable } = (await api(leadflare.url, "/api/icp-table")).body;
    expect(icpTable.companySize).toEqual([
      { min: 1, max: 10, points: 10 },
      { min: 11, max: 50, points: 35 },
      { min: 51, max: null, points: 40 },
    ]);
    expect(icpTable.funding).toEqual({ series_a: 15, series_b: 20, series_c: 25 });

    // A row left half empty is refused in the page, naming it; nothing is sent.
    await edit.locator("button:has-text('Add company size row')").click();
    await edit.locator("input[aria-label='company size: from, row 4']").fill("500");
    await edit.locator("button:has-text('Save ICP table')").click();
    expect((await api(leadflare.url, "/api/icp-table")).body.icpTable.companySize).toHaveLength(3);

    // Reset asks first, naming what is lost: dismissed, nothing changes; accepted, the defaults return.
    confirmAnswer = false;
    await page.click("#view button:has-text('Reset to defaults')");
    await eventually(async () => expect(dialogs.at(-1)).toContain("Reset the ICP table to the defaults?"));
    confirmAnswer = true;
    expect((await api(leadflare.url, "/api/icp-table")).body.icpTable.funding).toEqual({ series_a: 15, series_b: 20, series_c: 25 });
    await page.click("#view button:has-text('Reset to defaults')");
    await page.locator("#view td", { hasText: "seed" }).waitFor();
  });

  it("creates an automation from its form (trigger and action fields by type), edits it keeping its secret", async () => {
    const secret = `whsec_${crypto.randomUUID()}`;
    await openScreen(page, "automations");
    const create = page.locator("#view form[aria-label='New automation']");
    await create.locator("input[name=name]").fill("Hot to CRM");
    await create.locator("select[name='trigger.type']").selectOption("score_crosses");
    expect(await create.locator("select[name='trigger.stage']").count()).toBe(0);
    await create.locator("select[name='trigger.type']").selectOption("stage_becomes");
    await create.locator("select[name='trigger.stage']").selectOption("hot");
    // Destinations are offered by name.
    await create.locator("select[name='action.type']").selectOption("destination");
    expect(await create.locator("select[name='action.destinationId'] option").allTextContents()).toContain("CRM hook");
    await create.locator("select[name='action.type']").selectOption("webhook");
    await create.locator("input[name='action.url']").fill(receiver.url);
    await create.locator("input[name='action.secret']").fill(secret);
    await checkAtBothWidths(page, "automations-new");
    await create.locator("button:has-text('Create automation')").click();
    await page.locator("#view tr", { hasText: "Hot to CRM" }).filter({ hasText: "stage becomes hot" }).waitFor();
    const [automation] = (await api(leadflare.url, "/api/automations")).body.automations;
    expect(automation).toMatchObject({ name: "Hot to CRM", trigger: { type: "stage_becomes", stage: "hot" }, action: { type: "webhook", url: receiver.url, secret: `…${secret.slice(-4)}` } });

    await page.click("#view button[aria-label='Edit automation Hot to CRM']");
    const edit = page.locator("#view form[aria-label='Edit automation Hot to CRM']");
    expect(await edit.locator("input[name='action.secret']").inputValue()).toBe("");
    expect(await edit.locator("select[name='trigger.stage']").inputValue()).toBe("hot");
    await edit.locator("input[name='trigger.minVelocity']").fill("2");
    await edit.locator("button:has-text('Save automation')").click();
    await page.locator("#view tr", { hasText: "velocity ≥ 2" }).waitFor();
    const [edited] = (await api(leadflare.url, "/api/automations")).body.automations;
    expect(edited.trigger).toEqual({ type: "stage_becomes", stage: "hot", minVelocity: 2 });
    expect(edited.action.secret).toBe(`…${secret.slice(-4)}`);
    expect(await page.content()).not.toContain(secret);
  });

  it("shows ICP table, automations, accounts and sync, buffers and privacy screens; erases a lead", async () => {
    for (const screen of ["icp", "automations", "accounts", "orgs", "buffers", "privacy"]) {
      await openScreen(page, screen);
      await checkAtBothWidths(page, screen);
    }
    await page.selectOption("#view select[name=kind]", "userId");
    await page.fill("#view input[name=value]", "cy");
    await page.click("#view button:has-text('Find lead')");
    await page.locator("#view a", { hasText: "cy" }).click();
    await page.click("#view button:has-text('Erase')");
    await page.locator("#nav a[aria-current=page][data-path=leads]").waitFor();
    expect((await api(leadflare.url, "/api/leads/lookup?userId=cy")).status).toBe(404);
  });

  it("as admin: creates a read-only key (shown once); that key's console hides writes and the API refuses them", async () => {
    await signIn(page, leadflare.url, DEV.adminToken, DEV.namespace);
    await openScreen(page, "sources");
    const apiKeyCard = page.locator("#view section[aria-label='New API key']");
    await apiKeyCard.locator("input[name=name]").fill("viewer");
    await apiKeyCard.locator("select[name=scope]").selectOption("read");
    await apiKeyCard.locator("button:has-text('Create API key')").click();
    const readKey = await apiKeyCard.locator("input.secret").inputValue();
    expect(readKey).toMatch(/^lf_/);
    await checkAtBothWidths(page, "sources");

    await page.click("#sign-out");
    await signIn(page, leadflare.url, readKey);
    expect(await page.locator("#who").textContent()).toContain("API key, read scope");
    // The menu offers only what the key can use: no keys, settings or namespaces.
    for (const adminScreen of ["sources", "settings", "namespaces"]) expect(await page.locator(`#nav a[data-path=${adminScreen}]`).count()).toBe(0);
    await openScreen(page, "rules");
    expect(await page.locator("#view button:has-text('Delete')").count()).toBe(0);
    expect(await page.locator("#view button:has-text('Save')").count()).toBe(0);
    // A preview changes nothing: a read key may ask for one.
    await page.fill("#view input[name=event]", "signup");
    await page.fill("#view input[name=points]", "40");
    await page.click("#view button:has-text('Preview')");
    await page.locator("#view .preview-summary", { hasText: "sampled leads would change stage" }).waitFor();
    await checkAtBothWidths(page, "rules-read-only");
    const refused = await fetch(`${leadflare.url}/api/scoring-rules`, {
      method: "POST",
      headers: { Authorization: `Bearer ${readKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ event: "signup", points: 1 }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any).error.code).toBe("read_only_key");
    await openScreen(page, "destinations");
    expect(await page.locator("#view section[aria-label='New destination']").count()).toBe(0);
    await openScreen(page, "orgs");
    expect(await page.locator("#view section[aria-label='New organisation']").count()).toBe(0);
    expect(await page.locator("#view th", { hasText: "actions" }).count()).toBe(0);
    expect(await page.locator("#nav a[data-path=namespaces]").count()).toBe(0);
  });

  it("as admin: rotates an API key with no grace (the new key shown once, the old one refused), then revokes it", async () => {
    await signIn(page, leadflare.url, DEV.adminToken, DEV.namespace);
    await openScreen(page, "sources");
    const newKey = page.locator("#view section[aria-label='New API key']");
    await newKey.locator("input[name=name]").fill("rotating");
    await newKey.locator("button:has-text('Create API key')").click();
    const oldKey = await newKey.locator("input.secret").inputValue();
    expect(await statusWithKey(oldKey)).toBe(200);

    const apiKeys = page.locator("#view section[aria-label='API keys']");
    await apiKeys.locator("tr", { hasText: "rotating" }).waitFor();
    await apiKeys.locator("button[aria-label='Rotate rotating']").click();
    await apiKeys.locator("input[name=graceSeconds]").fill("0");
    await apiKeys.locator("button:has-text('Rotate now')").click();
    await eventually(async () => expect(dialogs.at(-1)).toContain("The old key stops working at once"));
    const rotated = await apiKeys.locator("input.secret").inputValue();
    expect(rotated).toMatch(/^lf_/);
    expect(rotated).not.toBe(oldKey);
    expect(await apiKeys.locator(".notice").textContent()).toContain("the old key no longer works");
    // The list is current at once (the new prefix, not the old), and the dead key's "shown once" box is gone.
    await apiKeys.locator("tr", { hasText: "rotating" }).filter({ hasText: rotated.slice(0, 7) }).waitFor();
    if (oldKey.slice(0, 7) !== rotated.slice(0, 7)) expect(await apiKeys.locator("tr", { hasText: oldKey.slice(0, 7) }).count()).toBe(0);
    expect(await newKey.locator("input.secret").count()).toBe(0);
    expect(await page.locator("#view input.secret").count()).toBe(1);
    expect(await statusWithKey(oldKey)).toBe(401);
    expect(await statusWithKey(rotated)).toBe(200);
    await checkAtBothWidths(page, "keys-rotated");

    // Shown once: opened again, the screen lists the key by its prefix only.
    await openScreen(page, "overview");
    await openScreen(page, "sources");
    await apiKeys.locator("tr", { hasText: "rotating" }).waitFor();
    expect(await page.locator("#view input.secret").count()).toBe(0);
    expect(await page.locator("#view").textContent()).not.toContain(rotated);
    expect(await apiKeys.locator("tr", { hasText: "rotating" }).textContent()).toContain(rotated.slice(0, 7));

    await apiKeys.locator("button[aria-label='Revoke rotating']").click(); // the confirmation is accepted
    await apiKeys.locator(".notice", { hasText: "Revoked rotating" }).waitFor();
    await apiKeys.locator("tr", { hasText: "rotating" }).waitFor({ state: "detached" });
    expect(await statusWithKey(rotated)).toBe(401);
  });

  it("as admin: creates a namespace and sets its keywords and the namespaces it accepts routed activity from", async () => {
    const name = `acme-${Date.now().toString(36)}`;
    const keyword = `acme corp ${Date.now().toString(36)}`;
    await openScreen(page, "namespaces");
    const create = page.locator("#view section[aria-label='New namespace']");
    await create.locator("input[name=name]").fill(name);
    await create.locator("button:has-text('Create namespace')").click();
    const listed = page.locator("#view section[aria-label='Namespaces'] tr", { hasText: name });
    await listed.waitFor();

    await page.click(`#view button[aria-label='Edit ${name}']`);
    const edit = page.locator(`#view form[aria-label='Edit ${name}']`);
    await edit.locator("input[name=keywords]").fill(`${keyword}, acme`);
    await edit.locator("input[name=acceptRoutedFrom]").fill(DEV.namespace);
    await edit.locator(`button:has-text('Save ${name}')`).click();
    await listed.filter({ hasText: keyword }).waitFor();
    await checkAtBothWidths(page, "namespaces");

    const res = await fetch(`${leadflare.url}/api/namespaces/${name}`, { headers: { Authorization: `Bearer ${DEV.adminToken}` } });
    const { namespace } = (await res.json()) as any;
    expect(namespace.keywords).toEqual(expect.arrayContaining([keyword, "acme"]));
    expect(namespace.keywords).toHaveLength(2);
    expect(namespace.acceptRoutedFrom).toEqual([DEV.namespace]);

    // A name that is no namespace is refused with the server's message, and nothing changes.
    await page.click(`#view button[aria-label='Edit ${name}']`);
    await edit.locator("input[name=acceptRoutedFrom]").fill("no-such-namespace");
    await edit.locator(`button:has-text('Save ${name}')`).click();
    await edit.locator(".notice.error", { hasText: "acceptRoutedFrom.0" }).waitFor();
    const after = (await (await fetch(`${leadflare.url}/api/namespaces/${name}`, { headers: { Authorization: `Bearer ${DEV.adminToken}` } })).json()) as any;
    expect(after.namespace.acceptRoutedFrom).toEqual([DEV.namespace]);

    // The header's switcher opens the new namespace: no lead there yet.
    await switchNamespace(page, name);
    await openScreen(page, "overview");
    expect(await page.locator("#view .totals div", { hasText: "leads" }).locator("dd").first().textContent()).toBe("0");
    await switchNamespace(page, DEV.namespace);
  });

  it("as admin: sets the namespace's event retention and a key's rate limit", async () => {
    const adminGet = async (path: string) => (await (await fetch(`${leadflare.url}${path}`, { headers: { Authorization: `Bearer ${DEV.adminToken}` } })).json()) as any;
    await openScreen(page, "settings");
    const retention = page.locator("#view form[aria-label='Event retention']");
    await retention.locator("input[name=retentionDays]").fill("400");
    await retention.locator("button:has-text('Save retention')").click();
    await retention.locator(".notice", { hasText: "kept 400 days" }).waitFor();
    expect((await adminGet(`/api/namespaces/${DEV.namespace}/settings`)).retentionDays).toBe(400);

    const limits = page.locator("#view section[aria-label='Rate limits']");
    const { apiKeys } = await adminGet(`/api/namespaces/${DEV.namespace}/api-keys`);
    const key = apiKeys.find((k: any) => k.name === "viewer"); // the read key made above, not the key these tests call the API with
    await limits.locator(`button[aria-label='Change the rate limit of API key ${key.name}']`).click();
    const form = limits.locator(`form[aria-label='Rate limit of API key ${key.name}']`);
    await form.locator("input[name=limit]").fill("120");
    await form.locator("select[name=period]").selectOption("minute");
    await form.locator("button:has-text('Save limit')").click();
    await page.locator("#view section[aria-label='Rate limits'] tr", { hasText: key.name }).filter({ hasText: "120 calls a minute" }).waitFor();
    expect((await adminGet(`/api/namespaces/${DEV.namespace}/api-keys`)).apiKeys.find((k: any) => k.id === key.id).rateLimit).toEqual({ limit: 120, periodSeconds: 60 });
    await checkAtBothWidths(page, "settings");
  });
});
