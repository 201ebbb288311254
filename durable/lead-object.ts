import { DurableObject } from "cloudflare:workers";
import type { Identity, LeadEvent } from "../src/ingest/normalize";
import { foldScores } from "../src/scoring/running-score";
import { pointsFor } from "../src/scoring/points";
import { gradeFor, stageFor } from "../src/scoring/stage";
import { DAY_MS, velocityFor } from "../src/scoring/velocity";
import { indexIdentities } from "../src/db/identities";
import { migrateLeadSchema } from "./lead-schema";

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

export interface LeadSummary {
  id: string;
  namespaceId: string;
  score: number;
  behaviourScore: number;
  icpScore: number;
  stage: ReturnType<typeof stageFor>;
  grade: ReturnType<typeof gradeFor>;
  velocity: number;
  identities: Identity[];
  eventCount: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface TimelineEntry {
  messageId: string;
  type: string;
  name: string;
  timestamp: string;
  receivedAt: string;
  scoreDelta: number;
  runningScore: number;
  event: unknown;
}

export interface TimelinePage {
  entries: TimelineEntry[];
  nextCursor: string | null;
}

interface EventRow extends Record<string, SqlStorageValue> {
  message_id: string;
  ts: number;
  type: string;
  name: string;
  received_at: number;
  points: number;
  running_score: number;
  body: string;
}

const ACTIVITY_TYPES = "('track', 'page', 'screen')";
const IDENTITY_RETRY_MS = 5_000;

/**
 * One lead: its event log in timestamp order, deduplicated by messageId, with
 * the running behaviour score kept on every event. Every call on one object is
 * serialized by the runtime, so ordering and dedupe need no locks.
 */
export class LeadObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrateLeadSchema(this.sql));
  }

  /** Stores the events that are new, rescoring from the earliest inserted one. */
  async ingest(namespaceId: string, events: LeadEvent[]): Promise<IngestResult> {
    const result = this.ctx.storage.transactionSync(() => {
      this.claimNamespace(namespaceId);
      let accepted = 0;
      let earliest: { ts: number; id: string } | undefined;
      for (const event of events) {
        if (!this.insertEvent(event)) continue;
        accepted++;
        if (!earliest || event.timestamp < earliest.ts || (event.timestamp === earliest.ts && event.messageId < earliest.id)) {
          earliest = { ts: event.timestamp, id: event.messageId };
        }
        for (const identity of event.identities) this.rememberIdentity(identity);
      }
      if (earliest) this.rescoreFrom(earliest.ts, earliest.id);
      return { accepted, duplicates: events.length - accepted };
    });
    await this.flushIdentityIndex();
    return result;
  }

  async summary(): Promise<LeadSummary | null> {
    const namespaceId = this.meta("namespace_id");
    if (namespaceId === undefined) return null;
    const stats = this.sql
      .exec<{ n: number; first: number | null; last: number | null }>(
        "SELECT count(*) AS n, min(ts) AS first, max(ts) AS last FROM events",
      )
      .one();
    const behaviourScore =
      this.sql
        .exec<{ running_score: number }>("SELECT running_score FROM events ORDER BY ts DESC, message_id DESC LIMIT 1")
        .toArray()[0]?.running_score ?? 0;
    const icpScore = 0;
    const score = behaviourScore + icpScore;
    const now = Date.now();
    const recent = this.sql
      .exec<{ ts: number }>(`SELECT ts FROM events WHERE ts > ? AND type IN ${ACTIVITY_TYPES}`, now - DAY_MS)
      .toArray()
      .map((r) => r.ts);
    return {
      id: this.ctx.id.toString(),
      namespaceId,
      score,
      behaviourScore,
      icpScore,
      stage: stageFor(score),
      grade: gradeFor(score),
      velocity: velocityFor(recent, now),
      identities: this.sql.exec<{ kind: Identity["kind"]; value: string }>("SELECT kind, value FROM identities ORDER BY kind, value").toArray(),
      eventCount: stats.n,
      firstSeen: stats.first === null ? null : new Date(stats.first).toISOString(),
      lastSeen: stats.last === null ? null : new Date(stats.last).toISOString(),
    };
  }

  /** Events in timestamp order; `cursor` is the opaque position after the last entry of the previous page. */
  async timeline(limit: number, cursor?: string): Promise<TimelinePage> {
    const after = cursor ? decodeCursor(cursor) : undefined;
    const rows = after
      ? this.sql.exec<EventRow>(
          "SELECT * FROM events WHERE (ts, message_id) > (?, ?) ORDER BY ts, message_id LIMIT ?",
          after.ts,
          after.id,
          limit + 1,
        )
      : this.sql.exec<EventRow>("SELECT * FROM events ORDER BY ts, message_id LIMIT ?", limit + 1);
    const page = rows.toArray();
    const more = page.length > limit;
    const entries = page.slice(0, limit).map(toTimelineEntry);
    const last = page[limit - 1];
    return { entries, nextCursor: more && last ? encodeCursor(last.ts, last.message_id) : null };
  }

  /** Retries identity-index writes that failed after their events were stored. */
  override async alarm(): Promise<void> {
    await this.flushIdentityIndex();
  }

  private claimNamespace(namespaceId: string): void {
    const owner = this.meta("namespace_id");
    if (owner === undefined) this.sql.exec("INSERT INTO meta (key, value) VALUES ('namespace_id', ?)", namespaceId);
    else if (owner !== namespaceId) throw new Error("lead belongs to another namespace");
  }

  /** Inserts one event unless its messageId is already in the log; returns whether it was new. */
  private insertEvent(event: LeadEvent): boolean {
    const cursor = this.sql.exec(
      `INSERT INTO events (message_id, ts, type, name, received_at, points, running_score, body)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (message_id) DO NOTHING`,
      event.messageId,
      event.timestamp,
      event.type,
      event.name,
      event.receivedAt,
      pointsFor(event.name),
      JSON.stringify(event.body),
    );
    return cursor.rowsWritten > 0;
  }

  /** Recomputes running scores from (ts, id) onwards, starting from the score just before it. */
  private rescoreFrom(ts: number, id: string): void {
    const before =
      this.sql
        .exec<{ running_score: number }>(
          "SELECT running_score FROM events WHERE (ts, message_id) < (?, ?) ORDER BY ts DESC, message_id DESC LIMIT 1",
          ts,
          id,
        )
        .toArray()[0]?.running_score ?? 0;
    const rows = this.sql
      .exec<{ message_id: string; points: number; running_score: number }>(
        "SELECT message_id, points, running_score FROM events WHERE (ts, message_id) >= (?, ?) ORDER BY ts, message_id",
        ts,
        id,
      )
      .toArray();
    const steps = foldScores(
      before,
      rows.map((r) => r.points),
    );
    rows.forEach((row, i) => {
      const running = steps[i]!.runningScore;
      if (row.running_score !== running) {
        this.sql.exec("UPDATE events SET running_score = ? WHERE message_id = ?", running, row.message_id);
      }
    });
  }

  private rememberIdentity(identity: Identity): void {
    this.sql.exec(
      "INSERT INTO identities (kind, value) VALUES (?, ?) ON CONFLICT (kind, value) DO NOTHING",
      identity.kind,
      identity.value,
    );
  }

  /**
   * Publishes identities not yet in the D1 index. The events are already
   * durable here, so a failed write only schedules a retry by alarm.
   */
  private async flushIdentityIndex(): Promise<void> {
    const pending = this.sql
      .exec<{ kind: Identity["kind"]; value: string }>("SELECT kind, value FROM identities WHERE indexed = 0")
      .toArray();
    const namespaceId = this.meta("namespace_id");
    if (pending.length === 0 || namespaceId === undefined) return;
    try {
      await indexIdentities(this.env.DB, namespaceId, this.ctx.id.toString(), pending);
      for (const identity of pending) {
        this.sql.exec("UPDATE identities SET indexed = 1 WHERE kind = ? AND value = ?", identity.kind, identity.value);
      }
    } catch (error) {
      console.error("identity index write failed; retrying by alarm", error);
      await this.ctx.storage.setAlarm(Date.now() + IDENTITY_RETRY_MS);
    }
  }

  private meta(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }
}

function toTimelineEntry(row: EventRow): TimelineEntry {
  return {
    messageId: row.message_id,
    type: row.type,
    name: row.name,
    timestamp: new Date(row.ts).toISOString(),
    receivedAt: new Date(row.received_at).toISOString(),
    scoreDelta: row.points,
    runningScore: row.running_score,
    event: JSON.parse(row.body),
  };
}

function encodeCursor(ts: number, id: string): string {
  return btoa(JSON.stringify([ts, id]));
}

function decodeCursor(cursor: string): { ts: number; id: string } | undefined {
  try {
    const [ts, id] = JSON.parse(atob(cursor)) as unknown[];
    return typeof ts === "number" && typeof id === "string" ? { ts, id } : undefined;
  } catch {
    return undefined;
  }
}
