/**
 * The lead's event log: its rows in event time with the running score (the
 * scoring fold), the stage changes it went through, and each row's place in
 * arrival order (`seq`), by which destinations and the archive read what
 * they are owed (their cursors are in the meta). Synchronous SQL over the
 * object's own SQLite, so every method can run inside `transactionSync`.
 */
import { EMPTY_STATE, foldScores, type ScoreState } from "../src/scoring/fold";
import type { RuleMatch } from "../src/scoring/rules";
import { stageFor, type Stage } from "../src/scoring/stage";
import { DAY_MS } from "../src/scoring/velocity";
import { HOUR_MS } from "../src/leads/hourly";
import { DECAY_GRACE_DAYS, stepAt } from "../src/scoring/decay";
import { chunksOf } from "../src/db/batch";
import type { LeadMeta } from "./lead-meta";
import type { StageChange } from "../src/contracts/lead-rpc";
export type { StageChange };
import { StoredJson } from "../src/stored-json";

/** One row of a lead's event log, as stored and as moved between leads by a merge. */
export interface StoredEvent {
  messageId: string;
  /**
   * Breaks ties between rows of the same timestamp: arrival order (the time
   * the call came in, then the message's place in it), then the messageId.
   * Rows stored before it was kept have their messageId here, as do events
   * pushed by a lead that predates it (left out).
   */
  ord?: string;
  ts: number;
  type: string;
  name: string;
  receivedAt: number;
  body: string;
}

export interface EventRow extends Record<string, SqlStorageValue> {
  message_id: string;
  /** Place in arrival order among the rows owed to destinations and the archive; 0: owed to no one. */
  seq: number;
  ord: string;
  ts: number;
  type: string;
  name: string;
  received_at: number;
  points: number;
  running_score: number;
  body: string;
  rule_id: string | null;
  base_points: number;
  state: string | null;
}

export interface EventStats {
  count: number;
  first: number | null;
  last: number | null;
}

/** A row of the log owed to the destinations and the archive (src: the lead's cursors), in arrival order. */
export interface OwedRow {
  seq: number;
  messageId: string;
  body: string;
}

/** Timeline rows that record a merge, a quiet stretch's decay or pruned events, rather than an event the lead did. */
export const MERGE_TYPE = "merge";
export const DECAY_TYPE = "decay";
/** Stands in for the events retention pruned: at the last one's place, with its running score and state. */
export const RETAINED_TYPE = "retained";
/** The running score's state after a row (the column `state`). */
const stateJson = new StoredJson<ScoreState>();
/** The body of the retained row: how many events retention dropped in all, and before when. */
const retainedJson = new StoredJson<{ type: typeof RETAINED_TYPE; eventsPruned: number; before: string }>();
const BOOKKEEPING = `('${MERGE_TYPE}', '${DECAY_TYPE}', '${RETAINED_TYPE}')`;
const BOOKKEEPING_TYPES: ReadonlySet<string> = new Set([MERGE_TYPE, DECAY_TYPE, RETAINED_TYPE]);
const decayId = (ts: number) => `${DECAY_TYPE}:${ts}`;
/** Event rows per INSERT: 13 values each, and a statement takes at most 100 bound values. */
const ROWS_PER_INSERT = 7;
/** Rows after which decay counts: events, and the baseline that stands for pruned ones. */
const DECAY_ANCHORS = `('${MERGE_TYPE}', '${DECAY_TYPE}')`;
const ACTIVITY_TYPES = "('track', 'page', 'screen')";

export type Scorer = (name: string, body: string) => RuleMatch;

/** The last row of the log: where the running score stands. `state` is null only for rows written before it was kept. */
export interface Tail {
  ts: number;
  ord: string;
  type: string;
  score: number;
  state: ScoreState | null;
}

export class EventLog {
  // Derived from the events table and kept in memory only: counted once per
  // activation, then moved along by each insert (no write per event).
  private statsCache: EventStats | undefined;
  private tailCache: Tail | null | undefined;
  /** The stage the last recorded stage change went to (null: none recorded). */
  private stageCache: Stage | null | undefined;
  /** The highest seq given (rows, or cursors past deleted rows); the next row owed takes the one after. */
  private seqTop: number | undefined;
  /** Rows owed with a seq above `owedFloor`, inserted during this activation: the channels read them without a scan. */
  private owedRecent: OwedRow[] = [];
  private owedFloor = 0;

