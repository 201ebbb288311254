/** What a lead object is told of its namespace with each ingest call, as the Worker last saw it. */
export interface NamespaceState {
  /** Newer than the lead's own scoring version: the lead loads the namespace's scoring and rescores. */
  scoringVersion: number;
  /** Whether an enabled destination or automation could want the lead's events: without one, rows are owed to no destination. */
  deliveries: boolean;
}

/** For callers that do not know: default scoring, and deliveries assumed. */
export const UNKNOWN_NAMESPACE_STATE: NamespaceState = { scoringVersion: 0, deliveries: true };
