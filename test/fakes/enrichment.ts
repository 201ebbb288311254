import { FakeService } from "./fake-service";

export interface CompanyGuess {
  name: string;
  employees?: number;
  annualRevenue?: number;
  fundingStage?: string;
  confidence: number;
}

/**
 * The enrichment providers' keys (the same as the fakes check): the suite runs
 * without them (vitest.config.ts), so a lead's new email is looked up by no
 * provider, quietly, unless a test installs these fakes, which set them.
 */
const LLM_VARS = { LLM_API_KEY: "llm-key" };
const HUNTER_VARS = { HUNTER_API_KEY: "hunter-key" };
const APOLLO_VARS = { APOLLO_API_KEY: "apollo-key" };

/** An OpenAI-compatible chat completions API that guesses companies by the domain named in the prompt. */
export const llmFake = (guesses: Record<string, CompanyGuess>) =>
  new FakeService("llm.fake", (r) => {
    if (r.headers.get("Authorization") !== "Bearer llm-key") return Response.json({ error: { message: "bad key" } }, { status: 401 });
    const prompt: string = JSON.parse(r.body).messages.at(-1).content;
    const domain = prompt.replace("Email domain: ", "");
    const guess = guesses[domain];
    const content = guess
      ? { company: { name: guess.name, domain, employees: guess.employees ?? null, annualRevenue: guess.annualRevenue ?? null, fundingStage: guess.fundingStage ?? null }, confidence: guess.confidence }
      : { company: null, confidence: 0 };
    return Response.json({ id: "chatcmpl-1", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: JSON.stringify(content) }, finish_reason: "stop" }] });
  }, LLM_VARS);

export interface HunterPerson {
  givenName: string;
  familyName: string;
  title: string;
  company: string;
  domain: string;
  employees?: string;
  annualRevenue?: string;
}

/** Hunter's people/find and companies/find; the key goes in `api_key`, 404 when unknown. */
export const hunterFake = (people: Record<string, HunterPerson>) =>
  new FakeService("hunter.fake", (r) => {
    if (r.url.searchParams.get("api_key") !== "hunter-key") return Response.json({ errors: [{ id: "authentication_failed" }] }, { status: 401 });
    if (r.url.pathname === "/v2/people/find") {
      const person = people[r.url.searchParams.get("email") ?? ""];
      if (!person) return Response.json({ errors: [{ id: "not_found" }] }, { status: 404 });
      return Response.json({
        data: {
          name: { fullName: `${person.givenName} ${person.familyName}`, givenName: person.givenName, familyName: person.familyName },
          employment: { domain: person.domain, name: person.company, title: person.title },
          linkedin: { handle: person.givenName.toLowerCase() },
        },
      });
    }
    if (r.url.pathname === "/v2/companies/find") {
      const person = Object.values(people).find((p) => p.domain === r.url.searchParams.get("domain"));
      if (!person) return Response.json({ errors: [{ id: "not_found" }] }, { status: 404 });
      return Response.json({ data: { name: person.company, domain: person.domain, metrics: { employees: person.employees, annualRevenue: person.annualRevenue } } });
    }
    return new Response("not found", { status: 404 });
  }, HUNTER_VARS);

export interface ApolloPerson {
  firstName: string;
  lastName: string;
  title: string;
  company: string;
  employees: number;
  annualRevenue: number;
  fundingStage: string;
}

/** Apollo's people/match: `{person: null}` when unknown; X-Api-Key required. */
export const apolloFake = (people: Record<string, ApolloPerson>) =>
  new FakeService("apollo.fake", (r) => {
    if (r.headers.get("X-Api-Key") !== "apollo-key") return Response.json({ error: "invalid api key" }, { status: 401 });
    const person = people[r.url.searchParams.get("email") ?? ""];
    if (!person) return Response.json({ person: null });
    return Response.json({
      person: {
        first_name: person.firstName,
        last_name: person.lastName,
        name: `${person.firstName} ${person.lastName}`,
        title: person.title,
        linkedin_url: null,
        organization: {
          name: person.company,
          primary_domain: "example.com",
          estimated_num_employees: person.employees,
          annual_revenue: person.annualRevenue,
          latest_funding_stage: person.fundingStage,
        },
      },
    });
  }, APOLLO_VARS);
