import { retryAfterMs } from "../http/retry-after";
import { guardedFetch, RefusedUrlError } from "../outbound/fetch";

/** What a call to an outreach tool's API came to. */
export type ApiAnswer<T> =
  | { ok: true; value: T }
  /** `retryAfterMs` is set on a 429; `permanent` when trying again cannot help (401, 404, a malformed answer). */
  | { ok: false; status?: number; error: string; retryAfterMs?: number; permanent?: boolean };

const DEFAULT_RETRY_AFTER_MS = 2_000;
const TIMEOUT_MS = 30_000;

/**
 * Spaces one account's calls at least `intervalMs` apart, so a sync stays
 * under the tool's rate limit (Lemlist 20 per 2 s, Smartlead 10 per s). Kept
 * per isolate and account: one account's task runs one page at a time.
 */
export class Pacer {
  private static lastCall = new Map<string, number>();

  constructor(
    private readonly key: string,
    private readonly intervalMs: number,
  ) {}

  async wait(): Promise<void> {
    const last = Pacer.lastCall.get(this.key) ?? 0;
    const due = last + this.intervalMs - Date.now();
    if (due > 0) await new Promise((r) => setTimeout(r, due));
    Pacer.lastCall.set(this.key, Date.now());
  }
}

export async function getJson(url: string, headers: Record<string, string>, pacer: Pacer): Promise<ApiAnswer<unknown>> {
  await pacer.wait();
  let response: Response;
  try {
    response = await guardedFetch(url, { headers: { Accept: "application/json", ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    if (error instanceof RefusedUrlError) return { ok: false, error: error.message, permanent: true };
    return { ok: false, error: `request failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  const path = new URL(url).pathname;
  if (response.status === 429) {
    await response.body?.cancel();
    return { ok: false, status: 429, error: `rate limited on ${path}`, retryAfterMs: retryAfterMs(response.headers.get("Retry-After")) ?? DEFAULT_RETRY_AFTER_MS };
  }
  if (!response.ok) {
    const text = (await response.text()).slice(0, 200);
    const permanent = response.status === 401 || response.status === 403 || response.status === 404;
    return { ok: false, status: response.status, error: `${path} answered ${response.status}: ${text}`, permanent };
  }
  try {
    return { ok: true, value: await response.json() };
  } catch {
    return { ok: false, status: response.status, error: `${path} answered something that is not JSON`, permanent: true };
  }
}
