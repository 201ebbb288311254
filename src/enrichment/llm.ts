import { z } from "zod";
import { compact, parseAmount, text } from "./amounts";
import { emailDomain, ProviderError, providerFetch, type EnrichmentProvider } from "./types";

// Mailbox providers: their domain says nothing about anyone's company.
const FREE_MAIL = new Set([
  "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "msn.com", "icloud.com",
  "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "mail.com", "yandex.com", "zoho.com",
]);

const SYSTEM_PROMPT =
  "You identify the company behind an email domain. Answer with JSON only: " +
  '{"company": {"name": string, "domain": string, "industry": string, "employees": number, ' +
  '"annualRevenue": number, "fundingStage": string}, "confidence": integer 0-100}. ' +
  "Use null for anything you do not know; confidence is how sure you are the company is right.";

const completion = z.object({ choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1) });
const guess = z.object({
  company: z.record(z.string(), z.unknown()).nullable().optional(),
  confidence: z.coerce.number().min(0).max(100),
});

/**
 * An OpenAI-compatible chat completions API (OpenAI, Workers AI's and
 * Gemini's compatible endpoints…). Only the domain is sent, never the address.
 */
export const llmProvider: EnrichmentProvider = {
  name: "llm",
  costMicros: 300,
  limitPerMinute: 60,
  apiKey: (env) => env.LLM_API_KEY || undefined,
  async lookup(email, env, apiKey) {
    const domain = emailDomain(email);
    if (FREE_MAIL.has(domain)) return null;
    const response = await providerFetch("llm", `${env.LLM_API_URL}/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        model: env.LLM_MODEL,
        response_format: { type: "json_object" },
        temperature: 0,
        messages: [
          { role: "system", content: SYSTEM_PROMPT },
          { role: "user", content: `Email domain: ${domain}` },
        ],
      }),
    });
    if (!response) return null;
    const parsed = completion.safeParse(await response.json().catch(() => null));
    if (!parsed.success) throw new ProviderError("down", "llm: unexpected answer shape");
    let content: unknown;
    try {
      content = JSON.parse(parsed.data.choices[0]!.message.content);
    } catch {
      throw new ProviderError("down", "llm: the answer is not JSON");
    }
    const answer = guess.safeParse(content);
    if (!answer.success || !answer.data.company) return null;
    const company = answer.data.company;
    const organization = compact({
      name: text(company.name),
      domain: text(company.domain) ?? domain,
      industry: text(company.industry),
      employees: parseAmount(company.employees),
      annualRevenue: parseAmount(company.annualRevenue),
      fundingStage: text(company.fundingStage),
    });
    return organization ? { person: null, organization, confidence: Math.round(answer.data.confidence) } : null;
  },
};