  constructor(
    private readonly sql: SqlStorage,
    /** The cursors: the next seq given is past them too. */
    private readonly meta: LeadMeta,
  ) {}

  forget(): void {
    this.statsCache = undefined;
    this.tailCache = undefined;
    this.stageCache = undefined;
    this.seqTop = undefined;
    this.owedRecent = [];
  }

  /** Every row goes (the lead was merged away and its survivor holds them). */
  deleteAll(): void {
    // The cursors are saved first: with the rows gone they alone keep seqs from being given twice.
    this.meta.saveUnsaved("all");
    this.sql.exec("DELETE FROM events");
    this.forget();
  }

  /** The highest seq given so far (0: none). */
  topSeq(): number {
    if (this.seqTop === undefined) {
      const top = this.sql.exec<{ top: number }>("SELECT coalesce(max(seq), 0) AS top FROM events").one().top;
      this.seqTop = Math.max(top, this.meta.deliveryCursor().upto, this.meta.archiveCursor());
      this.owedFloor = this.seqTop;
      this.owedRecent = [];
    }
    return this.seqTop;
  }

  private takeSeq(): number {
    this.seqTop = this.topSeq() + 1;
    return this.seqTop;
  }

  private noteOwed(row: OwedRow): void {
    this.owedRecent.push(row);
  }

  /** Up to `limit` rows owed after seq `after`, in arrival order: from memory when this activation inserted them all, else one scan. */
  owedAfter(after: number, limit: number): OwedRow[] {
    if (after >= this.topSeq()) return [];
    if (after >= this.owedFloor) return this.owedRecent.filter((row) => row.seq > after).slice(0, limit);
    return this.sql
      .exec<{ seq: number; message_id: string; body: string }>("SELECT seq, message_id, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", after, limit)
      .toArray()
      .map((r) => ({ seq: r.seq, messageId: r.message_id, body: r.body }));
  }

  /** The rows owed with a seq in (from, upto], for a batch sent again. */
  owedBetween(from: number, upto: number): OwedRow[] {
    return this.owedAfter(from, Number.MAX_SAFE_INTEGER).filter((row) => row.seq <= upto);
  }

  /** How many rows are owed after seq `after`. */
  owedCount(after: number): number {
    if (after >= this.topSeq()) return 0;
    if (after >= this.owedFloor) return this.owedRecent.filter((row) => row.seq > after).length;
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events WHERE seq > ?", after).one().n;
  }

  /** Every channel has confirmed the rows up to `seq`: memory lets them go. */
  releaseOwedThrough(seq: number): void {
    if (this.owedRecent.length > 0 && this.owedRecent[0]!.seq <= seq) this.owedRecent = this.owedRecent.filter((row) => row.seq > seq);
    this.owedFloor = Math.max(this.owedFloor, Math.min(seq, this.topSeq()));
  }

  /** The last row of the log, from which an event later than every row continues the score. */
  tail(): Tail | null {
    if (this.tailCache === undefined) {
      const row = this.sql
        .exec<{ ord: string; ts: number; type: string; running_score: number; state: string | null }>(
          "SELECT ord, ts, type, running_score, state FROM events ORDER BY ts DESC, ord DESC LIMIT 1",
        )
        .toArray()[0];
      this.tailCache = row
        ? { ts: row.ts, ord: row.ord, type: row.type, score: row.running_score, state: row.state ? stateJson.parse(row.state) : null }
        : null;
    }
    return this.tailCache;
  }

