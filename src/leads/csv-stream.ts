import { listProjectedLeads, type LeadListQuery } from "../db/projection";
import { toListedLead } from "./listed";
import { csvHeader, csvLine } from "./csv";

/** Every projected lead the filters select, as CSV, read `pageSize` rows at a time as the reader pulls; `predicted` as for toListedLead. */
export function leadCsvStream(
  db: D1Database,
  namespaceId: string,
  filters: Omit<LeadListQuery, "limit" | "cursor">,
  pageSize: number,
  predicted: boolean,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: LeadListQuery["cursor"];
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvHeader()));
    },
    async pull(controller) {
      if (done) return controller.close();
      const rows = await listProjectedLeads(db, namespaceId, { ...filters, limit: pageSize, cursor });
      if (rows.length > 0) controller.enqueue(encoder.encode(rows.map((row) => csvLine(toListedLead(row, predicted))).join("")));
      const last = rows.at(-1);
      if (rows.length < pageSize || !last) done = true;
      else cursor = { value: last.sortValue, leadId: last.leadId };
    },
  });
}
