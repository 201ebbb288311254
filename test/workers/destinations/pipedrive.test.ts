import { expect } from "vitest";
import { destinationSuite } from "./analytics-crm-suite";
import { PIPEDRIVE_FIELDS, pipedriveFake } from "../../fakes/analytics-crm";

const body = (r: { body: string }): any => (r.body ? JSON.parse(r.body) : null);
const TOKEN = "pd-token-0123456789";

/** Pipedrive against its fake, through the real Worker: the person's score and stage fields follow the lead. */
destinationSuite({
  type: "pipedrive",
  config: { apiToken: TOKEN, fields: PIPEDRIVE_FIELDS },
  secret: ["apiToken", TOKEN],
  badConfig: { config: { apiToken: TOKEN, fields: { score: "not a key!" } }, field: "config.fields.score" },
  fake: () => pipedriveFake(),
  scoreOf: (f, _userId, email) => f.byEmail(email)?.[PIPEDRIVE_FIELDS.score],
  itemsOf: () => 1,
  maxItems: 1,
  // No events; per person a search and an update (or create) per round of its changes.
  maxCalls: 40,
  checkRequest: (r) => {
    expect(r.url.searchParams.get("api_token")).toBe(TOKEN);
    if (r.method === "GET") expect(Object.fromEntries(r.url.searchParams)).toMatchObject({ fields: "email", exact_match: "true", term: expect.stringMatching(/@example\.com$/) });
    else expect(body(r)).toMatchObject({ [PIPEDRIVE_FIELDS.score]: expect.any(Number), [PIPEDRIVE_FIELDS.stage]: expect.any(String) });
  },
  throttled: { status: 429, headers: { "Retry-After": "0" } },
  permanent: { status: 401, body: JSON.stringify({ success: false, error: "You need to be authorized to make this request.", errorCode: 401 }) },
});
