import { expect } from "vitest";
import { adminHeaders, api, call, type Tenant } from "./helpers";

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
