import { beforeAll, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { adminHeaders, api, apiSend, call, eventually, newTenant, send, type Tenant } from "../helpers";
import { SYNTHETIC_OUTCOME, syntheticHistories } from "./generator";
import { examplesOf, snapshotPlan } from "../../../src/predict/examples";
import type { LeadHistory } from "../../../src/predict/history";
import { MIN_HOLDOUT_POSITIVES, MIN_POSITIVES, MIN_USEFUL_AUC } from "../../../src/predict/train";
import { runScheduledTraining } from "../../../src/cron/prediction";

/**
 * The generator's rows as the Segment calls that make them: an identify with
 * the company traits, then page views and track events. No email: a new
 * email sends the lead to enrichment, which is not what this file is about.
 */
function messagesOf(h: LeadHistory, userId: string): unknown[] {
  const at = (ts: number) => new Date(ts).toISOString();
  return h.rows.flatMap((row, i): unknown[] => {
    if (row.key === null) {
      if (!row.traits) return [];
      const t = row.traits;
      return [
        {
          type: "identify",
          userId,
          messageId: `${userId}-${i}`,
          timestamp: at(row.ts),
          traits: {
            employees: t.employees,
            industry: t.industry,
            funding_stage: t.fundingStage,
            annual_revenue: t.annualRevenue,
          },
          context: { campaign: { source: t.source } },
        },
      ];
    }
    if (row.key.startsWith("page:")) return [{ type: "page", userId, messageId: `${userId}-${i}`, timestamp: at(row.ts), name: row.key.slice(5) }];
    return [{ type: "track", userId, messageId: `${userId}-${i}`, timestamp: at(row.ts), event: row.key }];
  });
}

async function ingest(tenant: Tenant, histories: readonly LeadHistory[], prefix: string): Promise<void> {
  const messages = histories.flatMap((h, i) => messagesOf(h, `${prefix}-${i}`));
  for (let i = 0; i < messages.length; i += 2000) {
    const res = await send(tenant, "/v1/batch", { batch: messages.slice(i, i + 2000) });
    expect(res.status).toBe(200);
  }
  await eventually(async () => {
    const row = await env.DB.prepare("SELECT count(*) AS n FROM lead_projection WHERE namespace_id = ?").bind(tenant.namespaceId).first<{ n: number }>();
    expect(row!.n).toBe(histories.length);
  }, 120_000);
}

async function trainAndWait(tenant: Tenant): Promise<any> {
  const started = await apiSend(tenant, "POST", "/api/model/train");
  expect(started.status).toBe(202);
  return eventually(async () => {
    const { body } = await api(tenant, "/api/model");
    expect(body.run.id).toBe(started.body.run.id);
    expect(body.run.status).toBe("completed");
    return body;
  }, 120_000);
}

describe("outcomes", () => {
  it("are declared by event names (kept canonical) and stages, and read back", async () => {
    const t = await newTenant();
    expect((await api(t, "/api/model/outcomes")).body).toEqual({ outcomes: null });
    const put = await apiSend(t, "PUT", "/api/model/outcomes", { events: ["Closed Won", "closed-won", "Subscription Started"], stages: ["qualified"] });
    expect(put.status).toBe(200);
    expect(put.body.outcomes).toEqual({ events: ["closed_won", "subscription_started"], stages: ["qualified"] });
    expect((await api(t, "/api/model/outcomes")).body.outcomes).toEqual(put.body.outcomes);
  });

  it.each([
    [{}, "events", "at least one outcome"],
    [{ events: [] }, "events", "at least one outcome"],
    [{ events: ["   "] }, "events.0", ""],
    [{ events: ["!!!"] }, "events.0", "letter or digit"],
    [{ stages: ["won"] }, "stages.0", ""],
    [{ events: "Closed Won" }, "events", ""],
    [{ events: ["a"], extra: 1 }, "(body)", "extra"],
  ])("refuse %j with a 400 naming %s", async (body, path, message) => {
    const t = await newTenant();
    const res = await apiSend(t, "PUT", "/api/model/outcomes", body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    const issue = res.body.error.details.find((i: { path: string }) => i.path === path);
    expect(issue?.message).toContain(message);
    expect((await api(t, "/api/model/outcomes")).body.outcomes).toBeNull();
  });

  it("may be read with a read-scoped key, not changed", async () => {
    const t = await newTenant();
    const created = await apiSend<{ key: string }>({ ...t, apiKey: "test-admin-token" }, "POST", `/api/namespaces/${t.namespace}/api-keys`, { name: "reader", scope: "read" });
    const reader = { ...t, apiKey: created.body.key };
    expect((await api(reader, "/api/model")).status).toBe(200);
    expect((await apiSend(reader, "PUT", "/api/model/outcomes", { events: ["won"] })).status).toBe(403);
    expect((await apiSend(reader, "POST", "/api/model/train")).status).toBe(403);
  });
});

describe("GET /api/model without a model", () => {
  it("says outcomes must be declared first, and training refuses until they are", async () => {
    const t = await newTenant();
    const { body } = await api(t, "/api/model");
    expect(body).toMatchObject({ outcomes: null, used: false, model: null, run: null, horizonDays: 30 });
    expect(body.thresholds).toEqual({ minPositives: MIN_POSITIVES, minHoldoutPositives: MIN_HOLDOUT_POSITIVES, minUsefulAuc: MIN_USEFUL_AUC });
    expect(body.reason).toContain("no outcomes declared");
    const train = await apiSend(t, "POST", "/api/model/train");
    expect(train.status).toBe(409);
    expect(train.body.error.code).toBe("no_outcomes");
  });

  it("says why there is no model when the history holds too few conversions", async () => {
    const t = await newTenant();
    await apiSend(t, "PUT", "/api/model/outcomes", { events: ["Closed Won"] });
    const histories = syntheticHistories({ leads: 40, days: 130, now: Date.now(), seed: 5 });
    await ingest(t, histories, "few");
    const body = await trainAndWait(t);
    expect(body.used).toBe(false);
    expect(body.model.status).toBe("insufficient");
    expect(body.reason).toContain(`at least ${MIN_POSITIVES} conversions`);
    expect(body.run.leads).toBe(40);
  });
});

describe("training on a namespace's own history", () => {
  // Built from now: the moments and labels follow the clock, never a fixed date.
  const now = Date.now();
  const histories = syntheticHistories({ leads: 600, days: 130, now, seed: 1 });
  let a: Tenant;
  let b: Tenant;
  let report: any;

  beforeAll(async () => {
    [a, b] = await Promise.all([newTenant("model-a"), newTenant("model-b")]);
    await apiSend(a, "PUT", "/api/model/outcomes", { events: ["Closed Won"] });
    await ingest(a, histories, "lead");
    report = await trainAndWait(a);
  }, 300_000);

  it("reports the model's holdout figures next to the rules' AUC, with training size, date and weights", () => {
    expect(report.model.status).toBe("trained");
    const { holdout, training, weights, trainedAt } = report.model;
    for (const figure of [holdout.model.auc, holdout.model.precisionAtTop10, holdout.model.brier, holdout.model.calibrationError, holdout.rules.auc]) {
      expect(figure).toBeGreaterThanOrEqual(0);
      expect(figure).toBeLessThanOrEqual(1);
    }
    expect(holdout.model.reliability.length).toBeGreaterThan(0);
    expect(Date.parse(trainedAt)).toBeGreaterThan(now - 600_000);
    expect(weights.length).toBeGreaterThan(20);
    expect(typeof report.used).toBe("boolean");
    expect(report.reason).toMatch(/holdout AUC/);
    // The generator's truth: company size counts for more than anything the rules reward.
    expect(weights[0].feature).toBe("employees");
  });

  it("trains on the examples the lead objects' own logs give: the same moments, leads and labels as the histories they were sent from", () => {
    const plan = snapshotPlan(Date.parse(report.model.trainedAt));
    const expected = histories.flatMap((h) => examplesOf(h, SYNTHETIC_OUTCOME, plan));
    const training = expected.filter((e) => !e.holdout);
    const holdout = expected.filter((e) => e.holdout);
    expect(report.model.training.examples).toBe(training.length);
    expect(report.model.training.positives).toBe(training.filter((e) => e.label).length);
    expect(report.model.holdout.model.examples).toBe(holdout.length);
    expect(report.model.holdout.model.positives).toBe(holdout.filter((e) => e.label).length);
    expect(report.run).toMatchObject({ status: "completed", leads: 600, examples: expected.length });
  });

  it("keeps namespaces apart: another namespace sees no model, and a lead object answers only its own namespace", async () => {
    const other = await api(b, "/api/model");
    expect(other.body).toMatchObject({ outcomes: null, model: null, run: null });
    const leadId = (await env.DB.prepare("SELECT lead_id FROM lead_projection WHERE namespace_id = ? LIMIT 1").bind(a.namespaceId).first<{ lead_id: string }>())!.lead_id;
    const stub = env.LEAD.get(env.LEAD.idFromString(leadId));
    const plan = snapshotPlan(now);
    expect(await stub.predictionExamples(b.namespaceId, SYNTHETIC_OUTCOME, plan)).toBeNull();
    expect(await stub.predictionExamples(a.namespaceId, SYNTHETIC_OUTCOME, plan)).not.toBeNull();
  });

  it("serves a lead's calibrated probability and the three features that moved it most, to its own namespace only", async () => {
    const ids = await env.DB.prepare("SELECT lead_id FROM lead_projection WHERE namespace_id = ? ORDER BY lead_id LIMIT 5").bind(a.namespaceId).all<{ lead_id: string }>();
    for (const { lead_id } of ids.results) {
      const { status, body } = await api(a, `/api/model/leads/${lead_id}`);
      expect(status).toBe(200);
      expect(body.conversionProbability).toBeGreaterThan(0);
      expect(body.conversionProbability).toBeLessThan(1);
      expect(body.topFeatures).toHaveLength(3);
      for (const f of body.topFeatures) expect(report.model.weights.map((w: { feature: string }) => w.feature)).toContain(f.feature);
      expect(body.used).toBe(report.used);
      // Another namespace's key is told nothing of it.
      const foreign = await api(b, `/api/model/leads/${lead_id}`);
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe("not_found");
    }
    const unknown = await api(a, `/api/model/leads/${"0".repeat(64)}`);
    expect(unknown.status).toBe(404);
    const malformed = await api(a, "/api/model/leads/nope");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details[0].path).toBe("id");
  });

  it("leaves an erased lead out of the next training run, and runs one training at a time", async () => {
    const lead = (await api(a, `/api/leads/lookup?userId=lead-0`)).body.lead;
    expect((await apiSend(a, "DELETE", `/api/leads/${lead.id}`)).status).toBe(200);
    expect(await env.LEAD.get(env.LEAD.idFromString(lead.id)).predictionExamples(a.namespaceId, SYNTHETIC_OUTCOME, snapshotPlan(now))).toBeNull();
    const started = await apiSend(a, "POST", "/api/model/train");
    expect(started.status).toBe(202);
    const second = await apiSend(a, "POST", "/api/model/train");
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: "training_running", details: { run: { id: started.body.run.id } } });
    const next = await eventually(async () => {
      const { body } = await api(a, "/api/model");
      expect(body.run).toMatchObject({ id: started.body.run.id, status: "completed" });
      return body;
    }, 120_000);
    expect(next.run.leads).toBe(599);
    expect((await api(a, `/api/model/leads/${lead.id}`)).status).toBe(404);
    const plan = snapshotPlan(Date.parse(next.model.trainedAt));
    const kept = histories.slice(1).flatMap((h) => examplesOf(h, SYNTHETIC_OUTCOME, plan));
    expect(next.run.examples).toBe(kept.length);
  }, 180_000);
});

