import type { DeliveryResult } from "./types";
import { retryAfterMs } from "../http/retry-after";
import { guardedFetch, RefusedUrlError } from "../outbound/fetch";

/** Statuses worth trying again: rate limits, timeouts and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Reads a 2xx answer's whole body (the result keeps only its start) and may turn it into a failure: per-record errors inside a 200. */
export type AnswerCheck = (result: DeliveryResult & { ok: true }, wholeBody: string) => DeliveryResult;

/**
 * Sends one request with a timeout and classifies the answer. `isSuccess`
 * lets a destination reject a 200 whose body says it failed (Mixpanel's `0`);
 * `check` sees the whole body of a success, however long.
 */
export async function sendRequest(
  request: Request,
  timeoutMs: number,
  isSuccess: (status: number, body: string) => boolean = (status) => status >= 200 && status < 300,
  check?: AnswerCheck,
): Promise<DeliveryResult> {
  let response: Response;
  try {
    response = await guardedFetch(request, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    if (error instanceof RefusedUrlError) return { ok: false, retryable: false, error: error.message };
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return { ok: false, retryable: true, error: timedOut ? `timed out after ${timeoutMs} ms` : `network error: ${String(error)}` };
  }
  const wholeBody = await response.text();
  const body = wholeBody.slice(0, 2000);
  const headers = Object.fromEntries(response.headers);
  if (response.ok && isSuccess(response.status, body)) {
    const result = { ok: true as const, status: response.status, body, headers };
    return check ? check(result, wholeBody) : result;
  }
  const retryable = isRetryableStatus(response.status);
  return {
    ok: false,
    status: response.status,
    retryable,
    retryAfterMs: retryAfterMs(response.headers.get("Retry-After")),
    error: `HTTP ${response.status}${body ? `: ${body.slice(0, 300)}` : ""}`,
    body,
    headers,
  };
}

export function jsonRequest(url: string, body: unknown, headers: Record<string, string> = {}, method = "POST"): Request {
  return new Request(url, { method, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
}
