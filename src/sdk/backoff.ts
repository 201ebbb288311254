export const RETRY_BASE_MS = 1_000;
export const RETRY_CAP_MS = 60_000;

/** Wait before retry number `attempt` (1, 2, …): doubling from the base, capped, with jitter in [½, 1]. */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}
