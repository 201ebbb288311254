import { expect } from "vitest";
import { adminHeaders, api, apiSend, call, eventually, type Tenant } from "./helpers";

export interface WebhookSource {
  id: string;
  secret: string;
  path: string;
}

export async function addWebhookSource(t: Tenant, platform: "lemlist" | "smartlead"): Promise<WebhookSource> {
  const res = await call(`/api/namespaces/${t.namespace}/webhook-sources`, { method: "POST", headers: adminHeaders(), body: JSON.stringify({ platform, name: platform }) });
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body)).toBe(201);
  return { id: body.source.id, secret: body.secret, path: body.source.path };
}

/** POSTs a webhook body the way the tool would, with the secret in the URL unless `headers` say otherwise. */
export async function hook(source: WebhookSource, body: unknown, { token = source.secret as string | null, headers = {} as Record<string, string> } = {}) {
  const res = await call(`${source.path}${token === null ? "" : `?token=${encodeURIComponent(token)}`}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

export async function leadByEmail(t: Tenant, email: string): Promise<any | undefined> {
  const { status, body } = await api(t, `/api/leads/lookup?email=${encodeURIComponent(email)}`);
  if (status === 404) return undefined;
  if (status !== 200) throw new Error(`lookup ${email}: ${status} ${JSON.stringify(body)}`);
  return body.lead;
}

export async function setKeywords(namespace: string, keywords: string[]) {
  const res = await call(`/api/namespaces/${namespace}`, { method: "PATCH", headers: adminHeaders(), body: JSON.stringify({ keywords }) });
  return { status: res.status, body: (await res.json()) as any };
}

export async function acceptRoutedFrom(namespace: string, sources: string[]) {
  const res = await call(`/api/namespaces/${namespace}`, { method: "PATCH", headers: adminHeaders(), body: JSON.stringify({ acceptRoutedFrom: sources }) });
  return { status: res.status, body: (await res.json()) as any };
}

export async function addAccount(t: Tenant, platform: "lemlist" | "smartlead", apiKey: string, extra: Record<string, unknown> = {}) {
  const res = await apiSend(t, "POST", "/api/accounts", { platform, name: `${platform} account`, apiKey, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.account as { id: string };
}

export async function startSync(t: Tenant, body: Record<string, unknown>) {
  return apiSend(t, "POST", "/api/sync/jobs", body);
}

export async function jobOf(t: Tenant, id: string) {
  return (await api(t, `/api/sync/jobs/${id}`)).body.job;
}

/** Waits until the job has ended (completed, failed or cancelled) and returns it. */
export async function jobEnded(t: Tenant, id: string, timeoutMs = 90_000) {
  return eventually(
    async () => {
      const job = await jobOf(t, id);
      if (job.status === "queued" || job.status === "in_progress") throw new Error(`job ${id} still ${job.status}: ${JSON.stringify(job.accounts)}`);
      return job;
    },
    timeoutMs,
    200,
  );
}

export async function accountOf(t: Tenant, id: string) {
  return (await api(t, `/api/accounts/${id}`)).body.account;
}
