import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";

type Env = { LEAD: DurableObjectNamespace<LeadObject> };
type Message = { userId: string; messageId: string };

export class LeadObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The primary key is the unique index any messageId dedupe needs, so the
    // ceiling pays for it too.
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS events(message_id TEXT PRIMARY KEY, body TEXT NOT NULL)",
    );
  }

  append(events: { messageId: string; body: string }[]): number {
    for (const e of events) {
      this.ctx.storage.sql.exec(
        "INSERT INTO events(message_id, body) VALUES (?, ?)",
        e.messageId,
        e.body,
      );
    }
    return events.length;
  }
}

const app = new Hono<{ Bindings: Env }>();

app.post("/v1/track", async (c) => {
  const msg = await c.req.json<Message>();
  await c.env.LEAD.getByName(msg.userId).append([
    { messageId: msg.messageId, body: JSON.stringify(msg) },
  ]);
  return c.json({ success: true });
});

app.post("/v1/batch", async (c) => {
  const { batch } = await c.req.json<{ batch: Message[] }>();
  const byLead = new Map<string, { messageId: string; body: string }[]>();
  for (const msg of batch) {
    let list = byLead.get(msg.userId);
    if (!list) byLead.set(msg.userId, (list = []));
    list.push({ messageId: msg.messageId, body: JSON.stringify(msg) });
  }
  await Promise.all(
    [...byLead].map(([userId, events]) => c.env.LEAD.getByName(userId).append(events)),
  );
  return c.json({ success: true });
});

export default app;
