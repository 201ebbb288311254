import type { FieldIssue } from "../http/errors";

/** A message of an ingest call that was refused, by its index in the call (the answer's `rejected`, and the live stream's notice). */
export interface Rejection {
  index: number;
  code: "invalid_message" | "message_too_large";
  message: string;
  details?: FieldIssue[];
}
