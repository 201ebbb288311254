/**
 * The lead's summary for the D1 projection (lists, leaderboards, stats):
 * sent by the alarm to the lead's projection queue at most once per
 * PROJECTION_INTERVAL_SECONDS while the lead keeps changing (when, see
 * LeadCore.flushAt), and its removal once the lead is merged away. One mark
 * is written, once: that the projection holds the lead. The version is the
 * send time (kept increasing within the activation), which only needs to
 * grow from one summary of a lead to the next (they leave at least a delay
 * apart), and a fresh activation sends once more whether or not it has changed.
 */
import { leadCompany } from "../src/leads/company";
import { firstHourKept } from "../src/leads/hourly";
import { projectionQueue, type ProjectionMessage } from "../src/contracts/projection-queue";
import { PROJECTED, type LeadCore } from "./lead-core";
import type { LeadScores } from "./lead-scores";
import { refreshPrediction } from "./lead-prediction";

const ALARM_SLACK_MS = 250;

export class LeadProjection {
  private version = 0;

  constructor(
    private readonly core: LeadCore,
    private readonly scores: LeadScores,
  ) {}

  /** Sends the summary (or the removal) when the lead changed and one is due; else sets the alarm for when it is. */
  async flush(): Promise<void> {
    const { core, scores } = this;
    const { store } = core;
    if (!core.projectionDirty) return;
    const namespaceId = store.meta.get("namespace_id");
    if (namespaceId === undefined) return;
    // Due within a moment counts as due: an alarm set again for (about) the
    // time of the alarm now running can be dropped when this one completes.
    if (core.projectionDueAt - Date.now() > ALARM_SLACK_MS) return core.scheduleAlarm(core.projectionDueAt);
    // The conversion probability is computed here, once per summary (not per event); the snapshot below carries it.
    if (!core.forwardTo()) await refreshPrediction(core, namespaceId);
    const generation = core.changeGeneration;
    const version = Math.max(Date.now(), this.version + 1);
    const leadId = core.id;
    let message: ProjectionMessage;
    if (core.forwardTo()) message = { kind: "delete", namespaceId, leadId, version };
    else {
      const { id: _id, ...lead } = scores.snapshot();
      const stats = store.log.eventStats();
      const profile = scores.profile();
      message = {
        kind: "upsert",
        namespaceId,
        leadId,
        version,
        scoringVersion: scores.scoring().version,
        eventCount: stats.count,
        firstSeen: stats.first,
        lastActivity: stats.last,
        recentHours: store.log.eventsPerHour(firstHourKept(Date.now())),
        company: leadCompany(profile, lead.email),
        name: profile.name ?? null,
        ...lead,
      };
    }
    await projectionQueue(core.env(), leadId).send(message);
    this.version = version;
    if (message.kind === "upsert" && store.meta.get(PROJECTED) === undefined) store.meta.set(PROJECTED, "1");
    core.projectionDueAt = Date.now() + core.projectionIntervalMs();
    // A change while the send was awaited keeps the mark, for the next alarm.
    if (core.changeGeneration === generation) core.projectionDirty = false;
    else await core.scheduleAlarm(core.flushAt(Date.now()));
  }
}
