// The console: a navigation shell over one screen module per hash route
// (#/overview, #/leads, #/lead/<id>, …), each built on the public API with
// the key asked for once. Screens a key may not use are left out of the menu;
// the admin token picks its namespace from a switcher in the header.
import { ApiFailure, api, me, session } from "./lib/api";
import { $, el } from "./lib/dom";
import { startLive, stopLive } from "./lib/live";
import * as overview from "./screens/overview";
import * as leads from "./screens/leads";
import * as lead from "./screens/lead";
import * as rules from "./screens/rules";
import * as icp from "./screens/icp";
import * as destinations from "./screens/destinations";
import * as automations from "./screens/automations";
import * as sources from "./screens/sources";
import * as accounts from "./screens/accounts";
import * as companies from "./screens/companies";
import * as privacy from "./screens/privacy";
import * as buffers from "./screens/buffers";
import * as orgs from "./screens/orgs";
import * as namespaces from "./screens/namespaces";
import * as settings from "./screens/settings";
import * as model from "./screens/model";
import type { ListedNamespace } from "../contracts/namespaces";

type Screen = { render(view: HTMLElement, params: string[]): Promise<void | (() => void)> };

const SCREENS: Array<{ path: string; title: string; screen: Screen; inNav: boolean; adminOnly?: boolean }> = [
  { path: "overview", title: "Overview", screen: overview, inNav: true },
  { path: "leads", title: "Leads", screen: leads, inNav: true },
  { path: "lead", title: "Lead", screen: lead, inNav: false },
  { path: "companies", title: "Companies", screen: companies, inNav: true },
  { path: "company", title: "Company", screen: { render: companies.renderCompany }, inNav: false },
  { path: "rules", title: "Scoring rules", screen: rules, inNav: true },
  { path: "icp", title: "ICP table", screen: icp, inNav: true },
  { path: "model", title: "Model", screen: model, inNav: true },
  { path: "destinations", title: "Destinations", screen: destinations, inNav: true },
  { path: "automations", title: "Automations", screen: automations, inNav: true },
  { path: "sources", title: "Sources & keys", screen: sources, inNav: true, adminOnly: true },
  { path: "accounts", title: "Accounts & sync", screen: accounts, inNav: true },
  { path: "orgs", title: "Organisations", screen: orgs, inNav: true },
  { path: "buffers", title: "Lead buffers", screen: buffers, inNav: true },
  { path: "privacy", title: "Privacy", screen: privacy, inNav: true },
  { path: "namespaces", title: "Namespaces", screen: namespaces, inNav: true, adminOnly: true },
  { path: "settings", title: "Retention & rate limits", screen: settings, inNav: true, adminOnly: true },
];

const view = $("#view");
let leaveScreen: (() => void) | undefined;
let navigation = 0;

/**
 * Renders the screen the hash names into a fresh container, shown once it is
 * ready, and only if no later navigation started meanwhile.
 */
async function route(): Promise<void> {
  const current = ++navigation;
  const [path = "overview", ...params] = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const found = SCREENS.find((s) => s.path === path && (!s.adminOnly || me.admin)) ?? SCREENS[0]!;
  for (const link of document.querySelectorAll<HTMLAnchorElement>("#nav a")) {
    if (link.dataset.path === found.path) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  leaveScreen?.();
  leaveScreen = undefined;
  document.title = `${found.title} · leadflare`;
  $("#nav").classList.remove("open");
  view.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  const container = el("div", {});
  try {
    const leave = (await found.screen.render(container, params.map(decodeURIComponent))) ?? undefined;
    if (current !== navigation) return leave?.();
    leaveScreen = leave;
    view.replaceChildren(el("h1", { id: "screen-title" }, found.title), container);
    view.dataset.namespace = me.namespace;
    view.focus({ preventScroll: true });
  } catch (error) {
    if (current !== navigation) return;
    if (error instanceof ApiFailure && error.status === 401) return showLogin("That key is no longer accepted.");
    view.replaceChildren(el("h1", { id: "screen-title" }, found.title), el("section", { class: "card" }, el("p", { class: "notice error", role: "alert" }, (error as Error).message)));
  }
}

function showLogin(message = ""): void {
  stopLive();
  leaveScreen?.();
  $("#shell").hidden = true;
  $("#login").hidden = false;
  $("#login-error").textContent = message;
}

/** Who the key is; the admin token, signed in without a namespace, takes the first one (the header switches). */
async function whoAmI(): Promise<{ namespace: string; admin: boolean; scope: string }> {
  try {
    return await api("/api/me");
  } catch (error) {
    // 400: the admin token named no namespace; 404: the one it named is gone.
    if (!(error instanceof ApiFailure) || (error.status !== 400 && error.status !== 404)) throw error;
    session.save(session.key, "");
    const { namespaces } = await api<{ namespaces: ListedNamespace[] }>("/api/namespaces");
    if (namespaces.length === 0) throw new Error("The admin token works, but there is no namespace yet: create one with POST /api/namespaces.");
    session.save(session.key, namespaces[0]!.name);
    return api("/api/me");
  }
}

/** The admin token's namespace switcher: every namespace, the current one chosen. */
async function namespaceSwitcher(): Promise<HTMLElement> {
  const { namespaces } = await api<{ namespaces: ListedNamespace[] }>("/api/namespaces");
  const choice = el("select", { id: "namespace", "aria-label": "Namespace" }, ...namespaces.map((n) => el("option", { value: n.name }, n.name)));
  choice.value = session.namespace;
  choice.addEventListener("change", () => {
    session.save(session.key, choice.value);
    void open();
  });
  return el("label", { class: "switcher" }, el("span", {}, "Namespace"), choice);
}

/** A namespace created (on the Namespaces screen) joins the switcher. */
window.addEventListener("namespaces-changed", () => {
  if (me.admin) void namespaceSwitcher().then((switcher) => $("#who .switcher")?.replaceWith(switcher)).catch(() => undefined);
});

async function open(): Promise<void> {
  try {
    const who = await whoAmI();
    Object.assign(me, { namespace: who.namespace, admin: who.admin, canWrite: who.scope === "write" });
    $("#who").replaceChildren(
      ...(me.admin ? [await namespaceSwitcher(), el("span", {}, "admin token")] : [el("span", {}, `${me.namespace} · API key, ${me.canWrite ? "write" : "read"} scope`)]),
    );
  } catch (error) {
    return showLogin(error instanceof ApiFailure && error.status === 401 ? "That key was not accepted." : (error as Error).message);
  }
  $("#login").hidden = true;
  $("#shell").hidden = false;
  $("#nav ul").replaceChildren(
    ...SCREENS.filter((s) => s.inNav && (!s.adminOnly || me.admin)).map((s) => el("li", {}, el("a", { href: `#/${s.path}`, "data-path": s.path }, s.title))),
  );
  startLive();
  await route();
}

$<HTMLFormElement>("#login").addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(event.target as HTMLFormElement);
  session.save(String(data.get("key")).trim(), "");
  void open();
});

$("#sign-out").addEventListener("click", () => {
  session.clear();
  showLogin();
});

$("#menu").addEventListener("click", () => {
  const nav = $("#nav");
  nav.classList.toggle("open");
  $("#menu").setAttribute("aria-expanded", String(nav.classList.contains("open")));
});

window.addEventListener("hashchange", () => {
  if (!$("#shell").hidden) void route();
});

if (session.key) void open();
else showLogin();
