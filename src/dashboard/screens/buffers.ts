// Lead buffers of the namespace's lead-service organisations: how many leads
// wait, are claimed, have claims that ran out, were served or reclaimed.
import { api } from "../lib/api";
import { card, el, row, table } from "../lib/dom";
import type { OrgBuffers } from "../../contracts/buffer-overview";

export async function render(view: HTMLElement): Promise<void> {
  const { orgs } = await api<{ orgs: OrgBuffers[] }>("/api/buffers");
  const rows = orgs.flatMap((o) =>
    o.buffers.length === 0
      ? [row(`${o.clerkOrgId} / ${o.appId}`, "—", "0", "0", "0", "0", "0")]
      : o.buffers.map((b) => row(`${o.clerkOrgId} / ${o.appId}`, b.namespace, String(b.buffered), String(b.claimed), String(b.expiredClaims), String(b.served), String(b.reclaimed))),
  );
  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card(
        "Lead buffers",
        table(["organisation / app", "buffer", "waiting", "claimed", "claims run out", "served", "reclaimed"], rows, "No lead-service organisations in this namespace."),
        el("p", { class: "muted" }, "Outreach workers push leads with POST /buffer/push and take them with /buffer/next and /buffer/ack (org key)."),
      ),
    ),
  );
}
