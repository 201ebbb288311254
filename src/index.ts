import { app } from "./app";

export { LeadObject } from "../durable/lead-object";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
