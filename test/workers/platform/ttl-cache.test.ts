import { describe, expect, it } from "vitest";
import { TtlCache } from "../../../src/db/ttl-cache";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loader that counts its calls and answers after `ms` with the call number. */
function slowLoader(ms: number) {
  const loader = { calls: 0, load: async () => { loader.calls++; const n = loader.calls; await sleep(ms); return n; } };
  return loader;
}

describe("TtlCache", () => {
  it("answers from the cache until the entry expires", async () => {
    const cache = new TtlCache<number>(60_000);
    const loader = slowLoader(0);
    expect(await cache.getOrLoad("k", loader.load)).toBe(1);
    expect(await cache.getOrLoad("k", loader.load)).toBe(1);
    expect(loader.calls).toBe(1);
  });

  it("reloads an expired entry once while the requests meanwhile keep the old value", async () => {
    const cache = new TtlCache<number>(20);
    const loader = slowLoader(30);
    expect(await cache.getOrLoad("k", loader.load)).toBe(1);
    await sleep(30);
    const answers = await Promise.all(Array.from({ length: 10 }, () => cache.getOrLoad("k", loader.load)));
    expect(loader.calls).toBe(2);
    expect(answers.filter((a) => a === 2)).toHaveLength(1);
    expect(answers.filter((a) => a === 1)).toHaveLength(9);
    expect(await cache.getOrLoad("k", loader.load)).toBe(2);
  });

  it("lets the next request reload after a failed reload, and forgets on request", async () => {
    const cache = new TtlCache<number>(10);
    expect(await cache.getOrLoad("k", async () => 1)).toBe(1);
    await sleep(20);
    await expect(cache.getOrLoad("k", async () => Promise.reject(new Error("D1 down")))).rejects.toThrow("D1 down");
    expect(await cache.getOrLoad("k", async () => 3)).toBe(3);
    cache.forget("k");
    expect(await cache.getOrLoad("k", async () => 4)).toBe(4);
  });
});
