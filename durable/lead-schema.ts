/**
 * The lead object's own SQLite schema, versioned by the object itself: each
 * step runs once, in order, and `schema_version` records how far it got.
 */
export const LEAD_SCHEMA_STEPS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE events (
     message_id TEXT PRIMARY KEY,
     ts INTEGER NOT NULL,
     type TEXT NOT NULL,
     name TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     points INTEGER NOT NULL,
     running_score INTEGER NOT NULL,
     body TEXT NOT NULL
   );
   CREATE INDEX events_in_order ON events (ts, message_id);
   CREATE TABLE identities (
     kind TEXT NOT NULL,
     value TEXT NOT NULL,
     linked INTEGER NOT NULL DEFAULT 0,
     indexed INTEGER NOT NULL DEFAULT 0,
     explicit INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (kind, value)
   );
   CREATE TABLE conflicts (
     other_lead TEXT NOT NULL,
     identity_kind TEXT NOT NULL,
     identity_value TEXT NOT NULL,
     user_ids TEXT NOT NULL,
     other_user_ids TEXT NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (other_lead, identity_kind, identity_value)
   );`,
  // Configurable scoring: the rule each event matched, its points before caps,
  // and the running state after each row (rule totals, last event time) so a
  // late event can be rescored from the row before it. Stage changes logged.
  `ALTER TABLE events ADD COLUMN rule_id TEXT;
   ALTER TABLE events ADD COLUMN base_points REAL NOT NULL DEFAULT 0;
   ALTER TABLE events ADD COLUMN state TEXT;
   CREATE TABLE stage_changes (
     at INTEGER NOT NULL,
     from_stage TEXT,
     to_stage TEXT NOT NULL,
     score REAL NOT NULL
   );`,
  // Outbox: what is owed to destinations, written with the events it comes
  // from; rows carry the id of the batch sent for them until it is confirmed.
  `CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     message_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     payload TEXT NOT NULL,
     batch_id TEXT
   );
   CREATE INDEX outbox_batch ON outbox (batch_id, seq);`,
  // Event counts are derived from the events table and the projection's
  // bookkeeping is kept in memory: no write per event or per summary.
  `DELETE FROM meta WHERE key IN ('event_stats', 'projection_dirty', 'projection_version');`,
  // Same-timestamp rows keep their arrival order (the call's time, then the
  // message's place in it) rather than their messageIds' order.
  `ALTER TABLE events ADD COLUMN ord TEXT NOT NULL DEFAULT '';
   UPDATE events SET ord = message_id;
   DROP INDEX events_in_order;
   CREATE INDEX events_in_order ON events (ts, ord);`,
  // The event log is the outbox: each row owed to destinations and the archive
  // has its place in arrival order (`seq`; 0 for rows owed to no one: merged-in
  // events, bookkeeping), and each channel keeps a cursor in meta instead of a
  // copy of every row. One row written per event: the messageId is the key,
  // no other index (rows are read in event order by a scan, rarely).
  `CREATE TABLE events_log (
     message_id TEXT PRIMARY KEY,
     seq INTEGER NOT NULL,
     ord TEXT NOT NULL,
     ts INTEGER NOT NULL,
     type TEXT NOT NULL,
     name TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     points INTEGER NOT NULL,
     running_score INTEGER NOT NULL,
     body TEXT NOT NULL,
     rule_id TEXT,
     base_points REAL NOT NULL DEFAULT 0,
     state TEXT
   ) WITHOUT ROWID;
   INSERT INTO events_log (message_id, seq, ord, ts, type, name, received_at, points, running_score, body, rule_id, base_points, state)
     SELECT message_id, CASE WHEN type IN ('merge', 'decay', 'retained') THEN 0 ELSE row_number() OVER (ORDER BY rowid) END,
            ord, ts, type, name, received_at, points, running_score, body, rule_id, base_points, state
     FROM events;
   DROP TABLE events;
   ALTER TABLE events_log RENAME TO events;
   INSERT INTO meta (key, value)
     SELECT 'owed_from', coalesce(
       (SELECT min(e.seq) - 1 FROM events e JOIN outbox o ON o.message_id = e.message_id WHERE e.seq > 0),
       (SELECT max(seq) FROM events))
     WHERE EXISTS (SELECT 1 FROM events);
   INSERT INTO meta (key, value)
     SELECT 'delivery_cursor', json_object('upto', CAST(value AS INTEGER),
       'changes', coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_count'), 0),
       'snapshot', json((SELECT value FROM meta WHERE key = 'last_snapshot')))
     FROM meta WHERE key = 'owed_from';
   INSERT INTO meta (key, value) SELECT 'archive_cursor', value FROM meta WHERE key = 'owed_from';
   DELETE FROM meta WHERE key IN ('owed_from', 'change_count', 'last_snapshot', 'delivery_batch', 'parked_batches');
   DROP TABLE outbox;`,
];

/**
 * What the steps above end with, for a lead seen for the first time: one script
 * instead of six (most leads are new once, and their first event waits for it).
 * The lead-schema test holds it equal to the steps' result.
 */
export const LEAD_SCHEMA_FRESH = `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE events (
    message_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    ord TEXT NOT NULL,
    ts INTEGER NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    points INTEGER NOT NULL,
    running_score INTEGER NOT NULL,
    body TEXT NOT NULL,
    rule_id TEXT,
    base_points REAL NOT NULL DEFAULT 0,
    state TEXT
  ) WITHOUT ROWID;
  CREATE TABLE identities (
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    linked INTEGER NOT NULL DEFAULT 0,
    indexed INTEGER NOT NULL DEFAULT 0,
    explicit INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, value)
  );
  CREATE TABLE conflicts (
    other_lead TEXT NOT NULL,
    identity_kind TEXT NOT NULL,
    identity_value TEXT NOT NULL,
    user_ids TEXT NOT NULL,
    other_user_ids TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (other_lead, identity_kind, identity_value)
  );
  CREATE TABLE stage_changes (
    at INTEGER NOT NULL,
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    score REAL NOT NULL
  );`;

export function migrateLeadSchema(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
  if (!row) {
    sql.exec(LEAD_SCHEMA_FRESH);
    sql.exec("INSERT INTO schema_version (version) VALUES (?)", LEAD_SCHEMA_STEPS.length);
    return;
  }
  if (row.version >= LEAD_SCHEMA_STEPS.length) return;
  for (let step = row.version; step < LEAD_SCHEMA_STEPS.length; step++) sql.exec(LEAD_SCHEMA_STEPS[step]!);
  sql.exec("UPDATE schema_version SET version = ?", LEAD_SCHEMA_STEPS.length);
}
