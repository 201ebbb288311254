/** Segment's `context.campaign`: the utm_* parameters of the page URL, `utm_campaign` as `name`. */
export type Campaign = Partial<Record<"name" | "source" | "medium" | "term" | "content", string>>;

export function campaignFrom(search: string): Campaign | undefined {
  const campaign: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(search)) {
    const field = key.toLowerCase().match(/^utm_(campaign|source|medium|term|content)$/)?.[1];
    if (field && value) campaign[field === "campaign" ? "name" : field] = value;
  }
  return Object.keys(campaign).length > 0 ? campaign : undefined;
}
