import { Hono } from "hono";
import type { AppEnv } from "../http/app-env";
import { ApiError } from "../http/errors";
import { parseOrThrow } from "../http/validate";
import { companyListQuery, companyParam, leadListQuery } from "../schemas/management";
import { companySummary, listCompanies, listProjectedLeads } from "../db/projection";
import { encodeListCursor, hasModelInUse, toListedLead } from "../leads/listed";

/**
 * The account view: the namespace's leads grouped by company (src/leads/company.ts
 * says where a lead's company comes from), read from the D1 projection.
 * Named "companies" because /api/accounts are the connected outreach accounts.
 */
export const companyRoutes = new Hono<AppEnv>();

/** Companies with their lead count, combined (summed) and best score, best grade and stage, last activity; paged by offset. */
companyRoutes.get("/", async (c) => {
  const query = parseOrThrow(companyListQuery, c.req.query(), "query");
  const { companies, total } = await listCompanies(c.env.DB, c.var.namespace.id, query);
  const next = query.offset + companies.length;
  return c.json({ companies, total, nextOffset: next < total && companies.length > 0 ? next : null });
});

/** One company's account row and its leads, with the leads list's filters, sorts and cursor. */
companyRoutes.get("/:company/leads", async (c) => {
  const { company } = parseOrThrow(companyParam, c.req.param(), "company");
  const query = parseOrThrow(leadListQuery, c.req.query(), "query");
  const account = await companySummary(c.env.DB, c.var.namespace.id, company);
  if (!account) throw new ApiError(404, "not_found", `no lead of this namespace works at ${company}`);
  const [rows, predicted] = await Promise.all([
    listProjectedLeads(c.env.DB, c.var.namespace.id, { ...query, company, limit: query.limit + 1 }),
    hasModelInUse(c.env.DB, c.var.namespace.id),
  ]);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > query.limit && last ? encodeListCursor(last.sortValue, last.leadId) : null;
  return c.json({ company: account, leads: page.map((row) => toListedLead(row, predicted)), nextCursor });
});
