// What the console tests share: signing in, an accessibility check with
// axe-core, and the layout check at a phone's width.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:http";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { freePort } from "../setup/free-port.ts";
import { artifact } from "./harness.ts";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export async function signIn(page: Page, leadflareUrl: string, key: string, namespace = ""): Promise<void> {
  await page.goto(`${leadflareUrl}/app/`);
  await page.evaluate(() => localStorage.clear()); // signed out, whoever was signed in
  await page.reload();
  await page.fill("#login input[name=key]", key);
  await page.fill("#login input[name=namespace]", namespace);
  await page.click("#login button");
  await page.locator("#shell").waitFor();
}

/** Goes to a screen by its menu link (opening the menu on a phone) and waits for it to load. */
export async function openScreen(page: Page, path: string): Promise<void> {
  if (await page.locator("#menu").isVisible()) await page.click("#menu");
  await page.click(`#nav a[data-path=${path}]`);
  // The link is marked current and the view emptied in one go; then the screen's cards arrive.
  await page.locator(`#nav a[aria-current=page][data-path=${path}]`).waitFor({ state: "attached" });
  await page.locator("#view .card").first().waitFor();
}

/**
 * axe-core in the page (evaluated over the DevTools protocol, so the page's
 * CSP, which forbids inline scripts, does not stop it): no serious or
 * critical violation.
 */
export async function expectAccessible(page: Page): Promise<void> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ["violations"] });
    return result.violations
      .filter((v: any) => v.impact === "serious" || v.impact === "critical")
      .map((v: any) => `${v.id} (${v.impact}): ${v.nodes.map((n: any) => n.target.join(" ")).join(", ")}`);
  });
  expect(violations).toEqual([]);
}

/** The page is no wider than the window: wide tables scroll inside their cards. */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}

/** Screenshots at 1,280 and 390 px, each checked for overflow and accessibility. */
export async function checkAtBothWidths(page: Page, name: string): Promise<void> {
  for (const [size, viewport] of [["1280", DESKTOP], ["390", PHONE]] as const) {
    await page.setViewportSize(viewport);
    await expectNoHorizontalOverflow(page);
    await expectAccessible(page);
    await page.screenshot({ path: artifact(`console-${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

/** A webhook receiver: records every body it is sent. */
export async function startReceiver() {
  const received: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push(JSON.parse(body || "null"));
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}/hook`, received, stop: () => new Promise<void>((r) => server.close(() => r())) };
}
