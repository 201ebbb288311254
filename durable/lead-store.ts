/**
 * One lead object's storage, by what each part owns: the event log with its
 * scoring fold (lead-log.ts), identities with conflicts (lead-identities.ts)
 * and the typed meta values with the log's cursors (lead-meta.ts).
 */
import { LeadIdentities } from "./lead-identities";
import { EventLog } from "./lead-log";
import { LeadMeta } from "./lead-meta";

export class LeadStore {
  readonly meta: LeadMeta;
  readonly log: EventLog;
  readonly identities: LeadIdentities;

  constructor(private readonly sql: SqlStorage) {
    this.meta = new LeadMeta(sql);
    this.log = new EventLog(sql, this.meta);
    this.identities = new LeadIdentities(sql);
  }

  /** After a failed transaction: every cache is read again. */
  forgetCaches(): void {
    this.meta.forget();
    this.identities.forget();
    this.log.forget();
  }

  /**
   * Erasure: drops everything the lead holds (events, identities, conflicts,
   * stage changes, meta with the cursors), keeping only the meta values
   * given, which mark the object as erased.
   */
  wipe(keep: Partial<Record<"erased" | "name", string>>): void {
    for (const table of ["events", "identities", "conflicts", "stage_changes", "meta"]) this.sql.exec(`DELETE FROM ${table}`);
    this.meta.dropUnsaved();
    this.forgetCaches();
    for (const [key, value] of Object.entries(keep)) this.meta.set(key as "erased" | "name", value);
  }

  /** A merged-away lead's copy goes once its survivor holds it. */
  deleteEventsAndIdentities(): void {
    this.log.deleteAll();
    this.identities.deleteAll();
  }
}
