// What the scoring rules' preview routes answer (src/routes/scoring-preview.ts), computed over a sample of the
// namespace's most recently active leads. Shared with the console's Rules screen.
import type { RulePreview } from "../scoring/preview";

/** How many leads the sample held, and at most how many it takes. */
interface Sampled {
  sampled: number;
  sampleLimit: number;
}

/** POST /api/scoring-rules/preview: the proposed rules' effect on the sample. */
export type PreviewAnswer = Sampled & RulePreview;

/** An event name the sample holds: how many events and leads, the points they scored, and what scores it. */
export interface SeenEvent {
  name: string;
  events: number;
  leads: number;
  points: number;
  scoredBy: "rule" | "default" | "nothing";
}

/** GET /api/scoring-rules/events: the event names seen, and the default points table. */
export interface SeenEventsAnswer extends Sampled {
  events: SeenEvent[];
  defaults: Record<string, number>;
}
