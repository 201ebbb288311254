/** CSV (RFC 4180) of listed leads: a header line, then one line per lead. */
export const LEAD_CSV_COLUMNS = ["id", "email", "userId", "score", "behaviourScore", "icpScore", "stage", "grade", "velocity", "conversionProbability", "eventCount", "firstSeen", "lastActivity", "company", "name"] as const;

type CsvLead = Record<(typeof LEAD_CSV_COLUMNS)[number], string | number | null>;

/** Quotes a field when it holds a comma, quote or line break; a leading =,+,-,@ is defused so spreadsheets don't run it as a formula. */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvHeader = (): string => `${LEAD_CSV_COLUMNS.join(",")}\r\n`;

export const csvLine = (lead: CsvLead): string => `${LEAD_CSV_COLUMNS.map((c) => csvField(lead[c])).join(",")}\r\n`;
