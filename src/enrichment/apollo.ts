import { compact, parseAmount, text } from "./amounts";
import { providerFetch, type EnrichmentProvider } from "./types";

type Json = Record<string, any>;

/** Apollo's people match: person and organisation in one call. */
export const apolloProvider: EnrichmentProvider = {
  name: "apollo",
  costMicros: 40_000,
  // Apollo's lower plans allow about 100 calls per minute (the seed spaced calls 600 ms apart).
  limitPerMinute: 100,
  apiKey: (env) => env.APOLLO_API_KEY || undefined,
  async lookup(email, env, apiKey) {
    const response = await providerFetch(
      "apollo",
      `${env.APOLLO_API_URL}/people/match?reveal_personal_emails=false&reveal_phone_number=false&email=${encodeURIComponent(email)}`,
      {
        method: "POST",
        headers: { "X-Api-Key": apiKey, "Content-Type": "application/json", "Cache-Control": "no-cache" },
        body: JSON.stringify({ email }),
      },
    );
    const person: Json | null | undefined = response ? ((await response.json()) as Json).person : null;
    if (!person) return null;
    const org: Json = person.organization ?? {};
    return {
      person: compact({
        firstName: text(person.first_name),
        lastName: text(person.last_name),
        fullName: text(person.name),
        title: text(person.title),
        linkedinUrl: text(person.linkedin_url),
      }),
      organization: compact({
        name: text(org.name),
        domain: text(org.primary_domain),
        industry: text(org.industry),
        employees: parseAmount(org.estimated_num_employees),
        annualRevenue: parseAmount(org.annual_revenue),
        fundingStage: text(org.latest_funding_stage),
        totalFunding: parseAmount(org.total_funding),
      }),
      confidence: 100,
    };
  },
};
