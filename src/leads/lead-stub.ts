/**
 * A lead object by its id (the hex id a lead is known by in the API, the
 * projection and queue messages). Throws a TypeError for a string that is
 * not an id of the LEAD namespace.
 */
export function leadStub(env: Pick<Env, "LEAD">, leadId: string) {
  return env.LEAD.get(env.LEAD.idFromString(leadId));
}
