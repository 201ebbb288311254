import type { DeliveryResult } from "./types";
import { retryAfterMs } from "../http/retry-after";
import { guardedFetch, RefusedUrlError } from "../outbound/fetch";

/** Statuses worth trying again: rate limits, timeouts and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** How much of an answer is kept: enough to show an error. */
const ANSWER_CHARS = 2000;
/** A bulk API's per-item answer is read whole (Elasticsearch lists 1,000 items, Salesforce 200 records). */
export const BULK_ANSWER_CHARS = 8_000_000;

/** Reads a 2xx answer's whole body (the result keeps only its start) and may turn it into a failure: per-record errors inside a 200. */
export type AnswerCheck = (result: DeliveryResult & { ok: true }, wholeBody: string) => DeliveryResult;

/**
 * Sends one request with a timeout and classifies the answer. `isSuccess`
 * lets a destination reject a 200 whose body says it failed (Mixpanel's `0`).
 * The answer's body is kept up to `answerChars` characters (more for a lookup
 * or bulk answer the destination reads); `check` sees the whole body of a
 * success, however long.
 */
export async function sendRequest(
  request: Request,
  timeoutMs: number,
  isSuccess: (status: number, body: string) => boolean = (status) => status >= 200 && status < 300,
  answerChars = ANSWER_CHARS,
  check?: AnswerCheck,
): Promise<DeliveryResult> {
  let response: Response;
  try {
    response = await guardedFetch(request, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    if (error instanceof RefusedUrlError) return { ok: false, retryable: false, error: error.message };
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return { ok: false, retryable: true, error: timedOut ? `timed out after ${timeoutMs} ms` : networkError(request.url, error) };
  }
  const wholeBody = await response.text();
  const body = wholeBody.slice(0, answerChars);
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

/**
 * For APIs that take a secret in the query string (Pipedrive, GA4): a
 * failure's error and body never carry it (a network error may quote the
 * URL), since both reach the delivery log.
 */
export function withoutSecret(result: DeliveryResult, secret: string): DeliveryResult {
  if (result.ok || secret === "") return result;
  const scrub = (text: string) => text.split(secret).join("[secret]").split(encodeURIComponent(secret)).join("[secret]");
  return { ...result, error: scrub(result.error), ...(result.body === undefined ? {} : { body: scrub(result.body) }) };
}

/** An answer's body as JSON, or undefined when it is not (cut short, or HTML from a proxy). */
export function jsonOf<T>(body: string): T | undefined {
  try {
    return JSON.parse(body) as T;
  } catch {
    return undefined;
  }
}

/** An item sent alone: a bulk answer that refused it is that item's failure. */
export function onlyItem(result: DeliveryResult): DeliveryResult {
  const rejection = result.ok ? result.rejected?.[0] : undefined;
  return rejection ? { ok: false, retryable: rejection.retryable, status: rejection.status, error: rejection.error, body: result.ok ? result.body : undefined } : result;
}

/**
 * A failed connection in words an operator can act on: the runtime's own
 * message for a refused or unreachable host is "internal error; reference = …",
 * which names neither.
 */
export function networkError(url: string, error: unknown): string {
  const host = URL.canParse(url) ? new URL(url).host : "the destination";
  const message = error instanceof Error ? error.message : String(error);
  if (/internal error; reference = /i.test(message)) return `network error: could not connect to ${host} (refused, unreachable or no answer)`;
  return `network error: could not reach ${host}: ${message}`;
}
