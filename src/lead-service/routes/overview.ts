import { Hono } from "hono";
import type { AppEnv } from "../../http/app-env";
import { listOrgs } from "../../db/orgs";
import { bufferOverview } from "../overview";
import type { OrgBuffers } from "../../contracts/buffer-overview";

/** The lead buffers of the namespace's lead-service organisations, counted per org and buffer namespace. */
export const bufferOverviewRoutes = new Hono<AppEnv>();

/** One org's list of buffers is bounded by the orgs a namespace creates (a handful); D1 binds at most 100 values. */
const MAX_ORGS = 90;

bufferOverviewRoutes.get("/", async (c) => {
  const orgs = (await listOrgs(c.env.DB, c.var.namespace)).slice(0, MAX_ORGS);
  const buffers = await bufferOverview(c.env.DB, orgs.map((o) => o.id), Date.now());
  return c.json({
    orgs: orgs.map((o): OrgBuffers => ({ id: o.id, clerkOrgId: o.clerkOrgId, appId: o.appId, buffers: buffers.filter((b) => b.orgId === o.id).map(({ orgId: _orgId, ...b }) => b) })),
  });
});
