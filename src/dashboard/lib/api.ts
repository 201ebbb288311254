// The one client of the public API: the key (and, for the admin token, the
// namespace) kept in localStorage; errors come back as ApiFailure with the
// server's message.
const KEY = "lf_dashboard_key";
const NAMESPACE = "lf_dashboard_namespace";

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const session = {
  key: localStorage.getItem(KEY) ?? "",
  namespace: localStorage.getItem(NAMESPACE) ?? "",
  save(key: string, namespace: string) {
    this.key = key;
    this.namespace = namespace;
    localStorage.setItem(KEY, key);
    localStorage.setItem(NAMESPACE, namespace);
  },
  clear() {
    this.save("", "");
    localStorage.removeItem(KEY);
    localStorage.removeItem(NAMESPACE);
  },
};

/** The path, with `?namespace=` added when the admin token signs in for a namespace. */
export function withNamespace(path: string): string {
  if (!session.namespace) return path;
  return `${path}${path.includes("?") ? "&" : "?"}namespace=${encodeURIComponent(session.namespace)}`;
}

export async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${session.key}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(withNamespace(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) {
    const error = (await res.json().catch(() => null)) as { error?: { message?: string; details?: Array<{ path: string; message: string }> } } | null;
    const details = error?.error?.details?.map((d) => `${d.path}: ${d.message}`).join("; ");
    throw new ApiFailure(res.status, `${error?.error?.message ?? res.statusText}${details ? ` (${details})` : ""}`);
  }
  return res;
}

export const api = async <T = any>(path: string): Promise<T> => (await request("GET", path)).json() as Promise<T>;
export const send = async <T = any>(method: string, path: string, body?: unknown): Promise<T> => (await request(method, path, body)).json() as Promise<T>;

/** Who signed in: set once after sign-in from GET /api/me. */
export const me = { namespace: "", admin: false, canWrite: false };
