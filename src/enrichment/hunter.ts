import { compact, parseAmount, text } from "./amounts";
import { providerFetch, type EnrichmentProvider, type Organization } from "./types";

type Json = Record<string, any>;

/** Hunter's Enrichment API: the person by email, then their company by domain. The key goes in the query string. */
export const hunterProvider: EnrichmentProvider = {
  name: "hunter",
  costMicros: 25_000,
  // Hunter allows 15 requests per second and 500 per minute; each lookup makes up to two.
  limitPerMinute: 240,
  apiKey: (env) => env.HUNTER_API_KEY || undefined,
  async lookup(email, env, apiKey) {
    const found = await providerFetch("hunter", `${env.HUNTER_API_URL}/people/find?email=${encodeURIComponent(email)}&api_key=${apiKey}`);
    const data: Json | undefined = found ? ((await found.json()) as Json).data : undefined;
    if (!data) return null;
    const employment: Json = data.employment ?? {};
    const person = compact({
      firstName: text(data.name?.givenName),
      lastName: text(data.name?.familyName),
      fullName: text(data.name?.fullName),
      title: text(employment.title),
      linkedinUrl: data.linkedin?.handle ? `https://www.linkedin.com/in/${data.linkedin.handle}` : undefined,
    });
    let organization: Organization | null = compact({ name: text(employment.name), domain: text(employment.domain) });
    if (organization?.domain) {
      const company = await providerFetch("hunter", `${env.HUNTER_API_URL}/companies/find?domain=${encodeURIComponent(organization.domain)}&api_key=${apiKey}`);
      const companyData: Json | undefined = company ? ((await company.json()) as Json).data : undefined;
      if (companyData) {
        const metrics: Json = companyData.metrics ?? {};
        organization = compact({
          ...organization,
          name: text(companyData.name) ?? organization.name,
          industry: text(companyData.category?.industry),
          employees: parseAmount(metrics.employees),
          annualRevenue: parseAmount(metrics.annualRevenue ?? metrics.estimatedAnnualRevenue),
          totalFunding: parseAmount(metrics.raised),
        });
      }
    }
    return person || organization ? { person, organization, confidence: 100 } : null;
  },
};
