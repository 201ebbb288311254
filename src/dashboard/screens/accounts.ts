// Connected Lemlist/Smartlead accounts and sync jobs: start, progress with
// ETA, cancel and resume; the list refreshes while a job runs.
import { api, me, send } from "../lib/api";
import { button, card, el, field, formValues, input, notice, row, select, table } from "../lib/dom";
import type { ShownAccount, ShownSyncJob as Job } from "../../contracts/outreach-views";

const POLL_MS = 2_000;

export async function render(view: HTMLElement): Promise<() => void> {
  const status = notice();
  const accountsBox = el("div", {});
  const jobsBox = el("div", {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  async function load() {
    const [{ accounts }, { jobs }] = await Promise.all([
      api<{ accounts: ShownAccount[] }>("/api/accounts"),
      api<{ jobs: Job[] }>("/api/sync/jobs"),
    ]);
    accountsBox.replaceChildren(
      table(
        ["name", "platform", "actions"],
        accounts.map((a) => row(a.name, a.platform, me.canWrite ? button("Remove", () => confirm(`Remove the ${a.platform} account ${a.name}? Its API key is forgotten and it syncs no more.`) && void act("DELETE", `/api/accounts/${a.id}`), { class: "danger", "aria-label": `Remove account ${a.name}` }) : "")),
        "No connected accounts.",
      ),
    );
    jobsBox.replaceChildren(
      table(
        ["job", "mode", "status", "progress", "ETA", "actions"],
        jobs.map((j) =>
          row(
            j.id.slice(0, 8),
            j.mode,
            j.status,
            el("progress", { max: "100", value: String(j.percentage ?? 0), "aria-label": `job ${j.id.slice(0, 8)} progress` }, `${j.percentage ?? 0}%`),
            j.etaSeconds === null ? "—" : `${j.etaSeconds} s`,
            me.canWrite
              ? ["queued", "in_progress"].includes(j.status)
                ? button("Cancel", () => confirm(`Cancel sync job ${j.id.slice(0, 8)}? It can be resumed later.`) && void act("DELETE", `/api/sync/jobs/${j.id}`), { class: "danger", "aria-label": `Cancel job ${j.id.slice(0, 8)}` })
                : ["cancelled", "failed"].includes(j.status)
                  ? button("Resume", () => void act("POST", `/api/sync/jobs/${j.id}/resume`), { "aria-label": `Resume job ${j.id.slice(0, 8)}` })
                  : ""
              : "",
          ),
        ),
        "No sync jobs yet.",
      ),
    );
    if (!stopped && jobs.some((j) => ["queued", "in_progress"].includes(j.status))) timer = setTimeout(() => void load().catch(() => undefined), POLL_MS);
  }
  async function act(method: string, path: string, body?: unknown) {
    try {
      await send(method, path, body);
      clearTimeout(timer);
      await load();
    } catch (e) {
      status.show((e as Error).message, true);
    }
  }
  const accountForm = el(
    "form",
    { class: "stack" },
    field("Platform", select("platform", ["lemlist", "smartlead"])),
    field("Name", input("name", { required: true })),
    field("API key of the tool", input("apiKey", { type: "password", required: true, autocomplete: "off" })),
    el("button", {}, "Connect account"),
  );
  accountForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void act("POST", "/api/accounts", formValues(accountForm)).then(() => accountForm.reset());
  });
  const jobForm = el("form", { class: "stack" }, field("Platform", select("platform", ["lemlist", "smartlead"])), field("Mode", select("mode", ["delta_since_last", "full_historical"])), el("button", {}, "Start sync"));
  jobForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = formValues(jobForm);
    void act("POST", "/api/sync/jobs", { platforms: [v.platform], mode: v.mode });
  });
  await load();
  view.replaceChildren(
    el(
      "div",
      { class: "grid" },
      card("Connected accounts", accountsBox, me.canWrite ? accountForm : null),
      card("Sync jobs", jobsBox, me.canWrite ? jobForm : null, status),
    ),
  );
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
