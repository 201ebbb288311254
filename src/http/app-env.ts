import type { Namespace } from "../db/tenants";
import type { Org } from "../db/orgs";

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
  };
}
