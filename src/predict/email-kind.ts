/** Webmail providers: an address at one of these says nothing about an employer. */
const FREE_EMAIL_DOMAINS: ReadonlySet<string> = new Set([
  "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "hotmail.com", "hotmail.co.uk", "outlook.com", "live.com",
  "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de",
  "mail.com", "mail.ru", "yandex.ru", "yandex.com", "qq.com", "163.com", "126.com", "zoho.com", "fastmail.com", "tutanota.com",
]);

/** Whether an email address is at a company domain or a free webmail provider; null when it is not an address. */
export function emailKind(email: string): "corporate" | "free" | null {
  const at = email.lastIndexOf("@");
  if (at <= 0 || at === email.length - 1) return null;
  return FREE_EMAIL_DOMAINS.has(email.slice(at + 1).trim().toLowerCase()) ? "free" : "corporate";
}
