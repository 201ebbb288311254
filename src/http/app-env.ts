import type { Caller, Namespace, IngestNamespace } from "../db/tenants";
import type { Org } from "../db/orgs";
import type { WebhookSource } from "../outreach/store";
import type { JsonBody } from "../ingest/body";
import type { Credential } from "./policy";

export type { Caller };

/** hono's typing of this Worker: its bindings and what the authorize middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** The credential that let the call in; unset for a call without one (public routes). */
    credential?: Credential;
    /** The namespace a call acts on: an API key's or org key's own, or the one the admin token names. */
    namespace: Namespace;
    /** The lead-service organisation a call acts for. */
    org: Org;
    /** The source whose write key an ingest call came with. */
    source: IngestNamespace;
    /** The webhook source a Lemlist/Smartlead hook came for. */
    webhookSource: WebhookSource;
    /** The body of an ingest or webhook call: the authorize step read it, since the credential may be in it. */
    body: JsonBody;
    /** The API key a management call came with; unset for the admin token. */
    apiKeyId?: string;
    /** What that API key may do; unset for the admin token (which may do everything). */
    apiKeyScope?: "read" | "write";
    /** When that API key stops working (a rotated key's grace); null for a current key. */
    apiKeyValidUntil?: number | null;
    /** Who calls: the admin token (every namespace) or one namespace's API key. Unset for write keys, org keys and public calls. */
    caller: Caller;
  };
}
