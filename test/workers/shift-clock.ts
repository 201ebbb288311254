import { env } from "cloudflare:workers";
import { vi } from "vitest";

// `TEST_CLOCK_SHIFT_DAYS=30 npx vitest run --project workers` runs the suite as
// if it were a month later. The Worker and the lead objects share this isolate,
// so they see the same Date; timers stay real, so waits keep their length.
const days = Number(env.TEST_CLOCK_SHIFT_DAYS);
if (days) vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + days * 86_400_000, shouldAdvanceTime: true });
