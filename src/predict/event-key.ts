import { canonicalEventName } from "../scoring/event-name";

/**
 * The activity key a stored event is counted under in features: a track
 * call by its canonical name (`Demo Requested` → `demo_requested`), a page
 * or screen view as `page:` + its page name, or the first path segment of its
 * URL when unnamed (`/pricing/teams` → `page:pricing`, `/` → `page:home`).
 * Identify, group and alias calls are not activity (null).
 */
export function eventKey(type: string, name: string, body: Record<string, unknown>): string | null {
  if (type === "track") return canonicalEventName(name) || null;
  if (type !== "page" && type !== "screen") return null;
  const pageName = typeof body.name === "string" ? canonicalEventName(body.name) : "";
  if (pageName) return `page:${pageName}`;
  const properties = (typeof body.properties === "object" && body.properties !== null ? body.properties : {}) as Record<string, unknown>;
  const path = typeof properties.path === "string" ? properties.path : typeof properties.url === "string" ? pathOf(properties.url) : "";
  const segment = canonicalEventName(path.split("/").find((s) => s.length > 0) ?? "");
  return `page:${segment || "home"}`;
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "";
  }
}
