/**
 * Bench-only entry: the real Worker and Durable Object classes, with every
 * binding counted (see counters.ts). `GET /__bench/counts` reads the counts,
 * `POST /__bench/counts` reads and resets them. Hosts ending in
 * `.bench-fake.com` go to the bench's fakes on loopback (BENCH_FAKE_URL).
 */
import worker, { ArchiveObject as Archive, DeliveryObject as Delivery, LeadObject as Lead, RateLimiter as Limiter, LiveObject as Live } from "../../src/index";
import { consumerBatch, countedClass, countedEnv, countFetch, counts, resetCounts, workerInvocation } from "./counters";

let fakeBase: string | undefined;
countFetch((url) => (fakeBase && url.hostname.endsWith(".bench-fake.com") ? new URL(`/${url.hostname}${url.pathname}${url.search}`, fakeBase) : undefined));

export const LeadObject = countedClass(Lead, "LeadObject");
export const RateLimiter = countedClass(Limiter, "RateLimiter");
export const LiveObject = countedClass(Live, "LiveObject");
export const DeliveryObject = countedClass(Delivery, "DeliveryObject");
export const ArchiveObject = countedClass(Archive, "ArchiveObject");

type BenchEnv = Env & { BENCH_FAKE_URL?: string };

export default {
  async fetch(request: Request, env: BenchEnv, ctx: ExecutionContext) {
    fakeBase ??= env.BENCH_FAKE_URL;
    const url = new URL(request.url);
    if (url.pathname === "/__bench/counts") {
      const body = JSON.stringify({ ...counts, endedAt: Date.now() });
      if (request.method === "POST") resetCounts();
      return new Response(body, { headers: { "content-type": "application/json" } });
    }
    return workerInvocation("fetch", () => worker.fetch(request, countedEnv(env), ctx));
  },
  async queue(batch: MessageBatch, env: BenchEnv, ctx: ExecutionContext) {
    consumerBatch(batch.queue, batch.messages.length);
    return workerInvocation(`queue:${batch.queue}`, () => worker.queue(batch as any, countedEnv(env), ctx));
  },
  async scheduled(controller: ScheduledController, env: BenchEnv, ctx: ExecutionContext) {
    return workerInvocation("scheduled", () => worker.scheduled(controller, countedEnv(env), ctx));
  },
};
