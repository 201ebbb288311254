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

/** Signs in with a key alone; the admin token then picks `namespace` from the header's switcher. */
export async function signIn(page: Page, leadflareUrl: string, key: string, namespace?: string): Promise<void> {
  await page.goto(`${leadflareUrl}/app/`);
  await page.evaluate(() => localStorage.clear()); // signed out, whoever was signed in
  await page.reload();
  await page.fill("#login input[name=key]", key);
  await page.click("#login button");
  await page.locator("#shell").waitFor();
  await page.locator("#view[data-namespace] h1").waitFor();
  if (namespace !== undefined && (await page.locator("#namespace").inputValue()) !== namespace) await switchNamespace(page, namespace);
}

/** The admin token's switcher: the console reopens on the namespace chosen. */
export async function switchNamespace(page: Page, namespace: string): Promise<void> {
  await page.selectOption("#namespace", namespace);
  await page.locator(`#view[data-namespace='${namespace}'] h1`).waitFor();
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

/**
 * No table cell of the screen is out of view without a way to see it: each
 * lies inside its card, inside every box that clips it, and inside the window
 * (nothing to scroll sideways to), and a cell whose text is cut short carries
 * the whole value in a title (shown on hover and focus). A header row hidden
 * on a narrow screen is left out: there each cell shows its column's name.
 */
export async function expectNoClippedCells(page: Page): Promise<void> {
  // Tables restack on a resize observer's call, made before the next frame is drawn: two frames on, all are settled.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const problems = await page.evaluate(() => {
    const found: string[] = [];
    const cells = Array.from(document.querySelectorAll<HTMLElement>("#view td, #view th"));
    for (const cell of cells) {
      if (cell.getClientRects().length === 0) continue; // not drawn (a closed panel)
      const thead = cell.closest("thead");
      if (thead && getComputedStyle(thead).position === "absolute") continue; // stacked rows: labels in each cell
      const r = cell.getBoundingClientRect();
      const name = `${cell.closest("section")?.getAttribute("aria-label") ?? "view"}: "${(cell.textContent ?? "").trim().slice(0, 40)}"`;
      const boxes: Element[] = [cell.closest(".card") ?? document.body];
      for (let box = cell.parentElement; box; box = box.parentElement) if (getComputedStyle(box).overflowX !== "visible") boxes.push(box);
      const outside = boxes.find((box) => {
        const b = box.getBoundingClientRect();
        return r.left < b.left - 1 || r.right > b.right + 1;
      });
      if (outside) found.push(`${name} sticks out of ${outside.tagName.toLowerCase()}.${outside.className}`);
      else if (r.left < -1 || r.right > window.innerWidth + 1) found.push(`${name} is outside the window`);
      else if (cell.scrollWidth > cell.clientWidth + 1 && !cell.title && !cell.querySelector("[title]")) found.push(`${name} is cut short without a title`);
    }
    return { found, cells: cells.length };
  });
  expect(problems.found).toEqual([]);
}

/** Screenshots at 1,280 and 390 px, each checked for overflow, clipped table cells and accessibility. */
export async function checkAtBothWidths(page: Page, name: string): Promise<void> {
  for (const [size, viewport] of [["1280", DESKTOP], ["390", PHONE]] as const) {
    await page.setViewportSize(viewport);
    await expectNoHorizontalOverflow(page);
    await expectNoClippedCells(page);
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
