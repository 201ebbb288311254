import { app } from "./app";
import { consumeProjection, type ProjectionMessage } from "./queues/projection";
import { consumeJobs, type JobMessage } from "./queues/jobs";

export { LeadObject } from "../durable/lead-object";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue.startsWith("leadflare-projection")) await consumeProjection(batch as MessageBatch<ProjectionMessage>, env);
    else if (batch.queue.startsWith("leadflare-jobs")) await consumeJobs(batch as MessageBatch<JobMessage>, env);
    else throw new Error(`no consumer for queue ${batch.queue}`);
  },
} satisfies ExportedHandler<Env, ProjectionMessage | JobMessage>;
