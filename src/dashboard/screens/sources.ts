// Sources and keys of the namespace (admin token only; the menu offers it to
// no API key): write keys for the SDK and HTTP API, API keys with their scope,
// webhook sources with the URL to paste into Lemlist or Smartlead. Each list
// rotates and revokes its keys and is asked for again after either; a new key
// is shown once, and its box goes once that key is rotated or revoked.
import { api, send, session } from "../lib/api";
import { card, el, field, input, secretBox, select } from "../lib/dom";
import { createForm, keysCard, type ListedKey } from "../lib/keys";

export async function render(view: HTMLElement): Promise<void> {
  const base = `/api/namespaces/${encodeURIComponent(session.namespace)}`;
  const lists = el("div", { class: "grid" });
  const listSources = async () => (await api<{ sources: ListedKey[] }>(`${base}/sources`)).sources;
  const listApiKeys = async () => (await api<{ apiKeys: ListedKey[] }>(`${base}/api-keys`)).apiKeys;
  const listWebhooks = async () =>
    (await api<{ sources: Array<ListedKey & { platform: string }> }>(`${base}/webhook-sources`)).sources.map((s) => ({ ...s, name: `${s.name} (${s.platform})` }));
  const load = async () => {
    const [sources, apiKeys, webhooks] = await Promise.all([listSources(), listApiKeys(), listWebhooks()]);
    lists.replaceChildren(
      keysCard("Sources (write keys)", `${base}/sources`, sources, true, listSources),
      keysCard("API keys", `${base}/api-keys`, apiKeys, true, listApiKeys),
      keysCard("Webhook sources", `${base}/webhook-sources`, webhooks, true, listWebhooks),
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
        el("p", { class: "muted" }, "A read-scope key may read everything in the namespace and preview scoring-rule changes; it changes nothing (writes answer 403)."),
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
