import { exports } from "cloudflare:workers";

export const ADMIN_TOKEN = "test-admin-token";

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`https://leadflare.test${path}`, init));
}

export function basic(writeKey: string): string {
  return `Basic ${btoa(`${writeKey}:`)}`;
}

export function adminHeaders(): Record<string, string> {
  return { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" };
}

export interface Tenant {
  namespace: string;
  namespaceId: string;
  writeKey: string;
  apiKey: string;
}

let tenantCount = 0;

/** A fresh namespace with a source and an API key, made through the admin API. */
export async function newTenant(prefix = "ns"): Promise<Tenant> {
  const namespace = `${prefix}-${++tenantCount}-${crypto.randomUUID().slice(0, 8)}`;
  const created = await call("/api/namespaces", { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: namespace }) });
  if (created.status !== 201) throw new Error(`namespace not created: ${created.status} ${await created.text()}`);
  const { namespace: createdNamespace } = (await created.json()) as { namespace: { id: string } };
  const source = await call(`/api/namespaces/${namespace}/sources`, { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "web" }) });
  const { writeKey } = (await source.json()) as { writeKey: string };
  const key = await call(`/api/namespaces/${namespace}/api-keys`, { method: "POST", headers: adminHeaders(), body: JSON.stringify({ name: "tests" }) });
  const { key: apiKey } = (await key.json()) as { key: string };
  return { namespace, namespaceId: createdNamespace.id, writeKey, apiKey };
}

export function send(tenant: Tenant, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: { Authorization: basic(tenant.writeKey), "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export async function api<T = any>(tenant: Tenant, path: string): Promise<{ status: number; body: T }> {
  const res = await call(path, { headers: { Authorization: `Bearer ${tenant.apiKey}` } });
  return { status: res.status, body: (await res.json()) as T };
}

export async function leadByUserId(tenant: Tenant, userId: string): Promise<any> {
  const { status, body } = await api(tenant, `/api/leads/lookup?userId=${encodeURIComponent(userId)}`);
  if (status !== 200) throw new Error(`lookup ${userId}: ${status} ${JSON.stringify(body)}`);
  return body.lead;
}

export async function timelineOf(tenant: Tenant, leadId: string): Promise<any[]> {
  const entries: any[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { entries: any[]; nextCursor: string | null } } = await api(
      tenant,
      `/api/leads/${leadId}/timeline?limit=200${cursor ? `&cursor=${cursor}` : ""}`,
    );
    const body = page.body;
    entries.push(...body.entries);
    cursor = body.nextCursor;
  } while (cursor);
  return entries;
}

export { eventually } from "../shared/eventually";

/**
 * For a test that counts something per UTC day (automation firings): if the
 * day would end within `withinMs`, waits until the next one has begun, so the
 * whole test runs inside one day whatever time it starts.
 */
export async function oneUtcDayFor(withinMs: number): Promise<void> {
  const untilMidnight = 86_400_000 - (Date.now() % 86_400_000);
  if (untilMidnight < withinMs) await new Promise((resolve) => setTimeout(resolve, untilMidnight + 1_000));
}

export async function apiSend<T = any>(tenant: Tenant, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await call(path, {
    method,
    headers: { Authorization: `Bearer ${tenant.apiKey}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export interface OrgClient {
  clerkOrgId: string;
  appId: string;
  apiKey: string;
  tenant: Tenant;
}

/** A lead-service organisation in `tenant`'s namespace, made through the API with the namespace's key. */
export async function newOrg(tenant: Tenant, appId = "outreach-app"): Promise<OrgClient> {
  const clerkOrgId = `org_${crypto.randomUUID().slice(0, 12)}`;
  const { status, body } = await apiSend(tenant, "POST", "/api/orgs", { clerkOrgId, appId });
  if (status !== 201) throw new Error(`org not created: ${status} ${JSON.stringify(body)}`);
  return { clerkOrgId, appId, apiKey: body.apiKey, tenant };
}

export function orgHeaders(org: OrgClient): Record<string, string> {
  return { "X-API-Key": org.apiKey, "X-Org-Id": org.clerkOrgId, "X-App-Id": org.appId, "Content-Type": "application/json" };
}

export async function orgSend<T = any>(
  org: OrgClient,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await call(path, { method, headers: { ...orgHeaders(org), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

/**
 * A Durable Object namespace whose stubs pass each call of `method` through
 * `intercept` (with the stub's name, the call's arguments and the real call);
 * everything else reaches the real stubs. Tests count or fail hand-overs with it.
 */
export function interceptStubs<N extends { getByName(name: string): object }>(
  namespace: N,
  method: string,
  intercept: (name: string, args: unknown[], call: () => Promise<unknown>) => unknown,
): N {
  const stubOf = (name: string) =>
    new Proxy(namespace.getByName(name), {
      get: (target, key) =>
        key !== method ? Reflect.get(target, key) : (...args: unknown[]) => intercept(name, args, () => (target as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args)),
    });
  return new Proxy(namespace, { get: (target, key) => (key === "getByName" ? stubOf : Reflect.get(target, key)) });
}
