/**
 * The lead's identities (with their link and index state, see the merge
 * protocol in lead-merge.ts) and the conflicts it recorded with other leads.
 */
import type { Identity, IdentityKind } from "../src/ingest/normalize";
import type { Conflict, LinkedIdentity } from "../src/contracts/lead-rpc";
export type { Conflict, LinkedIdentity };
import { StoredJson } from "../src/stored-json";

/** A conflict's two lists of userIds (the columns `user_ids`, `other_user_ids`). */
const userIdsJson = new StoredJson<string[]>();

export class LeadIdentities {
  /** Read several times per call; the object is the only writer, so the cache is written through. */
  private cache: Identity[] | undefined;

  constructor(private readonly sql: SqlStorage) {}

  forget(): void {
    this.cache = undefined;
  }

  /** Every identity goes (the lead was merged away and its survivor holds them). */
  deleteAll(): void {
    this.sql.exec("DELETE FROM identities");
    this.cache = [];
  }

  /** Identities with their link state, for moving to another lead. */
  toMove(): LinkedIdentity[] {
    return this.sql
      .exec<{ kind: IdentityKind; value: string; linked: number; explicit: number }>("SELECT kind, value, linked, explicit FROM identities")
      .toArray()
      .map((r) => ({ kind: r.kind, value: r.value, linked: r.linked === 1, explicit: r.explicit === 1 }));
  }

  all(): Identity[] {
    this.cache ??= this.sql.exec<{ kind: IdentityKind; value: string }>("SELECT kind, value FROM identities ORDER BY kind, value").toArray();
    return this.cache;
  }

  has(identity: Identity): boolean {
    return this.all().some((i) => i.kind === identity.kind && i.value === identity.value);
  }

  userIds(): string[] {
    return this.sql.exec<{ value: string }>("SELECT value FROM identities WHERE kind = 'userId' ORDER BY value").toArray().map((r) => r.value);
  }

  /**
   * Adds an identity unless known; `linked` says its home object already
   * leads here, `explicit` that an alias asked for the join. Returns whether it was new.
   */
  add(identity: LinkedIdentity): boolean {
    if (this.has(identity)) return false;
    this.sql.exec(
      "INSERT INTO identities (kind, value, linked, explicit) VALUES (?, ?, ?, ?)",
      identity.kind,
      identity.value,
      identity.linked ? 1 : 0,
      identity.explicit ? 1 : 0,
    );
    this.cache = undefined;
    return true;
  }

  remove(identity: Identity): void {
    this.sql.exec("DELETE FROM identities WHERE kind = ? AND value = ?", identity.kind, identity.value);
    this.cache = undefined;
  }

  unlinked(): LinkedIdentity[] {
    return this.sql
      .exec<{ kind: IdentityKind; value: string; explicit: number }>("SELECT kind, value, explicit FROM identities WHERE linked = 0")
      .toArray()
      .map((r) => ({ kind: r.kind, value: r.value, linked: false, explicit: r.explicit === 1 }));
  }

  markLinked(identity: Identity): void {
    this.sql.exec("UPDATE identities SET linked = 1 WHERE kind = ? AND value = ?", identity.kind, identity.value);
  }

  /** Linked identities not yet published to the D1 index. */
  unindexed(): Identity[] {
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
      userIdsJson.stringify(conflict.userIds),
      userIdsJson.stringify(conflict.otherUserIds),
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
        userIds: userIdsJson.parse(r.user_ids),
        otherUserIds: userIdsJson.parse(r.other_user_ids),
        at: new Date(r.at).toISOString(),
      }));
  }
}
