/** Sent by a lead object when it first holds an email. */
export interface EnrichmentMessage {
  namespaceId: string;
  /** The lead object's name; calls to a merged-away lead are passed on to its survivor. */
  lead: string;
  email: string;
}
