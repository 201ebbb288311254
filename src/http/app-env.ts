import type { Namespace } from "../db/tenants";
import type { Org } from "../db/orgs";

export type Caller = { kind: "admin" } | { kind: "namespace"; namespace: Namespace };

/** hono's typing of this Worker: its bindings and what middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** The namespace a management call acts on, set by `requireNamespace`. */
    namespace: Namespace;
    /** The lead-service organisation a call acts for, set by `requireOrg`. */
    org: Org;
    /** The API key a management call came with; unset for the admin token. */
    apiKeyId?: string;
    /** What that API key may do; unset for the admin token (which may do everything). */
    apiKeyScope?: "read" | "write";
    /** Who calls a route open to both: the admin token (every namespace) or one namespace's API key. Set by `requireCaller`. */
    caller: Caller;
  };
}
