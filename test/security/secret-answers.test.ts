/**
 * Issue 26, item 3: `GET /compat/lead-scoring/api/automations` showed a Slack
 * `webhookUrl` in clear while the native answers showed its hint. Every answer
 * of every surface shows a secret only as its hint (src/secrets/write-only.ts;
 * automation actions through src/automations/action-secrets.ts). This test
 * seeds one namespace with a secret in every place one can sit (each
 * destination type's secret fields, automation actions native and compat, a
 * connected account, an org, a webhook source, a sync job), then walks every
 * GET route the router holds, with every credential, and the answers of the
 * calls that create and change configuration, and asserts that no seeded
 * secret value comes back. The keys shown once, at their creation, are the
 * one exception, by design.
 */
import { afterEach, describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { DESTINATIONS, type DestinationType } from "../../src/destinations/registry";
import { installFakes } from "../fakes/fake-service";
import { lemlistFake } from "../fakes/outreach";
import { ADMIN_TOKEN, adminHeaders, apiSend, call, leadByUserId, newOrg, newTenant, orgHeaders, send } from "../workers/helpers";
import { SECRET_CONFIGS } from "./destination-secrets";

let uninstall: (() => void) | undefined;
afterEach(() => uninstall?.());

interface Answer {
  what: string;
  status: number;
  body: string;
}

/** The secret as it would sit in a text or JSON answer. */
const spellings = (secret: string) => [secret, JSON.stringify(secret).slice(1, -1)];

describe("every answer shows a secret only as its hint", () => {
  it("no seeded secret comes back from any GET route, with any credential, nor from the configuration calls' answers", async () => {
    uninstall = installFakes(lemlistFake());
    const t = await newTenant("secrets");
    const secrets = new Map<string, string>([
      ["the API key", t.apiKey],
      ["the write key", t.writeKey],
      ["the admin token", ADMIN_TOKEN],
    ]);
    const answers: Answer[] = [];
    const record = async (what: string, res: { status: number; body: unknown }) => {
      answers.push({ what, status: res.status, body: JSON.stringify(res.body) });
      return res;
    };

    // Every destination type's secrets, in destinations that are off: the answers are what this test reads, and a
    // delivery would open connections to hosts that do not exist (the Postgres driver's failed TLS read then surfaces
    // as an unhandled rejection, after its test on a busy machine).
    const destinationIds: string[] = [];
    for (const [type, config] of Object.entries(SECRET_CONFIGS) as [DestinationType, Record<string, unknown>][]) {
      const created = await record(`POST /api/destinations (${type})`, await apiSend(t, "POST", "/api/destinations", { name: type, type, config, enabled: false }));
      expect(created.status, `${type}: ${JSON.stringify(created.body)}`).toBe(201);
      const id = (created.body as any).destination.id;
      destinationIds.push(id);
      await record(`PUT /api/destinations/${id} (${type})`, await apiSend(t, "PUT", `/api/destinations/${id}`, { name: `${type} again`, type, config, enabled: false }));
      for (const field of DESTINATIONS[type].secretFields) {
        const value = config[field];
        if (typeof value === "string") secrets.set(`${type}.${field}`, value);
        else if (value && typeof value === "object") for (const [name, v] of Object.entries(value)) secrets.set(`${type}.${field}.${name}`, v as string);
      }
    }
    expect(destinationIds.length).toBeGreaterThanOrEqual(20);

    // Automation actions, native and through the Lead Scoring System's API.
    const automation = (action: Record<string, unknown>) => ({ name: "auto", trigger: { type: "stage_becomes", stage: "hot" }, action });
    secrets.set("automation webhook secret", "automation-signing-secret-4141");
    secrets.set("automation Slack URL", "https://hooks.fake/services/T9/B9/automation-slack-4242");
    secrets.set("compat Slack URL", "https://hooks.fake/services/T8/B8/compat-slack-4343");
    const hook = await record("POST /api/automations (webhook)", await apiSend(t, "POST", "/api/automations", automation({ type: "webhook", url: "https://hooks.fake/a", secret: secrets.get("automation webhook secret") })));
    expect(hook.status).toBe(201);
    await record("PUT /api/automations/:id", await apiSend(t, "PUT", `/api/automations/${(hook.body as any).automation.id}`, automation({ type: "webhook", url: "https://hooks.fake/a" })));
    expect((await record("POST /api/automations (slack)", await apiSend(t, "POST", "/api/automations", automation({ type: "slack", webhookUrl: secrets.get("automation Slack URL") })))).status).toBe(201);
    const compatSlack = await call("/compat/lead-scoring/api/automations", {
      method: "POST",
      headers: { Authorization: `Bearer ${t.apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "compat", action: "slack", whenStage: "hot", config: { url: secrets.get("compat Slack URL") } }),
    });
    expect(compatSlack.status).toBe(201);
    await record("POST /compat/lead-scoring/api/automations", { status: compatSlack.status, body: await compatSlack.json() });

    // A connected account, an org, a webhook source (their keys are shown once, when made), a sync job, a lead.
    secrets.set("account API key", "lemlist-account-key-4444");
    const account = await record("POST /api/accounts", await apiSend(t, "POST", "/api/accounts", { platform: "lemlist", name: "outreach", apiKey: secrets.get("account API key") }));
    expect(account.status).toBe(201);
    const accountId = (account.body as any).account.id;
    const org = await newOrg(t);
    secrets.set("org key", org.apiKey);
    const source = await call(`/api/namespaces/${t.namespace}/webhook-sources`, { method: "POST", headers: adminHeaders(), body: JSON.stringify({ platform: "lemlist", name: "hooks" }) });
    expect(source.status).toBe(201);
    const sourceBody = (await source.json()) as any;
    secrets.set("webhook source secret", sourceBody.secret);
    const job = await record("POST /api/sync/jobs", await apiSend(t, "POST", "/api/sync/jobs", { mode: "full_historical", platforms: ["lemlist"], namespaces: [t.namespace] }));
    expect(job.status).toBe(202);
    const jobId = (job.body as any).job.id;
    expect((await send(t, "/v1/track", { type: "track", userId: "walker", event: "Signup", messageId: "walk-1" })).status).toBe(200);
    const lead = await leadByUserId(t, "walker");

    // Every GET route of the router, each parameter filled with the seeded thing it names.
    const fill = (path: string): string[] => {
      if (path.includes("*")) return [];
      const ids: Record<string, string[]> = {
        "/api/destinations/:id": destinationIds,
        "/api/accounts/:id": [accountId],
        "/api/sync/jobs/:id": [jobId],
        "/compat/cairo/api/full-sync/status/:jobId": [jobId],
      };
      const concrete = ids[path.replace(/\/[^/]*$/, "/" + path.split("/").at(-1))];
      const one = (p: string) =>
        p
          .replace(/:name\b/g, t.namespace)
          .replace(/:namespace\b/g, t.namespace)
          .replace(/:jobId\b/g, jobId)
          .replace(/:sourceId\b/g, sourceBody.source.id)
          .replace(/\/api\/leads\/:id/g, `/api/leads/${lead.id}`)
          .replace(/\/compat\/lead-scoring\/api\/leads\/:id/g, "/compat/lead-scoring/api/leads/walker")
          .replace(/:id\b/g, crypto.randomUUID());
      if (concrete) return concrete.map((id) => path.replace(/:[A-Za-z]+$/, id)).map(one);
      return [one(path)];
    };
    const paths = [...new Set(app.routes.filter((r) => r.method === "GET").map((r) => r.path))].flatMap(fill);
    const credentials: Record<string, Record<string, string>> = {
      "API key": { Authorization: `Bearer ${t.apiKey}` },
      "admin token": { Authorization: `Bearer ${ADMIN_TOKEN}` },
      "org key": orgHeaders(org),
    };
    for (const path of paths) {
      for (const [who, headers] of Object.entries(credentials)) {
        const separator = path.includes("?") ? "&" : "?";
        const res = await call(`${path}${separator}namespace=${t.namespace}`, { headers });
        answers.push({ what: `GET ${path} (${who})`, status: res.status, body: await res.text() });
      }
    }

    // The walk reached the configuration: these answered 200 with what was seeded.
    const ok = (what: string) => answers.find((a) => a.what === what && a.status === 200);
    for (const what of [
      "GET /api/destinations (API key)",
      "GET /api/automations (API key)",
      "GET /api/accounts (API key)",
      "GET /api/orgs (API key)",
      `GET /api/namespaces/${t.namespace}/webhook-sources (admin token)`,
      "GET /api/sync/jobs (API key)",
      "GET /compat/lead-scoring/api/automations (API key)",
      "GET /compat/cairo/api/namespaces (API key)",
      `GET /api/destinations/${destinationIds[0]} (API key)`,
      `GET /api/accounts/${accountId} (API key)`,
    ]) {
      expect(ok(what), `${what} answered ${answers.find((a) => a.what === what)?.status}`).toBeDefined();
    }
    expect(ok("GET /api/destinations (API key)")!.body).toContain(destinationIds.at(-1));
    expect(ok("GET /compat/lead-scoring/api/automations (API key)")!.body).toContain("…4343");
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(60);

    const leaks = answers.flatMap((answer) =>
      [...secrets].filter(([, secret]) => spellings(secret).some((s) => answer.body.includes(s))).map(([name]) => `${answer.what} shows ${name}`),
    );
    expect(leaks).toEqual([]);
  });
});
