// The first namespace, write key and API key of a new deployment, made
// through the deployed Worker's admin API. Each result is saved as soon as it
// exists, so a rerun continues where a failed one stopped.

/**
 * @param {{ url: string, adminToken: string, namespace: string, progress: Record<string, any>, save: (progress: Record<string, any>) => void, fetch?: typeof fetch, attempts?: number, waitMs?: number }} o
 */
export async function bootstrapNamespace(o) {
  const call = (method, path, body) => callAdmin(o, method, path, body);
  const progress = { ...o.progress };
  if (!progress.namespaceCreated) {
    const res = await call("POST", "/api/namespaces", { name: o.namespace });
    if (res.status !== 201 && res.status !== 409) throw new Error(`POST /api/namespaces answered ${res.status}: ${JSON.stringify(res.body)}`);
    progress.namespaceCreated = true;
    o.save(progress);
  }
  const ns = encodeURIComponent(o.namespace);
  if (!progress.writeKey) {
    const res = await call("POST", `/api/namespaces/${ns}/sources`, { name: "website" });
    if (res.status !== 201) throw new Error(`POST /api/namespaces/${ns}/sources answered ${res.status}: ${JSON.stringify(res.body)}`);
    progress.writeKey = res.body.writeKey;
    o.save(progress);
  }
  if (!progress.apiKey) {
    const res = await call("POST", `/api/namespaces/${ns}/api-keys`, { name: "console" });
    if (res.status !== 201) throw new Error(`POST /api/namespaces/${ns}/api-keys answered ${res.status}: ${JSON.stringify(res.body)}`);
    progress.apiKey = res.body.key;
    o.save(progress);
  }
  return progress;
}

/** One admin API call; a new Worker's hostname can take a moment to answer, so network errors and 5xx are retried. */
async function callAdmin(o, method, path, body) {
  const doFetch = o.fetch ?? fetch;
  const attempts = o.attempts ?? 12;
  let lastError;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await doFetch(new URL(path, o.url), {
        method,
        headers: { Authorization: `Bearer ${o.adminToken}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
      if (res.status < 500) return { status: res.status, body: parsed };
      lastError = new Error(`${method} ${path} answered ${res.status}`);
    } catch (error) {
      lastError = error;
    }
    if (attempt < attempts) await new Promise((r) => setTimeout(r, Math.min(o.waitMs ?? 1000 * attempt, 5000)));
  }
  throw lastError;
}
