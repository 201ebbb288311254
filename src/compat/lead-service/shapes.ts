/** Pure mappings from the core's lead-service answers to the Lead Service's (seed 002) shapes. */
import type { BufferedLead } from "../../lead-service/buffer";
import type { Enrichment } from "../../enrichment/enrich";
import type { Person, Organization } from "../../enrichment/types";

/** `/buffer/next`'s lead: what was pushed, with the push's brand, org and user. */
export function seedBufferedLead(lead: BufferedLead, id: string, clerkOrgId: string) {
  return {
    id,
    email: lead.email,
    externalId: lead.externalId,
    data: lead.data,
    brandId: lead.brandId,
    clerkOrgId,
    clerkUserId: lead.clerkUserId,
  };
}

/** Apollo's employee ranges, as the seed's `organizationSize` shows them. */
const SIZE_RANGES: ReadonlyArray<readonly [number, string]> = [
  [10, "1-10"],
  [50, "11-50"],
  [200, "51-200"],
  [500, "201-500"],
  [1000, "501-1000"],
  [5000, "1001-5000"],
  [10000, "5001-10000"],
];

export function organizationSize(employees: number | undefined): string | null {
  if (employees === undefined || employees <= 0) return null;
  return SIZE_RANGES.find(([max]) => employees <= max)?.[1] ?? "10001+";
}

/** The enrichment's person and organisation as the seed's flat fields. */
export function flatEnrichment(person: Person | null, organization: Organization | null) {
  return {
    firstName: person?.firstName ?? null,
    lastName: person?.lastName ?? null,
    title: person?.title ?? null,
    linkedinUrl: person?.linkedinUrl ?? null,
    organizationName: organization?.name ?? null,
    organizationDomain: organization?.domain ?? null,
    organizationIndustry: organization?.industry ?? null,
    organizationSize: organizationSize(organization?.employees),
  };
}

/** `POST /enrich`: `id` names the cache entry (one global entry per email; see ids.ts). */
export function seedEnrichment(result: Enrichment, id: string) {
  return { id, email: result.email, ...flatEnrichment(result.person, result.organization), found: result.found, cached: result.cached };
}

interface ServedRow extends BufferedLead {
  enrichment: { person: Person | null; organization: Organization | null } | null;
}

/** `GET /leads`: one served lead, `servedAt` in ISO (null for a lead a native caller claimed and has not acknowledged yet). */
export function seedServedLead(row: ServedRow, id: string, clerkOrgId: string) {
  const served = row.servedAt;
  const flat = row.enrichment ? flatEnrichment(row.enrichment.person, row.enrichment.organization) : null;
  return {
    id,
    email: row.email,
    namespace: row.namespace,
    brandId: row.brandId,
    clerkOrgId,
    clerkUserId: row.clerkUserId,
    servedAt: served === null ? null : new Date(served).toISOString(),
    enrichment: flat && { firstName: flat.firstName, lastName: flat.lastName, title: flat.title, organizationName: flat.organizationName },
  };
}
