// The fixed lists the leads and company views sort and filter by: read by the wire schemas and by the projection's queries.

/** Stages and grades from lowest to highest: they sort by rank, not alphabetically. */
export const STAGE_ORDER = ["cold", "warm", "hot", "qualified"] as const;
export const GRADE_ORDER = ["F", "D", "C", "C+", "B", "B+", "A", "A+"] as const;

/** The columns the leads list sorts on (every one it shows). */
export const LEAD_SORTS = ["score", "engagement", "fit", "stage", "grade", "velocity", "conversion_probability", "events", "last_activity", "first_seen", "company"] as const;

/** The company view's sorts. */
export const COMPANY_SORTS = ["company", "leads", "score_sum", "score_best", "grade", "stage", "events", "last_activity"] as const;
