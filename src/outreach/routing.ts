/** A namespace keyword as stored: lower case, its words joined by single spaces. */
export function normalizeKeyword(keyword: string): string {
  return words(keyword).join(" ");
}

export interface RoutingKeyword {
  keyword: string;
  namespaceId: string;
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/**
 * The namespace a campaign belongs to: a keyword matches when its words
 * appear in the campaign name as whole words, in order (case and punctuation
 * ignored). The longest matching keyword wins; between equally long ones,
 * the one that appears first in the name, then the alphabetically first.
 */
export function routeCampaign(campaignName: string, keywords: readonly RoutingKeyword[]): string | undefined {
  const name = words(campaignName);
  let best: { length: number; at: number; keyword: string; namespaceId: string } | undefined;
  for (const { keyword, namespaceId } of keywords) {
    const wanted = keyword.split(" ").filter((w) => w.length > 0);
    if (wanted.length === 0) continue;
    const at = indexOfRun(name, wanted);
    if (at < 0) continue;
    const candidate = { length: keyword.length, at, keyword, namespaceId };
    if (!best || better(candidate, best)) best = candidate;
  }
  return best?.namespaceId;
}

function better(a: { length: number; at: number; keyword: string }, b: { length: number; at: number; keyword: string }): boolean {
  if (a.length !== b.length) return a.length > b.length;
  if (a.at !== b.at) return a.at < b.at;
  return a.keyword < b.keyword;
}

function indexOfRun(haystack: readonly string[], needle: readonly string[]): number {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((w, j) => haystack[i + j] === w)) return i;
  }
  return -1;
}
