import { z } from "zod";
import { queryObject } from "./query";

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a day as YYYY-MM-DD").refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), "not a real day");

/** GET /api/archive/files: the days to list (both included); by default the last 7 days. */
export const archiveFilesQuery = queryObject({ from: day.optional(), to: day.optional(), manifests: z.enum(["true", "false"]).optional() })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: "from is after to", path: ["from"] });
