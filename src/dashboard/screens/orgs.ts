// Lead-service organisations of the namespace: each has its own X-API-Key
// (shown once), rotated or revoked here. A read key sees the list only.
import { api, me, send } from "../lib/api";
import { card, el, field, input, secretBox } from "../lib/dom";
import { createForm, keysCard, type ListedKey } from "../lib/keys";
import type { ListedOrg as Org } from "../../contracts/key-listing";

const listOrgs = async (): Promise<ListedKey[]> => (await api<{ orgs: Org[] }>("/api/orgs")).orgs.map((o) => ({ ...o, name: `${o.clerkOrgId} · ${o.appId}` }));

export async function render(view: HTMLElement): Promise<void> {
  const orgsCard = keysCard("Organisations (org keys)", "/api/orgs", await listOrgs(), me.canWrite, listOrgs);
  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      orgsCard,
      me.canWrite
        ? card(
            "New organisation",
            createForm([field("Org id (X-Org-Id)", input("clerkOrgId", { required: true })), field("App id (X-App-Id)", input("appId", { required: true }))], "Create organisation", async (v) => {
              const r = await send<{ apiKey: string }>("POST", "/api/orgs", { clerkOrgId: v.clerkOrgId, appId: v.appId });
              void orgsCard.refresh();
              return secretBox("Org key (X-API-Key)", r.apiKey);
            }),
          )
        : null,
    ),
  );
}
