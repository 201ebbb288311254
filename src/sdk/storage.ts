import type { KeyValueStore } from "./queue";

/** localStorage when the browser lets us use it (blocked in some private modes and sandboxed frames). */
export function localStore(): KeyValueStore | undefined {
  try {
    const probe = "lf_probe";
    localStorage.setItem(probe, probe);
    localStorage.removeItem(probe);
    return localStorage;
  } catch {
    return undefined;
  }
}

export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(/;\s*/)) {
    const at = part.indexOf("=");
    if (part.slice(0, at) === name) return decodeURIComponent(part.slice(at + 1));
  }
  return undefined;
}

/** A first-party cookie for a year (the site's own domain, or `domain` to share it across subdomains). */
export function writeCookie(name: string, value: string, domain?: string): void {
  const secure = location.protocol === "https:" ? "; Secure" : "";
  const scope = domain ? `; domain=${domain}` : "";
  document.cookie = `${name}=${encodeURIComponent(value)}; path=/; max-age=31536000; SameSite=Lax${scope}${secure}`;
}

export function randomId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