describe("the Cron Trigger", () => {
  it("starts a run for each namespace with outcomes that is due, once a day", async () => {
    const [declared, silent] = await Promise.all([newTenant("cron-a"), newTenant("cron-b")]);
    await apiSend(declared, "PUT", "/api/model/outcomes", { stages: ["qualified"] });
    const first = await runScheduledTraining(env, Date.now());
    expect(first.started).toContain(declared.namespaceId);
    expect(first.started).not.toContain(silent.namespaceId);
    await eventually(async () => expect((await api(declared, "/api/model")).body.run).toMatchObject({ status: "completed", trigger: "cron" }), 60_000);
    const again = await runScheduledTraining(env, Date.now());
    expect(again.started).not.toContain(declared.namespaceId);
  });

  it("gives up a run that stopped moving, so the namespace trains again", async () => {
    const t = await newTenant("cron-stale");
    await apiSend(t, "PUT", "/api/model/outcomes", { events: ["Closed Won"] });
    const now = Date.now();
    const stale = crypto.randomUUID();
    await env.DB.prepare(
      `INSERT INTO prediction_runs (id, namespace_id, active_namespace_id, trigger, status, spec, pages, leads, examples, started_at, updated_at)
       VALUES (?1, ?2, ?2, 'cron', 'collecting', '{}', 3, 0, 0, ?3, ?3)`,
    )
      .bind(stale, t.namespaceId, now - 2 * 86_400_000)
      .run();
    expect((await apiSend(t, "POST", "/api/model/train")).status).toBe(409);
    const result = await runScheduledTraining(env, now);
    expect(result.failed).toBeGreaterThanOrEqual(1);
    expect(result.started).toContain(t.namespaceId);
    const row = await env.DB.prepare("SELECT status, error, active_namespace_id FROM prediction_runs WHERE id = ?").bind(stale).first();
    expect(row).toMatchObject({ status: "failed", active_namespace_id: null });
    await eventually(async () => expect((await api(t, "/api/model")).body.run).toMatchObject({ status: "completed", trigger: "cron" }), 60_000);
  });
});

describe("deleting a namespace", () => {
  it("takes its outcomes, model and runs with it", async () => {
    const t = await newTenant("delete");
    await apiSend(t, "PUT", "/api/model/outcomes", { events: ["Closed Won"] });
    await trainAndWait(t);
    const admin = (method: string, path: string) => call(path, { method, headers: adminHeaders() }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    for (const s of (await admin("GET", `/api/namespaces/${t.namespace}/sources`)).body.sources) await admin("DELETE", `/api/namespaces/${t.namespace}/sources/${s.id}`);
    for (const k of (await admin("GET", `/api/namespaces/${t.namespace}/api-keys`)).body.apiKeys) await admin("DELETE", `/api/namespaces/${t.namespace}/api-keys/${k.id}`);
    expect((await admin("DELETE", `/api/namespaces/${t.namespace}`)).body).toEqual({ deleted: t.namespace });
    for (const table of ["prediction_outcomes", "prediction_models", "prediction_runs"]) {
      const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE namespace_id = ?`).bind(t.namespaceId).first<{ n: number }>();
      expect(row!.n).toBe(0);
    }
  });
});
