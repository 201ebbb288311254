/**
 * hono route patterns (`/api/leads/:id`, `/sdk/:file{[0-9a-f]{12}\.js}`,
 * `/app/*`) matched against request paths, for the authorization policy:
 * it looks a request up before hono routes it, so it matches on its own.
 */

type Segment = { kind: "literal"; text: string } | { kind: "param"; name: string } | { kind: "rest" };

export interface RoutePattern {
  readonly pattern: string;
  readonly segments: readonly Segment[];
}

export function compilePattern(pattern: string): RoutePattern {
  const segments = splitPath(pattern).map((part): Segment => {
    if (part === "*") return { kind: "rest" };
    if (part.startsWith(":")) return { kind: "param", name: part.slice(1).replace(/\{.*\}$/, "").replace(/\?$/, "") };
    return { kind: "literal", text: part };
  });
  return { pattern, segments };
}

/** The path's parameters when it matches, else undefined. `*` matches the rest of the path (also nothing). */
export function matchPattern(route: RoutePattern, path: string | readonly string[]): Record<string, string> | undefined {
  const parts = typeof path === "string" ? splitPath(path) : path;
  if (route.segments.length > parts.length + 1) return undefined;
  const params: Record<string, string> = Object.create(null);
  for (const [index, segment] of route.segments.entries()) {
    if (segment.kind === "rest") return params;
    const part = parts[index];
    if (part === undefined) return undefined;
    if (segment.kind === "literal" && segment.text !== part) return undefined;
    if (segment.kind === "param") params[segment.name] = part;
  }
  return parts.length === route.segments.length ? params : undefined;
}

/**
 * Orders two patterns that match the same path: the one with a literal where
 * the other has a parameter or a rest comes first (`/api/leads/overview`
 * before `/api/leads/:id`), as a reader of the table would expect.
 */
export function moreSpecific(a: RoutePattern, b: RoutePattern): number {
  const rank = { literal: 0, param: 1, rest: 2 } as const;
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const left = a.segments[i];
    const right = b.segments[i];
    if (!left || !right) return left ? -1 : 1;
    const diff = rank[left.kind] - rank[right.kind];
    if (diff !== 0) return diff;
  }
  return 0;
}

export function splitPath(path: string): string[] {
  return path.split("/").filter((part) => part !== "");
}
