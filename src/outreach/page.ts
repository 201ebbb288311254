import type { Mapped } from "./types";

/** Activity times (ms) a run keeps; an open end keeps everything on that side. */
export interface ActivityWindow {
  from?: number;
  to?: number;
}

/** One page of a tool's activity: mapped activities, how many records were read, where the next page starts, and whether this was the last. */
export interface PageResult<P> {
  activities: Mapped[];
  read: number;
  next: P;
  done: boolean;
  /** Records there are to read in all, when the tool says (Smartlead's `total_stats`). */
  totalHint?: number;
}
