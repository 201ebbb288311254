import type { Identity, IdentityKind } from "../src/ingest/normalize";
import { foldScores } from "../src/scoring/running-score";
import { pointsFor } from "../src/scoring/points";
import { DAY_MS } from "../src/scoring/velocity";

/** One row of a lead's event log, as stored and as moved between leads by a merge. */
export interface StoredEvent {
  messageId: string;
  ts: number;
  type: string;
  name: string;
  receivedAt: number;
  body: string;
}

export interface EventRow extends Record<string, SqlStorageValue> {
  message_id: string;
  ts: number;
  type: string;
  name: string;
  received_at: number;
  points: number;
  running_score: number;
  body: string;
}

export interface LinkedIdentity extends Identity {
  linked: boolean;
  explicit: boolean;
}

export interface Conflict {
  otherLead: string;
  identity: Identity;
  userIds: string[];
  otherUserIds: string[];
  at: string;
}

/** Timeline rows that record a merge rather than an event the lead did. */
export const MERGE_TYPE = "merge";
const ACTIVITY_TYPES = "('track', 'page', 'screen')";

/**
 * Synchronous SQL over one lead object's storage: the event log with its
 * running score, identities, conflicts and meta values. No I/O beyond the
 * object's own SQLite, so every method can run inside `transactionSync`.
 */
export class LeadStore {
  constructor(private readonly sql: SqlStorage) {}

