import { database } from "../db/database";
import { and, eq, getTableColumns, gt, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { bufferedLeads, enrichmentCache } from "../db/schema";
import type { BufferPush } from "../schemas/lead-service";
import { chunksOf, MAX_IN_LIST } from "../db/batch";

export interface PushResult {
  buffered: number;
  /** Emails this namespace already handed out (claimed or served): never buffered again. */
  skippedAlreadyServed: number;
  /** Emails already waiting in the buffer, or repeated inside this push. */
  skippedDuplicates: number;
}

export interface BufferedLead {
  id: number;
  namespace: string;
  email: string;
  externalId: string | null;
  data: Record<string, unknown> | null;
  brandId: string | null;
  clerkUserId: string | null;
  parentRunId: string | null;
  status: "buffered" | "claimed" | "served" | "parked";
  claimRunId: string | null;
  claimExpiresAt: number | null;
  claims: number;
  servedAt: number | null;
  createdAt: number;
}

export interface Claim {
  lead: BufferedLead;
  /** True when this answers a retried call: the lead its first call was given. */
  replayed: boolean;
}

type LeadRow = typeof bufferedLeads.$inferSelect;

/**
 * How many times a lead is handed out: when its MAX_CLAIMS-th claim runs out
 * unacknowledged, it is a poison lead (it keeps crashing whoever takes it)
 * and is parked instead of handed out again, until `requeueParked` puts it back.
 */
export const MAX_CLAIMS = 5;
/** Parked leads listed by the stats call (their count is always exact). */
const PARKED_LISTED = 100;

// drizzle binds every column of an inserted row; D1 allows 100 bound parameters per statement.
const INSERT_COLUMNS = Object.keys(getTableColumns(bufferedLeads)).length;


function toLead(row: LeadRow): BufferedLead {
  const { orgId: _org, claimKey: _key, ...lead } = row;
  return lead;
}

/**
 * Buffers the push's leads, skipping emails this org's namespace already
 * holds (served or waiting) and repeats inside the push. The insert itself
 * ignores an email another push stored meanwhile, so two racing pushes never
 * buffer one email twice.
 */
export async function pushLeads(db: D1Database, orgId: string, push: BufferPush, now: number): Promise<PushResult> {
  const orm = database(db);
  const unique = new Map<string, BufferPush["leads"][number]>();
  for (const lead of push.leads) if (!unique.has(lead.email)) unique.set(lead.email, lead);
  const emails = [...unique.keys()];

  const existing = new Map<string, LeadRow["status"]>();
  for (const part of chunksOf(emails, MAX_IN_LIST)) {
    const rows = await orm
      .select({ email: bufferedLeads.email, status: bufferedLeads.status })
      .from(bufferedLeads)
      .where(and(eq(bufferedLeads.orgId, orgId), eq(bufferedLeads.namespace, push.namespace), inArray(bufferedLeads.email, part)))
      .all();
    for (const row of rows) existing.set(row.email, row.status);
  }

  const fresh = emails.filter((e) => !existing.has(e)).map((e) => unique.get(e)!);
  let buffered = 0;
  const statements: BatchItem<"sqlite">[] = chunksOf(fresh, Math.floor(100 / INSERT_COLUMNS)).map((part) =>
    orm
      .insert(bufferedLeads)
      .values(
        part.map((lead) => ({
          orgId,
          namespace: push.namespace,
          email: lead.email,
          externalId: lead.externalId ?? null,
          data: lead.data ?? null,
          brandId: push.brandId ?? null,
          clerkUserId: push.clerkUserId ?? null,
          parentRunId: push.parentRunId ?? null,
          status: "buffered" as const,
          createdAt: now,
        })),
      )
      .onConflictDoNothing()
      .returning({ id: bufferedLeads.id }),
  );
  const [first, ...rest] = statements;
  if (first) {
    const results = (await orm.batch([first, ...rest])) as { id: number }[][];
    buffered = results.reduce((n, inserted) => n + inserted.length, 0);
  }
  const skippedAlreadyServed = [...existing.values()].filter((status) => status !== "buffered").length;
  return { buffered, skippedAlreadyServed, skippedDuplicates: push.leads.length - buffered - skippedAlreadyServed };
}

async function claimedWithKey(db: D1Database, orgId: string, runId: string, key: string): Promise<LeadRow | undefined> {
  return database(db)
    .select()
    .from(bufferedLeads)
    .where(and(eq(bufferedLeads.orgId, orgId), eq(bufferedLeads.claimRunId, runId), eq(bufferedLeads.claimKey, key)))
    .get();
}

function isUniqueViolation(error: unknown): boolean {
  // drizzle wraps D1's error: the constraint is named somewhere down the cause chain.
  for (let e = error; e; e = (e as Error).cause) if (String((e as Error).message ?? e).includes("UNIQUE constraint failed")) return true;
  return false;
}

/**
 * Claims a lead whose claim expired, else the oldest waiting one, in one
 * statement, so concurrent callers never get the same lead. Each choice is
 * one index lookup, however many leads were handed out before. A call whose
 * idempotency key already holds a lead gets that lead: the unique index on
 * (org, run, key) refuses to give the key a second one. A call with an
 * idempotency key that was already answered gets the same lead again.
 */
export async function claimNext(
  db: D1Database,
  orgId: string,
  request: { namespace: string; parentRunId: string; claimMs: number; idempotencyKey?: string },
  now: number,
): Promise<Claim | null> {
  const key = request.idempotencyKey ?? null;
  const replay = async () => {
    const earlier = key ? await claimedWithKey(db, orgId, request.parentRunId, key) : undefined;
    return earlier ? { lead: toLead(earlier), replayed: true } : null;
  };
  const next = sql`coalesce(
    (SELECT id FROM buffered_leads
      WHERE org_id = ${orgId} AND namespace = ${request.namespace} AND status = 'claimed' AND claim_expires_at <= ${now} AND claims < ${MAX_CLAIMS}
      ORDER BY claim_expires_at LIMIT 1),
    (SELECT id FROM buffered_leads
      WHERE org_id = ${orgId} AND namespace = ${request.namespace} AND status = 'buffered'
      ORDER BY id LIMIT 1))`;
  const orm = database(db);
  // Expired claims that used up their tries are parked first, in the same round trip.
  const park = orm
    .update(bufferedLeads)
    .set({ status: "parked" })
    .where(
      and(
        eq(bufferedLeads.orgId, orgId),
        eq(bufferedLeads.namespace, request.namespace),
        eq(bufferedLeads.status, "claimed"),
        sql`${bufferedLeads.claimExpiresAt} <= ${now}`,
        sql`${bufferedLeads.claims} >= ${MAX_CLAIMS}`,
      ),
    );
  try {
    const claim = orm
      .update(bufferedLeads)
      .set({
        status: "claimed",
        claimRunId: request.parentRunId,
        claimKey: key,
        claimExpiresAt: now + request.claimMs,
        claims: sql`${bufferedLeads.claims} + 1`,
      })
      .where(eq(bufferedLeads.id, next))
      .returning();
    const [, [claimed]] = await orm.batch([park, claim]);
    // Nothing left to claim; a retried call still gets the lead its first call got.
    if (!claimed) return replay();
    return { lead: toLead(claimed), replayed: false };
  } catch (error) {
    // The key already holds a lead (a retry, maybe racing the first call): answer with that lead.
    if (key && isUniqueViolation(error)) {
      const earlier = await replay();
      if (earlier) return earlier;
    }
    throw error;
  }
}

export type AckOutcome = "served" | "not_found" | "not_claimed_by_run";

/** Marks a claimed lead served, if the claim is still the given run's. Acknowledging twice is fine. */
export async function acknowledgeLead(db: D1Database, orgId: string, namespace: string, id: number, runId: string, now: number): Promise<AckOutcome> {
  const orm = database(db);
  const thisLead = and(eq(bufferedLeads.id, id), eq(bufferedLeads.orgId, orgId), eq(bufferedLeads.namespace, namespace));
  const [served] = await orm
    .update(bufferedLeads)
    .set({ status: "served", servedAt: sql`coalesce(${bufferedLeads.servedAt}, ${now})` })
    // A parked lead's last run may still acknowledge it: it was served after all.
    .where(and(thisLead, inArray(bufferedLeads.status, ["claimed", "served", "parked"]), eq(bufferedLeads.claimRunId, runId)))
    .returning({ id: bufferedLeads.id });
  if (served) return "served";
  // Not acknowledged: say why.
  const lead = await orm.select({ status: bufferedLeads.status }).from(bufferedLeads).where(thisLead).get();
  return !lead || lead.status === "buffered" ? "not_found" : "not_claimed_by_run";
}

export interface ServedLeadFilter {
  namespace?: string;
  brandId?: string;
  clerkUserId?: string;
  limit: number;
  cursor?: number;
}

/** Leads handed out (claimed or served) to this org, with what enrichment found for each email. */
export async function servedLeads(db: D1Database, orgId: string, filter: ServedLeadFilter) {
  const conditions = [eq(bufferedLeads.orgId, orgId), inArray(bufferedLeads.status, ["claimed", "served"])];
  if (filter.namespace) conditions.push(eq(bufferedLeads.namespace, filter.namespace));
  if (filter.brandId) conditions.push(eq(bufferedLeads.brandId, filter.brandId));
  if (filter.clerkUserId) conditions.push(eq(bufferedLeads.clerkUserId, filter.clerkUserId));
  if (filter.cursor !== undefined) conditions.push(gt(bufferedLeads.id, filter.cursor));
  const rows = await database(db)
    .select({ lead: bufferedLeads, enrichment: enrichmentCache })
    .from(bufferedLeads)
    .leftJoin(enrichmentCache, and(eq(enrichmentCache.email, bufferedLeads.email), eq(enrichmentCache.state, "done")))
    .where(and(...conditions))
    .orderBy(bufferedLeads.id)
    .limit(filter.limit)
    .all();
  const leads = rows.map(({ lead, enrichment }) => ({
    ...toLead(lead),
    enrichment: enrichment?.found
      ? { person: enrichment.person, organization: enrichment.organization, provider: enrichment.provider, confidence: enrichment.confidence }
      : null,
  }));
  return { leads, nextCursor: rows.length === filter.limit ? leads.at(-1)!.id : null };
}

/**
 * Counts per status for one namespace; `expiredClaims` are claimed leads the
 * next pull may take again (or park, when they used up MAX_CLAIMS), `parked`
 * the poison leads set aside, the first PARKED_LISTED of them listed.
 */
export async function bufferStats(db: D1Database, orgId: string, namespace: string, now: number) {
  const [counts, parked] = await db.batch([
    db
      .prepare(
        `SELECT
           count(*) FILTER (WHERE status = 'buffered') AS buffered,
           count(*) FILTER (WHERE status = 'claimed' AND claim_expires_at > ?3) AS claimed,
           count(*) FILTER (WHERE status = 'claimed' AND claim_expires_at <= ?3) AS expiredClaims,
           count(*) FILTER (WHERE status = 'served') AS served,
           count(*) FILTER (WHERE status = 'parked') AS parked,
           coalesce(sum(max(claims - 1, 0)), 0) AS reclaimed
         FROM buffered_leads WHERE org_id = ?1 AND namespace = ?2`,
      )
      .bind(orgId, namespace, now),
    db
      .prepare(
        `SELECT id, email, external_id AS externalId, claims, claim_run_id AS lastRunId FROM buffered_leads
         WHERE org_id = ?1 AND namespace = ?2 AND status = 'parked' ORDER BY id LIMIT ?3`,
      )
      .bind(orgId, namespace, PARKED_LISTED),
  ]);
  const row = counts!.results[0] as { buffered: number; claimed: number; expiredClaims: number; served: number; parked: number; reclaimed: number };
  return {
    ...row,
    maxClaims: MAX_CLAIMS,
    parkedLeads: parked!.results as Array<{ id: number; email: string; externalId: string | null; claims: number; lastRunId: string | null }>,
  };
}

/** Puts parked leads (the given ids, else all of the namespace) back in the buffer with fresh tries; answers how many. */
export async function requeueParked(db: D1Database, orgId: string, namespace: string, ids?: readonly number[]): Promise<number> {
  const orm = database(db);
  const parked = and(eq(bufferedLeads.orgId, orgId), eq(bufferedLeads.namespace, namespace), eq(bufferedLeads.status, "parked"));
  let requeued = 0;
  for (const part of ids ? chunksOf([...ids], MAX_IN_LIST) : [undefined]) {
    const rows = await orm
      .update(bufferedLeads)
      .set({ status: "buffered", claims: 0, claimRunId: null, claimKey: null, claimExpiresAt: null })
      .where(part ? and(parked, inArray(bufferedLeads.id, part)) : parked)
      .returning({ id: bufferedLeads.id });
    requeued += rows.length;
  }
  return requeued;
}