  /**
   * The common case, in a few statements: events that all come after the
   * last row, which is an event. They are folded on from the tail's state
   * (decay steps before, between and after them included) and inserted with
   * their final points and running scores, several rows per statement, so
   * no row is read or rewritten. Returns null when the events do not
   * qualify; then insertEvents and rescoreFrom do the general work.
   */
  appendInOrder(events: readonly StoredEvent[], score: Scorer, capOf: (ruleId: string) => number | null, now: number): StoredEvent[] | null {
    const tail = this.tail();
    if (tail && (BOOKKEEPING_TYPES.has(tail.type) || tail.state === null)) return null;
    const ordered = [...events].sort(compareOrder);
    const first = ordered[0];
    if (!first || (tail && compareOrder(first, tail) <= 0)) return null;
    const stats = this.eventStats();
    const matches = ordered.map((event) => score(event.name, event.body));
    const folded = foldScores(tail?.state ?? EMPTY_STATE, ordered.map((event, i) => ({ ts: event.ts, match: matches[i]!, isEvent: true })), now, capOf);
    const written = new Set<string>();
    for (const chunk of chunksOf(folded.filter((step) => step.kind === "row"), ROWS_PER_INSERT)) {
      const seqs = new Map<string, number>();
      const values = chunk.flatMap((step) => {
        const event = ordered[step.index]!;
        const match = matches[step.index]!;
        const seq = this.takeSeq();
        seqs.set(event.messageId, seq);
        return [event.messageId, seq, ordOf(event), event.ts, event.type, event.name, event.receivedAt, step.points, step.state.score, event.body, match.ruleId, match.points, stateJson.stringify(step.state)];
      });
      const inserted = this.sql.exec<{ message_id: string; seq: number; body: string }>(
        `INSERT INTO events (message_id, seq, ord, ts, type, name, received_at, points, running_score, body, rule_id, base_points, state)
         VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}
         ON CONFLICT (message_id) DO NOTHING RETURNING message_id, seq, body`,
        ...values,
      );
      for (const row of inserted) {
        written.add(row.message_id);
        this.noteOwed({ seq: row.seq, messageId: row.message_id, body: row.body });
      }
    }
    // A messageId repeated in `events` was inserted once, as its first copy.
    const fresh = ordered.filter((event) => written.delete(event.messageId));
    if (fresh.length === 0) return fresh;
    this.countEvents(stats, fresh);
    if (fresh.length < ordered.length) {
      // Some were held already, yet scored above as new: rescore what went in.
      this.rescoreFrom({ ts: fresh[0]!.ts, id: ordOf(fresh[0]!) }, capOf, now);
      return fresh;
    }
    for (const step of folded) if (step.kind === "decay") this.insertDecayRow(step, now);
    this.followStages(folded.map((step) => ({ ts: step.kind === "row" ? ordered[step.index]!.ts : step.ts, score: step.state.score })));
    const end = folded.at(-1)!;
    this.tailCache =
      end.kind === "row"
        ? { ts: ordered[end.index]!.ts, ord: ordOf(ordered[end.index]!), type: ordered[end.index]!.type, score: end.state.score, state: end.state }
        : { ts: end.ts, ord: decayId(end.ts), type: DECAY_TYPE, score: end.state.score, state: end.state };
    return fresh;
  }

