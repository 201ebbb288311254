// Sources and keys of the namespace (admin token only): write keys for the
// SDK and HTTP API, API keys with their scope, webhook sources with the URL
// to paste into Lemlist or Smartlead. Each list rotates and revokes its keys;
// a new key is shown once.
import { api, me, send, session } from "../lib/api";
import { card, el, field, input, secretBox, select } from "../lib/dom";
import { createForm, keysCard, type ListedKey } from "../lib/keys";

export async function render(view: HTMLElement): Promise<void> {
  if (!me.admin) {
    view.replaceChildren(card("Sources and keys", el("p", {}, `Sources, write keys, API keys and webhook sources are managed with the admin token. Signed in to ${me.namespace} with an API key (${me.canWrite ? "write" : "read"} scope).`)));
    return;
  }
  const base = `/api/namespaces/${encodeURIComponent(session.namespace)}`;
  const lists = el("div", { class: "grid" });
  const load = async () => {
    const [{ sources }, { apiKeys }, webhooks] = await Promise.all([
      api<{ sources: ListedKey[] }>(`${base}/sources`),
      api<{ apiKeys: ListedKey[] }>(`${base}/api-keys`),
      api<{ sources: Array<ListedKey & { platform: string }> }>(`${base}/webhook-sources`),
    ]);
    lists.replaceChildren(
      keysCard("Sources (write keys)", `${base}/sources`, sources, true),
      keysCard("API keys", `${base}/api-keys`, apiKeys, true),
      keysCard("Webhook sources", `${base}/webhook-sources`, webhooks.sources.map((s) => ({ ...s, name: `${s.name} (${s.platform})` })), true),
    );
  };
  await load();
  const reload = () => void load().catch(() => undefined);
  view.replaceChildren(
    lists,
    el(
      "div",
      { class: "grid" },
      card(
        "New source",
        createForm([field("Name", input("name", { required: true }))], "Create source", async (v) => {
          const r = await send<{ writeKey: string }>("POST", `${base}/sources`, { name: v.name });
          reload();
          return secretBox("Write key", r.writeKey);
        }),
      ),
      card(
        "New API key",
        createForm([field("Name", input("name", { required: true })), field("Scope", select("scope", ["write", "read"]))], "Create API key", async (v) => {
          const r = await send<{ key: string }>("POST", `${base}/api-keys`, { name: v.name, scope: v.scope });
          reload();
          return secretBox(`API key (${v.scope})`, r.key);
        }),
        el("p", { class: "muted" }, "A read key may read everything in the namespace and change nothing (writes answer 403)."),
      ),
      card(
        "New webhook source",
        createForm([field("Name", input("name", { required: true })), field("Platform", select("platform", ["lemlist", "smartlead"]))], "Create webhook source", async (v) => {
          const r = await send<{ url: string }>("POST", `${base}/webhook-sources`, { name: v.name, platform: v.platform });
          reload();
          return secretBox("Webhook URL (paste into the tool)", r.url);
        }),
      ),
    ),
  );
}
