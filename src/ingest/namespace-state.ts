/** What a lead object is told of its namespace with each ingest call, as the Worker last saw it. */
export interface NamespaceState {
  /** Newer than the lead's own scoring version: the lead loads the namespace's scoring and rescores. */
  scoringVersion: number;
  /** Whether an enabled destination or automation, or the event archive, could want the lead's events: without one, no outbox is kept. */
  deliveries: boolean;
  /**
   * The outbox is kept for the archive alone (no destination or automation):
   * the lead hands its batches to its archive shard itself, not through the
   * destinations queue. Absent: through the queue, which archives them too.
   */
  archiveOnly?: boolean;
}

/** For callers that do not know: default scoring, and an outbox kept in case. */
export const UNKNOWN_NAMESPACE_STATE: NamespaceState = { scoringVersion: 0, deliveries: true };