  /** One row for a quiet stretch's decay (or the part of it after a merge row): its days, the total taken, the score after. */
  private insertDecayRow(step: { ts: number; days: number; points: number; state: ScoreState }, now: number): void {
    const since = new Date(step.ts - (step.days - 1) * DAY_MS).toISOString();
    this.sql.exec(
      `INSERT INTO events (message_id, seq, ord, ts, type, name, received_at, points, running_score, body, state)
       VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      decayId(step.ts),
      decayId(step.ts),
      step.ts,
      DECAY_TYPE,
      DECAY_TYPE,
      now,
      step.points,
      step.state.score,
      JSON.stringify({ type: DECAY_TYPE, days: step.days, since, scoreAfter: step.state.score }),
      stateJson.stringify(step.state),
    );
  }

  /**
   * Inserts the events whose messageId is new, each with the rule it matched
   * (`owed`: destinations and the archive are owed them; a merge's are not);
   * returns how many were new and the earliest of them, from which to rescore.
   */
  insertEvents(events: readonly StoredEvent[], score: Scorer, owed: boolean): { inserted: number; earliest?: { ts: number; id: string }; new: StoredEvent[] } {
    let inserted = 0;
    let earliest: StoredEvent | undefined;
    const fresh: StoredEvent[] = [];
    const statsBefore = this.eventStats();
    for (const event of events) {
      const match = event.type === MERGE_TYPE ? { ruleId: null, points: 0 } : score(event.name, event.body);
      const seq = owed && event.type !== MERGE_TYPE ? this.takeSeq() : 0;
      const cursor = this.sql.exec(
        `INSERT INTO events (message_id, seq, ord, ts, type, name, received_at, points, running_score, body, rule_id, base_points)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`,
        event.messageId,
        seq,
        ordOf(event),
        event.ts,
        event.type,
        event.name,
        event.receivedAt,
        event.body,
        match.ruleId,
        match.points,
      );
      if (cursor.rowsWritten === 0) continue;
      if (seq > 0) this.noteOwed({ seq, messageId: event.messageId, body: event.body });
      inserted++;
      fresh.push(event);
      if (!earliest || compareOrder(event, earliest) < 0) earliest = event;
    }
    const counted = fresh.filter((e) => e.type !== MERGE_TYPE);
    if (counted.length > 0) this.countEvents(statsBefore, counted);
    if (inserted > 0) this.tailCache = undefined;
    return { inserted, earliest: earliest && { ts: earliest.ts, id: ordOf(earliest) }, new: fresh };
  }

  /** Matches every event against (new) rules again; a full rescore must follow. */
  rematchAll(score: Scorer): void {
    const rows = this.sql
      .exec<{ message_id: string; name: string; body: string }>(`SELECT message_id, name, body FROM events WHERE type NOT IN ${BOOKKEEPING}`)
      .toArray();
    for (const row of rows) {
      const match = score(row.name, row.body);
      this.sql.exec("UPDATE events SET rule_id = ?, base_points = ? WHERE message_id = ?", match.ruleId, match.points, row.message_id);
    }
  }

  /**
   * Recomputes running scores from `from` onwards (everything when null),
   * starting from the state after the last event before it, and regenerates
   * the decay rows from there up to `now`.
   */
  rescoreFrom(from: { ts: number; id: string } | null, capOf: (ruleId: string) => number | null, now: number): void {
    type Anchor = { ord: string; ts: number; running_score: number; state: string | null };
    // The retention baseline, when there is one, is where every rescore starts at the latest.
    const anchor =
      (from
        ? this.sql
            .exec<Anchor>(
              `SELECT ord, ts, running_score, state FROM events WHERE type NOT IN ${BOOKKEEPING}
               AND (ts, ord) < (?, ?) ORDER BY ts DESC, ord DESC LIMIT 1`,
              from.ts,
              from.id,
            )
            .toArray()[0]
        : undefined) ??
      this.sql.exec<Anchor>("SELECT ord, ts, running_score, state FROM events WHERE type = ?", RETAINED_TYPE).toArray()[0];
    const start: ScoreState = anchor
      ? anchor.state
        ? stateJson.parse(anchor.state)
        : { score: anchor.running_score, ruleTotals: {}, lastEventTs: anchor.ts }
      : EMPTY_STATE;
    const after = (
      anchor
        ? this.sql.exec<EventRow>("SELECT * FROM events WHERE (ts, ord) > (?, ?) ORDER BY ts, ord", anchor.ts, anchor.ord)
        : this.sql.exec<EventRow>("SELECT * FROM events ORDER BY ts, ord")
    ).toArray();
    // Decay after the anchor is derived from the rows around it: dropped here, written anew by the fold.
    for (const row of after) if (row.type === DECAY_TYPE) this.sql.exec("DELETE FROM events WHERE message_id = ?", row.message_id);
    const rows = after.filter((row) => row.type !== DECAY_TYPE);
    const folded = foldScores(
      start,
      rows.map((r) => ({ ts: r.ts, match: { ruleId: r.rule_id, points: r.base_points }, isEvent: r.type !== MERGE_TYPE })),
      now,
      capOf,
    );
    for (const step of folded) {
      const state = stateJson.stringify(step.state);
      if (step.kind === "row") {
        const row = rows[step.index]!;
        if (row.points !== step.points || row.running_score !== step.state.score || row.state !== state) {
          this.sql.exec("UPDATE events SET points = ?, running_score = ?, state = ? WHERE message_id = ?", step.points, step.state.score, state, row.message_id);
        }
      } else this.insertDecayRow(step, now);
    }
    // The stage history after the anchor follows the rescored scores, in event time.
    this.sql.exec(anchor ? "DELETE FROM stage_changes WHERE at >= ?" : "DELETE FROM stage_changes", ...(anchor ? [anchor.ts] : []));
    this.stageCache = undefined;
    const path = folded.map((step) => ({ ts: step.kind === "row" ? rows[step.index]!.ts : step.ts, score: step.state.score }));
    this.followStages(anchor ? [{ ts: anchor.ts, score: start.score }, ...path] : path);
    this.tailCache = undefined;
  }

  /** Time of the last event (or of the baseline standing for pruned ones), from which decay counts. */
  lastEventTs(): number | undefined {
    const tail = this.tail();
    if (!tail) return undefined;
    if (!BOOKKEEPING_TYPES.has(tail.type)) return tail.ts;
    if (tail.state) return tail.state.lastEventTs ?? undefined;
    return this.sql
      .exec<{ ts: number }>(`SELECT ts FROM events WHERE type NOT IN ${DECAY_ANCHORS} ORDER BY ts DESC, ord DESC LIMIT 1`)
      .toArray()[0]?.ts;
  }

  /**
   * When the next decay step falls due, read off the last row alone (no
   * count of earlier steps): after an event, on day 8; after a decay row,
   * the day after it; after a merge, the first step at or after it. None
   * while the score is at its floor (0) or below.
   */
  nextDecayAt(): number | undefined {
    const tail = this.tail();
    const lastEventTs = this.lastEventTs();
    if (!tail || lastEventTs === undefined || tail.score <= 0) return undefined;
    if (!BOOKKEEPING_TYPES.has(tail.type)) return stepAt(lastEventTs, 1);
    const daysSince = (tail.ts - lastEventTs) / DAY_MS;
    const step = tail.type === DECAY_TYPE ? Math.round(daysSince) - DECAY_GRACE_DAYS + 1 : Math.ceil(daysSince) - DECAY_GRACE_DAYS;
    return stepAt(lastEventTs, Math.max(1, step));
  }

  /**
   * Records a stage change wherever the running score, row by row in event
   * time, crosses into another stage: so a late event inserted in its place
   * moves the history too, as in-order delivery would have had it.
   */
  private followStages(path: ReadonlyArray<{ ts: number; score: number }>): void {
    this.stageCache ??=
      this.sql.exec<{ to_stage: Stage }>("SELECT to_stage FROM stage_changes ORDER BY at DESC, rowid DESC LIMIT 1").toArray()[0]?.to_stage ?? null;
    for (const { ts, score } of path) {
      const stage = stageFor(score);
      if (stage === this.stageCache) continue;
      this.sql.exec("INSERT INTO stage_changes (at, from_stage, to_stage, score) VALUES (?, ?, ?, ?)", ts, this.stageCache, stage, score);
      this.stageCache = stage;
    }
  }

  stageChanges(): StageChange[] {
    return this.sql
      .exec<{ at: number; from_stage: Stage | null; to_stage: Stage; score: number }>("SELECT * FROM stage_changes ORDER BY at, rowid")
      .toArray()
      .map((r) => ({ at: new Date(r.at).toISOString(), from: r.from_stage, to: r.to_stage, score: r.score }));
  }

  /**
   * Retention: replaces every row up to the last event before `cutoff` with
   * one baseline row that keeps that event's place, running score and state,
   * so the scores of the rows after it, and the lead's score, do not change.
   * Decay rows after that event stay (they hold nothing personal). Returns how
   * many events went.
   */
  pruneBefore(cutoff: number, now: number): number {
    const last = this.sql
      .exec<EventRow>(`SELECT * FROM events WHERE ts < ? AND type NOT IN ${BOOKKEEPING} ORDER BY ts DESC, ord DESC LIMIT 1`, cutoff)
      .toArray()[0];
    if (!last) return 0;
    // As in deleteAll: the rows going may hold the highest seq, which the saved cursors must then hold.
    this.meta.saveUnsaved("all");
    const pruned = this.sql
      .exec<{ n: number }>(`SELECT count(*) AS n FROM events WHERE (ts, ord) <= (?, ?) AND type NOT IN ${BOOKKEEPING}`, last.ts, last.ord)
      .one().n;
    const previous = this.sql.exec<{ body: string }>("SELECT body FROM events WHERE type = ?", RETAINED_TYPE).toArray()[0];
    const prunedBefore = previous ? retainedJson.parse(previous.body).eventsPruned : 0;
    this.sql.exec("DELETE FROM events WHERE (ts, ord) <= (?, ?) OR type = ?", last.ts, last.ord, RETAINED_TYPE);
    const state = last.state ?? stateJson.stringify({ score: last.running_score, ruleTotals: {}, lastEventTs: last.ts });
    this.sql.exec(
      `INSERT INTO events (message_id, seq, ord, ts, type, name, received_at, points, running_score, body, state)
       VALUES (?, 0, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
      last.message_id,
      last.ord,
      last.ts,
      RETAINED_TYPE,
      RETAINED_TYPE,
      now,
      last.running_score,
      retainedJson.stringify({ type: RETAINED_TYPE, eventsPruned: prunedBefore + pruned, before: new Date(cutoff).toISOString() }),
      state,
    );
    this.forget();
    return pruned;
  }

  /** Time of the oldest event held (not bookkeeping), for the next retention alarm. */
  oldestEventTs(): number | null {
    return this.eventStats().first;
  }

  /** Every row, in order, for an export. */
  allRows(): EventRow[] {
    return this.sql.exec<EventRow>("SELECT * FROM events ORDER BY ts, ord").toArray();
  }

  /** Canonical names of events since `since`, for the next-best-action rules. */
  eventNamesSince(since: number): string[] {
    return this.sql
      .exec<{ name: string }>(`SELECT DISTINCT name FROM events WHERE ts > ? AND type NOT IN ${BOOKKEEPING}`, since)
      .toArray()
      .map((r) => r.name);
  }

  activity(): number[] {
    return this.sql.exec<{ ts: number }>(`SELECT ts FROM events WHERE type IN ${ACTIVITY_TYPES}`).toArray().map((r) => r.ts);
  }

  /** Every event row, in order, for moving to another lead. */
  allEvents(): StoredEvent[] {
    return this.sql
      .exec<EventRow>(`SELECT * FROM events WHERE type NOT IN ${BOOKKEEPING} ORDER BY ts, ord`)
      .toArray()
      .map((r) => ({ messageId: r.message_id, ord: r.ord, ts: r.ts, type: r.type, name: r.name, receivedAt: r.received_at, body: r.body }));
  }

  hasEvents(): boolean {
    return this.sql.exec("SELECT 1 FROM events LIMIT 1").toArray().length > 0;
  }

  /** The running score of the last row. */
  behaviourScore(): number {
    return this.tail()?.score ?? 0;
  }

  /** Count and time span of the lead's events: one scan per activation, then kept up to date in memory. */
  eventStats(): EventStats {
    this.statsCache ??= this.sql
      .exec<{ count: number; first: number | null; last: number | null }>(
        `SELECT count(*) AS count, min(ts) AS first, max(ts) AS last FROM events WHERE type NOT IN ${BOOKKEEPING}`,
      )
      .one();
    return { ...this.statsCache };
  }

  private countEvents(stats: EventStats, added: readonly StoredEvent[]): void {
    for (const event of added) {
      stats.count++;
      stats.first = stats.first === null ? event.ts : Math.min(stats.first, event.ts);
      stats.last = stats.last === null ? event.ts : Math.max(stats.last, event.ts);
    }
    this.statsCache = stats;
  }

  /** Events per hour (index: ts / HOUR_MS) from hour `fromHour` on, for the overview's events-per-hour chart. */
  eventsPerHour(fromHour: number): Record<string, number> {
    const rows = this.sql
      .exec<{ hour: number; events: number }>(
        `SELECT ts / ${HOUR_MS} AS hour, count(*) AS events FROM events WHERE ts >= ? AND type NOT IN ${BOOKKEEPING} GROUP BY hour`,
        fromHour * HOUR_MS,
      )
      .toArray();
    return Object.fromEntries(rows.map((r) => [String(r.hour), r.events]));
  }

  /** The velocity weight of the last 24 h (see src/scoring/velocity.ts), summed by SQLite in one row. */
  velocityWeight(now: number): number {
    return this.sql
      .exec<{ weight: number | null }>(
        `SELECT sum(1.0 - (? - ts) / ?) AS weight FROM events WHERE ts > ? AND ts <= ? AND type IN ${ACTIVITY_TYPES}`,
        now,
        DAY_MS,
        now - DAY_MS,
        now,
      )
      .one().weight ?? 0;
  }

  timelinePage(limit: number, after?: { ts: number; id: string }): EventRow[] {
    return after
      ? this.sql
          .exec<EventRow>("SELECT * FROM events WHERE (ts, ord) > (?, ?) ORDER BY ts, ord LIMIT ?", after.ts, after.id, limit)
          .toArray()
      : this.sql.exec<EventRow>("SELECT * FROM events ORDER BY ts, ord LIMIT ?", limit).toArray();
  }
}

function ordOf(event: Pick<StoredEvent, "ord" | "messageId">): string {
  return event.ord ?? event.messageId;
}

function compareOrder(a: { ts: number; ord?: string; messageId?: string }, b: { ts: number; ord?: string; messageId?: string }): number {
  const [x, y] = [a.ord ?? a.messageId ?? "", b.ord ?? b.messageId ?? ""];
  return a.ts !== b.ts ? a.ts - b.ts : x < y ? -1 : x > y ? 1 : 0;
}
