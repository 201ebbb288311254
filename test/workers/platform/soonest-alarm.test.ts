import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { SoonestAlarm } from "../../../durable/alarm";

/* The shared "set the alarm if sooner" (durable/alarm.ts), on a real object's storage (a live object with no sockets). */

describe("SoonestAlarm", () => {
  it("moves the alarm only sooner, until it started or was deleted", async () => {
    const stub = env.LIVE.getByName(`alarm-test-${crypto.randomUUID()}`);
    await runInDurableObject(stub, async (_instance: unknown, state: DurableObjectState) => {
      const hour = 3_600_000;
      const base = Date.now() + 10 * hour;
      const alarm = new SoonestAlarm(state.storage);
      await alarm.setNoLaterThan(base + 2 * hour);
      expect(await state.storage.getAlarm()).toBe(base + 2 * hour);
      await alarm.setNoLaterThan(base + hour);
      expect(await state.storage.getAlarm()).toBe(base + hour);
      await alarm.setNoLaterThan(base + 3 * hour);
      expect(await state.storage.getAlarm()).toBe(base + hour);
      alarm.started();
      await alarm.setNoLaterThan(base + 3 * hour);
      expect(await state.storage.getAlarm()).toBe(base + 3 * hour);
      await alarm.delete();
      expect(await state.storage.getAlarm()).toBeNull();
      // A fresh one (a new activation) reads what storage holds before it decides.
      await state.storage.setAlarm(base + hour);
      const fresh = new SoonestAlarm(state.storage);
      await fresh.setNoLaterThan(base + 2 * hour);
      expect(await state.storage.getAlarm()).toBe(base + hour);
      await fresh.delete();
    });
  });
});