  meta(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  setMeta(key: string, value: string): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  /** Inserts the events whose messageId is new and rescores from the earliest; returns how many were new. */
  insertEvents(events: readonly StoredEvent[]): number {
    let inserted = 0;
    let earliest: StoredEvent | undefined;
    for (const event of events) {
      const cursor = this.sql.exec(
        `INSERT INTO events (message_id, ts, type, name, received_at, points, running_score, body)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (message_id) DO NOTHING`,
        event.messageId,
        event.ts,
        event.type,
        event.name,
        event.receivedAt,
        event.type === MERGE_TYPE ? 0 : pointsFor(event.name),
        event.body,
      );
      if (cursor.rowsWritten === 0) continue;
      inserted++;
      if (!earliest || compareOrder(event, earliest) < 0) earliest = event;
    }
    if (earliest) this.rescoreFrom(earliest.ts, earliest.messageId);
    return inserted;
  }

  /** Every event row, in order, for moving to another lead. */
  allEvents(): StoredEvent[] {
    return this.sql
      .exec<EventRow>("SELECT * FROM events WHERE type != ? ORDER BY ts, message_id", MERGE_TYPE)
      .toArray()
      .map((r) => ({ messageId: r.message_id, ts: r.ts, type: r.type, name: r.name, receivedAt: r.received_at, body: r.body }));
  }

  deleteEventsAndIdentities(): void {
    this.sql.exec("DELETE FROM events");
    this.sql.exec("DELETE FROM identities");
  }

  hasEvents(): boolean {
    return this.sql.exec("SELECT 1 FROM events LIMIT 1").toArray().length > 0;
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

  behaviourScore(): number {
    return (
      this.sql
        .exec<{ running_score: number }>("SELECT running_score FROM events ORDER BY ts DESC, message_id DESC LIMIT 1")
        .toArray()[0]?.running_score ?? 0
    );
  }

  eventStats(): { count: number; first: number | null; last: number | null } {
    return this.sql
      .exec<{ count: number; first: number | null; last: number | null }>(
        "SELECT count(*) AS count, min(ts) AS first, max(ts) AS last FROM events WHERE type != ?",
        MERGE_TYPE,
      )
      .one();
  }

  activitySince(since: number): number[] {
    return this.sql
      .exec<{ ts: number }>(`SELECT ts FROM events WHERE ts > ? AND type IN ${ACTIVITY_TYPES}`, since)
      .toArray()
      .map((r) => r.ts);
  }

  timelinePage(limit: number, after?: { ts: number; id: string }): EventRow[] {
    return after
      ? this.sql
          .exec<EventRow>("SELECT * FROM events WHERE (ts, message_id) > (?, ?) ORDER BY ts, message_id LIMIT ?", after.ts, after.id, limit)
          .toArray()
      : this.sql.exec<EventRow>("SELECT * FROM events ORDER BY ts, message_id LIMIT ?", limit).toArray();
  }

  /** Identities with their link state, for moving to another lead. */
  identitiesToMove(): LinkedIdentity[] {
    return this.sql
      .exec<{ kind: IdentityKind; value: string; linked: number; explicit: number }>("SELECT kind, value, linked, explicit FROM identities")
      .toArray()
      .map((r) => ({ kind: r.kind, value: r.value, linked: r.linked === 1, explicit: r.explicit === 1 }));
  }

  identities(): Identity[] {
    return this.sql.exec<{ kind: IdentityKind; value: string }>("SELECT kind, value FROM identities ORDER BY kind, value").toArray();
  }

  userIds(): string[] {
    return this.sql.exec<{ value: string }>("SELECT value FROM identities WHERE kind = 'userId' ORDER BY value").toArray().map((r) => r.value);
  }

  /**
   * Adds an identity unless known; `linked` says its home object already
   * leads here, `explicit` that an alias asked for the join.
   */
  addIdentity(identity: LinkedIdentity): void {
    this.sql.exec(
      "INSERT INTO identities (kind, value, linked, explicit) VALUES (?, ?, ?, ?) ON CONFLICT (kind, value) DO NOTHING",
      identity.kind,
      identity.value,
      identity.linked ? 1 : 0,
      identity.explicit ? 1 : 0,
    );
  }

  removeIdentity(identity: Identity): void {
    this.sql.exec("DELETE FROM identities WHERE kind = ? AND value = ?", identity.kind, identity.value);
  }

  unlinkedIdentities(): LinkedIdentity[] {
    return this.sql
      .exec<{ kind: IdentityKind; value: string; explicit: number }>("SELECT kind, value, explicit FROM identities WHERE linked = 0")
      .toArray()
      .map((r) => ({ kind: r.kind, value: r.value, linked: false, explicit: r.explicit === 1 }));
  }

  markLinked(identity: Identity): void {
    this.sql.exec("UPDATE identities SET linked = 1 WHERE kind = ? AND value = ?", identity.kind, identity.value);
  }

  /** Linked identities not yet published to the D1 index. */
  unindexedIdentities(): Identity[] {
    return this.sql
      .exec<{ kind: IdentityKind; value: string }>("SELECT kind, value FROM identities WHERE linked = 1 AND indexed = 0")
      .toArray();
  }

  markIndexed(identities: readonly Identity[]): void {
    for (const i of identities) this.sql.exec("UPDATE identities SET indexed = 1 WHERE kind = ? AND value = ?", i.kind, i.value);
  }

  recordConflict(conflict: Omit<Conflict, "at">, at: number): void {
    this.sql.exec(
      `INSERT INTO conflicts (other_lead, identity_kind, identity_value, user_ids, other_user_ids, at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      conflict.otherLead,
      conflict.identity.kind,
      conflict.identity.value,
      JSON.stringify(conflict.userIds),
      JSON.stringify(conflict.otherUserIds),
      at,
    );
  }

  conflicts(): Conflict[] {
    return this.sql
      .exec<{ other_lead: string; identity_kind: IdentityKind; identity_value: string; user_ids: string; other_user_ids: string; at: number }>(
        "SELECT * FROM conflicts ORDER BY at",
      )
      .toArray()
      .map((r) => ({
        otherLead: r.other_lead,
        identity: { kind: r.identity_kind, value: r.identity_value },
        userIds: JSON.parse(r.user_ids) as string[],
        otherUserIds: JSON.parse(r.other_user_ids) as string[],
        at: new Date(r.at).toISOString(),
      }));
  }
}

function compareOrder(a: StoredEvent, b: StoredEvent): number {
  return a.ts !== b.ts ? a.ts - b.ts : a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0;
}

export { DAY_MS };
