/**
 * Who a lead is, as identify calls describe it: the few contact traits the
 * seed APIs show (name, company, title, phone). Bounded: only these keys, and
 * each value cut to MAX_PROFILE_VALUE characters.
 */
export interface Profile {
  name?: string;
  company?: string;
  title?: string;
  phone?: string;
}

const MAX_PROFILE_VALUE = 200;

const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim().slice(0, MAX_PROFILE_VALUE) : undefined);

/** Reads the profile from identify traits (`name`, else `firstName lastName`; `company` as a string or `company.name`). */
export function profileFromTraits(traits: Record<string, unknown>): Profile {
  const company = typeof traits.company === "object" && traits.company !== null ? (traits.company as Record<string, unknown>).name : traits.company;
  const first = text(traits.firstName ?? traits.first_name);
  const last = text(traits.lastName ?? traits.last_name);
  const found: Profile = {};
  const name = text(traits.name) ?? text([first, last].filter(Boolean).join(" "));
  if (name) found.name = name;
  const companyName = text(company);
  if (companyName) found.company = companyName;
  const title = text(traits.title ?? traits.job_title);
  if (title) found.title = title;
  const phone = text(traits.phone);
  if (phone) found.phone = phone;
  return found;
}
