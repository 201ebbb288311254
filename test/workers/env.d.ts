import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** Days to move Date ahead for the whole run (test/workers/shift-clock.ts); "0" normally. */
      TEST_CLOCK_SHIFT_DAYS: string;
    }
  }
}
