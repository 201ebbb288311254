// Sources and keys of the namespace (admin token only): write keys for the
// SDK and HTTP API, API keys with their scope, webhook sources with the URL
// to paste into Lemlist or Smartlead. A new key is shown once.
import { api, me, send, session } from "../lib/api";
import { card, el, field, formValues, input, notice, row, secretBox, select, table, time } from "../lib/dom";

function createForm(fields: HTMLElement[], submit: string, onSubmit: (values: Record<string, string>) => Promise<HTMLElement>): HTMLElement {
  const status = notice();
  const out = el("div", {});
  const form = el("form", { class: "stack" }, ...fields, el("button", {}, submit), status);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onSubmit(formValues(form))
      .then((shown) => {
        out.replaceChildren(shown);
        status.show("Created.");
        form.reset();
      })
      .catch((e: Error) => status.show(e.message, true));
  });
  return el("div", {}, form, out);
}

export async function render(view: HTMLElement): Promise<void> {
  if (!me.admin) {
    view.replaceChildren(card("Sources and keys", el("p", {}, `Sources, write keys, API keys and webhook sources are managed with the admin token. Signed in to ${me.namespace} with an API key (${me.canWrite ? "write" : "read"} scope).`)));
    return;
  }
  const ns = encodeURIComponent(session.namespace);
  const [{ sources }, webhooks] = await Promise.all([
    api<{ sources: Array<{ id: string; name: string; writeKeyPrefix?: string; createdAt?: number | string }> }>(`/api/namespaces/${ns}/sources`),
    api<{ sources: Array<{ id: string; name: string; platform: string; path: string; createdAt: string }> }>(`/api/namespaces/${ns}/webhook-sources`),
  ]);
  const refresh = () => void render(view);
  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card("Sources (write keys)", table(["name", "id", "created"], sources.map((s) => row(s.name, s.id, s.createdAt ? time(new Date(s.createdAt).toISOString()) : "")))),
      card(
        "New source",
        createForm([field("Name", input("name", { required: true }))], "Create source", async (v) => {
          const r = await send<{ writeKey: string }>("POST", `/api/namespaces/${ns}/sources`, { name: v.name });
          setTimeout(refresh, 5_000);
          return secretBox("Write key", r.writeKey);
        }),
      ),
      card(
        "New API key",
        createForm([field("Name", input("name", { required: true })), field("Scope", select("scope", ["write", "read"]))], "Create API key", async (v) => {
          const r = await send<{ key: string }>("POST", `/api/namespaces/${ns}/api-keys`, { name: v.name, scope: v.scope });
          return secretBox(`API key (${v.scope})`, r.key);
        }),
        el("p", { class: "muted" }, "A read key may read everything in the namespace and change nothing (writes answer 403)."),
      ),
      card("Webhook sources", table(["name", "platform", "path", "created"], webhooks.sources.map((s) => row(s.name, s.platform, el("code", {}, s.path), time(s.createdAt))))),
      card(
        "New webhook source",
        createForm([field("Name", input("name", { required: true })), field("Platform", select("platform", ["lemlist", "smartlead"]))], "Create webhook source", async (v) => {
          const r = await send<{ url: string }>("POST", `/api/namespaces/${ns}/webhook-sources`, { name: v.name, platform: v.platform });
          setTimeout(refresh, 5_000);
          return secretBox("Webhook URL (paste into the tool)", r.url);
        }),
      ),
    ),
  );
}
