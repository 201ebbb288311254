import { database } from "./database";
import { forgetDeliveryTargets } from "./delivery-targets-cache";
import { and, eq } from "drizzle-orm";
import { automationFirings, automations } from "./schema";
import { AUTOMATION_ACTION, open, seal } from "./sealed";
import type { AutomationAction, AutomationTrigger } from "../automations/triggers";
import type { Automation, AutomationInput } from "../contracts/delivery-rows";
import { StoredJson } from "../stored-json";

const triggerJson = new StoredJson<AutomationTrigger>();
const actionJson = new StoredJson<AutomationAction>();

export type { Automation, AutomationInput };

/** The action (a Slack URL, a webhook's signing secret) is sealed at rest: see src/secrets/cipher.ts. */
const toAutomation = async (db: D1Database, row: typeof automations.$inferSelect): Promise<Automation> => ({
  ...row,
  trigger: triggerJson.parse(row.trigger),
  action: actionJson.parse(await open(db, AUTOMATION_ACTION, row.id, row.action)),
});

export async function createAutomation(db: D1Database, namespaceId: string, input: AutomationInput): Promise<Automation> {
  const id = crypto.randomUUID();
  const row = { id, namespaceId, ...input, trigger: triggerJson.stringify(input.trigger), action: await seal(AUTOMATION_ACTION, id, actionJson.stringify(input.action)), createdAt: Date.now() };
  await database(db).insert(automations).values(row);
  forgetDeliveryTargets(namespaceId);
  return { ...row, trigger: input.trigger, action: input.action };
}

export async function listAutomations(db: D1Database, namespaceId: string, onlyEnabled = false): Promise<Automation[]> {
  const where = onlyEnabled ? and(eq(automations.namespaceId, namespaceId), eq(automations.enabled, true)) : eq(automations.namespaceId, namespaceId);
  const rows = await database(db).select().from(automations).where(where).orderBy(automations.createdAt).all();
  return Promise.all(rows.map((row) => toAutomation(db, row)));
}

export async function getAutomation(db: D1Database, namespaceId: string, id: string): Promise<Automation | undefined> {
  const row = await database(db)
    .select()
    .from(automations)
    .where(and(eq(automations.id, id), eq(automations.namespaceId, namespaceId)))
    .get();
  return row && toAutomation(db, row);
}

export async function updateAutomation(db: D1Database, namespaceId: string, id: string, input: AutomationInput): Promise<Automation | undefined> {
  const row = await database(db)
    .update(automations)
    .set({ ...input, trigger: triggerJson.stringify(input.trigger), action: await seal(AUTOMATION_ACTION, id, actionJson.stringify(input.action)) })
    .where(and(eq(automations.id, id), eq(automations.namespaceId, namespaceId)))
    .returning()
    .get();
  forgetDeliveryTargets(namespaceId);
  return row && { ...row, trigger: input.trigger, action: input.action };
}

export async function deleteAutomation(db: D1Database, namespaceId: string, id: string): Promise<boolean> {
  const row = await database(db)
    .delete(automations)
    .where(and(eq(automations.id, id), eq(automations.namespaceId, namespaceId)))
    .returning({ id: automations.id })
    .get();
  forgetDeliveryTargets(namespaceId);
  return row !== undefined;
}

export async function hasFired(db: D1Database, automationId: string, leadId: string, day: string): Promise<boolean> {
  const row = await database(db)
    .select({ day: automationFirings.day })
    .from(automationFirings)
    .where(and(eq(automationFirings.automationId, automationId), eq(automationFirings.leadId, leadId), eq(automationFirings.day, day)))
    .get();
  return row !== undefined;
}

export async function recordFiring(db: D1Database, automationId: string, leadId: string, day: string): Promise<void> {
  await database(db).insert(automationFirings).values({ automationId, leadId, day, firedAt: Date.now() }).onConflictDoNothing();
}
