// `npm start`: local D1 migrated and seeded, then `wrangler dev` (local D1,
// Durable Objects, Queues and cron triggers), all offline.
import { DEV, prepareLocalState, startDev } from "./local.mjs";

const port = Number(process.env.PORT ?? 8787);
console.log("Applying D1 migrations and seeding the development namespace…");
prepareLocalState();
// LOG_LEVEL=info shows a line per request (wrangler's request log), at a cost in CPU per event.
const { url, child } = await startDev({ port, logLevel: process.env.LOG_LEVEL ?? "warn" });
console.log(`
  leadflare is running. Open the console: ${url}/app/
  (sign in with the API key ${DEV.apiKey}, or the admin token ${DEV.adminToken})

  API          ${url}   (/v1 ingest, /api management; ${url}/ opens the console too)
  namespace    ${DEV.namespace}
  write key    ${DEV.writeKey}     (Segment clients: writeKey; or HTTP Basic user)
  API key      ${DEV.apiKey}       (Authorization: Bearer … on /api)
  admin token  ${DEV.adminToken}   (from .dev.vars; Bearer … on /api/namespaces)
  org key      ${DEV.org.key}       (lead-service API: X-API-Key, with X-Org-Id: ${DEV.org.clerkOrgId}, X-App-Id: ${DEV.org.appId})

  try: curl -u ${DEV.writeKey}: ${url}/v1/track -d '{"userId":"u1","event":"Signup"}'
       curl -H 'Authorization: Bearer ${DEV.apiKey}' '${url}/api/leads/lookup?userId=u1'
`);
child.on("exit", (code) => process.exit(code ?? 0));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
