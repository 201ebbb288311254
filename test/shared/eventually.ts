/**
 * Polls until `check` stops throwing (for queue-, alarm- and network-driven work), or fails with its last error.
 * The default wait is long enough for a busy machine (CI runs on whatever the submitter has): a check that
 * holds returns as soon as it holds, so only a failing one waits it out.
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 45_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
