import { app } from "./app";
import { consumeProjection } from "./queues/projection";
import type { ProjectionMessage } from "./contracts/projection-queue";
import { consumeJobs, type JobMessage } from "./queues/jobs";
import { consumeEnrichment } from "./queues/enrichment";
import type { EnrichmentMessage } from "./contracts/enrichment-queue";
import { consumeDestinationDeadLetters, consumeDestinations } from "./delivery/consumer";
import type { DestinationMessage } from "./delivery/queue";
import { consumeSync, consumeSyncDeadLetters, type SyncMessage } from "./outreach/sync-queue";
import { runScheduledSyncs } from "./outreach/sync-cron";
import { runScheduledTraining } from "./cron/prediction";

export { LeadObject } from "../durable/lead-object";
export { RateLimiter } from "../durable/rate-limiter";
export { LiveObject } from "../durable/live-object";
export { DeliveryObject } from "../durable/delivery-object";
export { ArchiveObject } from "../durable/archive-object";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue.startsWith("leadflare-projection")) await consumeProjection(batch as MessageBatch<ProjectionMessage>, env);
    else if (batch.queue.startsWith("leadflare-jobs")) await consumeJobs(batch as MessageBatch<JobMessage>, env);
    else if (batch.queue.startsWith("leadflare-enrichment")) await consumeEnrichment(batch as MessageBatch<EnrichmentMessage>, env);
    else if (batch.queue.startsWith("leadflare-destinations-dlq")) await consumeDestinationDeadLetters(batch as MessageBatch<DestinationMessage>, env);
    else if (batch.queue.startsWith("leadflare-destinations")) await consumeDestinations(batch as MessageBatch<DestinationMessage>, env);
    else if (batch.queue.startsWith("leadflare-sync-dlq")) await consumeSyncDeadLetters(batch as MessageBatch<SyncMessage>, env);
    else if (batch.queue.startsWith("leadflare-sync")) await consumeSync(batch as MessageBatch<SyncMessage>, env);
    else throw new Error(`no consumer for queue ${batch.queue}`);
  },
  async scheduled(controller, env) {
    // Each part runs even when the other fails; a failure still fails the invocation.
    const results = await Promise.allSettled([runScheduledSyncs(env, controller.scheduledTime), runScheduledTraining(env, controller.scheduledTime)]);
    for (const result of results) if (result.status === "rejected") throw result.reason;
  },
} satisfies ExportedHandler<Env, ProjectionMessage | JobMessage | DestinationMessage | EnrichmentMessage | SyncMessage>;
