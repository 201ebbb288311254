/**
 * Exponential backoff with jitter: base·2^attempt, capped, then a random
 * point between half of it and all of it, so many retries do not land at once.
 * A Retry-After from the server wins when it is longer.
 */
export function backoffMs(attempt: number, baseMs: number, capMs: number, retryAfter?: number, random: () => number = Math.random): number {
  const exponential = Math.min(capMs, baseMs * 2 ** attempt);
  const jittered = exponential / 2 + (random() * exponential) / 2;
  return Math.round(retryAfter !== undefined ? Math.max(retryAfter, jittered) : jittered);
}
